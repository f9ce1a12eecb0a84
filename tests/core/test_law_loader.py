"""The knowledge-base loader refuses broken files with messages naming file, line and field."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from accord.core.law import Catalogue, LawError, load_law

GOOD_ENTRY = """\
- id: eur/2016/679/article/6/1/e
  kind: lawful-basis
  title: Public task
  citation: UK GDPR Art 6(1)(e)
  summary: Processing needed for a task in the public interest set out in law.
  source: https://www.legislation.gov.uk/eur/2016/679/article/6
  in_force_from: 2021-01-01
  in_force_until: null
  last_reviewed: 2026-11-25
  verification: verified
  public_authority_may_rely: true
"""


def write(tmp_path: Path, text: str, name: str = "uk_gdpr/article_6.yaml") -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return tmp_path


def problems_of(directory: Path) -> str:
    with pytest.raises(LawError) as caught:
        load_law(directory)
    return str(caught.value)


def test_a_good_file_loads(tmp_path: Path) -> None:
    law = load_law(write(tmp_path, GOOD_ENTRY))
    assert [p.id for p in law] == ["eur/2016/679/article/6/1/e"]
    assert law.get("eur/2016/679/article/6/1/e").public_authority_may_rely is True


def test_a_missing_field_is_named_with_file_line_and_entry(tmp_path: Path) -> None:
    message = problems_of(write(tmp_path, GOOD_ENTRY.replace("  title: Public task\n", "")))
    assert (
        "uk_gdpr/article_6.yaml, line 1, entry 1 (id eur/2016/679/article/6/1/e).title: is required"
        in message
    )


def test_a_source_off_legislation_or_ico_is_refused(tmp_path: Path) -> None:
    text = GOOD_ENTRY.replace(
        "https://www.legislation.gov.uk/eur/2016/679/article/6", "https://example.com/a6"
    )
    message = problems_of(write(tmp_path, text))
    assert "line 6" in message
    assert ".source: must be an https URL on" in message


def test_a_bad_date_is_refused_with_its_line(tmp_path: Path) -> None:
    message = problems_of(
        write(tmp_path, GOOD_ENTRY.replace("last_reviewed: 2026-11-25", "last_reviewed: soon"))
    )
    assert "line 9" in message
    assert "last_reviewed: must be a date written YYYY-MM-DD, not 'soon'" in message


def test_unconfirmed_facts_must_say_what_is_uncertain(tmp_path: Path) -> None:
    message = problems_of(
        write(tmp_path, GOOD_ENTRY.replace("verification: verified", "verification: secondary"))
    )
    assert "uncertainty: is required when verification is 'secondary'" in message


def test_an_unknown_field_is_refused_with_a_suggestion(tmp_path: Path) -> None:
    message = problems_of(write(tmp_path, GOOD_ENTRY + "  sumary: typo\n"))
    assert 'sumary: is not a known field (did you mean "summary"?)' in message


def test_an_unknown_code_is_refused(tmp_path: Path) -> None:
    message = problems_of(
        write(tmp_path, GOOD_ENTRY.replace("kind: lawful-basis", "kind: lawfull-basis"))
    )
    assert "'lawfull-basis' is not one of" in message
    assert 'did you mean "lawful-basis"?' in message


def test_a_duplicate_id_across_files_is_refused(tmp_path: Path) -> None:
    write(tmp_path, GOOD_ENTRY)
    write(tmp_path, GOOD_ENTRY, "uk_gdpr/copy.yaml")
    message = problems_of(tmp_path)
    assert "'eur/2016/679/article/6/1/e' is already defined in uk_gdpr/article_6.yaml" in message


def test_a_duplicate_key_is_refused(tmp_path: Path) -> None:
    message = problems_of(write(tmp_path, GOOD_ENTRY + "  title: Again\n"))
    assert "line 12" in message
    assert "'title' is given twice" in message


def test_a_reference_to_an_unknown_id_is_refused(tmp_path: Path) -> None:
    exemption = """\
    - id: ukpga/2018/12/schedule/2/paragraph/2
      kind: exemption
      title: Crime and taxation
      citation: DPA 2018 Sch 2 para 2
      summary: An exemption, not a lawful basis.
      source: https://www.legislation.gov.uk/ukpga/2018/12/schedule/2/paragraph/2
      in_force_from: 2018-05-25
      last_reviewed: 2026-11-25
      verification: verified
      is_lawful_basis: false
      instead: [eur/2016/679/article/6/1/z]
    """
    message = problems_of(write(tmp_path, exemption, "dpa_2018/schedule_2.yaml"))
    assert "refers to unknown id 'eur/2016/679/article/6/1/z'" in message


def test_an_exemption_cannot_claim_to_be_a_lawful_basis(tmp_path: Path) -> None:
    text = GOOD_ENTRY.replace("kind: lawful-basis", "kind: exemption").replace(
        "public_authority_may_rely: true",
        "is_lawful_basis: true\n  instead: [eur/2016/679/article/6/1/e]",
    )
    message = problems_of(write(tmp_path, text))
    assert "an exemption is never a lawful basis" in message


def test_broken_yaml_is_reported_with_its_line(tmp_path: Path) -> None:
    message = problems_of(write(tmp_path, GOOD_ENTRY + "- id: [unclosed\n"))
    assert "uk_gdpr/article_6.yaml, line 1" in message or "line 13" in message
    assert "not valid YAML or JSON" in message


def test_a_file_that_is_not_a_list_is_refused(tmp_path: Path) -> None:
    message = problems_of(write(tmp_path, "id: eur/2016/679/article/6/1/e\n"))
    assert "must be a YAML list of entries" in message


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = GOOD_ENTRY.replace("title: Public task", "title: ''").replace("2021-01-01", "never")
    message = problems_of(write(tmp_path, text))
    assert "2 problem(s)" in message


def test_a_gateway_repealed_without_a_successor_is_refused(tmp_path: Path) -> None:
    gateway = """\
    - id: ukpga/1977/49
      kind: gateway
      title: National Health Service Act 1977
      citation: NHS Act 1977
      summary: Repealed.
      source: https://www.legislation.gov.uk/ukpga/1977/49
      in_force_from: 1977-01-01
      in_force_until: 2007-03-01
      last_reviewed: 2026-11-25
      verification: verified
      act: National Health Service Act 1977
      section: whole Act
      power_or_duty: power
      express: false
      overrides_confidentiality: false
      status: repealed
    """
    message = problems_of(write(tmp_path, gateway, "gateways/nhs_1977.yaml"))
    assert "replaced_by: is required when status is repealed" in message


# The shipped knowledge base


def test_the_shipped_knowledge_base_loads_and_every_entry_is_sourced(law: Catalogue) -> None:
    assert len(law) >= 200
    for provision in law:
        assert provision.source.startswith("https://"), provision.id
        assert provision.last_reviewed is not None, provision.id
        assert provision.summary, provision.id
        if not provision.is_confirmed:
            assert provision.uncertainty, provision.id


def test_statutory_entries_cite_legislation_or_the_ico(law: Catalogue) -> None:
    statutory = [
        p
        for p in law
        if p.kind not in ("confidentiality-route", "caldicott-principle", "role", "guidance")
        and not p.id.startswith("common-law/")
    ]
    for provision in statutory:
        assert provision.source.startswith(
            ("https://www.legislation.gov.uk/", "https://ico.org.uk/")
        ), provision.id


def test_the_issue_requires_these_entries(law: Catalogue) -> None:
    for required in [
        "eur/2016/679/article/6/1/e",
        "eur/2016/679/article/6/1/ea",
        "eur/2016/679/annex/1/paragraph/6",
        "eur/2016/679/article/9/2/g",
        "eur/2016/679/article/10",
        "ukpga/2018/12/schedule/1/paragraph/18",
        "ukpga/2018/12/section/35",
        "ukpga/2004/31/section/11",
        "uksi/2002/1438/regulation/3",
        "ukpga/2018/12/schedule/2/paragraph/2",
        "ukpga/1998/29/section/29",
        "ukpga/2018/12/schedule/1/part/4",
    ]:
        assert required in law, required


def test_every_schedule_1_condition_of_parts_1_to_3_is_present(law: Catalogue) -> None:
    for number in [*range(1, 5), *range(6, 38)]:
        assert f"ukpga/2018/12/schedule/1/paragraph/{number}" in law, number
    for letter in "abcdefghij":
        assert f"eur/2016/679/article/9/2/{letter}" in law, letter


def test_there_are_at_least_sixty_gateway_sections(law: Catalogue) -> None:
    usable = [p for p in law.of_kind("gateway") if p.gateway and p.gateway.status == "in-force"]
    assert len(usable) >= 60


def test_recognised_legitimate_interest_is_in_force_only_from_5_february_2026(
    law: Catalogue,
) -> None:
    import datetime as dt

    assert "eur/2016/679/article/6/1/ea" not in law.in_force_on(dt.date(2026, 2, 4))
    assert "eur/2016/679/article/6/1/ea" in law.in_force_on(dt.date(2026, 2, 5))
    assert law.get("eur/2016/679/article/6/1/ea").public_authority_may_rely is False
    assert law.get("eur/2016/679/article/6/1/f").public_authority_may_rely is False


def test_section_29_is_found_by_its_old_name_and_maps_to_an_exemption(law: Catalogue) -> None:
    results = law.search("section 29")
    ids = [p.id for p in results[:3]]
    assert "ukpga/1998/29/section/29" in ids
    old = law.get("ukpga/1998/29/section/29")
    assert "ukpga/2018/12/schedule/2/paragraph/2" in old.current
    exemption = law.get("ukpga/2018/12/schedule/2/paragraph/2")
    assert exemption.kind == "exemption"
    assert exemption.is_lawful_basis is False


def test_law_version_changes_when_the_law_changes(tmp_path: Path) -> None:
    first = load_law(write(tmp_path, GOOD_ENTRY)).version
    second = load_law(
        write(tmp_path, GOOD_ENTRY.replace("Processing needed", "Sharing needed"))
    ).version
    assert first != second


# Every instrument the [Engine] issue names has at least one gateway entry (repealed ones included,
# so that a user who names them is told what replaced them).
ISSUE_INSTRUMENTS = [
    "Localism Act 2011",
    "Children Act 2004",
    "Food Standards Act 1999",
    "Health and Social Care (Safety and Quality) Act 2015",
    "Children Act 1989",
    "Education Act 2002",
    "Education Act 1996",
    "Learning and Skills Act 2000",
    # SI 2001/3455, which the issue calls the Education (SEN) Regulations 2001
    "Education (Special Educational Needs) (England) (Consolidation) Regulations 2001",
    "Children (Leaving Care) Act 2000",
    "Mental Capacity Act 2005",
    "Immigration and Asylum Act 1999",
    "Local Government Act 2000",
    "Criminal Justice Act 2003",
    "Crime and Disorder Act 1998",
    "Police and Justice Act 2006",
    "Crime and Disorder (Overview and Scrutiny) Regulations 2009",
    "Criminal Justice and Court Services Act 2000",
    "National Health Service Act 1977",
    "National Health Service Act 2006",
    "Adoption and Children Act 2002",
    "Welfare Reform Act 2012",
    "Care Act 2014",
    "Children and Social Work Act 2017",
    "Digital Economy Act 2017",
    "Counter-Terrorism and Security Act 2015",
    "Domestic Abuse Act 2021",
    "Police, Crime, Sentencing and Courts Act 2022",
    "Health and Social Care Act 2012",
    "Health Service (Control of Patient Information) Regulations 2002",
    "Local Government Act 1972",
    "Fire and Rescue Services Act 2004",
    "Housing Act 1996",
    "Education and Inspections Act 2006",
    "Local Audit and Accountability Act 2014",
    "Statistics and Registration Service Act 2007",
    "Representation of the People Act 1983",
    "Offender Management Act 2007",
    "Civil Contingencies Act 2004",
    "Mental Health Act 1983",
    "Social Security Administration Act 1992",
    "Children's Wellbeing and Schools Act 2026",
]


@pytest.mark.parametrize("instrument", ISSUE_INSTRUMENTS)
def test_every_instrument_the_issue_names_has_a_gateway_entry(
    law: Catalogue, instrument: str
) -> None:
    def words(text: str) -> str:
        return " ".join(text.lower().replace("'", "").replace("\u2019", "").split())

    wanted = words(instrument)
    found = [
        p.id
        for p in law.of_kind("gateway")
        if p.gateway
        and (
            wanted in words(p.gateway.act)
            or wanted in words(p.citation)
            or wanted in words(p.summary)
        )
    ]
    assert found, f"no gateway entry for {instrument}"
