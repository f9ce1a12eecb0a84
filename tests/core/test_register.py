"""The register's pure rules: review windows and states, the next review, time to sign off, and
CSV cells that cannot be read as formulas."""

from __future__ import annotations

import datetime as dt

import pytest

from accord.core import register
from accord.core.exchange.terms import ExchangeTerms

TODAY = dt.date(2026, 3, 15)


def terms(every_months: int | None, first_review_on: dt.date | None) -> ExchangeTerms:
    return ExchangeTerms(
        reference="DSA-1",
        version=1,
        content_hash="0" * 64,
        parties=(),
        data_items=frozenset(),
        purposes=(),
        mechanism="",
        start_on=None,
        end_on=None,
        review_every_months=every_months,
        first_review_on=first_review_on,
        limit=None,
    )


@pytest.mark.parametrize("every", [None, 1, 12])
@pytest.mark.parametrize("first", [None, dt.date(2026, 1, 31)])
@pytest.mark.parametrize("last", [None, dt.date(2025, 8, 31), dt.date(2024, 2, 29)])
def test_the_next_review_is_the_exchange_terms_own(
    every: int | None, first: dt.date | None, last: dt.date | None
) -> None:
    assert register.review_due_on(
        every_months=every, first_review_on=first, last_reviewed_on=last
    ) == terms(every, first).review_due_on(last)


def test_a_review_a_period_after_the_last_keeps_to_the_months_end() -> None:
    due = register.review_due_on(
        every_months=1, first_review_on=dt.date(2025, 1, 1), last_reviewed_on=dt.date(2025, 1, 31)
    )
    assert due == dt.date(2025, 2, 28)


def test_review_windows_select_up_to_a_day() -> None:
    assert register.review_due_by("overdue", TODAY) == dt.date(2026, 3, 14)
    assert register.review_due_by("30", TODAY) == dt.date(2026, 4, 14)
    assert register.review_due_by("90", TODAY) == dt.date(2026, 6, 13)
    assert [code for code, _label in register.REVIEW_WINDOWS] == ["overdue", "30", "90"]


@pytest.mark.parametrize(
    ("due", "state"),
    [
        (None, ""),
        (dt.date(2026, 3, 14), "overdue"),
        (TODAY, "due-soon"),
        (dt.date(2026, 4, 14), "due-soon"),
        (dt.date(2026, 4, 15), "due"),
    ],
)
def test_a_due_date_reads_as_overdue_soon_or_later(due: dt.date | None, state: str) -> None:
    assert register.review_state(due, TODAY) == state


def test_time_to_sign_off_is_the_median_and_longest_with_its_count() -> None:
    assert register.sign_off_times([]) is None
    assert register.sign_off_times([7]) == register.SignOffTimes(1, 7.0, 7)
    assert register.sign_off_times([30, 2, 10]) == register.SignOffTimes(3, 10.0, 30)
    assert register.sign_off_times([1, 4, 10, 3]) == register.SignOffTimes(4, 3.5, 10)


def test_days_to_sign_count_calendar_days() -> None:
    assert register.days_to_sign(dt.date(2026, 1, 1), dt.date(2026, 1, 1)) == 0
    assert register.days_to_sign(dt.date(2026, 1, 31), dt.date(2026, 3, 1)) == 29
    assert register.days_to_sign(dt.date(2026, 1, 2), dt.date(2026, 1, 1)) == 0


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+44 1234", "'+44 1234"),
        ("-1", "'-1"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("Safe = fine", "Safe = fine"),
        (None, ""),
        (dt.date(2026, 1, 2), "2026-01-02"),
    ],
)
def test_csv_cells_that_look_like_formulas_get_a_quote(value: object, cell: str) -> None:
    assert register.defused(value) == cell
