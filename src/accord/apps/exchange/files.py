"""Secure file exchange under an agreement, and sharing that runs outside Accord, recorded.

A disclosing party's IG officer shares a file with named people of one receiving party. The file
is checked by its content, encrypted at rest with age (`crypto`), and offered until the end of
its expiry day, at most 90 days ahead. Sharing it writes a "file shared" entry in the disclosure
log (and the audit log); every download goes through `services.disclose`, so it is decided
against the agreement and logged with the SHA-256 of the bytes handed over. A download after
expiry, or while the channel is closed, is refused and logged the same.

Sharing outside Accord (a collaboration site, secure or plain e-mail) is recorded with the
engine's guard-rails (`accord.core.mechanisms`) applied to what was signed: a mechanism the
engine does not allow for this data, such as plain e-mail for special category, criminal
offence or bulk personal data, is refused with the engine's reason.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from accord.apps.agreements.models import Agreement
from accord.apps.audit.services import audit_record
from accord.apps.exchange import crypto, selectors, services
from accord.apps.exchange.models import DisclosureEntry, ExternalMechanism, SharedFile
from accord.apps.organisations.models import Membership
from accord.core import codes
from accord.core.access import DISCLOSING, RECEIVING
from accord.core.assessment.initiative import Initiative as InitiativeFacts
from accord.core.assessment.initiative import InvalidInitiative, initiative_from_data
from accord.core.assessment.outcome import Finding
from accord.core.exchange.decision import Decision, DisclosureRequest, Reason, decide
from accord.core.exchange.terms import clause
from accord.core.filetypes import (
    ACCEPTED,
    ACCEPTED_DESCRIPTION,
    FileRefused,
    check_upload,
    refuse_if_too_big,
    safe_filename,
)
from accord.core.mechanisms import NOT_ALLOWED, rank_mechanisms

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from accord.apps.accounts.models import User
    from accord.apps.organisations.models import Organisation

MAX_EXPIRY_DAYS: Final = 90
CSV_CONTENT_TYPE: Final = "text/csv"
SHAREABLE_DESCRIPTION: Final = f"a CSV file (UTF-8), or {ACCEPTED_DESCRIPTION}"
_CHECKED_EXTENSIONS: Final = frozenset(ext for ft in ACCEPTED.values() for ext in ft.extensions)
# The mechanisms that run outside Accord, as accord.core.mechanisms names them.
EXTERNAL_MECHANISMS: Final = ("external-site", "secure-email", "email")


class FileExpired(Exception):
    """The file's expiry date has passed: it can no longer be downloaded."""

    def __init__(self, expired_on: dt.date) -> None:
        super().__init__(f"This file expired on {expired_on:%-d %B %Y}.")
        self.expired_on = expired_on


# --- Checking what is shared ------------------------------------------------------------------


def _read_shareable(upload: UploadedFile[bytes], max_bytes: int) -> tuple[bytes, str, str]:
    """The upload's bytes, safe name and content type; FileRefused saying what is wrong.

    Files are checked by their content (accord.core.filetypes). A CSV, which has no signature,
    must be UTF-8 text with no NUL bytes and must not be a web page or a script.
    """
    filename = upload.name or ""
    name = safe_filename(filename)
    refuse_if_too_big(upload.size or 0, filename, max_bytes)
    extension = name.rpartition(".")[2].lower() if "." in name else ""
    if extension != "csv" and extension not in _CHECKED_EXTENSIONS:
        raise FileRefused(
            f"{name} is not a type of file that can be shared: share {SHAREABLE_DESCRIPTION}"
        )
    upload.seek(0)
    data = upload.read(max_bytes + 1)
    if extension != "csv":
        checked = check_upload(data, filename, max_bytes)
        return data, checked.filename, checked.content_type
    refuse_if_too_big(len(data), filename, max_bytes)
    if not data:
        raise FileRefused(f"{name} is empty")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileRefused(
            f"{name} is not a CSV file in UTF-8: save it as “CSV UTF-8” and share it again"
        ) from None
    head = text[:512].lstrip().lower()
    if "\x00" in text or head.startswith(("<", "#!")):
        raise FileRefused(f"{name} is not a CSV file: its content is not plain text")
    return data, name, CSV_CONTENT_TYPE


def _receiving_organisations(agreement: Agreement, provider: Organisation) -> list[Organisation]:
    return [
        party.organisation
        for party in agreement.initiative.parties.select_related("organisation")
        if party.role in RECEIVING and party.organisation_id != provider.pk
    ]


def _recipient_organisation(
    agreement: Agreement, provider: Organisation, people: Sequence[User]
) -> Organisation:
    """The one receiving party every named person belongs to; ValidationError if there is none."""
    if not people:
        raise ValidationError("Choose at least one person who may download the file")
    receiving = _receiving_organisations(agreement, provider)
    memberships: dict[int, set[int]] = {person.pk: set() for person in people}
    for user_id, organisation_id in Membership.objects.filter(
        user__in=people, organisation__in=receiving
    ).values_list("user_id", "organisation_id"):
        memberships[user_id].add(organisation_id)
    outsiders = [p for p in people if not memberships[p.pk] or not p.is_active]
    if outsiders:
        names = ", ".join(p.full_name or p.email for p in outsiders)
        raise ValidationError(
            f"Only people of a receiving party can be named: {names} cannot receive this file"
        )
    common = set.intersection(*memberships.values())
    chosen = next((o for o in receiving if o.pk in common), None)
    if chosen is None:
        raise ValidationError(
            "Choose people of one receiving organisation: a file goes to one organisation"
        )
    return chosen


def expiry_problem(expires_on: dt.date | None, today: dt.date) -> str:
    """What is wrong with an expiry date, or "" if nothing."""
    if expires_on is None:
        return "Enter the date the file expires"
    if expires_on < today:
        return "The expiry date must be today or in the future"
    if expires_on > today + dt.timedelta(days=MAX_EXPIRY_DAYS):
        latest = today + dt.timedelta(days=MAX_EXPIRY_DAYS)
        return (
            f"The expiry date must be within {MAX_EXPIRY_DAYS} days, "
            f"on or before {latest:%-d %B %Y}"
        )
    return ""


def _end_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))


def _refusal(decision: Decision) -> str:
    return " ".join(f"{r.text} ({r.clause})" for r in decision.reasons)


# --- Sharing a file ---------------------------------------------------------------------------


def file_share(
    *,
    actor: User,
    agreement: Agreement,
    upload: UploadedFile[bytes],
    recipient_people: Sequence[User],
    expires_on: dt.date | None,
    today: dt.date | None = None,
) -> SharedFile:
    """Share a file with named people of one receiving party, until the end of `expires_on`.

    Raises PermissionDenied unless the actor is an IG officer of a disclosing party;
    ValidationError by field ("recipients", "expires_on", "file"); ExchangeRefused, after
    logging the refusal, while the channel is closed. Nothing is kept of a refused share.
    """
    party = selectors.acting_party(user=actor, agreement=agreement, action="file.share")
    provider = party.organisation
    today = today or timezone.localdate()
    people = list(recipient_people)
    errors: dict[str, list[str]] = {}
    recipient: Organisation | None = None
    try:
        recipient = _recipient_organisation(agreement, provider, people)
    except ValidationError as invalid:
        errors["recipients"] = invalid.messages
    if problem := expiry_problem(expires_on, today):
        errors["expires_on"] = [problem]
    try:
        data, filename, content_type = _read_shareable(
            upload, settings.ACCORD_SHARED_FILE_MAX_BYTES
        )
    except FileRefused as refused:
        errors["file"] = [refused.message]
    if errors or recipient is None or expires_on is None:
        raise ValidationError(errors)

    sha256 = hashlib.sha256(data).hexdigest()
    stored_name = uuid.uuid4().hex
    crypto.encrypt_to_store(stored_name, data)  # before the lock: encryption takes time
    shared: SharedFile | None = None
    try:
        with transaction.atomic():
            locked = (
                Agreement.objects.select_for_update()
                .select_related("initiative")
                .get(pk=agreement.pk)
            )
            now = timezone.now()
            decision = decide(
                DisclosureRequest(
                    kind="file", party=str(recipient.pk), provider=str(party.organisation_id)
                ),
                selectors.terms_of(locked),
                selectors.channel_facts(locked, today=timezone.localdate(now)),
                now,
            )
            if decision.allowed:
                shared = SharedFile.objects.create(
                    agreement=locked,
                    provider=provider,
                    recipient=recipient,
                    filename=filename,
                    content_type=content_type,
                    size=len(data),
                    sha256=sha256,
                    stored_name=stored_name,
                    expires_at=_end_of(expires_on),
                    created_by=actor,
                )
                shared.recipients.set(people)
                audit_record(
                    actor=actor,
                    verb="file.shared",
                    target=shared,
                    organisation=provider,
                    initiative=locked.initiative,
                    summary=f"{filename} shared with {len(people)} "
                    f"{'person' if len(people) == 1 else 'people'} of {recipient.name} "
                    f"until {expires_on:%-d %B %Y}",
                    data={
                        "filename": filename,
                        "sha256": sha256,
                        "size": len(data),
                        "recipient": recipient.pk,
                        "recipients": sorted(p.pk for p in people),
                        "expires_on": expires_on.isoformat(),
                    },
                )
            services.disclosure_record(
                agreement=locked,
                kind=DisclosureEntry.FILE_SHARED,
                decision=decision,
                party=recipient,
                provider=provider,
                person=actor,
                fields=[],
                payload_hash=sha256 if shared else "",
            )
    except BaseException:
        crypto.remove_from_store(stored_name)
        raise
    if shared is None:  # refused, and the refusal is logged: the encrypted copy goes
        crypto.remove_from_store(stored_name)
        raise services.ExchangeRefused(_refusal(decision))
    return shared


def shared_file_get(*, user: User, agreement: Agreement, pk: int) -> SharedFile:
    """A file this person is named to receive; 404 for everyone else, and once withdrawn."""
    try:
        return SharedFile.objects.select_related("recipient", "provider").get(
            pk=pk, agreement=agreement, recipients=user, withdrawn_at__isnull=True
        )
    except SharedFile.DoesNotExist:
        raise Http404("No such file") from None


def file_download(*, actor: User, shared_file: SharedFile) -> tuple[services.Disclosure, bytes]:
    """Decrypt a file for one of its named recipients: the disclosure (logged) and the bytes.

    A refusal (the channel closed) comes back as a disclosure whose decision is "deny", with no
    bytes. Raises FileExpired, after logging the refusal, once the file has expired;
    PermissionDenied for anyone not named, or no longer a member of the receiving party.
    """
    if not shared_file.recipients.filter(pk=actor.pk).exists() or shared_file.withdrawn_at:
        raise PermissionDenied("Only the people the file was shared with can download it")
    if not Membership.objects.filter(user=actor, organisation=shared_file.recipient_id).exists():
        raise PermissionDenied(
            f"You are no longer a member of {shared_file.recipient.name}, so you cannot download "
            "this file"
        )
    if timezone.now() > shared_file.expires_at:
        expired_on = timezone.localtime(shared_file.expires_at).date()
        with transaction.atomic():
            services.disclosure_record(
                agreement=shared_file.agreement,
                kind=DisclosureEntry.FILE_DOWNLOAD,
                decision=Decision(
                    "deny",
                    (Reason(f"The file expired on {expired_on:%-d %B %Y}.", clause("retention")),),
                ),
                party=shared_file.recipient,
                provider=shared_file.provider,
                person=actor,
                fields=[],
            )
        raise FileExpired(expired_on)

    def fetch(decision: Decision) -> tuple[bytes, int]:
        return crypto.decrypt_from_store(shared_file.stored_name), 1

    disclosure = services.disclose(
        agreement_id=shared_file.agreement_id,
        request=DisclosureRequest(
            kind="file",
            party=str(shared_file.recipient_id),
            provider=str(shared_file.provider_id),
        ),
        party=shared_file.recipient,
        fetch=fetch,
        person=actor,
        counts=False,  # a file is not counted in records: its hash is logged instead
        provider=shared_file.provider,
    )
    return disclosure, disclosure.payload


# --- Sharing outside Accord -------------------------------------------------------------------


def _signed_facts(agreement: Agreement) -> InitiativeFacts:
    """The initiative as the engine reads it, with the data, volume and frequency as signed."""
    data = agreement.initiative.format_data()
    version = agreement.current_version()
    signed = next(
        (s.get("values") or {} for s in version.content.get("sections", []) if s["key"] == "data"),
        {},
    )
    if signed.get("items"):
        data["data"] = [
            {"category": item["category"], "fields": list(item.get("fields") or [])}
            for item in signed["items"]
        ]
    for key in ("volume", "frequency"):
        if signed.get(key):
            data[key] = signed[key]
    try:
        return initiative_from_data(data, "initiative")
    except InvalidInitiative as invalid:
        raise services.ExchangeRefused(
            "The guard-rails cannot be applied: the initiative behind this agreement is "
            f"incomplete ({invalid.problems[0].message if invalid.problems else 'unknown'})."
        ) from None


def mechanism_judgements(agreement: Agreement) -> dict[str, Finding]:
    """The engine's judgement of each mechanism run outside Accord, for the data signed."""
    facts = _signed_facts(agreement)
    sensitive = bool(facts.special_categories) or facts.has_criminal_offence_data
    return {
        finding.id: finding
        for finding in rank_mechanisms(facts, sensitive=sensitive)
        if finding.id in EXTERNAL_MECHANISMS
    }


def _other_side(
    agreement: Agreement, organisation: Organisation, roles: frozenset[str]
) -> Organisation | None:
    return next(
        (
            p.organisation
            for p in agreement.initiative.parties.select_related("organisation")
            if p.role in roles and p.organisation_id != organisation.pk
        ),
        None,
    )


def external_record(
    *, actor: User, agreement: Agreement, mechanism: str, description: str
) -> ExternalMechanism:
    """Record sharing that runs outside Accord, if the engine allows that mechanism here.

    Raises PermissionDenied unless the actor is an IG officer of a party; ValidationError by
    field ("mechanism" with the engine's reason, "description"); ExchangeRefused while the
    channel is closed.
    """
    party = selectors.acting_party(user=actor, agreement=agreement, action="external.record")
    organisation = party.organisation
    description = description.strip()
    errors: dict[str, str] = {}
    if mechanism not in EXTERNAL_MECHANISMS:
        errors["mechanism"] = "Choose how the data is shared outside Accord"
    else:
        finding = mechanism_judgements(agreement)[mechanism]
        if finding.status == NOT_ALLOWED:
            errors["mechanism"] = (
                f"{codes.label(mechanism)} is not allowed for the data in this agreement: "
                + " ".join(finding.reasons)
            )
    if not description:
        errors["description"] = "Describe where the data is shared and how it is protected"
    elif len(description) > 2000:
        errors["description"] = "The description must be 2,000 characters or fewer"
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        locked = (
            Agreement.objects.select_for_update().select_related("initiative").get(pk=agreement.pk)
        )
        closed = selectors.channel_closures(locked, today=timezone.localdate())
        if closed:
            raise services.ExchangeRefused(" ".join(f"{r.text} ({r.clause})" for r in closed))
        record = ExternalMechanism.objects.create(
            agreement=locked,
            organisation=organisation,
            mechanism=mechanism,
            description=description,
            recorded_by=actor,
        )
        audit_record(
            actor=actor,
            verb="external.recorded",
            target=record,
            organisation=organisation,
            initiative=locked.initiative,
            summary=f"Sharing outside Accord recorded: {codes.label(mechanism)} ({finding.status})",
            data={"mechanism": mechanism, "status": finding.status, "description": description},
        )
        # Both sides see the entry: the recorder, and the first party on the other side.
        provider: Organisation | None
        receiver: Organisation | None
        if party.role in DISCLOSING:
            provider, receiver = organisation, _other_side(locked, organisation, RECEIVING)
        else:
            provider, receiver = _other_side(locked, organisation, DISCLOSING), organisation
        services.disclosure_record(
            agreement=locked,
            kind=DisclosureEntry.EXTERNAL,
            decision=Decision(
                "allow",
                (
                    Reason(
                        f"{codes.label(mechanism)} is {finding.status} for this data.",
                        clause("mechanism"),
                    ),
                ),
                matched=(clause("mechanism"),),
            ),
            party=receiver,
            provider=provider,
            person=actor,
            fields=[],
            reason=f"{codes.label(mechanism)}: {description}",
        )
    return record
