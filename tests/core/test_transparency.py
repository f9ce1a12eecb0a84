"""The public summary of a signed agreement: plain English, only what was signed, no e-mails."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from accord.core.transparency import (
    EMAIL_REMOVED,
    SummaryError,
    as_data,
    matches,
    redact,
    summarise,
)

FIXTURE = Path(__file__).resolve().parents[1] / "documents" / "fixtures" / "agreement.json"
HASH = "ab" * 32
TRUST = "Riverside University Hospitals NHS Foundation Trust"
COUNCIL = "Riverside City Council"


@pytest.fixture
def content() -> dict[str, Any]:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _section(content: dict[str, Any], key: str) -> dict[str, Any]:
    return next(s for s in content["sections"] if s["key"] == key)  # type: ignore[no-any-return]


def test_says_who_shares_what_with_whom_why_and_for_how_long(content: dict[str, Any]) -> None:
    summary = summarise(content, version=3, content_hash=HASH)
    assert summary.reference == "DSA-0001"
    assert summary.title == "Discharge to assess from Riverside General Hospital"
    assert (summary.version, summary.content_hash) == (3, HASH)
    assert summary.disclosers == (TRUST,)
    assert summary.recipients == (COUNCIL,)
    assert summary.who == (
        f"{TRUST} shares information about patients with {COUNCIL}: "
        "identifiers, health and social care."
    )
    assert [(g.category, g.items) for g in summary.data] == [
        ("Identifiers", ("name", "date of birth", "NHS number", "address")),
        ("Health", ("diagnosis", "mobility", "medication", "expected discharge date")),
        ("Social care", ("existing care package",)),
    ]
    assert summary.subjects == ("Patients",)
    assert summary.purposes == ("Direct care",)
    assert summary.why == "The data is shared for direct care."
    # Only the purpose text's first paragraph: the benefits and the code list stay out.
    assert summary.purpose_text.startswith("Ward teams tell adult social care")
    assert "Expected benefits" not in summary.purpose_text
    assert summary.how_long == (
        "The data is kept only as long as the purpose needs it, and for no more than 12 months. "
        "After that, it is deleted securely."
    )
    assert summary.review_on == dt.date(2027, 11, 25)


def test_gives_each_partys_law_with_its_legislation_links(content: dict[str, Any]) -> None:
    summary = summarise(content, version=1, content_hash=HASH)
    assert [law.party for law in summary.law] == [TRUST, COUNCIL]
    trust = summary.law[0]
    assert [p.label for p in trust.lawful_bases] == [
        "UK GDPR Art 6(1)(c): Legal obligation",
        "UK GDPR Art 6(1)(e): Public task",
    ]
    assert [p.label for p in trust.conditions] == [
        "UK GDPR Art 9(2)(h): Health or social care",
        "DPA 2018 Sch 1 para 2: Health or social care purposes",
    ]
    assert trust.gateways[0].label.startswith("Health and Social Care Act 2012 s.251B")
    assert trust.gateways[0].url == "https://www.legislation.gov.uk/ukpga/2012/7/section/251B"
    assert all(
        p.url.startswith("https://www.legislation.gov.uk/")
        for law in summary.law
        for p in (*law.lawful_bases, *law.conditions, *law.gateways)
    )


def test_a_link_that_is_not_https_is_dropped_but_its_words_kept(content: dict[str, Any]) -> None:
    provision = _section(content, "legal-basis")["values"]["bases"][0]["provisions"][0]
    provision["url"] = "javascript:alert(1)"
    summary = summarise(content, version=1, content_hash=HASH)
    assert summary.law[0].lawful_bases[0].label == "UK GDPR Art 6(1)(c): Legal obligation"
    assert summary.law[0].lawful_bases[0].url == ""


def test_whom_to_ask_names_organisations_and_never_an_e_mail_address(
    content: dict[str, Any],
) -> None:
    summary = summarise(content, version=1, content_hash=HASH)
    assert summary.contact == TRUST
    assert summary.whom_to_ask == (
        f"You can ask {TRUST} or {COUNCIL} about the data they hold about you. {TRUST} is the "
        "single point of contact: it coordinates requests that concern more than one "
        "organisation."
    )
    published = json.dumps(as_data(summary))
    # The parties section holds each contact's name and e-mail: neither is published.
    for party in _section(content, "parties")["values"]["parties"]:
        assert party["contact_email"] not in published
        assert party["contact_name"] not in published
    assert "@" not in published


def test_e_mail_addresses_in_negotiated_wording_are_removed(content: dict[str, Any]) -> None:
    _section(content, "transparency")["text"] = (
        "We share data with the council. Ask priya.shah@riverside-hospitals.example or "
        "<tom.o'neill+ig@riverside.example> if you have questions."
    )
    _section(content, "rights")["values"]["contact"] = "Priya Shah (priya.shah@nhs.example)"
    _section(content, "purpose")["text"] = "Write to ig@riverside.example.\n\nMore."
    summary = summarise(content, version=1, content_hash=HASH)
    assert summary.privacy_notice == (
        f"We share data with the council. Ask {EMAIL_REMOVED} or <{EMAIL_REMOVED}> "
        "if you have questions."
    )
    assert summary.contact == f"Priya Shah ({EMAIL_REMOVED})"
    assert summary.purpose_text == f"Write to {EMAIL_REMOVED}."
    assert "@" not in json.dumps(as_data(summary))
    assert redact("no address here") == "no address here"


def test_the_privacy_notice_wording_is_the_transparency_section(content: dict[str, Any]) -> None:
    summary = summarise(content, version=1, content_hash=HASH)
    assert summary.privacy_notice == _section(content, "transparency")["text"]
    assert summary.privacy_notice.startswith("Wording for each party's privacy notice:")


def test_a_recorded_review_moves_the_review_date(content: dict[str, Any]) -> None:
    later = dt.date(2028, 6, 1)
    assert summarise(content, version=1, content_hash=HASH, review_on=later).review_on == later


def test_parties_that_both_share_and_receive_share_with_each_other(
    content: dict[str, Any],
) -> None:
    for party in _section(content, "parties")["values"]["parties"]:
        party["role"] = "both"
    summary = summarise(content, version=1, content_hash=HASH)
    assert summary.who.startswith(
        f"{TRUST} and {COUNCIL} share information about patients with each other:"
    )
    third = copy.deepcopy(_section(content, "parties")["values"]["parties"][1])
    third.update(name="Riverside Police", role="receives")
    _section(content, "parties")["values"]["parties"].append(third)
    summary = summarise(content, version=1, content_hash=HASH)
    assert "with each other and with Riverside Police:" in summary.who


def test_return_at_the_end_and_one_month(content: dict[str, Any]) -> None:
    _section(content, "retention")["values"] = {"months": 1, "end_action": "return"}
    summary = summarise(content, version=1, content_hash=HASH)
    assert summary.how_long == (
        "The data is kept only as long as the purpose needs it, and for no more than 1 month. "
        "After that, it is returned to the organisation that shared it."
    )
    assert as_data(summary)["retention"] == {"months": 1, "end_action": "return"}


def test_as_data_is_the_whole_summary_in_json(content: dict[str, Any]) -> None:
    data = as_data(summarise(content, version=3, content_hash=HASH))
    assert data["format"] == "accord.transparency/1"
    assert data["review_on"] == "2027-11-25"
    assert data["disclosing"] == [TRUST]
    assert data["law"][1]["party"] == COUNCIL
    assert json.loads(json.dumps(data)) == data


def test_search_matches_part_of_a_partys_name_ignoring_case(content: dict[str, Any]) -> None:
    summary = summarise(content, version=1, content_hash=HASH)
    assert matches(summary, "riverside  city")
    assert matches(summary, "NHS FOUNDATION")
    assert matches(summary, "")
    assert not matches(summary, "Northshire")


def test_content_that_is_not_an_agreement_is_refused_saying_where() -> None:
    with pytest.raises(SummaryError, match="no list of sections"):
        summarise({"format": "accord.agreement/1"}, version=1, content_hash=HASH)
    with pytest.raises(SummaryError, match=r"parties section \(parties.values.parties\)"):
        summarise({"sections": []}, version=1, content_hash=HASH)
