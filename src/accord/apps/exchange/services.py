"""Opening, limiting, logging and closing the exchange under a signed agreement.

Every disclosure goes through `disclose`: in one transaction it locks the agreement, asks
`accord.core.exchange.decision.decide`, fetches only what was allowed, counts it against the
volume limit and appends the disclosure log entry. Nothing leaves without its entry, and a
refusal is logged just the same.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accord.apps.agreements.models import Agreement
from accord.apps.audit.correlation import correlation_id
from accord.apps.audit.services import audit_record, chain_verify_links
from accord.apps.exchange.chain import DISCLOSURE
from accord.apps.exchange.models import (
    ApiClient,
    Channel,
    Dataset,
    DisclosureEntry,
    DisclosureHead,
    VolumeUsage,
)
from accord.apps.exchange.selectors import acting_party, channel_facts, dataset_terms, terms_of
from accord.core.audit import GENESIS, Break, entry_hash
from accord.core.exchange.decision import Decision, DisclosureRequest, closures, decide
from accord.core.exchange.pseudonyms import new_key

if TYPE_CHECKING:
    from accord.apps.accounts.models import User
    from accord.apps.organisations.models import Organisation


class ExchangeRefused(Exception):
    """A change to the exchange that the rules do not allow, with a message for people."""


# --- The disclosure log -----------------------------------------------------------------------


def _hashed_fields(entry: DisclosureEntry) -> dict[str, Any]:
    """What an entry's hash covers: everything but the hashes themselves."""
    return DISCLOSURE.fields(DISCLOSURE.row_of(entry))


def disclosure_record(
    *,
    agreement: Agreement,
    kind: str,
    decision: Decision,
    party: Organisation | None,
    provider: Organisation | None = None,
    client: ApiClient | None = None,
    person: User | None = None,
    dataset: Dataset | None = None,
    fields: list[str] | None = None,
    record_count: int = 0,
    payload_hash: str = "",
    reason: str = "",
    version: int | None = None,
    content_hash: str = "",
) -> DisclosureEntry:
    """Append one entry to the disclosure chain. Must run in the decision's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("disclosure_record must run in the transaction that decides")
    head, _ = DisclosureHead.objects.select_for_update().get_or_create(
        id=1, defaults={"sequence": 0, "hash": GENESIS}
    )
    if version is None:
        current = agreement.current_version()
        version, content_hash = current.number, current.content_hash
    if not decision.allowed and not reason:
        reason = " ".join(r.text for r in decision.reasons)
    entry = DisclosureEntry(
        sequence=head.sequence + 1,
        at=timezone.now(),
        agreement=agreement,
        version=version,
        content_hash=content_hash,
        kind=kind,
        effect=decision.effect,
        party=party,
        provider=provider,
        client=client,
        person=person,
        actor_label=client.client_id if client else (person.email if person else "system"),
        dataset=dataset,
        fields=list(fields if fields is not None else decision.fields),
        record_count=record_count,
        payload_hash=payload_hash,
        reason=reason,
        clauses=[c.number for c in decision.clauses],
        correlation_id=correlation_id.get(),
        previous_hash=head.hash,
    )
    entry.hash = entry_hash(entry.previous_hash, _hashed_fields(entry))
    entry.save()
    head.sequence, head.hash = entry.sequence, entry.hash
    head.save(update_fields=["sequence", "hash"])
    return entry


def disclosures_verify() -> tuple[int, Break | None]:
    """Check the whole disclosure chain: (entries checked, the first break or None)."""
    return chain_verify_links(DISCLOSURE)


# --- Disclosing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Disclosure:
    """What `disclose` decided and, when allowed, what was fetched and logged."""

    decision: Decision
    entry: DisclosureEntry
    payload: bytes = b""
    count: int = 0


# fetch(decision) -> (the bytes to send, how many records they hold); runs under the lock.
Fetch = Callable[[Decision], tuple[bytes, int]]


def disclose(
    *,
    agreement_id: int,
    request: DisclosureRequest,
    party: Organisation,
    fetch: Fetch | None = None,
    client: ApiClient | None = None,
    person: User | None = None,
    dataset: Dataset | None = None,
    reason: str = "",
    counts: bool = True,
    provider: Organisation | None = None,
) -> Disclosure:
    """Decide, fetch what is allowed, count it and log it: all in one transaction.

    The agreement row is locked for the duration, so concurrent pulls by one party count
    against the volume limit in turn and can never pass it together. Under the lock the
    client's revocation and the dataset's column mapping are read afresh (mapping changes take
    the same lock), so each page of a stream sees them as they are now, not as they were when
    the stream began. `counts` is False for disclosures that hand over no records (a file).
    """
    now = timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        agreement = (
            Agreement.objects.select_for_update().select_related("initiative").get(pk=agreement_id)
        )
        version = agreement.current_version()
        terms = terms_of(agreement)
        facts = channel_facts(agreement, today=today, party=party, terms=terms)
        request = _as_it_stands(request, client=client, dataset=dataset)
        decision = decide(request, terms, facts, now)
        payload, count = b"", 0
        if decision.allowed and fetch is not None:
            payload, count = fetch(decision)
            if counts and terms.limit is not None and count:
                usage, _ = VolumeUsage.objects.select_for_update().get_or_create(
                    agreement=agreement,
                    organisation=party,
                    period_start=terms.limit.period_start(today),
                )
                usage.records += count
                usage.save(update_fields=["records"])
        entry = disclosure_record(
            agreement=agreement,
            kind=request.kind if request.kind != "file" else DisclosureEntry.FILE_DOWNLOAD,
            decision=decision,
            party=party,
            provider=provider or (dataset.provider if dataset else None),
            client=client,
            person=person,
            dataset=dataset,
            record_count=count,
            payload_hash=hashlib.sha256(payload).hexdigest() if payload else "",
            reason=reason,
            version=version.number,
            content_hash=version.content_hash,
        )
    return Disclosure(decision, entry, payload, count)


def _as_it_stands(
    request: DisclosureRequest, *, client: ApiClient | None, dataset: Dataset | None
) -> DisclosureRequest:
    """The request with the credential's state and the dataset's mapping as stored now."""
    if (
        client is not None
        and request.credential == "active"
        and ApiClient.objects.filter(pk=client.pk, revoked_at__isnull=False).exists()
    ):
        request = replace(request, credential="revoked")
    if dataset is not None:
        request = replace(request, dataset=dataset_terms(Dataset.objects.get(pk=dataset.pk)))
    return request


# --- Going live, suspending, resuming, terminating ----------------------------------------------


def _locked(agreement: Agreement) -> Agreement:
    return (
        Agreement.objects.select_for_update()
        .select_related("initiative__lead")
        .get(pk=agreement.pk)
    )


def go_live(*, actor: User, agreement: Agreement, today: dt.date | None = None) -> Agreement:
    """Open the channel of a Signed agreement on or after its start date. One caller wins."""
    party = acting_party(user=actor, agreement=agreement, action="exchange.go-live")
    today = today or timezone.localdate()
    with transaction.atomic():
        agreement = _locked(agreement)
        if agreement.status != Agreement.SIGNED:
            raise ExchangeRefused(
                "This agreement is already live."
                if agreement.status == Agreement.LIVE
                else f"Only a signed agreement can go live; this one is {agreement.get_status_display().lower()}."
            )
        terms = terms_of(agreement)
        # Everything that would keep the channel closed once live stops the go-live too.
        as_if_live = replace(channel_facts(agreement, today=today), status=Agreement.LIVE)
        blocking = closures(terms, as_if_live, today)
        if blocking:
            raise ExchangeRefused(" ".join(f"{r.text} ({r.clause})" for r in blocking))
        agreement.status = Agreement.LIVE
        agreement.live_at = timezone.now()
        agreement.status_changed_at = agreement.live_at
        agreement.save(update_fields=["status", "live_at", "status_changed_at"])
        # After a variation the channel opens again with its first key, so pseudonyms given
        # out before the variation still match.
        Channel.objects.get_or_create(
            agreement=agreement,
            defaults={"match_key": new_key(), "opened_at": agreement.live_at, "opened_by": actor},
        )
        audit_record(
            actor=actor,
            verb="agreement.went-live",
            target=agreement,
            organisation=party.organisation,
            initiative=agreement.initiative,
            summary=f"{agreement.reference} went live: sharing may start",
            data={"version": terms.version, "hash": terms.content_hash},
        )
    return agreement


def _change_status(
    *,
    actor: User,
    agreement: Agreement,
    action: str,
    allowed_from: tuple[str, ...],
    to: str,
    reason: str,
    verb: str,
) -> Agreement:
    party = acting_party(user=actor, agreement=agreement, action=action)
    if not reason.strip():
        raise ValidationError({"reason": "Give the reason, so every party can see why."})
    with transaction.atomic():
        agreement = _locked(agreement)
        if agreement.status not in allowed_from:
            raise ExchangeRefused(
                f"This agreement is {agreement.get_status_display().lower()}, so it cannot be "
                f"{dict(Agreement.STATUSES)[to].lower()} now."
            )
        agreement.status = to
        agreement.status_reason = reason.strip()
        agreement.status_changed_at = timezone.now()
        agreement.save(update_fields=["status", "status_reason", "status_changed_at"])
        audit_record(
            actor=actor,
            verb=verb,
            target=agreement,
            organisation=party.organisation,
            initiative=agreement.initiative,
            summary=f"{agreement.reference} {verb.split('.')[-1]}: {reason.strip()[:300]}",
            data={"reason": reason.strip()},
        )
    return agreement


def suspend(*, actor: User, agreement: Agreement, reason: str) -> Agreement:
    """Stop all sharing at once, including streams under way, until resumed."""
    return _change_status(
        actor=actor,
        agreement=agreement,
        action="exchange.suspend",
        allowed_from=(Agreement.LIVE,),
        to=Agreement.SUSPENDED,
        reason=reason,
        verb="agreement.suspended",
    )


def resume(*, actor: User, agreement: Agreement, reason: str) -> Agreement:
    return _change_status(
        actor=actor,
        agreement=agreement,
        action="exchange.resume",
        allowed_from=(Agreement.SUSPENDED,),
        to=Agreement.LIVE,
        reason=reason,
        verb="agreement.resumed",
    )


def terminate(*, actor: User, agreement: Agreement, reason: str) -> Agreement:
    """End the agreement for good: nothing flows under it again, and each party that received
    data is asked, in the same transaction, to confirm its deletion or return."""
    # Disposal builds on the exchange, not the other way round: imported here, not at the top.
    from accord.apps.disposal.services import disposal_request

    with transaction.atomic():
        agreement = _change_status(
            actor=actor,
            agreement=agreement,
            action="exchange.terminate",
            allowed_from=(Agreement.SIGNED, Agreement.LIVE, Agreement.SUSPENDED),
            to=Agreement.TERMINATED,
            reason=reason,
            verb="agreement.terminated",
        )
        disposal_request(agreement=agreement, actor=actor)
    return agreement
