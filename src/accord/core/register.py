"""The register's rules: review-due windows, the next review date, time taken to sign off, and
CSV cells a spreadsheet cannot read as formulas (the rule of accord.core.csvcells, which every
CSV export follows).

Pure Python: the register app (accord.apps.register) asks these questions of rows it has read.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from accord.core.agreement.drafting import add_months
from accord.core.csvcells import FORMULA_STARTS as FORMULA_STARTS  # the register's CSV cells
from accord.core.csvcells import defused as defused

# Review-due filter values: overdue, or due within so many days (overdue ones included).
OVERDUE: Final = "overdue"
REVIEW_WINDOWS: Final = (
    (OVERDUE, "Overdue"),
    ("30", "Due within 30 days, or overdue"),
    ("90", "Due within 90 days, or overdue"),
)
# The dashboard lists the agreements due within this many days, or overdue.
DASHBOARD_REVIEW_DAYS: Final = 90


def review_due_on(
    *, every_months: int | None, first_review_on: dt.date | None, last_reviewed_on: dt.date | None
) -> dt.date | None:
    """The next review: a review period after the last one, else on the first review date.

    The same rule as `ExchangeTerms.review_due_on`, for values read without the whole wording.
    """
    if last_reviewed_on and every_months:
        return add_months(last_reviewed_on, every_months)
    return first_review_on


def review_due_by(window: str, today: dt.date) -> dt.date:
    """The latest due date a review-due filter selects (every earlier one is selected too)."""
    if window == OVERDUE:
        return today - dt.timedelta(days=1)
    return today + dt.timedelta(days=int(window))


def review_state(due: dt.date | None, today: dt.date) -> str:
    """How a due date reads today: "overdue", "due-soon" (within 30 days), "due" or ""."""
    if due is None:
        return ""
    if due < today:
        return "overdue"
    if due <= today + dt.timedelta(days=30):
        return "due-soon"
    return "due"


@dataclass(frozen=True, slots=True)
class SignOffTimes:
    """Days from an agreement's drafting to its last signature, over `count` agreements."""

    count: int
    median_days: float
    longest_days: int


def days_to_sign(drafted_on: dt.date, signed_on: dt.date) -> int:
    """Calendar days from the day of drafting to the day of the last signature (0 the same day)."""
    return max(0, (signed_on - drafted_on).days)


def sign_off_times(days: Iterable[int]) -> SignOffTimes | None:
    """The median and longest time to sign off, or None when nothing has been signed."""
    values = sorted(days)
    if not values:
        return None
    return SignOffTimes(len(values), float(statistics.median(values)), values[-1])
