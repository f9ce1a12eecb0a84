"""Bad input through the web: generated initiative files and hostile uploads are refused with a
GOV.UK error summary saying what is wrong, never a server error, and nothing is half-written.

The initiative files come from the generator of tests/cli/test_bad_input.py. Every upload form
(initiative import, security evidence, files shared under an agreement, datasets) is sent a
file of the wrong type, one just over its limit, archive bombs, archives whose members climb out
of the document or are links, and hostile file names; a good file beside each is accepted, so
each refusal is the file's doing, not the form's.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import re
import stat
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings

from accord.apps.accounts.models import User
from accord.apps.audit.models import AuditEntry
from accord.apps.evidence.models import EvidenceItem
from accord.apps.exchange.models import Dataset, DisclosureEntry, SharedFile
from accord.apps.initiatives.forms import DataItemForm
from accord.apps.initiatives.models import Initiative, InitiativeParty
from accord.apps.organisations.models import Organisation
from accord.core.assessment.initiative import read_initiative
from tests.cli.test_bad_input import BASE, BILLION_LAUGHS, initiative_files
from tests.web.conftest import signed_in
from tests.web.exchange_helpers import Sharing, live_agreement
from tests.web.multipart import post_file

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def page_text(response: Any) -> str:
    """The page as a person reads it: tags dropped, entities decoded, spaces collapsed."""
    text = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(html.unescape(text).split())


def error_summary(response: Any) -> str:
    """The text of the GOV.UK error summary at the top of the page ("" if there is none)."""
    found = re.search(r'<div class="govuk-error-summary".*?</ul>', response.content.decode(), re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", found.group(0))).split()) if found else ""


# --- Generated initiative files through the web import ----------------------------------------


def _counts() -> tuple[int, ...]:
    return (
        Initiative.objects.count(),
        InitiativeParty.objects.count(),
        Organisation.objects.count(),
        AuditEntry.objects.count(),
    )


def import_file(client: Client, lead: Organisation, content: bytes, name: str = "x.yaml") -> Any:
    return post_file(client, reverse("initiatives:import"), {"lead": lead.pk}, name, content)


def check_import(response: Any, before: tuple[int, ...]) -> None:
    """Imported whole (a redirect to it) or refused with a summary and nothing written."""
    assert response.status_code in (302, 400), response.status_code
    if response.status_code == 302:
        initiative = Initiative.objects.order_by("-pk").first()
        assert initiative is not None
        assert response["Location"] == reverse("initiatives:summary", args=[initiative.pk])
        assert Initiative.objects.count() == before[0] + 1
        assert AuditEntry.objects.filter(verb="initiative.imported", object_id=str(initiative.pk))
        return
    assert _counts() == before
    summary = error_summary(response)
    assert summary.startswith("There is a problem"), summary
    body = response.content.decode()
    assert "<title>Error: Import an initiative file" in body
    problems = re.findall(r"<li><code>(.*?)</code></li>", body, re.S)
    if counted := re.search(r"The file cannot be imported: (\d+) problems?$", summary):
        assert len(problems) == int(counted[1])
        for problem in problems:
            assert problem.startswith("x.yaml"), problem[:200]
            assert len(problem) < 2_000
    else:  # a file refused before it is read as YAML: not text, empty, too big
        assert problems == []


@pytest.fixture
def importer(council: Organisation, ig_officer: User) -> Client:
    return signed_in(ig_officer)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(content=initiative_files)
def test_no_generated_file_crashes_the_web_import_or_leaves_anything_half_written(
    importer: Client, council: Organisation, content: bytes
) -> None:
    before = _counts()
    check_import(import_file(importer, council, content), before)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"title": "T" * 301}, "x.yaml, line 1, title: must be 300 characters or fewer"),
        (
            {"parties": [{**BASE["parties"][0], "name": "N" * 201}, *BASE["parties"][1:]]},
            "x.yaml, line 8, parties[0].name: must be 200 characters or fewer",
        ),
        ({"summary": "nul \x00 byte"}, "x.yaml, line 2, summary: must not contain a NUL character"),
        (
            {"data": [{"category": "identifiers", "fields": ["upn", "nul\x00"]}]},
            "x.yaml, line 26, data[0].fields[1]: must not contain a NUL character",
        ),
        (  # a dataset's column is mapped to a field by its name, kept in 200 characters
            {"data": [{"category": "identifiers", "fields": ["upn", "F" * 201]}]},
            "x.yaml, line 26, data[0].fields[1]: must be 200 characters or fewer",
        ),
    ],
)
def test_what_the_database_cannot_hold_is_refused_naming_the_field(
    importer: Client, council: Organisation, change: dict[str, Any], message: str
) -> None:
    before = _counts()
    response = import_file(
        importer, council, yaml.safe_dump({**BASE, **change}, sort_keys=False).encode()
    )
    assert response.status_code == 400
    check_import(response, before)
    assert "The file cannot be imported: 1 problem" in error_summary(response)
    assert message in page_text(response)


@pytest.mark.parametrize(
    "value",
    [
        "2026-01-01",  # YAML reads a date
        "2026-01-01 10:00:00",
        ".nan",
        "-.inf",
        "!!binary aGVsbG8=",
        "!!set {a, b}",
        "123456789012345678901234567890",
    ],
)
def test_values_yaml_reads_as_dates_numbers_or_bytes_are_imported_as_text(
    importer: Client, council: Organisation, value: str
) -> None:
    document = {
        **BASE,
        "summary": "SUMMARY",
        "data": [{"category": "identifiers", "fields": ["upn", "FIELD"]}],
    }
    text = yaml.safe_dump(document, sort_keys=False).replace("SUMMARY", value)
    text = text.replace("FIELD", value)
    before = _counts()
    response = import_file(importer, council, text.encode())
    check_import(response, before)
    assert response.status_code == 302, page_text(response)
    initiative = Initiative.objects.get()
    assert importer.get(reverse("initiatives:summary", args=[initiative.pk])).status_code == 200
    # Exported, it reads back as the same initiative: the values mean what they meant.
    exported = importer.get(reverse("initiatives:export", args=[initiative.pk]))
    again = read_initiative(exported.content.decode(), "exported.yaml")
    original = read_initiative(text, "x.yaml")
    assert (again.summary, again.data) == (original.summary, original.data)


def test_a_billion_laughs_file_is_refused_on_the_page_naming_the_fields(
    importer: Client, council: Organisation
) -> None:
    before = _counts()
    response = import_file(importer, council, BILLION_LAUGHS.encode())
    check_import(response, before)
    assert "x.yaml, line 10, title: must be text, not a list" in page_text(response)


def test_a_good_file_is_imported_so_the_refusals_are_the_files_doing(
    importer: Client, council: Organisation
) -> None:
    before = _counts()
    response = import_file(importer, council, yaml.safe_dump(BASE).encode(), name="attendance.yaml")
    check_import(response, before)
    assert response.status_code == 302


# --- Hostile uploads to every upload form ------------------------------------------------------

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"
    + bytes(64)
    + b"This program cannot be run"
)
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
CSV = b"UPN,Name\nA123456789012,Ann Smith\n"
LIMIT = 1024 * 1024  # each form's limit, set by the test: bombs fit under it, and it is quick
CONTENT_TYPES = b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
OFFICE = {
    "docx": {"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": b"<w:document/>"},
    "xlsx": {"[Content_Types].xml": CONTENT_TYPES, "xl/workbook.xml": b"<workbook/>"},
}


def zipped(*entries: tuple[str | zipfile.ZipInfo, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries:
            archive.writestr(name, content)
    return buffer.getvalue()


def office(kind: str, *extra: tuple[str | zipfile.ZipInfo, bytes]) -> bytes:
    """A Word or Excel file as check_upload sees one, with `extra` members."""
    return zipped(*OFFICE[kind].items(), *extra)


def symlink(name: str, target: str) -> tuple[zipfile.ZipInfo, bytes]:
    info = zipfile.ZipInfo(name)
    info.create_system = 3  # Unix, whose mode bits say "symbolic link"
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info, target.encode()


def archive_attacks(kind: str) -> list[tuple[str, bytes, str, str]]:
    """(case, content, file name, what the refusal says) for Word (docx) or Excel (xlsx) files."""
    bomb = office(
        kind, (f"{'word' if kind == 'docx' else 'xl'}/media/zeros.bin", bytes(20 * LIMIT))
    )
    return [
        ("zip bomb", bomb, f"bomb.{kind}", "is compressed more than 100 to 1"),
        (
            "many members",
            office(kind, *((f"m/{n}.xml", b"") for n in range(1_001))),
            f"many.{kind}",
            "holds more than 1,000 files inside it",
        ),
        (
            "nested zip",
            zipped(("inner.zip", zipped(("inner2.zip", bomb)))),
            f"nested.{kind}",
            "holds an archive inside an archive inside it",
        ),
        (
            "bomb nested in a document",
            office(kind, ("embeddings/inner.zip", bomb)),
            f"embedded.{kind}",
            "is compressed more than 100 to 1",
        ),
        (
            "zip slip",
            office(kind, ("../../../../tmp/evil.sh", b"#!/bin/sh\n")),
            f"slip.{kind}",
            "contains a file whose path points outside the document",
        ),
        (
            "absolute member",
            office(kind, ("/etc/cron.d/evil", b"* * * * * root sh\n")),
            f"absolute.{kind}",
            "contains a file whose path points outside the document",
        ),
        (
            "symlink member",
            office(kind, symlink("word/link.xml", "/etc/passwd")),
            f"link.{kind}",
            "contains a link to another file",
        ),
    ]


@dataclass
class Form:
    """One upload form: how to post a file to it, and how to count what it keeps."""

    name: str
    post: Callable[[bytes, str], Any]
    kept: Callable[[], tuple[int, ...]]


def _files_under(folder: Path) -> int:
    return sum(1 for path in folder.rglob("*") if path.is_file()) if folder.exists() else 0


def stored_tables() -> int:
    return sum(1 for t in connection.introspection.table_names() if t.startswith("accord_ds_"))


@pytest.fixture
def sharing(settings: Any) -> Sharing:
    settings.ACCORD_EVIDENCE_MAX_BYTES = LIMIT
    settings.ACCORD_SHARED_FILE_MAX_BYTES = LIMIT
    settings.ACCORD_DATASET_MAX_BYTES = LIMIT
    return live_agreement()


def _date_fields(prefix: str, day: dt.date) -> dict[str, str]:
    return {
        f"{prefix}-day": str(day.day),
        f"{prefix}-month": str(day.month),
        f"{prefix}-year": str(day.year),
    }


def evidence_form(sharing: Sharing, settings: Any) -> Form:
    client = signed_in(sharing.school_ig, mfa=True)
    url = reverse("evidence:add", args=[sharing.school.pk])
    data_dir = Path(settings.DATA_DIR)

    def post(content: bytes, name: str) -> Any:
        fields = {
            "kind": "cyber-essentials",
            "reference": "CE-1",
            **_date_fields("issued", TODAY - dt.timedelta(days=10)),
            **_date_fields("expires", TODAY + dt.timedelta(days=300)),
        }
        return post_file(client, url, fields, name, content)

    return Form(
        "evidence",
        post,
        lambda: (EvidenceItem.objects.count(), AuditEntry.objects.count(), _files_under(data_dir)),
    )


def file_form(sharing: Sharing, settings: Any) -> Form:
    client = signed_in(sharing.school_ig, mfa=True)
    url = reverse("exchange:file-new", args=[sharing.agreement.pk])
    data_dir = Path(settings.DATA_DIR) / "exchange"

    def post(content: bytes, name: str) -> Any:
        fields = {
            "recipients": [sharing.practitioner.pk],
            **_date_fields("expires", TODAY + dt.timedelta(days=30)),
        }
        return post_file(client, url, fields, name, content)

    return Form(
        "shared file",
        post,
        lambda: (
            SharedFile.objects.count(),
            DisclosureEntry.objects.count(),
            AuditEntry.objects.count(),
            _files_under(data_dir),
        ),
    )


def dataset_form(sharing: Sharing, settings: Any) -> Form:
    client = signed_in(sharing.school_ig, mfa=True)
    url = reverse("exchange:dataset-new", kwargs={"pk": sharing.agreement.pk})
    names = iter(range(1, 1_000))

    def post(content: bytes, name: str) -> Any:
        return post_file(client, url, {"name": f"Pupils {next(names)}"}, name, content)

    return Form(
        "dataset",
        post,
        lambda: (Dataset.objects.count(), AuditEntry.objects.count(), stored_tables()),
    )


def import_form(sharing: Sharing, settings: Any) -> Form:
    client = signed_in(sharing.council_ig, mfa=True)

    def post(content: bytes, name: str) -> Any:
        return import_file(client, sharing.council, content, name)

    return Form("import", post, _counts)


def _refused(form: Form, case: str, content: bytes, name: str, message: str) -> str:
    before = form.kept()
    response = form.post(content, name)
    assert response.status_code == 400, f"{form.name}, {case}: {response.status_code}"
    summary = error_summary(response)
    assert summary.startswith("There is a problem"), f"{form.name}, {case}: no error summary"
    assert message in summary, f"{form.name}, {case}: {summary!r} does not say {message!r}"
    assert form.kept() == before, f"{form.name}, {case}: something was kept"
    return summary


def _accepted(form: Form, content: bytes, name: str) -> None:
    before = form.kept()
    response = form.post(content, name)
    assert response.status_code == 302, f"{form.name}, {name}: {page_text(response)[:500]}"
    assert form.kept() != before


WRONG_TYPES = [
    (
        "program renamed .pdf",
        EXE,
        "report.pdf",
        "report.pdf is not a PDF: its content is a Windows program",
    ),
    ("web page named .csv", HTML, "pupils.csv", "pupils.csv is not"),
    (
        "PDF named .docx",
        PDF,
        "policy.docx",
        "policy.docx is not a Word document (.docx): its content is a PDF",
    ),
]


@pytest.mark.parametrize("make", [evidence_form, file_form], ids=["evidence", "shared-file"])
def test_documents_of_the_wrong_type_too_big_or_hostile_archives_are_refused_and_nothing_kept(
    sharing: Sharing, settings: Any, make: Callable[[Sharing, Any], Form]
) -> None:
    form = make(sharing, settings)
    cases = [
        *WRONG_TYPES,
        (
            "just over the limit",
            PDF + b" " * (LIMIT + 1 - len(PDF)),
            "big.pdf",
            "big.pdf is larger than 1 MB, the largest file Accord accepts",
        ),
        *archive_attacks("docx"),
    ]
    for case, content, name, message in cases:
        if form.name == "evidence" and name.endswith(".csv"):
            message = "pupils.csv is not a type of file Accord accepts"
        _refused(form, case, content, name, message)
    _accepted(form, PDF + b" " * (LIMIT - len(PDF)), "at-the-limit.pdf")
    _accepted(form, office("docx"), "policy.docx")


def real_xlsx() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["UPN", "Name"])
    sheet.append(["A123456789012", "Ann Smith"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_datasets_of_the_wrong_type_too_big_or_hostile_archives_are_refused_and_nothing_kept(
    sharing: Sharing, settings: Any
) -> None:
    form = dataset_form(sharing, settings)
    not_a_table = "not a CSV or Excel (.xlsx) file"
    cases = [
        (
            "program renamed .pdf",
            EXE,
            "report.pdf",
            f"report.pdf is a Windows program, {not_a_table}",
        ),
        ("web page named .csv", HTML, "pupils.csv", f"pupils.csv is a web page, {not_a_table}"),
        (
            "script named .csv",
            b"#!/bin/sh\nrm -rf /\n",
            "pupils.csv",
            f"pupils.csv is a script, {not_a_table}",
        ),
        ("PDF named .docx", PDF, "policy.docx", f"policy.docx is a PDF, {not_a_table}"),
        (
            "Word document named .xlsx",
            office("docx"),
            "pupils.xlsx",
            "pupils.xlsx is not an Excel workbook (.xlsx): its content is a Word document (.docx)",
        ),
        (
            "just over the limit",
            CSV + b"B1,Bob\n" * (LIMIT // 7),
            "big.csv",
            "big.csv is larger than 1 MB",
        ),
        *archive_attacks("xlsx"),
    ]
    for case, content, name, message in cases:
        _refused(form, case, content, name, message)
    _accepted(form, CSV, "pupils.csv")
    _accepted(form, real_xlsx(), "pupils.xlsx")


def test_initiative_files_of_the_wrong_type_or_too_big_are_refused_and_nothing_kept(
    sharing: Sharing, settings: Any
) -> None:
    form = import_form(sharing, settings)
    not_text = "The file must be text (YAML or JSON) in UTF-8"
    cases = [
        ("program renamed .yaml", EXE, "initiative.yaml", not_text),
        ("web page named .yaml", HTML, "initiative.yaml", "The file cannot be imported: 1 problem"),
        ("PDF named .yaml", PDF, "initiative.yaml", "The file cannot be imported: 1 problem"),
        ("just over the limit", b"#" * 1_000_001, "big.yaml", "The file must be smaller than 1 MB"),
        *(
            (case, content, "initiative.yaml", not_text)
            for case, content, _n, _m in archive_attacks("docx")
        ),
    ]
    for case, content, name, message in cases:
        _refused(form, case, content, name, message)
    _accepted(form, yaml.safe_dump(BASE).encode(), "attendance.yaml")


# Names nobody saves a document under, each with what its refusal must say. They are sent exactly
# as written (tests/web/multipart.py), as an attacker's client can; a browser would already have
# cut off the folders, and Django would quietly drop them and the invisible characters.
HOSTILE_NAMES = [
    ("../../etc/passwd.pdf", "contains “/”, which separates folders"),
    ("..\\..\\windows\\win.ini.pdf", "contains “\\”, which separates folders"),
    ("con.pdf", "starts with CON, a name Windows keeps for a device"),
    ("LPT1.minutes.pdf", "starts with LPT1, a name Windows keeps for a device"),
    ("cert\x00.exe.pdf", "“cert[U+0000].exe.pdf” contains a control character (U+0000)"),
    ("notes\r\nX-Injected: 1.pdf", "contains a control character (U+000D)"),
    ("x" * 296 + ".pdf", "characters long, more than the 255 Accord accepts"),
    ('"><img src=x onerror=alert(1)>.pdf', 'contains “"”, which file names cannot contain'),
    ("&lt;img src=x&gt;.pdf", "contains “<”, which file names cannot contain"),
    (
        "invoice\u202efdp.pdf",
        "“invoice[U+202E]fdp.pdf” contains an invisible character that can change how the "
        "name reads (U+202E)",
    ),
    ("report\u200b.pdf", "(U+200B)"),
    ("..", "is only dots, which name folders"),
    (".htaccess.pdf", "starts with a dot, which hides a file"),
    ("report.pdf ", "ends with a dot or a space, which Windows removes"),
]
# Names people do give documents: accepted, and kept made plain.
ORDINARY_NAMES = [
    ("Cyber Essentials 2026 (final).pdf", "Cyber_Essentials_2026_final.pdf"),
    ("\u00c9valuation d\u2019impact.pdf", "Evaluation_d_impact.pdf"),
    ("O'Brien & Sons; v2=3.pdf", "O_Brien_Sons_v2_3.pdf"),
    ("\u8bc1\u4e66.pdf", "file.pdf"),
    ("console.pdf", "console.pdf"),
]
ALL_FORMS = [evidence_form, file_form, dataset_form, import_form]
CONTENT_AND_TYPE = {"evidence": (PDF, "pdf"), "shared file": (PDF, "pdf"), "dataset": (CSV, "csv")}


def _as(name: str, extension: str) -> str:
    return name.replace(".pdf", f".{extension}")


@pytest.mark.parametrize("make", ALL_FORMS, ids=["evidence", "shared-file", "dataset", "import"])
def test_hostile_file_names_are_refused_saying_why_and_nothing_is_kept(
    sharing: Sharing, settings: Any, make: Callable[[Sharing, Any], Form]
) -> None:
    form = make(sharing, settings)
    content, extension = CONTENT_AND_TYPE.get(form.name, (yaml.safe_dump(BASE).encode(), "yaml"))
    for hostile, message in HOSTILE_NAMES:
        name = _as(hostile, extension)
        summary = _refused(form, repr(name), content, name, _as(message, extension))
        assert summary.endswith("rename the file and upload it again"), summary
        before = form.kept()
        response = form.post(content, name)
        raw = response.content.decode()
        assert not any(c in raw for c in "\x00\u202e\u200b"), f"{name!r} shown raw"
        assert "<img" not in raw, "the name's markup reached the page unescaped"
        assert form.kept() == before
    _accepted(form, content, _as("Cyber Essentials 2026 (final).pdf", extension))


@pytest.mark.parametrize("make", [evidence_form, file_form], ids=["evidence", "shared-file"])
def test_ordinary_file_names_are_accepted_and_kept_plain(
    sharing: Sharing, settings: Any, make: Callable[[Sharing, Any], Form]
) -> None:
    form = make(sharing, settings)
    for name, plain in ORDINARY_NAMES:
        _accepted(form, PDF, name)
        kept = (EvidenceItem if form.name == "evidence" else SharedFile).objects.order_by("-pk")[0]
        stored = kept.original_filename if isinstance(kept, EvidenceItem) else kept.filename
        assert stored == plain
        entry = AuditEntry.objects.order_by("-sequence").first()
        assert entry is not None
        assert plain in entry.summary


def test_a_name_that_disguises_its_type_is_refused_by_the_type_it_really_has(
    sharing: Sharing, settings: Any
) -> None:
    form = evidence_form(sharing, settings)
    _refused(form, "double extension", PDF, "report.pdf.exe", "report_pdf.exe is not a type")
    _refused(form, "no extension", PDF, "passwd", "passwd is not a type of file")


def test_the_dataset_and_import_forms_keep_ordinary_names_plain(
    sharing: Sharing, settings: Any
) -> None:
    _accepted(dataset_form(sharing, settings), CSV, "Pupils (Autumn) 2026.csv")
    dataset = Dataset.objects.order_by("-pk").first()
    assert dataset is not None
    assert dataset.original_filename == "Pupils_Autumn_2026.csv"
    response = import_form(sharing, settings).post(b"title: [unclosed", "Pupils (Autumn).yaml")
    assert response.status_code == 400
    problem = re.search(r"<li><code>(.*?)</code></li>", response.content.decode())
    assert problem is not None
    assert re.match(r"Pupils_Autumn\.yaml, line \d+: not valid YAML", problem[1]), problem[1]


def test_a_field_name_too_long_to_map_a_column_to_is_refused_on_the_data_page() -> None:
    form = DataItemForm({"category": "identifiers", "field_names": f"upn\n{'F' * 201}"})
    assert not form.is_valid()
    assert form.errors["field_names"] == ["Each field must be 200 characters or fewer"]
    assert DataItemForm({"category": "identifiers", "field_names": "F" * 200}).is_valid()


def test_a_column_whose_name_is_too_long_for_a_key_is_refused_as_the_key(
    sharing: Sharing, settings: Any
) -> None:
    long_name = "Unique pupil number " + "x" * 60
    datasets = dataset_form(sharing, settings)
    _accepted(datasets, f"{long_name},UPN,Name\nA1,A1,Ann\n".encode(), "pupils.csv")
    dataset = Dataset.objects.get()
    client = signed_in(sharing.school_ig, mfa=True)
    url = reverse(
        "exchange:dataset-columns", kwargs={"pk": dataset.agreement_id, "dataset_pk": dataset.pk}
    )
    before = AuditEntry.objects.count()

    response = client.post(url, {"key_column": long_name})

    assert response.status_code == 400
    assert "The key column's name must be 63 characters or fewer" in error_summary(response)
    dataset.refresh_from_db()
    assert dataset.key_column == ""
    assert AuditEntry.objects.count() == before
    assert client.post(url, {"key_column": "UPN"}).status_code == 302
