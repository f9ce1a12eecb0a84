"""The `accord` command as a user runs it: real processes, exit codes, no tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "examples" / "mash-children.yaml"


def accord(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "accord.cli", *args],
        capture_output=True,
        text=True,
        input=stdin,
        timeout=60,
        check=False,
    )


def test_assess_prints_a_readable_report_and_exits_0() -> None:
    result = accord("assess", str(EXAMPLE))
    assert result.returncode == 0, result.stderr
    assert "Verdict: YES, IF" in result.stdout
    assert "UK GDPR Art 9(2)(g)" in result.stdout
    assert "https://www.legislation.gov.uk/ukpga/2018/12/schedule/1/paragraph/18" in result.stdout


def test_assess_json_is_the_documented_format() -> None:
    result = accord("assess", str(EXAMPLE), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["format"] == "accord.assessment/1"
    assert data["verdict"] in ("yes", "yes-if", "no")


def test_on_chooses_the_law_in_force_that_day() -> None:
    charity = ROOT / "examples" / "charity-adult-at-risk.yaml"
    before = json.loads(accord("assess", str(charity), "--json", "--on", "2026-01-15").stdout)
    after = json.loads(accord("assess", str(charity), "--json", "--on", "2026-03-01").stdout)
    assert before["assessed_on"] == "2026-01-15"
    assert "eur/2016/679/article/6/1/ea" not in {b["id"] for b in before["lawful_bases"]}
    assert "eur/2016/679/article/6/1/ea" in {b["id"] for b in after["lawful_bases"]}


def test_a_verdict_of_no_still_exits_0() -> None:
    text = (ROOT / "tests" / "cases" / "no-lawful-route-commercial-marketing.yaml").read_text()
    import yaml

    initiative = yaml.safe_dump(yaml.safe_load(text)["initiative"])
    result = accord("assess", "-", "--json", stdin=initiative)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["verdict"] == "no"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("title: x\n", "is required but missing"),
        ("title: [unclosed\n", "not valid YAML or JSON"),
        ("\x00\x01binary", "not valid YAML or JSON"),
        ("", "the file is empty"),
    ],
)
def test_invalid_input_exits_2_with_a_message_and_no_traceback(
    tmp_path: Path, content: str, expected: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content)
    result = accord("assess", str(path))
    assert result.returncode == 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_a_missing_file_exits_2() -> None:
    result = accord("assess", "no-such-file.yaml")
    assert result.returncode == 2
    assert "no-such-file.yaml: no such file" in result.stderr


def test_a_bad_date_option_exits_2() -> None:
    result = accord("assess", str(EXAMPLE), "--on", "25/11/2026")
    assert result.returncode == 2
    assert "is not a date written YYYY-MM-DD" in result.stderr


def test_a_date_before_uk_gdpr_exits_2() -> None:
    result = accord("assess", str(EXAMPLE), "--on", "2017-01-01")
    assert result.returncode == 2
    assert "before 2021-01-01" in result.stderr


def test_law_search_understands_1998_terms() -> None:
    result = accord("law", "search", "section", "29")
    assert result.returncode == 0
    assert "ukpga/1998/29/section/29" in result.stdout
    assert "DPA 2018 Sch 2 para 2" in result.stdout


def test_law_show_explains_an_exemption_is_not_a_basis() -> None:
    result = accord("law", "show", "ukpga/2018/12/schedule/2/paragraph/2")
    assert result.returncode == 0
    assert "an exemption, not a lawful basis" in result.stdout
    assert "Source: https://www.legislation.gov.uk/" in result.stdout


def test_law_show_accepts_a_legislation_url() -> None:
    result = accord("law", "show", "https://www.legislation.gov.uk/eur/2016/679/article/6/1/e")
    assert result.returncode == 0
    assert "Public task" in result.stdout


def test_law_show_of_an_unknown_id_suggests_and_exits_2() -> None:
    result = accord("law", "show", "eur/2016/679/article/6/1/ee")
    assert result.returncode == 2
    assert "no entry with id" in result.stderr
    assert "did you mean" in result.stderr


def test_law_show_marks_unconfirmed_facts() -> None:
    result = accord("law", "show", "guidance/secure-email-standard")
    assert "Not confirmed (unverified)" in result.stdout


def test_law_check_summarises_the_knowledge_base() -> None:
    result = accord("law", "check")
    assert result.returncode == 0
    assert "all valid" in result.stdout


@pytest.mark.parametrize("command", ["verify-audit", "checkpoint", "sweep", "remind"])
def test_a_database_command_on_a_database_not_yet_migrated_says_to_migrate(
    command: str, tmp_path: Path
) -> None:
    """After an upgrade, before `accord manage migrate`: a plain instruction, not a traceback."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("ACCORD_", "DATABASE_URL", "DJANGO_"))
    }
    environment["ACCORD_DATA_DIR"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "accord", command],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "run `accord manage migrate`, then try again" in done.stderr
    assert "Traceback" not in done.stderr
    assert "internal error" not in done.stderr
