"""Incidents and breaches under a signed agreement: what a report must say, and the ICO's clock.

UK GDPR Art 33(1): a controller reports a personal data breach to the ICO without undue delay
and, where feasible, within 72 hours of becoming aware of it, unless it is unlikely to result
in a risk to people's rights and freedoms. Art 33(5): it documents every breach, reported or
not: the facts, the effects and what it did about it. These rules check such a report and say
when the 72 hours end; the incidents app (accord.apps.incidents) stores it and tells the parties.

Pure Python: the clock is passed in (`today`, `found_at`).
"""

from __future__ import annotations

import datetime as dt
from typing import Final

PERSONAL_DATA_BREACH: Final = "personal-data-breach"
SECURITY_INCIDENT: Final = "security-incident"
MISUSE: Final = "misuse"
OTHER: Final = "other"
KINDS: Final = {
    PERSONAL_DATA_BREACH: "Personal data breach",
    SECURITY_INCIDENT: "Security incident without personal data",
    MISUSE: "Data used outside the agreement",
    OTHER: "Other",
}
REPORTED: Final = "yes"
NOT_YET: Final = "not-yet"
NOT_NEEDED: Final = "not-needed"
NOT_REPORTED: Final = "no"
ICO_ANSWERS: Final = {
    REPORTED: "Yes, it has been reported to the ICO",
    NOT_YET: "Not yet",
    NOT_NEEDED: "No, it does not need reporting: it is unlikely to result in a risk to people",
    NOT_REPORTED: "No, it has not been reported",
}
ICO_REPORT_URL: Final = "https://ico.org.uk/for-organisations/report-a-breach/"
ART_33_URL: Final = "https://www.legislation.gov.uk/eur/2016/679/article/33"
ICO_HOURS: Final = 72

DESCRIPTION_MAX: Final = 5000
TEXT_MAX: Final = 5000
PEOPLE_MAX: Final = 100_000_000


def ico_deadline(found_on: dt.date) -> dt.date:
    """The day by which the 72 hours to report to the ICO have ended, at the latest.

    Art 33(1) counts from becoming aware. Accord records the day it was found, not the hour,
    so after this day the 72 hours are over whatever the hour was.
    """
    return found_on + dt.timedelta(days=ICO_HOURS // 24)


def ico_report_overdue(
    *, kind: str, reported_to_ico: str, found_on: dt.date, today: dt.date
) -> bool:
    """A personal data breach not yet reported, and not judged unreportable, after 72 hours."""
    return (
        kind == PERSONAL_DATA_BREACH
        and reported_to_ico in (NOT_YET, NOT_REPORTED)
        and today > ico_deadline(found_on)
    )


def report_problems(
    *,
    occurred_on: dt.date | None,
    found_on: dt.date | None,
    kind: str,
    description: str,
    data_affected: str,
    people_affected: int | None,
    reported_to_ico: str,
    actions_taken: str,
    today: dt.date,
) -> dict[str, str]:
    """What is wrong with an incident report, by field; empty when it can be recorded."""
    problems: dict[str, str] = {}
    if occurred_on is None:
        problems["occurred_on"] = "Enter the date the incident happened"
    elif occurred_on > today:
        problems["occurred_on"] = "The date the incident happened must be today or in the past"
    if found_on is None:
        problems["found_on"] = "Enter the date the incident was found"
    elif found_on > today:
        problems["found_on"] = "The date the incident was found must be today or in the past"
    elif "occurred_on" not in problems and occurred_on is not None and found_on < occurred_on:
        problems["found_on"] = (
            "The date the incident was found must be the same as or after the date it happened"
        )
    if kind not in KINDS:
        problems["kind"] = "Select what kind of incident it is"
    if not description.strip():
        problems["description"] = "Describe what happened"
    elif len(description.strip()) > DESCRIPTION_MAX:
        problems["description"] = f"The description must be {DESCRIPTION_MAX} characters or fewer"
    if kind == PERSONAL_DATA_BREACH and not data_affected.strip():
        problems["data_affected"] = "Say which personal data the breach affected"
    elif len(data_affected.strip()) > TEXT_MAX:
        problems["data_affected"] = f"The data affected must be {TEXT_MAX} characters or fewer"
    if people_affected is not None and not 0 <= people_affected <= PEOPLE_MAX:
        problems["people_affected"] = "The number of people affected must be 0 or more"
    if reported_to_ico not in ICO_ANSWERS:
        problems["reported_to_ico"] = "Select whether the incident has been reported to the ICO"
    if len(actions_taken.strip()) > TEXT_MAX:
        problems["actions_taken"] = f"What has been done must be {TEXT_MAX} characters or fewer"
    return problems
