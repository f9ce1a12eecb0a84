"""The initiative journey in the browser.

Access is decided in every view: `initiative_get` gives 404 to anyone who is not a member of a
party organisation, and services raise PermissionDenied (403) when a member's roles do not allow
the change. Views only read through selectors and change through services.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import yaml
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from accord.apps.accounts.models import User
from accord.apps.audit.selectors import audit_entries_for_initiative
from accord.apps.initiatives import forms as f
from accord.apps.initiatives import selectors, services
from accord.apps.initiatives.models import ConclusionDecision, DpiaRisk, Initiative
from accord.apps.organisations.models import Organisation
from accord.apps.organisations.selectors import roles_by_organisation
from accord.core import codes, fairness
from accord.core.access import ACTIONS, may_in_organisation
from accord.core.assessment.initiative import InvalidInitiative
from accord.core.dpia import needs_prior_consultation
from accord.core.filetypes import safe_filename
from accord.web.viewhelpers import signed_in_user, submitted


def _page(
    request: HttpRequest, template: str, initiative: Initiative, status: int = 200, **context: Any
) -> HttpResponse:
    user = signed_in_user(request)
    standing = selectors.standing_of(user=user, initiative=initiative)
    context["standing"] = standing
    # What this person may do here, for the templates: can.initiative_edit, can.dpia_advise...
    context["can"] = {
        action.replace(".", "_").replace("-", "_"): standing.may(action) for action in ACTIONS
    }
    context["initiative"] = initiative
    return render(request, f"initiatives/{template}", context, status=status)


def _form_status(form: forms.Form) -> int:
    return 400 if form.errors else 200


def _creatable_organisations(user: User) -> Any:
    roles = roles_by_organisation(user=user)
    ids = [pk for pk, held in roles.items() if may_in_organisation("initiative.create", roles=held)]
    return Organisation.objects.filter(pk__in=ids).order_by("name")


# --- List, start, import, export -------------------------------------------------------------


@login_required
def initiative_list(request: HttpRequest) -> HttpResponse:
    """Signed-in user: only initiatives their organisations are party to."""
    user = signed_in_user(request)
    search = request.GET.get("q", "").strip()[:200]
    initiatives = selectors.initiative_list(user=user, search=search)
    page = Paginator(initiatives, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "initiatives/list.html",
        {
            "page": page,
            "search": search,
            "can_create": _creatable_organisations(user).exists(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def initiative_start(request: HttpRequest) -> HttpResponse:
    """IG officers only (of the organisation chosen to lead)."""
    user = signed_in_user(request)
    organisations = _creatable_organisations(user)
    if not organisations.exists():
        return render(
            request,
            "403.html",
            {"reason": "Only an IG officer can start an initiative"},
            status=403,
        )
    form = f.StartForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        initiative = services.initiative_create(
            actor=user, lead=form.cleaned_data["lead"], title=form.cleaned_data["title"]
        )
        return redirect("initiatives:summary", pk=initiative.pk)
    return render(request, "initiatives/start.html", {"form": form}, status=_form_status(form))


@login_required
@require_http_methods(["GET", "POST"])
def initiative_import(request: HttpRequest) -> HttpResponse:
    """IG officers only. A bad file is refused with the CLI's messages (file, line, field)."""
    user = signed_in_user(request)
    organisations = _creatable_organisations(user)
    if not organisations.exists():
        return render(
            request,
            "403.html",
            {"reason": "Only an IG officer can import an initiative"},
            status=403,
        )
    form = f.ImportForm(request.POST or None, request.FILES or None, organisations=organisations)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = request.FILES["file"]
        # The name is the uploader's to choose: shown and recorded only once made safe.
        filename = safe_filename(getattr(upload, "name", None) or "initiative")
        try:
            initiative, notes = services.initiative_import(
                actor=user,
                lead=form.cleaned_data["lead"],
                text=form.cleaned_data["file"],
                filename=filename,
            )
        except InvalidInitiative as invalid:
            problems = [problem.render(invalid.filename) for problem in invalid.problems]
            count = f"{len(problems)} problem{'' if len(problems) == 1 else 's'}"
            form.add_error("file", f"The file cannot be imported: {count}")
        else:
            for note in notes:
                messages.info(request, note)
            messages.success(request, f"Imported “{initiative.title}”")
            return redirect("initiatives:summary", pk=initiative.pk)
    return render(
        request,
        "initiatives/import.html",
        {"form": form, "problems": problems},
        status=_form_status(form),
    )


@login_required
def initiative_export(request: HttpRequest, pk: int) -> HttpResponse:
    """Members of party organisations: the initiative file (format 1) to download."""
    initiative = selectors.initiative_get(user=signed_in_user(request), pk=pk)
    data = initiative.format_data()
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    response = HttpResponse(text, content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="initiative-{initiative.pk}.yaml"'
    return response


# --- Task list and history -------------------------------------------------------------------


@login_required
def initiative_summary(request: HttpRequest, pk: int) -> HttpResponse:
    """Members of party organisations: the task list."""
    initiative = selectors.initiative_get(user=signed_in_user(request), pk=pk)
    tasks = selectors.journey(initiative=initiative)
    completed = sum(1 for task in tasks if task.status == "Completed")
    return _page(
        request,
        "summary.html",
        initiative,
        tasks=tasks,
        completed=completed,
        parties=initiative.parties.select_related("organisation"),
    )


@login_required
def initiative_history(request: HttpRequest, pk: int) -> HttpResponse:
    """Members of party organisations: every recorded change, newest first."""
    initiative = selectors.initiative_get(user=signed_in_user(request), pk=pk)
    page = Paginator(audit_entries_for_initiative(initiative=initiative), 50).get_page(
        request.GET.get("page")
    )
    return _page(request, "history.html", initiative, page=page)


# --- Describe --------------------------------------------------------------------------------


def _content_form_view(
    request: HttpRequest,
    pk: int,
    form_class: type[forms.Form],
    template: str,
    what: str,
    initial: Any,
    to_changes: Any,
) -> HttpResponse:
    user = signed_in_user(request)
    initiative = selectors.initiative_get(user=user, pk=pk)
    form = form_class(request.POST or None, initial=initial(initiative))
    if submitted(
        request,
        form,
        lambda: services.initiative_update(
            actor=user,
            initiative=initiative,
            changes=to_changes(form.cleaned_data),
            what=what,
        ),
    ):
        return (
            redirect("initiatives:check", pk=pk)
            if "from_check" in request.GET
            else redirect("initiatives:describe", pk=pk)
        )
    return _page(request, template, initiative, status=_form_status(form), form=form)


@login_required
def describe(request: HttpRequest, pk: int) -> HttpResponse:
    """Members of party organisations: the description's sections and their state."""
    initiative = selectors.initiative_get(user=signed_in_user(request), pk=pk)
    content = initiative.content
    sections = [
        ("Title and summary", "initiatives:details", bool(initiative.title)),
        ("Purposes", "initiatives:purposes", bool(content.get("purposes"))),
        ("Parties", "initiatives:parties", initiative.parties.count() >= 2),
        ("People whose data is shared", "initiatives:subjects", bool(content.get("data_subjects"))),
        ("Data shared", "initiatives:data", bool(content.get("data"))),
        ("Consent, volume and frequency", "initiatives:handling", bool(content.get("consent"))),
        ("Date of the law to apply (optional)", "initiatives:assess-on", True),
    ]
    return _page(request, "describe.html", initiative, sections=sections)


@login_required
@require_http_methods(["GET", "POST"])
def details(request: HttpRequest, pk: int) -> HttpResponse:
    return _content_form_view(
        request,
        pk,
        f.DetailsForm,
        "details.html",
        "the title and summary",
        lambda i: {"title": i.title, "summary": i.content.get("summary", "")},
        lambda data: {"title": data["title"], "summary": data["summary"]},
    )


@login_required
@require_http_methods(["GET", "POST"])
def purposes(request: HttpRequest, pk: int) -> HttpResponse:
    return _content_form_view(
        request,
        pk,
        f.PurposesForm,
        "purposes.html",
        "the purposes",
        lambda i: {"purposes": i.content.get("purposes", [])},
        lambda data: {"purposes": data["purposes"]},
    )


@login_required
@require_http_methods(["GET", "POST"])
def subjects(request: HttpRequest, pk: int) -> HttpResponse:
    return _content_form_view(
        request,
        pk,
        f.SubjectsForm,
        "subjects.html",
        "whose data is shared",
        lambda i: {"data_subjects": i.content.get("data_subjects", [])},
        lambda data: {"data_subjects": data["data_subjects"]},
    )


def _yes_no(value: Any) -> str:
    return "yes" if value is True else "no" if value is False else ""


def _date_parts(value: Any) -> dict[str, int]:
    if not value:
        return {}
    day = dt.date.fromisoformat(str(value))
    return {"day": day.day, "month": day.month, "year": day.year}


@login_required
@require_http_methods(["GET", "POST"])
def assess_on(request: HttpRequest, pk: int) -> HttpResponse:
    """Optional: assess under the law in force on another day (blank: the day it is assessed)."""
    return _content_form_view(
        request,
        pk,
        f.AssessOnForm,
        "assess_on.html",
        "the date of the law to apply",
        lambda i: _date_parts(i.content.get("assess_on")),
        lambda data: {"assess_on": data["assess_on"].isoformat() if data["assess_on"] else None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def handling(request: HttpRequest, pk: int) -> HttpResponse:
    return _content_form_view(
        request,
        pk,
        f.HandlingForm,
        "handling.html",
        "consent, volume and frequency",
        lambda i: {
            "consent": i.content.get("consent"),
            "volume": i.content.get("volume"),
            "frequency": i.content.get("frequency"),
            "pseudonymised": _yes_no(i.content.get("pseudonymised", False)),
            "law_enforcement": _yes_no(i.content.get("law_enforcement", False)),
        },
        lambda data: {
            "consent": data["consent"],
            "volume": data["volume"],
            "frequency": data["frequency"],
            "pseudonymised": data["pseudonymised"] == "yes",
            "law_enforcement": data["law_enforcement"] == "yes",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def parties(request: HttpRequest, pk: int) -> HttpResponse:
    """Members see the parties; the lead's IG officers add, change and remove them."""
    user = signed_in_user(request)
    initiative = selectors.initiative_get(user=user, pk=pk)
    existing = initiative.parties.values_list("organisation_id", flat=True)
    form = f.PartyForm(
        request.POST or None, organisations=Organisation.objects.exclude(pk__in=existing)
    )
    if submitted(
        request,
        form,
        lambda: services.party_add(
            actor=user,
            initiative=initiative,
            organisation=form.cleaned_data["organisation"],
            role=form.cleaned_data["role"],
            functions=form.cleaned_data["functions"],
        ),
    ):
        messages.success(request, f"{form.cleaned_data['organisation'].name} added")
        return redirect("initiatives:parties", pk=pk)
    return _page(
        request,
        "parties.html",
        initiative,
        status=_form_status(form),
        form=form,
        parties=initiative.parties.select_related("organisation"),
    )


@login_required
def party_remove(request: HttpRequest, pk: int, party_pk: int) -> HttpResponse:
    user = signed_in_user(request)
    initiative = selectors.initiative_get(user=user, pk=pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    party = get_object_or_404(initiative.parties, pk=party_pk)
    try:
        services.party_remove(actor=user, initiative=initiative, party=party)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("initiatives:parties", pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def data_items(request: HttpRequest, pk: int) -> HttpResponse:
    """The data shared: categories with their fields. Add one item at a time, remove any."""
    user = signed_in_user(request)
    initiative = selectors.initiative_get(user=user, pk=pk)
    items: list[dict[str, Any]] = list(initiative.content.get("data", []))
    form = f.DataItemForm(request.POST or None)
    if request.method == "POST":
        if "remove" in request.POST:
            try:
                index = int(request.POST["remove"])
                del items[index]
            except (ValueError, IndexError):
                messages.error(request, "That data item no longer exists")
            else:
                services.data_items_set(actor=user, initiative=initiative, items=items)
            return redirect("initiatives:data", pk=pk)
        if form.is_valid():
            category = form.cleaned_data["category"]
            if any(item.get("category") == category for item in items):
                form.add_error(
                    "category",
                    f"{codes.label(category)} is already listed: remove it first to change its fields",
                )
            else:
                items.append({"category": category, "fields": form.cleaned_data["field_names"]})
                services.data_items_set(actor=user, initiative=initiative, items=items)
                return redirect("initiatives:data", pk=pk)
    return _page(
        request, "data.html", initiative, status=_form_status(form), form=form, items=items
    )


@login_required
@require_http_methods(["GET", "POST"])
def check_answers(request: HttpRequest, pk: int) -> HttpResponse:
    """Check your answers, then confirm the description as complete."""
    user = signed_in_user(request)
    initiative = selectors.initiative_get(user=user, pk=pk)
    problems = services.description_problems(initiative=initiative)
    if request.method == "POST":
        try:
            services.initiative_confirm_description(actor=user, initiative=initiative)
        except InvalidInitiative:
            pass  # the problems are shown below
        else:
            messages.success(request, "The description is complete")
            return redirect("initiatives:summary", pk=pk)
    return _page(
        request,
        "check.html",
        initiative,
        status=400 if request.method == "POST" and problems else 200,
        problems=problems,
        submitted=request.method == "POST",
        parties=initiative.parties.select_related("organisation"),
    )


# --- Legal basis -----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def legal_basis(request: HttpRequest, pk: int) -> HttpResponse:
    """Members see the explained assessment; the lead's IG officers run it."""
    user = signed_in_user(request)
    initiative = selectors.initiative_get(user=user, pk=pk)
    if request.method == "POST":
        try:
            services.initiative_assess(
                actor=user, initiative=initiative, today=timezone.localdate()
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("initiatives:legal-basis", pk=pk)
    assessment = selectors.current_assessment(initiative=initiative)
    context: dict[str, Any] = {"assessment": assessment}
    if assessment is not None:
        decisions = {d.key: d for d in assessment.decisions.select_related("decided_by")}
        context.update(
            result=assessment.result,
            is_current=assessment.description_hash == initiative.description_hash(),
            conclusions=[
                (c, decisions.get(c.key))
                for c in selectors.assessment_conclusions(assessment=assessment)
            ],
            replays=services.assessment_replay(assessment=assessment),
        )
    return _page(request, "legal_basis.html", initiative, **context)


@login_required
@require_http_methods(["GET", "POST"])
def conclusion(request: HttpRequest, pk: int, key: str) -> HttpResponse:
    """Accept or override one conclusion of the current assessment, with a reason."""
    user = signed_in_user(request)
    initiative = selectors.initiative_get(user=user, pk=pk)
    assessment = selectors.current_assessment(initiative=initiative)
    if assessment is None:
        return redirect("initiatives:legal-basis", pk=pk)
    found = next(
        (c for c in selectors.assessment_conclusions(assessment=assessment) if c.key == key), None
    )
    if found is None:
        return render(request, "404.html", status=404)
    existing = ConclusionDecision.objects.filter(assessment=assessment, key=key).first()
    form = f.DecisionForm(
        request.POST or None,
        initial={"decision": existing.decision, "reason": existing.reason} if existing else None,
    )
    if submitted(
        request,
        form,
        lambda: services.conclusion_decide(
            actor=user,
            assessment=assessment,
            key=key,
            decision=form.cleaned_data["decision"],
            reason=form.cleaned_data["reason"],
        ),
    ):
        return redirect("initiatives:legal-basis", pk=pk)
    return _page(
        request,
        "conclusion.html",
        initiative,
        status=_form_status(form),
        form=form,
        conclusion=found,
    )


# --- Fairness and DPIA -----------------------------------------------------------------------


@login_required
def fairness_overview(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    initiative = selectors.initiative_get(user=user, pk=pk)
    assessment = selectors.current_assessment(initiative=initiative)
    if assessment is None:
        messages.info(request, "Run the legal basis assessment first: it sets the questions")
        return redirect("initiatives:legal-basis", pk=pk)
    answers = selectors.fairness_answers(initiative=initiative)
    questions = [
        {
            **q,
            "answer": answers.get(str(q["id"])),
            "unfavourable": str(q["id"]) in answers
            and fairness.is_unfavourable(str(q["id"]), answers[str(q["id"])].answer),
        }
        for q in selectors.fairness_questions(assessment=assessment)
    ]
    dpia = selectors.dpia_of(initiative=initiative)
    risks = list(dpia.risks.all()) if dpia else []
    return _page(
        request,
        "fairness.html",
        initiative,
        result=assessment.result,
        necessity=[q for q in questions if str(q["id"]).startswith("necessity.")],
        fairness_questions=[q for q in questions if str(q["id"]).startswith("fairness.")],
        dpia=dpia,
        risks=risks,
        dpia_complete=selectors.dpia_is_complete(dpia),
        prior_consultation=needs_prior_consultation([r.residual_level for r in risks]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def fairness_question(request: HttpRequest, pk: int, question_id: str) -> HttpResponse:
    user = signed_in_user(request)
    initiative = selectors.initiative_get(user=user, pk=pk)
    assessment = selectors.current_assessment(initiative=initiative)
    if assessment is None:
        return redirect("initiatives:legal-basis", pk=pk)
    question = next(
        (q for q in selectors.fairness_questions(assessment=assessment) if q["id"] == question_id),
        None,
    )
    if question is None:
        return render(request, "404.html", status=404)
    existing = selectors.fairness_answers(initiative=initiative).get(question_id)
    form = f.AnswerForm(
        request.POST or None,
        initial={"answer": existing.answer, "explanation": existing.explanation}
        if existing
        else None,
    )
    yes_no = fairness.has_yes_no_answer(question_id)
    if not yes_no:
        del form.fields["answer"]
    if submitted(
        request,
        form,
        lambda: services.fairness_answer(
            actor=user,
            initiative=initiative,
            question_id=question_id,
            answer=form.cleaned_data.get("answer", ""),
            explanation=form.cleaned_data["explanation"],
        ),
    ):
        return redirect("initiatives:fairness", pk=pk)
    return _page(
        request,
        "fairness_question.html",
        initiative,
        status=_form_status(form),
        form=form,
        question=question,
    )


@login_required
@require_http_methods(["GET", "POST"])
def dpia_screening(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    initiative = selectors.initiative_get(user=user, pk=pk)
    assessment = selectors.current_assessment(initiative=initiative)
    if assessment is None:
        return redirect("initiatives:legal-basis", pk=pk)
    dpia = selectors.dpia_of(initiative=initiative)
    initial = None
    if dpia and dpia.needed is not None:
        initial = {"needed": _yes_no(dpia.needed), "reason": dpia.screening_reason}
    form = f.ScreeningForm(request.POST or None, initial=initial)
    if submitted(
        request,
        form,
        lambda: services.dpia_screening_record(
            actor=user,
            initiative=initiative,
            needed=form.cleaned_data["needed"] == "yes",
            reason=form.cleaned_data["reason"],
        ),
    ):
        return redirect("initiatives:fairness", pk=pk)
    return _page(
        request,
        "dpia_screening.html",
        initiative,
        status=_form_status(form),
        form=form,
        screening=assessment.result["dpia"],
    )


@login_required
@require_http_methods(["GET", "POST"])
def dpia_risk_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    initiative = selectors.initiative_get(user=user, pk=pk)
    form = f.RiskForm(request.POST or None)
    if submitted(
        request,
        form,
        lambda: services.dpia_risk_add(actor=user, initiative=initiative, fields=form.cleaned_data),
    ):
        return redirect("initiatives:fairness", pk=pk)
    return _page(request, "dpia_risk.html", initiative, status=_form_status(form), form=form)


@login_required
def dpia_risk_remove(request: HttpRequest, pk: int, risk_pk: int) -> HttpResponse:
    user = signed_in_user(request)
    # Visibility first, so that an outsider gets 404 whatever the method.
    initiative = selectors.initiative_get(user=user, pk=pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    risk = get_object_or_404(DpiaRisk, pk=risk_pk, dpia__initiative=initiative)
    services.dpia_risk_remove(actor=user, initiative=initiative, risk=risk)
    return redirect("initiatives:fairness", pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def dpia_advice(request: HttpRequest, pk: int) -> HttpResponse:
    """The lead's DPO records advice."""
    user = signed_in_user(request)
    initiative = selectors.initiative_get(user=user, pk=pk)
    dpia = selectors.dpia_of(initiative=initiative)
    form = f.AdviceForm(request.POST or None, initial={"advice": dpia.dpo_advice} if dpia else None)
    if submitted(
        request,
        form,
        lambda: services.dpia_advice_record(
            actor=user, initiative=initiative, advice=form.cleaned_data["advice"]
        ),
    ):
        return redirect("initiatives:fairness", pk=pk)
    return _page(request, "dpia_advice.html", initiative, status=_form_status(form), form=form)


@login_required
@require_http_methods(["GET", "POST"])
def dpia_response(request: HttpRequest, pk: int) -> HttpResponse:
    """Whether the DPO's advice is followed, with reasons when it is not."""
    user = signed_in_user(request)
    initiative = selectors.initiative_get(user=user, pk=pk)
    dpia = selectors.dpia_of(initiative=initiative)
    form = f.AdviceResponseForm(request.POST or None)
    if submitted(
        request,
        form,
        lambda: services.dpia_advice_respond(
            actor=user,
            initiative=initiative,
            followed=form.cleaned_data["followed"] == "yes",
            reason=form.cleaned_data["reason"],
        ),
    ):
        return redirect("initiatives:fairness", pk=pk)
    return _page(
        request, "dpia_response.html", initiative, status=_form_status(form), form=form, dpia=dpia
    )


# --- Mechanism -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def mechanism(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    initiative = selectors.initiative_get(user=user, pk=pk)
    assessment = selectors.current_assessment(initiative=initiative)
    if assessment is None:
        messages.info(request, "Run the legal basis assessment first: it ranks the mechanisms")
        return redirect("initiatives:legal-basis", pk=pk)
    form = f.MechanismForm(
        request.POST or None,
        initial={"mechanism": initiative.mechanism, "reason": initiative.mechanism_reason},
    )
    if submitted(
        request,
        form,
        lambda: services.mechanism_choose(
            actor=user,
            initiative=initiative,
            mechanism=form.cleaned_data["mechanism"],
            reason=form.cleaned_data["reason"],
        ),
    ):
        messages.success(request, f"{codes.label(form.cleaned_data['mechanism'])} chosen")
        return redirect("initiatives:summary", pk=pk)
    return _page(
        request,
        "mechanism.html",
        initiative,
        status=_form_status(form),
        form=form,
        mechanisms=assessment.result["mechanisms"],
        chosen_status=selectors.mechanism_status(
            assessment=assessment, mechanism=initiative.mechanism
        ),
    )
