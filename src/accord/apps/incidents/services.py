"""Reporting an incident or breach under a signed agreement, and the lead suspending because of it.

Any party reports (the party rule "incident.report": its IG officer, DPO, SIRO or Caldicott
Guardian). In one transaction the report is stored, audited, every party is told at once (one
notice to every party's contacts) and a review is raised (accord.core.review: due in 14 days).
The lead's IG officer or SIRO can then suspend the agreement from the incident (rule
"incident.suspend"), which goes through the exchange's own suspension, so the channel closes
exactly as it does when any party suspends it from the exchange page.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accord.apps.agreements.models import Agreement
from accord.apps.agreements.selectors import contacts_of
from accord.apps.audit.services import audit_record
from accord.apps.exchange import services as exchange
from accord.apps.exchange.selectors import acting_party
from accord.apps.incidents.models import Incident
from accord.apps.notices.services import notice_queue
from accord.apps.reviews.services import IN_FORCE, review_raise
from accord.core import incident as rules
from accord.core import review

if TYPE_CHECKING:
    from accord.apps.accounts.models import User


def _link(incident: Incident) -> str:
    return settings.ACCORD_BASE_URL + reverse(
        "incidents:detail", kwargs={"pk": incident.agreement_id, "number": incident.number}
    )


def incident_report(
    *,
    actor: User,
    agreement: Agreement,
    occurred_on: dt.date | None,
    found_on: dt.date | None,
    kind: str,
    description: str,
    data_affected: str = "",
    people_affected: int | None = None,
    reported_to_ico: str,
    contained: bool,
    actions_taken: str = "",
    today: dt.date | None = None,
) -> Incident:
    """Record a party's report, tell every party at once and raise a review."""
    party = acting_party(user=actor, agreement=agreement, action="incident.report")
    today = today or timezone.localdate()
    problems = rules.report_problems(
        occurred_on=occurred_on,
        found_on=found_on,
        kind=kind,
        description=description,
        data_affected=data_affected,
        people_affected=people_affected,
        reported_to_ico=reported_to_ico,
        actions_taken=actions_taken,
        today=today,
    )
    if problems or occurred_on is None or found_on is None:
        raise ValidationError(problems)  # a missing date is among the problems
    with transaction.atomic():
        # The lock numbers incidents one after another and orders them with status changes.
        agreement = (
            Agreement.objects.select_for_update().select_related("initiative").get(pk=agreement.pk)
        )
        if not agreement.is_signed:
            raise ValidationError(
                "An incident is reported under a signed agreement. This one is still being "
                "negotiated: tell the other parties directly."
            )
        last = agreement.incidents.order_by("-number").values_list("number", flat=True).first()
        incident = Incident.objects.create(
            agreement=agreement,
            number=(last or 0) + 1,
            organisation=party.organisation,
            reported_by=actor,
            occurred_on=occurred_on,
            found_on=found_on,
            kind=kind,
            description=description.strip(),
            data_affected=data_affected.strip(),
            people_affected=people_affected,
            reported_to_ico=reported_to_ico,
            contained=contained,
            actions_taken=actions_taken.strip(),
        )
        kind_label = rules.KINDS[kind]
        audit_record(
            actor=actor,
            verb="incident.reported",
            target=incident,
            organisation=party.organisation,
            initiative=agreement.initiative,
            summary=f"{party.organisation.name} reported {incident.title} under "
            f"{agreement.reference}: {kind_label.lower()}",
            data={
                "number": incident.number,
                "kind": kind,
                "occurred_on": occurred_on.isoformat(),
                "found_on": found_on.isoformat(),
                "reported_to_ico": reported_to_ico,
                "contained": contained,
                "people_affected": people_affected,
            },
        )
        notice_queue(
            key=f"incident-reported:{incident.pk}",
            recipients=contacts_of(agreement=agreement),
            subject=f"{kind_label} reported: {agreement.reference} {agreement.initiative.title}",
            body=_report_body(incident, party.organisation.name, actor),
        )
        if agreement.status in IN_FORCE:
            review_raise(
                agreement=agreement,
                cause=review.INCIDENT,
                cause_key=str(incident.pk),
                summary=f"{party.organisation.name} reported {incident.title}: "
                f"{kind_label.lower()} found on {found_on:%-d %B %Y}.",
                actor=actor,
                organisation=party.organisation,
                today=today,
            )
    return incident


def _report_body(incident: Incident, organisation: str, actor: User) -> str:
    agreement = incident.agreement
    people = (
        f"{incident.people_affected}" if incident.people_affected is not None else "Not known yet"
    )
    lines = [
        f"{actor.full_name} of {organisation} reported {incident.title} under "
        f"{agreement.reference} ({agreement.initiative.title}).",
        "",
        f"Kind: {rules.KINDS[incident.kind]}",
        f"Happened on: {incident.occurred_on:%-d %B %Y}",
        f"Found on: {incident.found_on:%-d %B %Y}",
        f"People affected: {people}",
        f"Reported to the ICO: {rules.ICO_ANSWERS[incident.reported_to_ico]}",
        f"Contained: {'Yes' if incident.contained else 'No'}",
        "",
        # What happened, and to whose data, stays in Accord: e-mail is not a safe place for
        # the details of a breach, which may name the people it affected.
        "What happened, the data affected and what has been done are in Accord, for the "
        "parties only: sign in to read them.",
    ]
    if incident.kind == rules.PERSONAL_DATA_BREACH:
        lines += [
            "",
            "A personal data breach that is likely to result in a risk to people must be "
            "reported to the ICO within 72 hours of becoming aware of it (UK GDPR Art 33): "
            f"{rules.ICO_REPORT_URL}",
        ]
    lines += ["", f"Read it and what follows here:\n{_link(incident)}", ""]
    return "\n".join(lines)


def incident_suspend(*, actor: User, incident: Incident, reason: str = "") -> Incident:
    """The lead suspends the agreement because of this incident: sharing stops at once."""
    agreement = incident.agreement
    party = acting_party(user=actor, agreement=agreement, action="incident.suspend")
    why = f"{incident.title} ({rules.KINDS[incident.kind].lower()}) reported by " + (
        f"{incident.organisation.name}."
    )
    if reason.strip():
        why += f" {reason.strip()}"
    try:
        with transaction.atomic():
            incident = Incident.objects.select_for_update().get(pk=incident.pk)
            agreement = exchange.suspend(actor=actor, agreement=agreement, reason=why)
            incident.suspended_at = agreement.status_changed_at
            incident.suspended_by = actor
            incident.save(update_fields=["suspended_at", "suspended_by"])
            audit_record(
                actor=actor,
                verb="incident.agreement-suspended",
                target=incident,
                organisation=party.organisation,
                initiative=agreement.initiative,
                summary=f"{party.organisation.name} suspended {agreement.reference} because of "
                f"{incident.title}",
                data={"number": incident.number, "reason": why},
            )
            notice_queue(
                key=f"incident-suspended:{incident.pk}",
                recipients=contacts_of(agreement=agreement),
                subject=f"Sharing suspended: {agreement.reference} {agreement.initiative.title}",
                body=(
                    f"{actor.full_name} of {party.organisation.name} suspended "
                    f"{agreement.reference} ({agreement.initiative.title}) because of "
                    f"{incident.title}.\n\nReason: {why}\n\nNothing is shared under the "
                    "agreement, including any transfer under way, until the lead resumes it."
                    f"\n\n{_link(incident)}\n"
                ),
            )
    except exchange.ExchangeRefused as refused:
        raise ValidationError(str(refused)) from None
    return incident
