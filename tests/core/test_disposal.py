"""The end of an agreement: who owes a confirmation of deletion or return, and what one needs.

Pure rules, no database: the parties come from the signed terms (`TermsParty`), as the
disposal app reads them.
"""

from __future__ import annotations

import datetime as dt

import pytest

from accord.core import disposal
from accord.core.exchange.terms import TermsParty

ENDED = dt.date(2026, 11, 2)
TODAY = dt.date(2026, 11, 25)
SCHOOL = TermsParty("1", "Brookfield Primary School", "discloses")
COUNCIL = TermsParty("2", "Northshire County Council", "receives")
POLICE = TermsParty("3", "Northshire Police", "both")


def test_only_the_parties_that_received_data_as_signed_owe_a_confirmation() -> None:
    owed = disposal.owing([SCHOOL, COUNCIL, POLICE])
    assert owed == (
        disposal.Owed("2", "Northshire County Council"),
        disposal.Owed("3", "Northshire Police"),
    )


def test_a_signed_party_accord_no_longer_knows_cannot_be_asked_so_is_not_owed() -> None:
    gone = TermsParty("", "Dissolved Trust", "receives")
    assert disposal.owing([gone, COUNCIL]) == (disposal.Owed("2", "Northshire County Council"),)


def test_each_party_is_confirmed_or_outstanding_listed_by_name() -> None:
    owed = disposal.owing([POLICE, COUNCIL])
    states = disposal.states(owed, {"2": disposal.Confirmed(disposal.DELETED, ENDED)})
    assert [(s.name, s.state, s.method_label) for s in states] == [
        ("Northshire County Council", disposal.CONFIRMED, "Deleted"),
        ("Northshire Police", disposal.OUTSTANDING, ""),
    ]
    assert states[0].confirmed_on == ENDED
    assert not states[1].is_confirmed


def test_the_tally_says_who_has_and_who_has_not() -> None:
    half = disposal.tally([("Northshire Police", False), ("Northshire County Council", True)])
    assert half.confirmed == ("Northshire County Council",)
    assert half.outstanding == ("Northshire Police",)
    assert str(half) == "1 of 2 (Northshire Police outstanding)"
    assert not half.is_complete

    none = disposal.tally([("Northshire Police", False), ("Ashgrove Academy", False)])
    assert str(none) == "0 of 2 (Ashgrove Academy, Northshire Police outstanding)"

    done = disposal.tally([("Northshire Police", True), ("Ashgrove Academy", True)])
    assert str(done) == "2 of 2"
    assert done.is_complete


def _problems(**changes: object) -> dict[str, str]:
    answer: dict[str, object] = {
        "method": disposal.DELETED,
        "law": "",
        "details": "Attendance files deleted from the case system and the shared drive.",
        "confirmed_on": ENDED,
        "ended_on": ENDED,
        "today": TODAY,
    }
    answer.update(changes)
    return disposal.confirmation_problems(**answer)  # type: ignore[arg-type]


def test_a_complete_confirmation_has_no_problems() -> None:
    assert _problems() == {}
    assert _problems(method=disposal.RETURNED, confirmed_on=TODAY) == {}
    assert _problems(method=disposal.RETAINED, law="Children Act 1989, section 47") == {}


def test_keeping_the_data_needs_the_law_that_requires_it() -> None:
    assert _problems(method=disposal.RETAINED, law="  ") == {
        "law": "Enter the law that requires your organisation to keep the data"
    }


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"method": "shredded"}, "method", "Select whether your organisation deleted"),
        ({"method": ""}, "method", "Select whether your organisation deleted"),
        ({"details": " "}, "details", "Say what your organisation deleted, returned or kept"),
        ({"details": "x" * 5001}, "details", "5000 characters or fewer"),
        ({"law": "x" * 301}, "law", "300 characters or fewer"),
        ({"confirmed_on": None}, "confirmed_on", "Enter the date it was done"),
        (
            {"confirmed_on": TODAY + dt.timedelta(days=1)},
            "confirmed_on",
            "must be today or in the past",
        ),
        (
            {"confirmed_on": ENDED - dt.timedelta(days=1)},
            "confirmed_on",
            "must be on or after 2 November 2026, when the agreement ended",
        ),
    ],
)
def test_each_problem_names_its_field_and_says_what_to_do(
    changes: dict[str, object], field: str, message: str
) -> None:
    problems = _problems(**changes)
    assert list(problems) == [field]
    assert message in problems[field]
