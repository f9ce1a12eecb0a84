"""Create an initiative from a file, export it back; bad files get the CLI's messages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accord.apps.accounts.models import User
from accord.apps.initiatives.models import Initiative
from accord.apps.organisations.models import Organisation

from .conftest import EXAMPLES, signed_in

pytestmark = pytest.mark.django_db


def _upload(client: Client, lead: Organisation, name: str, content: bytes) -> str:
    response = client.post(
        "/initiatives/import/", {"file": SimpleUploadedFile(name, content), "lead": lead.pk}
    )
    return f"{response.status_code} {response.content.decode()}"


def _cli_problems(path: Path) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-m", "accord.cli", "assess", path.name],
        cwd=path.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    return [line.strip() for line in result.stderr.splitlines()[1:]]


def test_a_bad_file_is_refused_with_the_same_messages_as_the_cli(
    tmp_path: Path, council: Organisation, ig_officer: User
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "title: Bad\npurposes: [safeguarding-kids]\nparties:\n"
        "  - {name: Northshire County Council, type: council, role: both}\n"
        "data_subjects: [children]\ndata: []\nconsent: maybe\nvolume: bulk\nfrequency: regular\n"
    )
    cli = _cli_problems(bad)
    assert len(cli) >= 3
    page = _upload(signed_in(ig_officer), council, "bad.yaml", bad.read_bytes())
    assert page.startswith("400")
    for line in cli:
        assert line.replace("&", "&amp;").replace("'", "&#x27;").replace('"', "&quot;") in page, (
            line
        )
    assert not Initiative.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00binary", "The file must be text (YAML or JSON) in UTF-8"),
        (b"title: [unclosed", "not valid YAML or JSON"),
        (b"", "The submitted file is empty"),
    ],
)
def test_files_that_are_not_initiatives_are_refused(
    council: Organisation, ig_officer: User, content: bytes, message: str
) -> None:
    page = _upload(signed_in(ig_officer), council, "x.yaml", content)
    assert page.startswith("400")
    assert message in page
    assert not Initiative.objects.exists()


def test_an_oversized_file_is_refused(council: Organisation, ig_officer: User) -> None:
    page = _upload(signed_in(ig_officer), council, "big.yaml", b"#" * 1_000_001)
    assert "The file must be smaller than 1 MB" in page


def test_the_importing_organisation_must_be_a_party(
    unrelated: Organisation, make_person: type[User] | object
) -> None:
    person = make_person(unrelated, "ig-officer")  # type: ignore[operator]
    page = _upload(
        signed_in(person), unrelated, "mash.yaml", (EXAMPLES / "mash-children.yaml").read_bytes()
    )
    assert "none of the parties is Westmoor District Council" in page


def test_import_then_export_gives_back_the_same_initiative(
    council: Organisation, ig_officer: User
) -> None:
    client = signed_in(ig_officer)
    original = yaml.safe_load((EXAMPLES / "mash-children.yaml").read_text())
    page = _upload(client, council, "mash.yaml", (EXAMPLES / "mash-children.yaml").read_bytes())
    assert page.startswith("302")
    initiative = Initiative.objects.get()
    assert initiative.description_confirmed
    # Partners unknown to Accord become organisations, ready to be invited.
    assert Organisation.objects.filter(name="Northshire Police").exists()
    exported = client.get(f"/initiatives/{initiative.pk}/export/")
    assert exported["Content-Disposition"].startswith("attachment;")
    data = yaml.safe_load(exported.content)
    for key, value in original.items():
        if key != "format":
            assert data[key] == value, key
    # The exported file is itself a valid initiative for the CLI.
    assert data["format"] == 1
