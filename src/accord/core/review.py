"""Keeping a signed agreement under review: why a review is raised, when it falls due, what a
review may conclude, when reminders go out, and when the law an agreement relies on changed.

Pure Python: the reviews app (accord.apps.reviews) stores reviews and sends the notices; these
rules decide what to store and send. Every cause has a key, so one cause raises one review and
one notice, however often the sweep runs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from accord.core.law.model import Provision

# Why a review was raised. A scheduled review comes from the agreement's review clause; every
# other cause is an event the issue names: evidence lapsing, a party joining or leaving, an
# incident, or a change in the law the agreement relies on. A party may also ask for one.
SCHEDULED: Final = "scheduled"
EVIDENCE_LAPSED: Final = "evidence-lapsed"
PARTY_JOINED: Final = "party-joined"
PARTY_LEFT: Final = "party-left"
INCIDENT: Final = "incident"
LAW_CHANGED: Final = "law-changed"
REQUESTED: Final = "requested"
CAUSES: Final = {
    SCHEDULED: "Scheduled review",
    EVIDENCE_LAPSED: "A party's security evidence lapsed",
    PARTY_JOINED: "A party joined",
    PARTY_LEFT: "A party left",
    INCIDENT: "An incident was reported",
    LAW_CHANGED: "The law it relies on changed",
    REQUESTED: "A party asked for a review",
}
# How long an event leaves the parties to review. An incident is the most urgent: the ICO
# expects a reportable breach within 72 hours, and the sharing may need to stop sooner.
DAYS_TO_REVIEW: Final = {
    EVIDENCE_LAPSED: 30,
    PARTY_JOINED: 30,
    PARTY_LEFT: 30,
    INCIDENT: 14,
    LAW_CHANGED: 30,
    REQUESTED: 30,
}

CONTINUE: Final = "continue"
VARY: Final = "vary"
SUSPEND: Final = "suspend"
END: Final = "end"
OUTCOMES: Final = {
    CONTINUE: "Continue as agreed",
    VARY: "Vary the agreement (a new version, signed again by every party)",
    SUSPEND: "Suspend the sharing",
    END: "End the agreement",
}

# Reminders of a coming review: so many days before it is due, then on the day it falls overdue.
REMINDER_DAYS_BEFORE: Final = (30, 7)
OVERDUE: Final = "overdue"


def due_on(cause: str, raised_on: dt.date) -> dt.date:
    """When a review raised by an event falls due."""
    return raised_on + dt.timedelta(days=DAYS_TO_REVIEW[cause])


def next_review_on(
    scheduled: dt.date | None, open_reviews_due: Iterable[dt.date | None]
) -> dt.date | None:
    """The earliest review the agreement owes: its scheduled date or a raised review's."""
    dates = [d for d in (scheduled, *open_reviews_due) if d is not None]
    return min(dates) if dates else None


@dataclass(frozen=True, slots=True)
class Finding:
    """What the people reviewing concluded."""

    achieves_purpose: bool
    still_necessary: bool
    outcome: str
    notes: str


def finding_problems(finding: Finding) -> dict[str, str]:
    """What is wrong with a finding, by field; empty when it can be recorded.

    Sharing that no longer achieves its purpose, or is no longer necessary, is no longer lawful
    (UK GDPR Article 5(1)(b) and (c)): such a review cannot conclude that it simply continues.
    """
    problems: dict[str, str] = {}
    if finding.outcome not in OUTCOMES:
        problems["outcome"] = "Choose the outcome of the review"
    elif finding.outcome == CONTINUE and not (finding.achieves_purpose and finding.still_necessary):
        problems["outcome"] = (
            "The sharing cannot continue as agreed if it no longer achieves its purpose or is "
            "no longer necessary: choose to vary, suspend or end it"
        )
    if not finding.notes.strip():
        problems["notes"] = "Say what the review found, so the next reviewer can read why"
    elif len(finding.notes) > 5000:
        problems["notes"] = "Keep the notes to 5,000 characters or fewer"
    return problems


def reminder_stage(due: dt.date, today: dt.date) -> str | None:
    """Which reminder of a review due on `due` is owed today, if any.

    Stages are "30", "7" (days before) and "overdue". Only the latest stage reached is owed: a
    sweep that missed a day still sends one reminder, not a catch-up burst.
    """
    if today > due:
        return OVERDUE
    for days in sorted(REMINDER_DAYS_BEFORE):
        if today >= due - dt.timedelta(days=days):
            return str(days)
    return None


def law_fingerprint(provision: Provision) -> str:
    """A digest of what an agreement relies on in a provision: its wording, force and standing.

    A change to any of these in the knowledge base raises a review of every agreement that
    relies on the provision. The review date alone is left out: re-checking a source and
    finding it unchanged is not a change in the law.
    """
    relied_on = {
        "title": provision.title,
        "citation": provision.citation,
        "summary": provision.summary,
        "source": provision.source,
        "in_force_from": provision.in_force_from.isoformat(),
        "in_force_until": provision.in_force_until.isoformat()
        if provision.in_force_until
        else None,
        "verification": provision.verification,
        "uncertainty": provision.uncertainty,
        "gateway_status": provision.gateway.status if provision.gateway else None,
    }
    text = json.dumps(relied_on, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def relied_on_provisions(legal_basis_values: Mapping[str, Any]) -> dict[str, str]:
    """The provisions a signed legal-basis section names, for any party: id -> label, in the
    order they first appear."""
    found: dict[str, str] = {}
    for basis in legal_basis_values.get("bases") or []:
        for provision in basis.get("provisions") or []:
            if provision.get("id"):
                found.setdefault(str(provision["id"]), str(provision.get("label") or ""))
    return found
