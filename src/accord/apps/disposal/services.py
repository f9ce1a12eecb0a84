"""At the end of an agreement: asking each receiving party, and recording what it confirms.

`disposal_request` runs in the transaction that terminates the agreement (called by
`accord.apps.exchange.services.terminate`): it records each party that received data under the
signed terms and tells it, once, to confirm deletion or return. `disposal_confirm` records one
party's answer (party rule "disposal.confirm": its IG officer, DPO or SIRO), once, with its
audit entry and a notice to every party, in one transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accord.apps.agreements.models import Agreement
from accord.apps.agreements.selectors import contacts_of
from accord.apps.audit.services import audit_record
from accord.apps.disposal.models import DisposalConfirmation, DisposalRequest
from accord.apps.exchange.selectors import acting_party, terms_of
from accord.apps.notices.services import notice_queue
from accord.apps.organisations.models import Organisation
from accord.core import disposal as rules

if TYPE_CHECKING:
    from accord.apps.accounts.models import User


def _link(agreement: Agreement) -> str:
    return settings.ACCORD_BASE_URL + reverse("disposal:state", kwargs={"pk": agreement.pk})


def ended_on(agreement: Agreement) -> dt.date:
    """The day the agreement was terminated."""
    changed = agreement.status_changed_at or timezone.now()
    return timezone.localdate(changed)


def disposal_request(*, agreement: Agreement, actor: User | None = None) -> list[DisposalRequest]:
    """Ask each party that received data under the signed terms to confirm what became of it.

    Must run in the transaction that terminates the agreement, so that a terminated agreement
    always has its requests, and each party is told exactly once (the notice's key names the
    agreement and the party).
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("disposal_request must run in the transaction that terminates")
    owed = rules.owing(terms_of(agreement).parties)
    organisations = Organisation.objects.in_bulk([int(p.key) for p in owed])
    now = timezone.now()
    asked = []
    for party in owed:
        organisation = organisations.get(int(party.key))
        if organisation is None:
            continue
        request, created = DisposalRequest.objects.get_or_create(
            agreement=agreement, organisation=organisation, defaults={"asked_at": now}
        )
        asked.append(request)
        if not created:
            continue
        notice_queue(
            key=f"disposal-asked:{agreement.pk}:{organisation.pk}",
            recipients=contacts_of(agreement=agreement, organisation_ids=[organisation.pk]),
            subject=f"Confirm deletion or return of the data: {agreement.reference} "
            f"{agreement.initiative.title}",
            body=(
                f"{agreement.reference} ({agreement.initiative.title}) has been terminated."
                f"\n\nReason: {agreement.status_reason}\n\n{organisation.name} received data "
                "under it. Delete the data or return it to the organisation that shared it, "
                "unless a law requires you to keep it. Then confirm what you did, so every "
                "party can see it.\n\n"
                f"Confirm it here:\n{_link(agreement)}\n"
            ),
        )
    if asked:
        audit_record(
            actor=actor,
            verb="agreement.disposal-asked",
            target=agreement,
            initiative=agreement.initiative,
            summary=f"Asked {', '.join(r.organisation.name for r in asked)} to confirm "
            f"deletion or return of the data received under {agreement.reference}",
            data={"organisations": [r.organisation_id for r in asked]},
        )
    return asked


def disposal_confirm(
    *,
    actor: User,
    agreement: Agreement,
    method: str,
    details: str,
    confirmed_on: dt.date | None,
    law: str = "",
    today: dt.date | None = None,
) -> DisposalConfirmation:
    """A receiving party confirms it deleted, returned or lawfully kept the data. Once."""
    party = acting_party(user=actor, agreement=agreement, action="disposal.confirm")
    organisation = party.organisation
    today = today or timezone.localdate()
    with transaction.atomic():
        agreement = (
            Agreement.objects.select_for_update().select_related("initiative").get(pk=agreement.pk)
        )
        if agreement.status != Agreement.TERMINATED:
            raise ValidationError(
                "Deletion or return is confirmed once the agreement has ended. This one is "
                f"{agreement.get_status_display().lower()}."
            )
        owed = {p.key for p in rules.owing(terms_of(agreement).parties)}
        if str(organisation.pk) not in owed:
            raise ValidationError(
                f"{organisation.name} did not receive data under the signed agreement, so it "
                "has nothing to confirm."
            )
        done = DisposalConfirmation.objects.filter(
            agreement=agreement, organisation=organisation
        ).first()
        if done is not None:
            raise ValidationError(
                f"{organisation.name} confirmed this already, on "
                f"{timezone.localdate(done.created_at):%-d %B %Y}. A confirmation cannot be "
                "changed: if it was wrong, tell the other parties."
            )
        problems = rules.confirmation_problems(
            method=method,
            law=law,
            details=details,
            confirmed_on=confirmed_on,
            ended_on=ended_on(agreement),
            today=today,
        )
        if problems or confirmed_on is None:
            raise ValidationError(problems)  # a missing date is among the problems
        try:
            with transaction.atomic():
                confirmation = DisposalConfirmation.objects.create(
                    agreement=agreement,
                    organisation=organisation,
                    method=method,
                    law=law.strip() if method == rules.RETAINED else "",
                    details=details.strip(),
                    confirmed_on=confirmed_on,
                    confirmed_by=actor,
                )
        except IntegrityError:
            raise ValidationError(f"{organisation.name} confirmed this already.") from None
        # An agreement ended before Accord asked still records who answered.
        DisposalRequest.objects.get_or_create(
            agreement=agreement, organisation=organisation, defaults={"asked_at": timezone.now()}
        )
        what = rules.METHODS[method].lower()
        if method == rules.RETAINED:
            what += f" ({confirmation.law})"
        audit_record(
            actor=actor,
            verb="agreement.disposal-confirmed",
            target=agreement,
            organisation=organisation,
            initiative=agreement.initiative,
            summary=f"{organisation.name} confirmed the data received under "
            f"{agreement.reference} was {what} on {confirmed_on:%-d %B %Y}",
            data={
                "organisation": organisation.pk,
                "method": method,
                "law": confirmation.law,
                "confirmed_on": confirmed_on.isoformat(),
            },
        )
        notice_queue(
            key=f"disposal-confirmed:{confirmation.pk}",
            recipients=contacts_of(agreement=agreement),
            subject=f"{organisation.name} confirmed the data is {_short(method)}: "
            f"{agreement.reference} {agreement.initiative.title}",
            body=(
                f"{actor.full_name} of {organisation.name} confirmed what became of the data "
                f"it received under {agreement.reference} ({agreement.initiative.title}).\n\n"
                f"What: {rules.METHODS[method]}"
                + (f" under {confirmation.law}" if method == rules.RETAINED else "")
                + f"\nWhen: {confirmed_on:%-d %B %Y}\n\nDetails:\n{confirmation.details}\n\n"
                f"See who has and who has not confirmed:\n{_link(agreement)}\n"
            ),
        )
    return confirmation


def _short(method: str) -> str:
    return {rules.DELETED: "deleted", rules.RETURNED: "returned"}.get(method, "kept under law")
