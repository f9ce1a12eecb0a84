"""Datasets: the providing party uploads a CSV or Excel file, sees its columns and maps them to
the agreement's data items; a bad file is refused with a message saying where, leaving nothing.

The school (Brookfield Primary) discloses to the council, so the head (the school's IG officer)
registers datasets; the council's people see them but cannot register or map them.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import re
import threading
import zipfile
from typing import Any

import openpyxl
import orjson
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse

from accord.apps.audit.models import AuditEntry
from accord.apps.audit.services import audit_verify
from accord.apps.exchange import datasets, services, store
from accord.apps.exchange.models import Dataset
from accord.apps.organisations.models import Organisation
from tests.web.agreement_helpers import person
from tests.web.exchange_helpers import Sharing, live_agreement, signed_agreement

from .conftest import signed_in

pytestmark = pytest.mark.django_db

HEADER = "UPN,Name,DOB,Ethnicity,Attendance %"
PUPILS = [
    "A123456789012,Ann Smith,2015-03-01,White British,97.5",
    "B123456789012,Bob Jones,2015-07-19,Mixed,88",
    'C123456789012,"Cara O\'Neil, junior",2016-01-02,,91.2',
]
CSV = ("\ufeff" + "\r\n".join([HEADER, *PUPILS]) + "\r\n").encode()


@pytest.fixture
def sharing() -> Sharing:
    return signed_agreement()


@pytest.fixture
def head(sharing: Sharing) -> Client:
    """The school's head: IG officer and administrator of the disclosing party."""
    return signed_in(sharing.school_ig, mfa=True)


def new_url(sharing: Sharing) -> str:
    return reverse("exchange:dataset-new", kwargs={"pk": sharing.agreement.pk})


def detail_url(dataset: Dataset) -> str:
    return reverse(
        "exchange:dataset", kwargs={"pk": dataset.agreement_id, "dataset_pk": dataset.pk}
    )


def columns_url(dataset: Dataset) -> str:
    return reverse(
        "exchange:dataset-columns", kwargs={"pk": dataset.agreement_id, "dataset_pk": dataset.pk}
    )


def upload(
    client: Client, sharing: Sharing, content: bytes, filename: str, name: str = "Pupils"
) -> Any:
    return client.post(
        new_url(sharing),
        {"name": name, "file": SimpleUploadedFile(filename, content)},
    )


def page_text(response: Any) -> str:
    """The page as a person reads it: tags dropped, entities decoded, spaces collapsed."""
    text = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(html.unescape(text).split())


def selected(body: str, name: str) -> str | None:
    """The value of the selected option of one select on the page."""
    block = re.search(rf'<select[^>]* name="{name}"[^>]*>(.*?)</select>', body, re.S)
    assert block, f"no select called {name}"
    option = re.search(r'<option value="([^"]*)" selected>', block.group(1))
    return html.unescape(option.group(1)) if option else None


def stored_tables() -> list[str]:
    return [t for t in connection.introspection.table_names() if t.startswith("accord_ds_")]


def rows_of(dataset: Dataset, names: list[str]) -> list[dict[str, object]]:
    payload, _count = store.page(dataset, names, offset=0, limit=1000, fmt="ndjson")
    return [orjson.loads(line) for line in payload.splitlines()]


def xlsx(rows: list[list[object]], *, second_sheet: list[list[object]] | None = None) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Pupils"
    for row in rows:
        sheet.append(row)
    if second_sheet is not None:
        other = workbook.create_sheet("Notes")
        for row in second_sheet:
            other.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# --- Uploading and mapping ---------------------------------------------------------------------


def test_a_provider_uploads_a_csv_sees_its_columns_maps_them_and_only_mapped_columns_are_read(
    sharing: Sharing, head: Client
) -> None:
    form = head.get(new_url(sharing))
    assert form.status_code == 200
    assert "No data source is set up for Brookfield Primary School" in page_text(form)

    response = upload(head, sharing, CSV, "pupils spring.csv", name="Pupils on roll")
    dataset = Dataset.objects.get(agreement=sharing.agreement)
    assert response.status_code == 302
    assert response["Location"] == columns_url(dataset)
    assert (dataset.name, dataset.provider, dataset.source) == (
        "Pupils on roll",
        sharing.school,
        Dataset.UPLOAD,
    )
    assert dataset.row_count == 3
    assert dataset.original_filename == "pupils_spring.csv"
    assert [c.name for c in dataset.columns.all()] == HEADER.split(",")
    assert not any(c.data_item for c in dataset.columns.all())  # nothing shared until mapped
    registered = AuditEntry.objects.get(verb="dataset.registered")
    assert registered.actor == sharing.school_ig
    assert registered.data["rows"] == 3
    assert registered.data["columns"] == HEADER.split(",")

    # The mapping page suggests data items from the column names.
    mapping = head.get(columns_url(dataset))
    assert mapping.status_code == 200
    body = mapping.content.decode()
    assert selected(body, "column_1") == "unique pupil number"
    assert selected(body, "column_2") == "name"
    assert selected(body, "column_3") == "date of birth"
    assert selected(body, "column_4") == ""  # Ethnicity: not in the agreement
    assert selected(body, "column_5") == ""  # "Attendance %" is not a name match
    assert re.search(r'name="key_column" type="radio" value="UPN" checked', body)

    saved = head.post(
        columns_url(dataset),
        {
            "column_1": "unique pupil number",
            "column_2": "name",
            "column_3": "date of birth",
            "column_4": "",
            "column_5": "attendance percentage",
            "key_column": "UPN",
        },
    )
    assert saved.status_code == 302
    assert saved["Location"] == detail_url(dataset)
    dataset.refresh_from_db()
    assert dataset.key_column == "UPN"
    assert {c.name: c.data_item for c in dataset.columns.all()} == {
        "UPN": "unique pupil number",
        "Name": "name",
        "DOB": "date of birth",
        "Ethnicity": "",
        "Attendance %": "attendance percentage",
    }
    mapped = AuditEntry.objects.get(verb="dataset.mapped")
    assert mapped.data["items"]["Ethnicity"] == ""
    assert mapped.data["key_column"] == "UPN"
    assert audit_verify()[1] is None

    detail = page_text(head.get(detail_url(dataset)))
    assert "4 of 5 columns: UPN, Name, DOB, Attendance %" in detail
    assert "Ethnicity None Never shared" in detail
    assert "Name name Shared" in detail

    # What can leave is read in SQL from the mapped columns only.
    shared = datasets.shared_columns(dataset)
    assert shared == ["UPN", "Name", "DOB", "Attendance %"]
    rows = rows_of(dataset, shared)
    assert rows[2] == {
        "UPN": "C123456789012",
        "Name": "Cara O'Neil, junior",
        "DOB": "2016-01-02",
        "Attendance %": "91.2",
    }
    payload, count = store.page(dataset, shared, offset=0, limit=10, fmt="csv", header=True)
    assert count == 3
    assert b"White British" not in payload
    assert b"Mixed" not in payload


def test_every_party_member_sees_the_dataset_and_its_mapping(
    sharing: Sharing, head: Client
) -> None:
    upload(head, sharing, CSV, "pupils.csv")
    dataset = Dataset.objects.get()
    for reader in (sharing.council_ig, sharing.practitioner):
        response = signed_in(reader, mfa=True).get(detail_url(dataset))
        assert response.status_code == 200
        text = page_text(response)
        assert "Provided by Brookfield Primary School" in text
        assert "Nothing: no column is mapped to a data item yet" in text
        assert "Map the columns" not in text  # only the provider maps
    overview = page_text(
        signed_in(sharing.council_ig, mfa=True).get(
            reverse("exchange:overview", kwargs={"pk": sharing.agreement.pk})
        )
    )
    assert "Pupils Brookfield Primary School 3 5" in overview


def test_an_excel_workbook_is_read_from_its_first_sheet_with_dates_and_numbers_as_text() -> None:
    sharing = live_agreement()  # live as well as signed: a provider can add datasets later
    head = signed_in(sharing.school_ig, mfa=True)
    content = xlsx(
        [
            ["UPN", "Name", "Date of birth", "Attendance percentage", "Sessions", "Seen at"],
            ["A1", "Ann", dt.date(2015, 3, 1), 97.5, 100, dt.datetime(2026, 1, 5, 9, 30)],
            [None, None, None, None, None, None],  # an empty row is skipped
            ["B2", "Bob", dt.datetime(2015, 7, 19), 100.0, None, None],
        ],
        second_sheet=[["Not", "read"]],
    )
    response = upload(head, sharing, content, "pupils.xlsx")
    assert response.status_code == 302
    dataset = Dataset.objects.get()
    names = ["UPN", "Name", "Date of birth", "Attendance percentage", "Sessions", "Seen at"]
    assert [c.name for c in dataset.columns.all()] == names
    assert dataset.row_count == 2
    assert rows_of(dataset, names) == [
        {
            "UPN": "A1",
            "Name": "Ann",
            "Date of birth": "2015-03-01",
            "Attendance percentage": "97.5",
            "Sessions": "100",
            "Seen at": "2026-01-05T09:30:00",
        },
        {
            "UPN": "B2",
            "Name": "Bob",
            "Date of birth": "2015-07-19",
            "Attendance percentage": "100",
            "Sessions": None,
            "Seen at": None,
        },
    ]
    assert AuditEntry.objects.get(verb="dataset.registered").data["format"] == "xlsx"


def test_an_excel_workbook_is_recognised_by_its_content_whatever_its_name(
    sharing: Sharing, head: Client
) -> None:
    response = upload(head, sharing, xlsx([["UPN", "Name"], ["A1", "Ann"]]), "export.csv")
    assert response.status_code == 302
    assert rows_of(Dataset.objects.get(), ["UPN", "Name"]) == [{"UPN": "A1", "Name": "Ann"}]


@pytest.mark.parametrize("separator", [";", "\t"])
def test_a_csv_separated_by_semicolons_or_tabs_is_read(
    sharing: Sharing, head: Client, separator: str
) -> None:
    content = f"UPN{separator}Name\nA1{separator}Ann, Smith\n".encode()
    assert upload(head, sharing, content, "pupils.csv").status_code == 302
    assert rows_of(Dataset.objects.get(), ["UPN", "Name"]) == [{"UPN": "A1", "Name": "Ann, Smith"}]


def test_a_large_csv_is_streamed_from_a_temporary_file_and_loaded_in_full(
    sharing: Sharing, head: Client, settings: Any
) -> None:
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024  # spooled to disk, as a big upload is
    rows = 30_000
    content = "UPN,Name,Attendance\n" + "".join(
        f"U{n:09d},Pupil number {n},{n % 100}\n" for n in range(1, rows + 1)
    )
    assert len(content) > settings.FILE_UPLOAD_MAX_MEMORY_SIZE
    response = upload(head, sharing, content.encode(), "big.csv")
    assert response.status_code == 302
    dataset = Dataset.objects.get()
    assert dataset.row_count == rows
    payload, count = store.page(dataset, ["UPN"], offset=rows - 1, limit=10, fmt="csv")
    assert (payload, count) == (f"U{rows:09d}\n".encode(), 1)


# --- Bad input ---------------------------------------------------------------------------------


def _rows_then(bad_row_number: int, bad_row: str) -> bytes:
    good = [f"U{n},Pupil {n},2015-01-01,White,90" for n in range(2, bad_row_number)]
    return "\n".join([HEADER, *good, bad_row, "U999,Last,2015-01-01,White,90"]).encode()


def _not_utf8_at(line: int) -> bytes:
    lines = [HEADER.encode()] + [
        f"U{n},Pupil {n},2015-01-01,White,90".encode() for n in range(2, line)
    ]
    lines.append("U12,Zoë Brontë,2015-01-01,White,90".encode("latin-1"))
    return b"\n".join(lines) + b"\n"


def _macro_workbook() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/vbaProject.bin", b"\x00macro")
    return out.getvalue()


BAD_FILES = [
    pytest.param(b"", "pupils.csv", "pupils.csv is empty", id="empty"),
    pytest.param(
        b"\n\nUPN,Name\nA1,Ann\n",
        "pupils.csv",
        "pupils.csv has no header row: its first row must name the columns",
        id="no-header",
    ),
    pytest.param(
        b"UPN,,Name\nA1,x,Ann\n",
        "pupils.csv",
        "Column 2 has no name: give every column a name in the first row",
        id="blank-header",
    ),
    pytest.param(
        b"UPN,Name,upn\nA1,Ann,A1\n",
        "pupils.csv",
        "Two columns are called 'UPN'",
        id="duplicate-header",
    ),
    pytest.param(
        _rows_then(57, "U57,Pupil 57,2015-01-01,White"),
        "pupils.csv",
        "Row 57 has 4 values; the header has 5",
        id="short-row",
    ),
    pytest.param(
        _not_utf8_at(12),
        "pupils.csv",
        "Line 12 is not UTF-8 text: save the file as CSV UTF-8",
        id="not-utf8",
    ),
    pytest.param(
        b'UPN,Name\nA1,"Ann" Smith\n',
        "pupils.csv",
        "Line 2 cannot be read as CSV",
        id="bad-quotes",
    ),
    pytest.param(
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500),
        "pupils.xls",
        "pupils.xls is an old-format Excel file (.xls), not a CSV or Excel (.xlsx) file",
        id="old-excel",
    ),
    pytest.param(
        _macro_workbook(),
        "pupils.xlsx",
        "pupils.xlsx contains macros",
        id="macros",
    ),
    pytest.param(
        xlsx([["UPN", "Name", "UPN"], ["A1", "Ann", "A1"]]),
        "pupils.xlsx",
        "Two columns are called 'UPN'",
        id="excel-duplicate-header",
    ),
    pytest.param(
        xlsx([["UPN", "Name"], ["A1", "Ann"], ["B2", "Bob", None, "stray"]]),
        "pupils.xlsx",
        "Row 3 has a value in column D, beyond the last named column (B)",
        id="excel-value-beyond-header",
    ),
    pytest.param(
        b"PK\x03\x04 this is not really a zip archive",
        "pupils.xlsx",
        "pupils.xlsx is damaged: Accord cannot open it",
        id="damaged-workbook",
    ),
]


@pytest.mark.parametrize(("content", "filename", "message"), BAD_FILES)
def test_a_bad_file_is_refused_saying_what_and_where_and_nothing_is_stored(
    sharing: Sharing, head: Client, content: bytes, filename: str, message: str
) -> None:
    response = upload(head, sharing, content, filename)
    assert response.status_code == 400
    text = page_text(response)
    assert text.startswith("Error: ")
    assert "There is a problem" in text
    assert message in text
    assert 'id="id_file-error"' in response.content.decode()
    assert not Dataset.objects.exists()
    assert stored_tables() == []
    assert not AuditEntry.objects.filter(verb="dataset.registered").exists()


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(
    sharing: Sharing, head: Client, settings: Any
) -> None:
    settings.ACCORD_DATASET_MAX_BYTES = 100
    response = upload(head, sharing, CSV * 10, "pupils.csv")
    assert response.status_code == 400
    assert "pupils.csv is larger than 100 bytes, the largest file Accord accepts" in page_text(
        response
    )
    assert not Dataset.objects.exists()
    assert stored_tables() == []


def test_a_name_already_used_under_the_agreement_is_refused_on_the_name_field(
    sharing: Sharing, head: Client
) -> None:
    assert upload(head, sharing, CSV, "pupils.csv", name="Pupils").status_code == 302
    response = upload(head, sharing, CSV, "pupils.csv", name="  pupils ")
    assert response.status_code == 400
    assert "This agreement already has a dataset called “pupils”: choose another name" in (
        page_text(response)
    )
    assert 'id="id_name-error"' in response.content.decode()
    assert Dataset.objects.count() == 1
    assert len(stored_tables()) == 1


def test_a_missing_name_and_a_bad_file_are_both_reported(sharing: Sharing, head: Client) -> None:
    response = upload(head, sharing, b"", "pupils.csv", name="")
    assert response.status_code == 400
    text = page_text(response)
    assert "Enter a name for the dataset" in text
    response = head.post(new_url(sharing), {"name": "Pupils"})
    assert response.status_code == 400
    assert "Choose the file to upload" in page_text(response)
    assert not Dataset.objects.exists()


def test_a_mapping_to_something_the_agreement_does_not_list_is_refused_naming_it(
    sharing: Sharing, head: Client
) -> None:
    upload(head, sharing, CSV, "pupils.csv")
    dataset = Dataset.objects.get()

    response = head.post(
        columns_url(dataset), {"column_1": "national insurance number", "key_column": "UPN"}
    )
    assert response.status_code == 400
    assert "Choose one of the agreement's data items, or Not shared" in page_text(response)
    response = head.post(columns_url(dataset), {"column_1": "name"})
    assert response.status_code == 400
    assert "Choose the column that identifies each person" in page_text(response)

    with pytest.raises(ValidationError) as refused:
        datasets.columns_map(
            actor=sharing.school_ig,
            dataset=dataset,
            items={"Ethnicity": "ethnicity", "Postcode": "parent or carer address"},
            key_column="Pupil ID",
        )
    errors = refused.value.message_dict
    assert errors["Ethnicity"] == [
        "'ethnicity' is not a data item of this agreement: choose one of its data items, or Not "
        "shared"
    ]
    assert errors["__all__"] == ["Pupils has no column called 'Postcode'"]
    assert errors["key_column"] == ["Pupils has no column called 'Pupil ID'"]
    assert not any(c.data_item for c in dataset.columns.all())
    assert not AuditEntry.objects.filter(verb="dataset.mapped").exists()


def test_the_suggested_mapping_matches_names_words_and_initials() -> None:
    items = ["name", "date of birth", "unique pupil number", "attendance percentage"]
    columns = ["UPN", "Pupil name", "date_of_birth", "DOB", "AttendancePercentage", "Notes"]
    assert datasets.suggested_mapping(columns, items) == {
        "UPN": "unique pupil number",
        "Pupil name": "",
        "date_of_birth": "date of birth",
        "DOB": "date of birth",
        "AttendancePercentage": "attendance percentage",
        "Notes": "",
    }
    assert datasets.suggested_key(["Name", "Pupil ID"], {}) == "Pupil ID"


# --- Who may, and when -------------------------------------------------------------------------


def test_a_receiving_partys_ig_officer_cannot_register_or_map_a_dataset(
    sharing: Sharing, head: Client
) -> None:
    upload(head, sharing, CSV, "pupils.csv")
    dataset = Dataset.objects.get()
    council = signed_in(sharing.council_ig, mfa=True)
    assert council.get(new_url(sharing)).status_code == 403
    assert upload(council, sharing, CSV, "pupils.csv", name="Ours").status_code == 403
    assert council.get(columns_url(dataset)).status_code == 403
    assert (
        council.post(columns_url(dataset), {"column_1": "name", "key_column": "UPN"}).status_code
        == 403
    )
    assert Dataset.objects.count() == 1
    assert not any(c.data_item for c in dataset.columns.all())
    with pytest.raises(PermissionDenied):
        datasets.dataset_upload(
            actor=sharing.council_ig,
            agreement=sharing.agreement,
            name="Ours",
            upload=SimpleUploadedFile("p.csv", CSV),
        )
    with pytest.raises(PermissionDenied):
        datasets.columns_map(actor=sharing.council_ig, dataset=dataset, items={}, key_column="UPN")


def test_a_member_of_an_unrelated_organisation_gets_404(sharing: Sharing, head: Client) -> None:
    upload(head, sharing, CSV, "pupils.csv")
    dataset = Dataset.objects.get()
    other = Organisation.objects.create(name="Westmoor District Council", type="local-authority")
    outsider = signed_in(
        person(other, "ig-officer", "org-admin", email="ig@westmoor.example"), mfa=True
    )
    assert outsider.get(new_url(sharing)).status_code == 404
    assert upload(outsider, sharing, CSV, "pupils.csv", name="Theirs").status_code == 404
    assert outsider.get(detail_url(dataset)).status_code == 404
    assert outsider.get(columns_url(dataset)).status_code == 404
    assert Dataset.objects.count() == 1


def test_a_dataset_of_another_agreement_is_not_found_under_this_one(
    sharing: Sharing, head: Client
) -> None:
    upload(head, sharing, CSV, "pupils.csv")
    dataset = Dataset.objects.get()
    url = reverse(
        "exchange:dataset", kwargs={"pk": sharing.agreement.pk, "dataset_pk": dataset.pk + 1}
    )
    assert head.get(url).status_code == 404


def test_no_dataset_is_registered_or_mapped_once_the_agreement_is_terminated(
    sharing: Sharing, head: Client
) -> None:
    upload(head, sharing, CSV, "pupils.csv")
    dataset = Dataset.objects.get()
    services.terminate(actor=sharing.council_siro, agreement=sharing.agreement, reason="Ended")
    response = head.get(new_url(sharing))
    assert response.status_code == 409
    assert "This agreement is terminated, so its datasets can no longer be registered" in (
        page_text(response)
    )
    assert upload(head, sharing, CSV, "pupils.csv", name="Late").status_code == 409
    assert (
        head.post(columns_url(dataset), {"column_1": "name", "key_column": "UPN"}).status_code
        == 409
    )
    assert Dataset.objects.count() == 1
    sharing.agreement.refresh_from_db()
    with pytest.raises(services.ExchangeRefused):
        datasets.dataset_upload(
            actor=sharing.school_ig,
            agreement=sharing.agreement,
            name="Late",
            upload=SimpleUploadedFile("p.csv", CSV),
        )


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: SQLite serialises every write, so no race can happen; "
    ".ci/run runs this file again with DATABASE_URL set to PostgreSQL",
)
@pytest.mark.django_db(transaction=True)
def test_two_uploads_of_one_name_at_once_leave_one_dataset_and_one_stored_table() -> None:
    # Earlier transactional tests leave their tables behind (a flush deletes rows, not tables).
    before = set(stored_tables())
    sharing = signed_agreement()
    barrier = threading.Barrier(2)
    refusals: list[ValidationError] = []

    def register() -> None:
        try:
            barrier.wait()
            datasets.dataset_upload(
                actor=sharing.school_ig,
                agreement=sharing.agreement,
                name="Pupils",
                upload=SimpleUploadedFile("pupils.csv", CSV),
            )
        except ValidationError as refused:
            refusals.append(refused)
        finally:
            connection.close()

    threads = [threading.Thread(target=register) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r.message_dict for r in refusals] == [
        {"name": ["This agreement already has a dataset called “Pupils”: choose another name"]}
    ]
    dataset = Dataset.objects.get()
    assert set(stored_tables()) - before == {store.store_table_name(dataset)}
    assert rows_of(dataset, ["UPN"]) == [{"UPN": row.split(",")[0]} for row in PUPILS]
    assert AuditEntry.objects.filter(verb="dataset.registered").count() == 1
