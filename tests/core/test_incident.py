"""Incident reports: what a report must say, and when the ICO's 72 hours are over. Pure rules."""

from __future__ import annotations

import datetime as dt

import pytest

from accord.core.incident import ico_deadline, ico_report_overdue, report_problems

TODAY = dt.date(2026, 11, 25)


def _report(**changes: object) -> dict[str, str]:
    report: dict[str, object] = {
        "occurred_on": dt.date(2026, 11, 20),
        "found_on": dt.date(2026, 11, 21),
        "kind": "personal-data-breach",
        "description": "A laptop holding attendance data was left on a train.",
        "data_affected": "Names and attendance of 30 pupils",
        "people_affected": 30,
        "reported_to_ico": "not-yet",
        "actions_taken": "",
        "today": TODAY,
    }
    report.update(changes)
    return report_problems(**report)  # type: ignore[arg-type]


def test_a_complete_incident_report_has_no_problems() -> None:
    assert _report() == {}
    assert _report(kind="security-incident", data_affected="", people_affected=None) == {}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"occurred_on": None}, "occurred_on", "Enter the date the incident happened"),
        ({"occurred_on": TODAY + dt.timedelta(days=1)}, "occurred_on", "today or in the past"),
        ({"found_on": None}, "found_on", "Enter the date the incident was found"),
        ({"found_on": TODAY + dt.timedelta(days=1)}, "found_on", "today or in the past"),
        ({"found_on": dt.date(2026, 11, 19)}, "found_on", "the same as or after the date"),
        ({"kind": "fire"}, "kind", "Select what kind of incident it is"),
        ({"description": "  "}, "description", "Describe what happened"),
        ({"description": "x" * 5001}, "description", "5000 characters or fewer"),
        ({"data_affected": ""}, "data_affected", "Say which personal data the breach affected"),
        ({"people_affected": -1}, "people_affected", "0 or more"),
        ({"reported_to_ico": "maybe"}, "reported_to_ico", "reported to the ICO"),
    ],
)
def test_each_incident_problem_names_its_field(
    changes: dict[str, object], field: str, message: str
) -> None:
    problems = _report(**changes)
    assert list(problems) == [field]
    assert message in problems[field]


def test_the_icos_72_hours_run_from_the_day_the_breach_was_found() -> None:
    found = dt.date(2026, 11, 20)
    assert ico_deadline(found) == dt.date(2026, 11, 23)
    late = {"kind": "personal-data-breach", "found_on": found, "today": dt.date(2026, 11, 24)}
    assert ico_report_overdue(reported_to_ico="not-yet", **late)  # type: ignore[arg-type]
    assert not ico_report_overdue(reported_to_ico="yes", **late)  # type: ignore[arg-type]
    assert not ico_report_overdue(reported_to_ico="not-needed", **late)  # type: ignore[arg-type]
    assert not ico_report_overdue(
        kind="personal-data-breach", reported_to_ico="not-yet", found_on=found, today=found
    )
    assert not ico_report_overdue(
        kind="security-incident", reported_to_ico="not-yet", found_on=found, today=TODAY
    )
