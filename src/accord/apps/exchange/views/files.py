"""Secure file exchange, and sharing outside Accord recorded with the guard-rails.

Access: only members of a party reach these pages (`agreement_get` gives 404 to anyone else).
Sharing a file needs "file.share" (an IG officer of a disclosing party) and recording sharing
outside Accord "external.record" (an IG officer of any party): 403 for the others. A file is
downloaded only by the people it was shared with: 404 for everyone else, as if it did not exist.
"""

from __future__ import annotations

import datetime as dt
from typing import IO, TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadhandler import MemoryFileUploadHandler
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import content_disposition_header
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from accord.apps.accounts.models import User
from accord.apps.agreements.models import Agreement
from accord.apps.agreements.selectors import agreement_get
from accord.apps.exchange import crypto, files, selectors, services
from accord.apps.exchange.views.channel import exchange_page
from accord.apps.initiatives.forms import AssessOnForm
from accord.apps.organisations.models import Membership
from accord.core import codes
from accord.core.access import RECEIVING
from accord.core.filetypes import safe_filename, size_text
from accord.web.uploads import UploadField
from accord.web.viewhelpers import apply_errors, signed_in_user, submitted

# --- Forms ------------------------------------------------------------------------------------

if TYPE_CHECKING:
    _PeopleField = forms.ModelMultipleChoiceField[User]
else:  # Django's form fields are generic only to the type checker
    _PeopleField = forms.ModelMultipleChoiceField


class RecipientsField(_PeopleField):
    """People of the receiving parties, each labelled with their organisation."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organisation_of: dict[int, str] = {}

    def label_from_instance(self, obj: User) -> str:
        return f"{obj.full_name or obj.email} ({obj.email}), {self.organisation_of.get(obj.pk, '')}"

    def __deepcopy__(self, memo: dict[int, Any]) -> RecipientsField:
        # Each form gets a copy of the declared field, but Django's copy keeps other attributes
        # shared: without this, every form would add its people to one dict for the process,
        # and list people of other agreements' organisations as recipients.
        copied = super().__deepcopy__(memo)
        copied.organisation_of = dict(self.organisation_of)
        return copied


class FileShareForm(forms.Form):
    file = UploadField(
        label="Choose the file to share",
        allow_empty_file=True,  # the service says why an empty file is refused
        error_messages={"required": "Choose the file to share"},
    )
    recipients = RecipientsField(
        label="Who may download it?",
        help_text="Only the people you tick can download the file. Choose people of one "
        "receiving organisation.",
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choose at least one person who may download the file",
            "invalid_choice": "Choose people from the list",
            "invalid_pk_value": "Choose people from the list",
        },
    )

    def __init__(self, *args: Any, receiving: dict[int, str], max_bytes: int, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = (
            f"{files.SHAREABLE_DESCRIPTION[0].upper()}{files.SHAREABLE_DESCRIPTION[1:]}, "
            f"up to {size_text(max_bytes)}. It is encrypted as soon as it arrives."
        )
        field = self.fields["recipients"]
        assert isinstance(field, RecipientsField)
        memberships = (
            Membership.objects.filter(organisation_id__in=receiving, user__is_active=True)
            .values_list("user_id", "organisation_id")
            .order_by("organisation_id")
        )
        for user_id, organisation_id in memberships:
            field.organisation_of.setdefault(user_id, receiving[organisation_id])
        field.queryset = User.objects.filter(pk__in=field.organisation_of).order_by(
            "full_name", "email"
        )


class ExpiryForm(AssessOnForm):
    """The GOV.UK date input (day, month, year) for the day the file expires."""

    year = forms.IntegerField(label="Year", required=False, min_value=2000, max_value=2100)

    @property
    def date(self) -> dt.date | None:
        value = self.cleaned_data.get("assess_on")
        return value if isinstance(value, dt.date) else None


class ExternalForm(forms.Form):
    mechanism = forms.ChoiceField(
        label="How is the data shared outside Accord?",
        widget=forms.RadioSelect,
        choices=[(code, codes.label(code)) for code in files.EXTERNAL_MECHANISMS],
        error_messages={
            "required": "Choose how the data is shared outside Accord",
            "invalid_choice": "Choose how the data is shared outside Accord",
        },
    )
    description = forms.CharField(
        label="Where, and how is it protected?",
        help_text="For example: the MASH SharePoint site, access for named staff reviewed "
        "monthly; or NHSmail to the named contact.",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": "Describe where the data is shared and how it is protected",
            "max_length": "The description must be 2,000 characters or fewer",
        },
    )

    def __init__(self, *args: Any, statuses: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["mechanism"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            (code, f"{codes.label(code)} ({statuses[code].replace('-', ' ')})")
            for code in files.EXTERNAL_MECHANISMS
        ]


# --- Views ------------------------------------------------------------------------------------


def _receiving(agreement: Agreement, provider_id: int) -> dict[int, str]:
    return {
        party.organisation_id: party.organisation.name
        for party in agreement.initiative.parties.select_related("organisation")
        if party.role in RECEIVING and party.organisation_id != provider_id
    }


class _InMemoryOnly(MemoryFileUploadHandler):
    """Keeps a shared file in memory until it is encrypted: never a plaintext temporary file.

    Django writes uploads over FILE_UPLOAD_MAX_MEMORY_SIZE to a temporary file; this handler
    takes any body up to the shared-file limit (and a little for the form's other fields)
    instead. A larger body is not read at all, and the view says it is too big.
    """

    def handle_raw_input(
        self,
        input_data: IO[bytes],
        META: dict[str, str],
        content_length: int,
        boundary: str,
        encoding: str | None = None,
    ) -> None:
        self.activated = content_length <= _body_limit()


def _body_limit() -> int:
    return int(settings.ACCORD_SHARED_FILE_MAX_BYTES) + 64 * 1024


@csrf_exempt  # checked by csrf_protect below, once the upload handler is in place
@login_required
@require_http_methods(["GET", "POST"])
def file_new(request: HttpRequest, pk: int) -> HttpResponse:
    request.upload_handlers = [_InMemoryOnly(request)]
    return _file_new(request, pk)


@csrf_protect
def _file_new(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    agreement = agreement_get(user=user, pk=pk)
    try:
        party = selectors.acting_party(user=user, agreement=agreement, action="file.share")
    except PermissionDenied:
        raise PermissionDenied(
            "Only an IG officer of a party that discloses data can share files under this agreement"
        ) from None
    max_bytes = settings.ACCORD_SHARED_FILE_MAX_BYTES
    too_big = int(request.META.get("CONTENT_LENGTH") or 0) > _body_limit()
    posted = request.POST if request.method == "POST" else None
    form = FileShareForm(
        posted,
        request.FILES or None,
        receiving=_receiving(agreement, party.organisation_id),
        max_bytes=max_bytes,
    )
    expiry = ExpiryForm(posted, prefix="expires")
    today = timezone.localdate()
    if posted is not None:
        form_valid, expiry_valid = form.is_valid(), expiry.is_valid()
        if too_big:
            form.errors.pop("file", None)
            form.add_error("file", f"The file must be {size_text(max_bytes)} or smaller")
            form_valid = False
        if expiry_valid and expiry.date is None:
            expiry.add_error(None, "Enter the date the file expires")
            expiry_valid = False
        if form_valid and expiry_valid:
            try:
                shared = files.file_share(
                    actor=user,
                    agreement=agreement,
                    upload=form.cleaned_data["file"],
                    recipient_people=list(form.cleaned_data["recipients"]),
                    expires_on=expiry.date,
                    today=today,
                )
            except ValidationError as error:
                for field, problems in error.message_dict.items():
                    if field == "expires_on":
                        expiry.add_error(None, problems)
                    else:
                        form.add_error(field if field in form.fields else None, problems)
            except services.ExchangeRefused as refused:
                return exchange_page(
                    request, "refused.html", agreement, status=409, message=str(refused)
                )
            else:
                messages.success(
                    request,
                    f"{shared.filename} is shared until {expires_text(shared.expires_at)}",
                )
                return redirect("exchange:overview", pk=agreement.pk)
    has_errors = bool(form.errors or expiry.errors)
    return exchange_page(
        request,
        "file_new.html",
        agreement,
        status=400 if has_errors else 200,
        form=form,
        expiry=expiry,
        has_errors=has_errors,
        closures=selectors.channel_closures(agreement, today=today),
        expiry_hint=f"At most {files.MAX_EXPIRY_DAYS} days from today, on or before "
        f"{today + dt.timedelta(days=files.MAX_EXPIRY_DAYS):%-d %B %Y}. The file can be "
        "downloaded until the end of that day.",
    )


def expires_text(expires_at: dt.datetime) -> str:
    return f"the end of {timezone.localtime(expires_at):%-d %B %Y}"


@login_required
@require_GET
def file_download(request: HttpRequest, pk: int, file_pk: int) -> HttpResponse:
    user = signed_in_user(request)
    agreement = agreement_get(user=user, pk=pk)
    shared = files.shared_file_get(user=user, agreement=agreement, pk=file_pk)
    try:
        disclosure, content = files.file_download(actor=user, shared_file=shared)
    except files.FileExpired as expired:
        return exchange_page(
            request,
            "refused.html",
            agreement,
            status=410,
            message=f"{expired} Ask {shared.provider.name} to share it again if you still need it.",
        )
    except crypto.StoredFileMissing:
        return exchange_page(
            request,
            "refused.html",
            agreement,
            status=410,
            message=f"This file is no longer stored. Ask {shared.provider.name} to share it again.",
        )
    if not disclosure.decision.allowed:
        reasons = " ".join(f"{r.text} ({r.clause})" for r in disclosure.decision.reasons)
        response = exchange_page(
            request,
            "refused.html",
            agreement,
            status=403,
            message=f"The agreement does not allow this download: {reasons}",
        )
        add_never_cache_headers(response)
        return response
    response = HttpResponse(content, content_type=shared.content_type)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=safe_filename(shared.filename)
    )
    response["X-Content-Type-Options"] = "nosniff"
    add_never_cache_headers(response)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def external_new(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    agreement = agreement_get(user=user, pk=pk)
    if not selectors.may_act(user=user, agreement=agreement, action="external.record"):
        raise PermissionDenied(
            "Only an IG officer of a party can record sharing outside Accord for this agreement"
        )
    try:
        judgements = files.mechanism_judgements(agreement)
    except services.ExchangeRefused as refused:
        return exchange_page(request, "refused.html", agreement, status=409, message=str(refused))
    form = ExternalForm(
        request.POST or None, statuses={code: f.status for code, f in judgements.items()}
    )
    try:
        if submitted(
            request,
            form,
            lambda: files.external_record(
                actor=user,
                agreement=agreement,
                mechanism=form.cleaned_data["mechanism"],
                description=form.cleaned_data["description"],
            ),
        ):
            mechanism = form.cleaned_data["mechanism"]
            messages.success(
                request, f"{codes.label(mechanism)} recorded as sharing outside Accord"
            )
            return redirect("exchange:overview", pk=agreement.pk)
    except services.ExchangeRefused as refused:
        apply_errors(form, ValidationError(str(refused)))
    return exchange_page(
        request,
        "external_new.html",
        agreement,
        status=400 if form.errors else 200,
        form=form,
        judgements=[(code, judgements[code]) for code in files.EXTERNAL_MECHANISMS],
    )
