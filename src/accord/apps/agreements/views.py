"""The agreement in the browser: drafting, invitations, negotiation, versions, sign-off, documents.

Access is decided in every view: `agreement_get` and `initiative_get` give 404 to anyone who is not
a member of a party organisation; services raise PermissionDenied (403) when a member's roles do
not allow the change. The invitation page is the one public page: the token is the permission.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accord.apps.accounts.models import User
from accord.apps.accounts.services import account_sign_in
from accord.apps.agreements import forms as f
from accord.apps.agreements import selectors, services
from accord.apps.agreements.models import Agreement, AgreementVersion, Proposal, Reminder
from accord.apps.initiatives.models import ConclusionDecision, Initiative
from accord.apps.initiatives.selectors import (
    current_assessment,
    dpia_is_complete,
    dpia_of,
    fairness_answers,
    initiative_get,
    standing_of,
)
from accord.apps.organisations.selectors import roles_by_organisation
from accord.core.access import ACTIONS, ROLES
from accord.core.agreement.case import case_for_sharing
from accord.core.agreement.sections import SECTION_BY_KEY
from accord.core.agreement.versions import compare, value_lines
from accord.documents import model as documents
from accord.web.viewhelpers import signed_in_user, submitted


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")[:-1]


def _page(
    request: HttpRequest, template: str, initiative: Initiative, status: int = 200, **context: Any
) -> HttpResponse:
    standing = standing_of(user=signed_in_user(request), initiative=initiative)
    context["can"] = {a.replace(".", "_").replace("-", "_"): standing.may(a) for a in ACTIONS}
    context["initiative"] = initiative
    return render(request, f"agreements/{template}", context, status=status)


def _status(form: forms.Form) -> int:
    return 400 if form.errors else 200


def _sections(version: AgreementVersion) -> list[dict[str, Any]]:
    """Sections with their readable values and whether the parties may propose changes."""
    return [
        {**s, "value_lines": value_lines(s), "derived": SECTION_BY_KEY[s["key"]].derived}
        for s in version.content["sections"]
    ]


# --- Starting: invitations and the first draft ------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def agreement_start(request: HttpRequest, initiative_pk: int) -> HttpResponse:
    """The Agreement task: go to the agreement, or (lead IG officer) draft it."""
    user = signed_in_user(request)
    initiative = initiative_get(user=user, pk=initiative_pk)
    agreement = selectors.agreement_of(initiative=initiative)
    if agreement is not None:
        return redirect("agreements:detail", pk=agreement.pk)
    overarching = [
        (a.pk, f"{a.reference}: {a.initiative.title}")
        for a in selectors.agreements_visible_to(user=user)
        .filter(is_overarching=True, status__in=Agreement.AFTER_SIGNING)
        .select_related("initiative")
    ]
    form = f.DraftForm(request.POST or None, overarching=overarching)
    created: list[Agreement] = []

    def change() -> None:
        if not standing_of(user=user, initiative=initiative).may("agreement.draft"):
            raise PermissionDenied("Only the lead's IG officer drafts the agreement")
        follows = None
        if form.cleaned_data.get("follows"):
            follows = selectors.agreement_get(user=user, pk=int(form.cleaned_data["follows"]))
        created.append(
            services.agreement_draft(
                actor=user,
                initiative=initiative,
                follows=follows,
                is_overarching=form.cleaned_data["is_overarching"],
            )
        )

    if submitted(request, form, change):
        return redirect("agreements:detail", pk=created[0].pk)
    return _page(
        request,
        "start.html",
        initiative,
        status=_status(form),
        form=form,
        parties=selectors.parties_of(initiative=initiative),
        invitations=initiative.invitations.select_related("organisation"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def invite(request: HttpRequest, initiative_pk: int) -> HttpResponse:
    """The lead's IG officer invites a partner organisation by an expiring e-mail link."""
    user = signed_in_user(request)
    initiative = initiative_get(user=user, pk=initiative_pk)
    if not standing_of(user=user, initiative=initiative).may("agreement.invite"):
        raise PermissionDenied("Only the lead's IG officer invites partners")
    partners = [
        (p.organisation.pk, p.organisation.name)
        for p in selectors.parties_of(initiative=initiative)
        if p.organisation_id != initiative.lead_id
    ]
    form = f.InviteForm(request.POST or None, organisations=partners)

    def change() -> None:
        organisation = next(
            p.organisation
            for p in selectors.parties_of(initiative=initiative)
            if str(p.organisation_id) == form.cleaned_data["organisation"]
        )
        services.invitation_send(
            actor=user,
            initiative=initiative,
            organisation=organisation,
            email=form.cleaned_data["email"],
            name=form.cleaned_data["name"],
            base_url=_base_url(request),
        )

    if submitted(request, form, change):
        return render(
            request,
            "agreements/invite_sent.html",
            {"initiative": initiative, "email": form.cleaned_data["email"]},
        )
    return _page(
        request,
        "invite.html",
        initiative,
        status=_status(form),
        form=form,
        has_partners=bool(partners),
    )


def _case(initiative: Initiative) -> Any:
    assessment = current_assessment(initiative=initiative)
    overridden = (
        frozenset(
            assessment.decisions.filter(decision=ConclusionDecision.OVERRIDDEN).values_list(
                "key", flat=True
            )
        )
        if assessment
        else frozenset()
    )
    answers = fairness_answers(initiative=initiative)
    outcome = answers.get("necessity.outcome")
    return case_for_sharing(
        initiative=initiative.format_data(),
        assessment=assessment.result if assessment else None,
        mechanism=initiative.mechanism,
        benefits=outcome.explanation if outcome else "",
        overridden=overridden,
        dpia_done=dpia_is_complete(dpia_of(initiative=initiative)),
    )


@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, token: str) -> HttpResponse:
    """Public: the invitation link. Shows the case for sharing, then lets the partner join."""
    try:
        invitation = services.invitation_for_token(token)
    except services.InvitationProblem as problem:
        return render(
            request, "agreements/join_problem.html", {"problem": str(problem)}, status=410
        )
    user = request.user if request.user.is_authenticated else None
    # A new organisation's first person joins with a new account; anyone else signs in first.
    organisation_is_new = not invitation.organisation.memberships.exists()
    form = (
        f.JoinForm(request.POST or None, invitation=invitation)
        if user is None and organisation_is_new
        else None
    )
    context = {
        "invitation": invitation,
        "initiative": invitation.initiative,
        "case": _case(invitation.initiative),
        "form": form,
    }
    if request.method == "POST":
        try:
            if user is not None:
                assert isinstance(user, User)
                services.invitation_accept(token=token, user=user)
            elif form is None:
                return redirect(f"{reverse('accounts:sign-in')}?next={request.path}")
            else:
                if not form.is_valid():
                    return render(request, "agreements/join.html", context, status=400)
                user = services.invitation_accept(
                    token=token,
                    user=None,
                    full_name=form.cleaned_data["full_name"],
                    password=form.cleaned_data["password"],
                    roles=form.cleaned_data["roles"],
                )
                account_sign_in(request=request, user=user)
        except services.InvitationProblem as problem:
            return render(
                request, "agreements/join_problem.html", {"problem": str(problem)}, status=410
            )
        except PermissionDenied as denied:
            return render(
                request, "agreements/join_problem.html", {"problem": str(denied)}, status=403
            )
        except ValidationError as error:
            if form is None:
                raise
            for field, messages in error.message_dict.items():
                form.add_error(field if field in form.fields else None, messages)
            return render(request, "agreements/join.html", context, status=400)
        agreement = selectors.agreement_of(initiative=invitation.initiative)
        if agreement is not None:
            return redirect("agreements:detail", pk=agreement.pk)
        return redirect("initiatives:summary", pk=invitation.initiative.pk)
    return render(request, "agreements/join.html", context)


# --- The agreement and its sections -----------------------------------------------------------


@login_required
def agreement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    agreement = selectors.agreement_get(user=user, pk=pk)
    version = agreement.current_version()
    signoff = selectors.signoff_of(agreement=agreement, version=version)
    comments: dict[str, int] = {}
    for comment in agreement.comments.all():
        comments[comment.section_key] = comments.get(comment.section_key, 0) + 1
    open_proposals: dict[str, int] = {}
    for proposal in agreement.proposals.filter(status=Proposal.OPEN):
        open_proposals[proposal.section_key] = open_proposals.get(proposal.section_key, 0) + 1
    sections = [
        {**s, "comments": comments.get(s["key"], 0), "proposals": open_proposals.get(s["key"], 0)}
        for s in _sections(version)
    ]
    return _page(
        request,
        "detail.html",
        agreement.initiative,
        agreement=agreement,
        version=version,
        sections=sections,
        signoff=signoff,
        evidence=selectors.evidence_of(initiative=agreement.initiative),
        parties=selectors.parties_of(initiative=agreement.initiative),
        my_signing_roles=_signing_roles(user, agreement, signoff),
    )


def _signing_roles(
    user: User, agreement: Agreement, signoff: selectors.Signoff
) -> list[tuple[str, str]]:
    """The waiting signatory roles this person holds for their party."""
    held = roles_by_organisation(user=user)
    names = {
        p.organisation.name: p.organisation_id
        for p in selectors.parties_of(initiative=agreement.initiative)
    }
    return [
        (w.signatory.role, f"{ROLES[w.signatory.role]} for {w.signatory.party}")
        for w in signoff.waiting
        if w.signatory.role in held.get(names[w.signatory.party], frozenset())
    ]


@login_required
@require_http_methods(["GET", "POST"])
def section_detail(request: HttpRequest, pk: int, key: str) -> HttpResponse:
    """A section with its comments and proposals; parties comment here."""
    user = signed_in_user(request)
    agreement = selectors.agreement_get(user=user, pk=pk)
    if key not in SECTION_BY_KEY:
        raise Http404("No such section")
    version = agreement.current_version()
    form = f.CommentForm(request.POST or None)
    if submitted(
        request,
        form,
        lambda: services.comment_add(
            actor=user, agreement=agreement, section_key=key, text=form.cleaned_data["text"]
        ),
    ):
        return redirect(reverse("agreements:section", kwargs={"pk": pk, "key": key}) + "#comments")
    section = next(s for s in _sections(version) if s["key"] == key)
    return _page(
        request,
        "section.html",
        agreement.initiative,
        status=_status(form),
        agreement=agreement,
        version=version,
        section=section,
        spec=SECTION_BY_KEY[key],
        form=form,
        comments=agreement.comments.filter(section_key=key).select_related(
            "author", "organisation", "version"
        ),
        proposals=agreement.proposals.filter(section_key=key).select_related(
            "author", "organisation", "version", "result", "decided_by"
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def proposal_new(request: HttpRequest, pk: int, key: str) -> HttpResponse:
    user = signed_in_user(request)
    agreement = selectors.agreement_get(user=user, pk=pk)
    spec = SECTION_BY_KEY.get(key)
    if spec is None:
        raise Http404("No such section")
    version = agreement.current_version()
    if not standing_of(user=user, initiative=agreement.initiative).may("agreement.propose"):
        raise PermissionDenied("Your role cannot propose changes")
    form = f.ProposalForm(request.POST or None, section=version.section(key))
    if submitted(
        request,
        form,
        lambda: services.proposal_make(
            actor=user,
            agreement=agreement,
            section_key=key,
            text=form.cleaned_data["text"],
            values=form.values(),
            reason=form.cleaned_data["reason"],
        ),
    ):
        return redirect(reverse("agreements:section", kwargs={"pk": pk, "key": key}) + "#proposals")
    return _page(
        request,
        "propose.html",
        agreement.initiative,
        status=_status(form),
        agreement=agreement,
        version=version,
        spec=spec,
        form=form,
    )


@login_required
@require_http_methods(["GET", "POST"])
def proposal_decide(request: HttpRequest, pk: int, proposal_pk: int) -> HttpResponse:
    user = signed_in_user(request)
    agreement = selectors.agreement_get(user=user, pk=pk)
    proposal = (
        agreement.proposals.filter(pk=proposal_pk).select_related("organisation", "author").first()
    )
    if proposal is None:
        raise Http404("No such proposal")
    if not standing_of(user=user, initiative=agreement.initiative).may("agreement.decide-proposal"):
        raise PermissionDenied("Only the lead's IG officer decides proposals")
    form = f.DecideForm(request.POST or None)
    if submitted(
        request,
        form,
        lambda: services.proposal_decide(
            actor=user,
            proposal=proposal,
            accept=form.cleaned_data["decision"] == "accept",
            note=form.cleaned_data["note"],
        ),
    ):
        return redirect(
            reverse("agreements:section", kwargs={"pk": pk, "key": proposal.section_key})
            + "#proposals"
        )
    current = agreement.current_version().section(proposal.section_key)
    before = {"sections": [current]}
    after = {"sections": [{**current, "text": proposal.text, "values": proposal.values}]}
    return _page(
        request,
        "decide.html",
        agreement.initiative,
        status=_status(form),
        agreement=agreement,
        proposal=proposal,
        form=form,
        diff=compare(before, after)[0],
    )


@login_required
@require_POST
def agreement_refresh(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    agreement = selectors.agreement_get(user=user, pk=pk)
    try:
        services.agreement_refresh(actor=user, agreement=agreement)
    except ValidationError as error:
        return _page(
            request,
            "refused.html",
            agreement.initiative,
            status=400,
            agreement=agreement,
            messages_list=error.messages,
        )
    return redirect("agreements:detail", pk=pk)


# --- Versions ---------------------------------------------------------------------------------


@login_required
def version_list(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = selectors.agreement_get(user=signed_in_user(request), pk=pk)
    versions = agreement.versions.select_related("created_by").order_by("-number")
    return _page(
        request, "versions.html", agreement.initiative, agreement=agreement, versions=versions
    )


@login_required
def version_detail(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    agreement = selectors.agreement_get(user=signed_in_user(request), pk=pk)
    version = selectors.version_get(agreement=agreement, number=number)
    return _page(
        request,
        "version.html",
        agreement.initiative,
        agreement=agreement,
        version=version,
        sections=_sections(version),
        signatures=version.signatures.select_related("organisation"),
        is_current=version.number == agreement.current_version().number,
    )


@login_required
def version_compare(request: HttpRequest, pk: int) -> HttpResponse:
    """Any two versions side by side, with the changed words marked."""
    agreement = selectors.agreement_get(user=signed_in_user(request), pk=pk)
    numbers = list(agreement.versions.values_list("number", flat=True))
    try:
        old = int(request.GET.get("from", numbers[-2] if len(numbers) > 1 else numbers[-1]))
        new = int(request.GET.get("to", numbers[-1]))
    except ValueError:
        old, new = -1, -1
    if old not in numbers or new not in numbers:
        return _page(
            request,
            "compare.html",
            agreement.initiative,
            status=400,
            agreement=agreement,
            numbers=numbers,
            error="Choose two versions that exist.",
            old=old,
            new=new,
        )
    before = selectors.version_get(agreement=agreement, number=old)
    after = selectors.version_get(agreement=agreement, number=new)
    return _page(
        request,
        "compare.html",
        agreement.initiative,
        agreement=agreement,
        numbers=numbers,
        old=old,
        new=new,
        before=before,
        after=after,
        diffs=compare(before.content, after.content),
    )


# --- Sign-off ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def sign(request: HttpRequest, pk: int) -> HttpResponse:
    """Sign the exact version shown. The form carries its number and hash; a changed agreement
    refuses the signature rather than moving it to wording the signer has not read."""
    user = signed_in_user(request)
    agreement = selectors.agreement_get(user=user, pk=pk)
    if not standing_of(user=user, initiative=agreement.initiative).may("agreement.sign"):
        raise PermissionDenied("Only a SIRO, Caldicott Guardian or DPO of a party signs")
    version = agreement.current_version()
    signoff = selectors.signoff_of(agreement=agreement, version=version)
    roles = _signing_roles(user, agreement, signoff)
    form = f.SignForm(
        request.POST or None,
        roles=roles,
        initial={
            "version_number": version.number,
            "version_hash": version.content_hash,
            "role": roles[0][0] if len(roles) == 1 else None,
        },
    )
    if submitted(
        request,
        form,
        lambda: services.signature_give(
            actor=user,
            agreement=agreement,
            version_number=form.cleaned_data["version_number"],
            version_hash=form.cleaned_data["version_hash"],
            role=form.cleaned_data["role"],
            password=form.cleaned_data["password"],
            code=form.cleaned_data["code"],
            comment=form.cleaned_data["comment"],
        ),
    ):
        return redirect(reverse("agreements:detail", kwargs={"pk": pk}) + "#signatures")
    return _page(
        request,
        "sign.html",
        agreement.initiative,
        status=_status(form),
        agreement=agreement,
        version=version,
        form=form,
        roles=roles,
        blockers=selectors.evidence_blockers(initiative=agreement.initiative),
    )


@login_required
def waiting(request: HttpRequest, pk: int) -> HttpResponse:
    """Who the agreement is waiting on, and for how long."""
    agreement = selectors.agreement_get(user=signed_in_user(request), pk=pk)
    version = agreement.current_version()
    return _page(
        request,
        "waiting.html",
        agreement.initiative,
        agreement=agreement,
        version=version,
        signoff=selectors.signoff_of(agreement=agreement, version=version),
        blockers=selectors.evidence_blockers(initiative=agreement.initiative),
        reminders=Reminder.objects.filter(version=version).select_related("organisation"),
    )


# --- Documents --------------------------------------------------------------------------------

_FORMATS = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "jsonld": "application/ld+json",
    "ttl": "text/turtle; charset=utf-8",
}


def _render(fmt: str, doc: Any) -> bytes:
    # Imported here: WeasyPrint and rdflib take a second to import and only documents need them.
    if fmt == "pdf":
        from accord.documents.pdf import render_pdf

        return render_pdf(doc)
    if fmt == "docx":
        from accord.documents.docx import render_docx

        return render_docx(doc)
    from accord.documents.rdf import render_jsonld, render_turtle

    return (render_jsonld(doc) if fmt == "jsonld" else render_turtle(doc)).encode()


@login_required
def document(request: HttpRequest, pk: int, number: int, fmt: str) -> HttpResponse:
    """One version as PDF, Word, JSON-LD or Turtle: all from the same content."""
    if fmt not in _FORMATS:
        raise Http404("No such format")
    agreement = selectors.agreement_get(user=signed_in_user(request), pk=pk)
    version = selectors.version_get(agreement=agreement, number=number)
    signoff = selectors.signoff_of(agreement=agreement, version=version)
    signatures = [
        documents.SignatureRecord(
            party=s.organisation.name,
            role=s.role,
            kind=s.kind,
            name=s.signer_name,
            signed_at=s.signed_at,
            version_hash=s.version_hash,
        )
        for s in version.signatures.select_related("organisation").order_by("signed_at", "id")
    ]
    signed = signoff.complete and agreement.is_signed
    status = (
        "Signed"
        if signed
        else ("Superseded" if version.number != agreement.current_version().number else "Draft")
    )
    doc = documents.DocumentInput(
        content=version.content,
        version=version.number,
        content_hash=version.content_hash,
        status=status,
        signed_by_all=signed,
        signatures=signatures,
        generated_at=timezone.now(),
        base_iri=request.build_absolute_uri(reverse("agreements:detail", kwargs={"pk": pk})),
    )
    response = HttpResponse(_render(fmt, doc), content_type=_FORMATS[fmt])
    filename = f"{agreement.reference}-v{version.number}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
