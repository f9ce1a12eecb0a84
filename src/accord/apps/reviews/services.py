"""Raising, recording and sweeping for reviews of signed agreements.

A review is raised by the agreement's schedule or by an event: a party's evidence lapsing, a
party joining or leaving, an incident, a change in the law the agreement relies on, or a party
asking. Each cause has a key, unique per agreement, so it raises one review and one notice
however often it is seen. Raising, recording and every notice are written in the transaction
that makes the change, with its audit entry; the background worker sends the notices.

`reviews_sweep` finds the causes nobody acts on (dates coming round, evidence expiring, the
knowledge base changing) and sends the reminders due. The worker runs it every
ACCORD_SWEEP_SECONDS; `accord sweep` runs it once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from accord.apps.agreements.models import Agreement
from accord.apps.agreements.selectors import contacts_of, evidence_of
from accord.apps.agreements.services import variation_open
from accord.apps.audit.services import audit_record
from accord.apps.evidence.models import EvidenceItem
from accord.apps.exchange import services as exchange
from accord.apps.exchange.selectors import acting_party, may_act, open_review_due_on, terms_of
from accord.apps.notices.services import notice_queue, notices_retry
from accord.apps.reviews.models import LawBaseline, Review
from accord.core import review as rules
from accord.core.law import Catalogue, default_law

if TYPE_CHECKING:
    from accord.apps.accounts.models import User
    from accord.apps.organisations.models import Organisation

# Agreements in force owe reviews; a negotiating one is not yet in force, a terminated one ended.
IN_FORCE = (Agreement.SIGNED, Agreement.LIVE, Agreement.SUSPENDED)
# The knowledge-base version last swept, kept beside the provisions' digests.
_LAW_VERSION = "__version__"
# How far back the sweep looks for evidence that expired or was withdrawn.
EVIDENCE_LOOKBACK = dt.timedelta(days=30)


def _link(agreement: Agreement) -> str:
    return settings.ACCORD_BASE_URL + reverse("reviews:list", kwargs={"pk": agreement.pk})


def scheduled_review_on(agreement: Agreement) -> dt.date | None:
    """The review the agreement's review clause asks for next."""
    return terms_of(agreement).review_due_on(agreement.last_reviewed_on)


def review_date_refresh(agreement: Agreement) -> dt.date | None:
    """Store the earliest review the agreement owes, for the register to filter and sort on."""
    due = None
    if agreement.status in IN_FORCE:
        due = rules.next_review_on(scheduled_review_on(agreement), [open_review_due_on(agreement)])
    if due != agreement.next_review_on:
        agreement.next_review_on = due
        Agreement.objects.filter(pk=agreement.pk).update(next_review_on=due)
    return due


def review_raise(
    *,
    agreement: Agreement,
    cause: str,
    cause_key: str,
    summary: str,
    actor: User | None = None,
    organisation: Organisation | None = None,
    due_on: dt.date | None = None,
    today: dt.date | None = None,
) -> Review | None:
    """Raise a review for this cause and tell every party; None if it was raised before."""
    if cause not in rules.CAUSES:
        raise ValueError(f"unknown cause {cause!r}")
    today = today or timezone.localdate()
    due = due_on or rules.due_on(cause, today)
    try:
        with transaction.atomic():
            review = Review.objects.create(
                agreement=agreement,
                cause=cause,
                cause_key=f"{cause}:{cause_key}"[:200],
                summary=summary,
                raised_by=actor,
                due_on=due,
            )
            audit_record(
                actor=actor,
                verb="review.raised",
                target=review,
                organisation=organisation,
                initiative=agreement.initiative,
                summary=f"Review of {agreement.reference} raised: {summary[:250]}",
                data={"cause": cause, "key": review.cause_key, "due_on": due.isoformat()},
            )
            notice_queue(
                key=f"review-raised:{review.pk}",
                recipients=contacts_of(agreement=agreement),
                subject=f"Review needed by {due:%-d %B %Y}: {agreement.reference} "
                f"{agreement.initiative.title}",
                body=(
                    f"A review of {agreement.reference} ({agreement.initiative.title}) has been "
                    f"raised.\n\nWhy: {rules.CAUSES[cause]}. {summary}\n\n"
                    f"It is due by {due:%-d %B %Y}. If it is not recorded by then, sharing under "
                    "the agreement stops until it is.\n\n"
                    f"Record it here:\n{_link(agreement)}\n"
                ),
            )
            review_date_refresh(agreement)
    except IntegrityError:
        return None  # this cause raised its review already
    return review


def review_request(*, actor: User, agreement: Agreement, reason: str) -> Review:
    """Any party asks for a review now, giving its reason."""
    party = acting_party(user=actor, agreement=agreement, action="review.request")
    _refuse_unless_in_force(agreement)
    if not reason.strip():
        raise ValidationError({"reason": "Say why the agreement needs reviewing."})
    review = review_raise(
        agreement=agreement,
        cause=rules.REQUESTED,
        cause_key=f"{party.organisation_id}:{timezone.now().isoformat()}",
        summary=f"{party.organisation.name} asked for a review: {reason.strip()}",
        actor=actor,
        organisation=party.organisation,
    )
    assert review is not None  # the key holds the moment, so it is new
    return review


def party_joining(
    *, actor: User, agreement: Agreement, organisation: Organisation, reason: str
) -> Review | None:
    """The lead records that an organisation asks to join: a review decides on a variation."""
    party = acting_party(user=actor, agreement=agreement, action="party.join")
    _refuse_unless_in_force(agreement)
    if agreement.initiative.parties.filter(organisation=organisation).exists():
        raise ValidationError({"organisation": f"{organisation.name} is already a party."})
    if not reason.strip():
        raise ValidationError({"reason": "Say why it would join and what it would share."})
    return review_raise(
        agreement=agreement,
        cause=rules.PARTY_JOINED,
        cause_key=str(organisation.pk),
        summary=f"{organisation.name} asks to join: {reason.strip()} A party joins by a "
        "variation that every party signs.",
        actor=actor,
        organisation=party.organisation,
    )


def party_leaving(*, actor: User, agreement: Agreement, reason: str) -> Review | None:
    """A party gives notice that it will leave: a review decides on a variation or the end."""
    party = acting_party(user=actor, agreement=agreement, action="party.leave")
    _refuse_unless_in_force(agreement)
    if party.organisation_id == agreement.initiative.lead_id:
        raise ValidationError(
            {"reason": "The lead cannot leave its own agreement: end it instead."}
        )
    if not reason.strip():
        raise ValidationError({"reason": "Say why your organisation is leaving."})
    return review_raise(
        agreement=agreement,
        cause=rules.PARTY_LEFT,
        cause_key=str(party.organisation_id),
        summary=f"{party.organisation.name} gave notice that it will leave: {reason.strip()} "
        "It leaves by a variation that removes it, or when the agreement ends.",
        actor=actor,
        organisation=party.organisation,
    )


def _refuse_unless_in_force(agreement: Agreement) -> None:
    if agreement.status not in IN_FORCE:
        raise ValidationError(
            f"This agreement is {agreement.get_status_display().lower()}: only an agreement "
            "in force is reviewed."
        )


def review_record(*, actor: User, review: Review, finding: rules.Finding) -> Review:
    """Record the lead's review and carry out its outcome in the same transaction.

    Recording a review is a full review of the agreement, so the schedule restarts from today
    and an open scheduled review is answered by it. Reviews raised by other events stay open:
    each event is looked at in its own right.
    """
    agreement = review.agreement
    party = acting_party(user=actor, agreement=agreement, action="review.record")
    problems = rules.finding_problems(finding)
    if problems:
        raise ValidationError(problems)
    if finding.outcome == rules.END and not may_act(
        user=actor, agreement=agreement, action="exchange.terminate"
    ):
        raise ValidationError({"outcome": "Only the lead's SIRO can end the agreement."})
    today = timezone.localdate()
    with transaction.atomic():
        agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
        review = Review.objects.select_for_update().get(pk=review.pk)
        if not review.is_open:
            raise ValidationError("This review has been recorded already.")
        if agreement.status not in IN_FORCE:
            raise ValidationError(
                f"This agreement is {agreement.get_status_display().lower()}: there is nothing "
                "to review."
            )
        now = timezone.now()
        scheduled = Review.objects.filter(
            agreement=agreement, cause=rules.SCHEDULED, completed_at__isnull=True
        ).values_list("pk", flat=True)
        answered = sorted({review.pk, *scheduled})
        Review.objects.filter(pk__in=answered).update(
            completed_at=now,
            completed_by=actor,
            achieves_purpose=finding.achieves_purpose,
            still_necessary=finding.still_necessary,
            outcome=finding.outcome,
            notes=finding.notes.strip(),
        )
        agreement.last_reviewed_on = today
        agreement.save(update_fields=["last_reviewed_on"])
        audit_record(
            actor=actor,
            verb="review.recorded",
            target=review,
            organisation=party.organisation,
            initiative=agreement.initiative,
            summary=f"Review of {agreement.reference} recorded: {rules.OUTCOMES[finding.outcome]}",
            data={
                "outcome": finding.outcome,
                "achieves_purpose": finding.achieves_purpose,
                "still_necessary": finding.still_necessary,
                "answered": answered,
            },
        )
        reason = f"Review {review.pk}: {finding.notes.strip()}"[:2000]
        if finding.outcome == rules.SUSPEND and agreement.status == Agreement.LIVE:
            exchange.suspend(actor=actor, agreement=agreement, reason=reason)
        elif finding.outcome == rules.END:
            exchange.terminate(actor=actor, agreement=agreement, reason=reason)
        elif finding.outcome == rules.VARY:
            variation_open(actor=actor, agreement=agreement, reason=reason)
        agreement.refresh_from_db()
        review_date_refresh(agreement)
        notice_queue(
            key=f"review-recorded:{review.pk}",
            recipients=contacts_of(agreement=agreement),
            subject=f"Review recorded: {agreement.reference} {agreement.initiative.title}",
            body=(
                f"{actor.full_name} of {party.organisation.name} recorded a review of "
                f"{agreement.reference}.\n\nStill achieves its purpose: "
                f"{'yes' if finding.achieves_purpose else 'no'}\nStill necessary: "
                f"{'yes' if finding.still_necessary else 'no'}\nOutcome: "
                f"{rules.OUTCOMES[finding.outcome]}\n\n{finding.notes.strip()}\n\n{_link(agreement)}\n"
            ),
        )
    review.refresh_from_db()
    return review


# --- The sweep --------------------------------------------------------------------------------


@dataclass
class Swept:
    """What one sweep did, for the command's report and the tests."""

    raised: list[Review] = field(default_factory=list)
    reminders: int = 0
    law_changed: list[str] = field(default_factory=list)
    retried: int = 0


def reviews_sweep(
    *, today: dt.date | None = None, law: Catalogue | None = None, now: dt.datetime | None = None
) -> Swept:
    """Raise the reviews now due, send the reminders owed and retry notices that failed."""
    today = today or timezone.localdate()
    swept = Swept()
    in_force = Agreement.objects.filter(status__in=IN_FORCE).select_related("initiative")
    # Only the agreements a cause can touch are read, so a sweep costs what is due, not what
    # is stored: the stored next review date is never later than the scheduled one.
    first_reminder = today + dt.timedelta(days=max(rules.REMINDER_DAYS_BEFORE))
    for agreement in in_force.filter(next_review_on__lte=first_reminder):
        swept.raised += _raise_scheduled(agreement, today)
    lapsing = _organisations_with_lapsing_evidence(today)
    for agreement in in_force.filter(initiative__parties__organisation__in=lapsing).distinct():
        swept.raised += _raise_evidence_lapsed(agreement, today)
    swept.law_changed, raised = _raise_law_changed(law or default_law(), today)
    swept.raised += raised
    swept.reminders = _remind(today)
    swept.retried = notices_retry(now=now)
    return swept


def _raise_scheduled(agreement: Agreement, today: dt.date) -> list[Review]:
    due = scheduled_review_on(agreement)
    if due is None or rules.reminder_stage(due, today) is None:
        return []  # not yet within the first reminder's reach
    review = review_raise(
        agreement=agreement,
        cause=rules.SCHEDULED,
        cause_key=due.isoformat(),
        summary=f"The agreement's review clause asks for a review by {due:%-d %B %Y}.",
        due_on=due,
        today=today,
    )
    return [review] if review else []


def _organisations_with_lapsing_evidence(today: dt.date) -> QuerySet[EvidenceItem, int]:
    """Organisations with evidence that expired, or was withdrawn, in the last weeks.

    Evidence only stops counting on those two events, so an agreement whose parties had
    neither cannot have lapsed since an earlier sweep. The window is generous so that a worker
    stopped for a while still finds what lapsed meanwhile.
    """
    since = today - EVIDENCE_LOOKBACK
    return EvidenceItem.objects.filter(
        Q(expires_on__gte=since, expires_on__lt=today)
        | Q(withdrawn_at__date__gte=since, withdrawn_at__date__lte=today)
    ).values_list("organisation_id", flat=True)


def _raise_evidence_lapsed(agreement: Agreement, today: dt.date) -> list[Review]:
    raised = []
    for party in evidence_of(initiative=agreement.initiative, today=today):
        for status in party.statuses:
            if status.is_met:
                continue
            # The lapse is named by what lapsed and when, so renewing and lapsing again is a
            # new cause, and a lapse seen on many sweeps is one.
            expired = status.fact.expires_on if status.fact else None
            since = expired.isoformat() if expired else "missing"
            review = review_raise(
                agreement=agreement,
                cause=rules.EVIDENCE_LAPSED,
                cause_key=f"{party.party.organisation_id}:{status.requirement.code}:{since}",
                summary=f"{party.party.organisation.name}'s {status.requirement.label} "
                f"evidence is {status.state}. Sharing stops until it is current.",
                today=today,
            )
            if review:
                raised.append(review)
    return raised


def _raise_law_changed(law: Catalogue, today: dt.date) -> tuple[list[str], list[Review]]:
    """Compare the knowledge base with its digests as last seen; a review for each agreement
    relying on a provision that changed. The first sweep only records the digests."""
    marker = LawBaseline.objects.filter(provision_id=_LAW_VERSION).first()
    if marker is not None and marker.fingerprint == law.version:
        return [], []  # the same files as last time
    seen = dict(LawBaseline.objects.values_list("provision_id", "fingerprint"))
    seen.pop(_LAW_VERSION, None)
    now = {p.id: rules.law_fingerprint(p) for p in law.everything}
    changed = sorted(
        pid for pid in set(seen) | set(now) if pid in seen and seen[pid] != now.get(pid, "removed")
    )
    raised: list[Review] = []
    with transaction.atomic():
        if changed:
            for agreement in Agreement.objects.filter(status__in=IN_FORCE).select_related(
                "initiative"
            ):
                relied = rules.relied_on_provisions(
                    agreement.current_version().section("legal-basis").get("values") or {}
                )
                for pid in sorted(set(relied) & set(changed)):
                    entry = law.everything.find(pid)
                    what = (
                        f"{entry.title} ({entry.citation})"
                        if entry
                        else f"{pid}, which is no longer in the knowledge base"
                    )
                    review = review_raise(
                        agreement=agreement,
                        cause=rules.LAW_CHANGED,
                        cause_key=f"{pid}:{now.get(pid, 'removed')[:16]}",
                        summary=f"Accord's knowledge of {what} changed (law version "
                        f"{law.version}). The agreement relies on it.",
                        today=today,
                    )
                    if review:
                        raised.append(review)
        for pid, digest in now.items():
            if seen.get(pid) != digest:
                LawBaseline.objects.update_or_create(
                    provision_id=pid, defaults={"fingerprint": digest}
                )
        LawBaseline.objects.filter(provision_id__in=set(seen) - set(now)).delete()
        LawBaseline.objects.update_or_create(
            provision_id=_LAW_VERSION, defaults={"fingerprint": law.version}
        )
    return changed, raised


def _remind(today: dt.date) -> int:
    """One reminder per open review and stage (30 days, 7 days, overdue)."""
    sent = 0
    for review in Review.objects.filter(
        completed_at__isnull=True, agreement__status__in=IN_FORCE
    ).select_related("agreement__initiative"):
        stage = rules.reminder_stage(review.due_on, today)
        if stage is None:
            continue
        agreement = review.agreement
        when = (
            f"was due on {review.due_on:%-d %B %Y} and is overdue: sharing under the agreement "
            "has stopped until it is recorded"
            if stage == rules.OVERDUE
            else f"is due in {(review.due_on - today).days} days, by {review.due_on:%-d %B %Y}"
        )
        with transaction.atomic():
            notice = notice_queue(
                key=f"review-reminder:{review.pk}:{stage}",
                recipients=contacts_of(agreement=agreement),
                subject=f"Review {'overdue' if stage == rules.OVERDUE else 'due'}: "
                f"{agreement.reference} {agreement.initiative.title}",
                body=(
                    f"The review of {agreement.reference} ({agreement.initiative.title}) "
                    f"{when}.\n\nWhy it was raised: {review.summary}\n\n"
                    f"Record it here:\n{_link(agreement)}\n"
                ),
            )
            if notice:
                audit_record(
                    actor=None,
                    verb="review.reminder-sent",
                    target=review,
                    initiative=agreement.initiative,
                    summary=f"Reminder ({stage}) of the review of {agreement.reference}",
                    data={"stage": stage, "notice": notice.pk},
                )
                sent += 1
    return sent
