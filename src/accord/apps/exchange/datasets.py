"""Datasets: a providing party registers records and maps their columns to agreed data items.

A dataset is either a file the provider uploads (CSV or Excel), loaded into a table of its own
in Accord's database by accord.apps.exchange.store, or a table or view in a PostgreSQL database
the operator has named as a data source, read in place by accord.apps.exchange.sources.

An uploaded file is read twice, as a stream: once to check every row (so a bad file is refused
before anything is stored, with a message saying what is wrong and where), then again to load it.
The dataset row, its columns, its stored rows and the audit entry are written in one
transaction: a file that fails half-way leaves nothing behind.

Every column starts unmapped, that is never shared. The provider then maps each column to one
of the agreement's data items, or leaves it unmapped, and chooses the key column that identifies
each person for look-ups and matching.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import TYPE_CHECKING, Final

import openpyxl
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from openpyxl.utils import get_column_letter

from accord.apps.agreements.models import Agreement
from accord.apps.audit.services import audit_record
from accord.apps.exchange import sources, store
from accord.apps.exchange.models import Dataset, DatasetColumn
from accord.apps.exchange.selectors import acting_party
from accord.apps.exchange.services import ExchangeRefused
from accord.apps.organisations.selectors import roles_by_organisation
from accord.core.access import may_for_party
from accord.core.exchange.terms import data_items
from accord.core.filetypes import (
    MAX_ZIP_UNCOMPRESSED,
    FileRefused,
    check_upload,
    markup,
    refuse_if_too_big,
    safe_filename,
    size_text,
)

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from accord.apps.accounts.models import User
    from accord.apps.initiatives.models import InitiativeParty

# Datasets can be prepared once the agreement is signed, and changed until it ends.
OPEN_STATUSES: Final = frozenset({Agreement.SIGNED, Agreement.LIVE, Agreement.SUSPENDED})
NAME_MAX_LENGTH: Final = 120
COLUMN_NAME_MAX_LENGTH: Final = 200
MAX_COLUMNS: Final = 1000
MAX_LINE_BYTES: Final = 4 * 1024 * 1024
_BOM: Final = b"\xef\xbb\xbf"
_DELIMITERS: Final = (",", ";", "\t")
# Leading bytes of files people sometimes take for a spreadsheet, to say what they really are.
_NOT_A_TABLE: Final = (
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old-format Excel file (.xls)"),
    (b"%PDF-", "a PDF"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"MZ", "a Windows program"),
)
# Words in a column name that suggest it identifies a person.
_KEY_WORDS: Final = frozenset(
    {"id", "identifier", "number", "no", "ref", "reference", "upn", "nhs"}
)


class _Refused(Exception):
    """The file is not accepted; the message says what is wrong and where."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- Who may, and when ------------------------------------------------------------------------


def closed_message(agreement: Agreement) -> str:
    if agreement.status == Agreement.NEGOTIATING:
        return (
            "Datasets can be registered once every party has signed the agreement; this one "
            "is still being negotiated."
        )
    return (
        f"This agreement is {agreement.get_status_display().lower()}, so its datasets can no "
        "longer be registered or changed."
    )


def _require_open(agreement: Agreement) -> None:
    if agreement.status not in OPEN_STATUSES:
        raise ExchangeRefused(closed_message(agreement))


def _still_open(agreement: Agreement) -> None:
    """Read the status again inside the transaction: it may have changed since the checks."""
    current = Agreement.objects.get(pk=agreement.pk)
    _require_open(current)


def _provider_party(agreement: Agreement, organisation_id: int) -> InitiativeParty | None:
    return (
        agreement.initiative.parties.select_related("organisation")
        .filter(organisation_id=organisation_id)
        .first()
    )


def may_manage(*, user: User, dataset: Dataset) -> bool:
    """Whether this person may change this dataset: dataset.manage for its providing party."""
    agreement = dataset.agreement
    party = _provider_party(agreement, dataset.provider_id)
    if party is None:
        return False
    return may_for_party(
        "dataset.manage",
        roles=roles_by_organisation(user=user).get(dataset.provider_id, frozenset()),
        party_role=party.role,
        is_lead=dataset.provider_id == agreement.initiative.lead_id,
    )


def agreed_items(agreement: Agreement) -> tuple[str, ...]:
    """The data items of the version in force, in the order the agreement lists them."""
    return data_items(agreement.current_version().content)


def shared_columns(dataset: Dataset) -> list[str]:
    """The names of the columns mapped to a data item: all that can ever leave."""
    return [c.name for c in dataset.columns.all() if c.data_item]


def _clean_name(agreement: Agreement, name: str, errors: dict[str, str]) -> str:
    name = " ".join(name.split())
    if not name:
        errors["name"] = "Enter a name for the dataset"
    elif len(name) > NAME_MAX_LENGTH:
        errors["name"] = f"The name must be {NAME_MAX_LENGTH} characters or fewer"
    elif Dataset.objects.filter(agreement=agreement, name__iexact=name).exists():
        errors["name"] = _name_taken(name)
    return name


def _name_taken(name: str) -> str:
    return f"This agreement already has a dataset called “{name}”: choose another name"


# --- Reading a file ---------------------------------------------------------------------------


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}" if count == 1 else f"{count:,} {word}s"


def _header_names(cells: Sequence[str | None], filename: str) -> list[str]:
    """The column names from the first row, or _Refused saying which one is wrong."""
    names = [(cell or "").strip() for cell in cells]
    if not any(names):
        raise _Refused(f"{filename} has no header row: its first row must name the columns")
    if len(names) > MAX_COLUMNS:
        raise _Refused(
            f"{filename} has {len(names):,} columns; Accord accepts up to {MAX_COLUMNS:,}"
        )
    seen: dict[str, str] = {}
    for position, name in enumerate(names, start=1):
        if not name:
            raise _Refused(
                f"Column {position} has no name: give every column a name in the first row"
            )
        if len(name) > COLUMN_NAME_MAX_LENGTH:
            raise _Refused(
                f"Column {position} has a name longer than {COLUMN_NAME_MAX_LENGTH} characters"
            )
        if name.casefold() in seen:
            raise _Refused(f"Two columns are called '{seen[name.casefold()]}'")
        seen[name.casefold()] = name
    return names


class _CsvFile:
    """A CSV file read as UTF-8 text, line by line, however large it is."""

    def __init__(self, upload: UploadedFile[bytes], filename: str) -> None:
        self.upload = upload
        self.filename = filename

    def _lines(self) -> Iterator[str]:
        self.upload.seek(0)
        number = 0
        while True:
            raw = self.upload.readline(MAX_LINE_BYTES + 1)
            if not raw:
                return
            number += 1
            if len(raw) > MAX_LINE_BYTES:
                raise _Refused(
                    f"Line {number} is longer than {size_text(MAX_LINE_BYTES)}: save the file "
                    "as CSV UTF-8"
                )
            if number == 1:
                raw = raw.removeprefix(_BOM)
            if b"\x00" in raw:
                raise _Refused(
                    f"Line {number} is not text (it holds a NUL character): save the file as "
                    "CSV UTF-8"
                )
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError:
                raise _Refused(
                    f"Line {number} is not UTF-8 text: save the file as CSV UTF-8"
                ) from None

    def records(self) -> Iterator[tuple[int, list[str | None]]]:
        """(row number, values) for every row, the header being row 1."""
        lines = self._lines()
        first = next(lines, None)
        if first is None:
            return
        # The separator the header uses most: a comma, a semicolon or a tab (a comma if none).
        delimiter = max(_DELIMITERS, key=first.count)
        reader = csv.reader(chain([first], lines), delimiter=delimiter, strict=True)
        number = 0
        while True:
            try:
                record = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                # Python's own advice about opening files means nothing to the person.
                detail = str(error).split(" - ")[0]
                raise _Refused(
                    f"Line {reader.line_num} cannot be read as CSV ({detail}): check its "
                    "quotation marks and line breaks, or save the file as CSV UTF-8 again"
                ) from None
            number += 1
            yield number, [value if value != "" else None for value in record]

    def headers(self) -> list[str]:
        first = next(self.records(), None)
        return _header_names(first[1] if first else [], self.filename)

    def rows(self, width: int) -> Iterator[list[str | None]]:
        """Every data row with a value in it, checked to be as wide as the header."""
        records = self.records()
        next(records, None)
        for number, values in records:
            if not any(v is not None for v in values):
                continue  # a blank line
            if len(values) != width:
                raise _Refused(
                    f"Row {number:,} has {_plural(len(values), 'value')}; the header has {width}"
                )
            yield values


def _cell_text(value: object) -> str | None:
    """A cell as the text a CSV export would hold: dates in ISO 8601, 12 rather than 12.0."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        # Excel stores dates as date-times; one at midnight is a date.
        if value.time() == dt.time() and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    text = str(value)
    return text if text != "" else None


class _XlsxFile:
    """The first sheet of an Excel workbook, read row by row (openpyxl's read-only mode)."""

    def __init__(self, data: bytes, filename: str) -> None:
        self.data = data
        self.filename = filename

    def records(self) -> Iterator[tuple[int, list[str | None]]]:
        try:
            workbook = openpyxl.load_workbook(io.BytesIO(self.data), read_only=True, data_only=True)
        except Exception:  # openpyxl raises many kinds of error for a damaged workbook
            raise _Refused(f"{self.filename} is damaged: Accord cannot open it") from None
        try:
            if not workbook.worksheets:
                raise _Refused(f"{self.filename} has no worksheet")
            rows = workbook.worksheets[0].iter_rows(values_only=True)
            number = 0
            while True:
                try:
                    row = next(rows)
                except StopIteration:
                    return
                except Exception:
                    raise _Refused(
                        f"Row {number + 1:,} of {self.filename} is damaged: Accord cannot read it"
                    ) from None
                number += 1
                yield number, [_cell_text(cell) for cell in row]
        finally:
            workbook.close()

    def headers(self) -> list[str]:
        first = next(self.records(), None)
        cells = list(first[1]) if first else []
        while cells and cells[-1] is None:
            cells.pop()  # formatting often reaches past the last named column
        return _header_names(cells, self.filename)

    def rows(self, width: int) -> Iterator[list[str | None]]:
        records = self.records()
        next(records, None)
        for number, values in records:
            last = max((i for i, v in enumerate(values, start=1) if v is not None), default=0)
            if last == 0:
                continue  # an empty row
            if last > width:
                raise _Refused(
                    f"Row {number:,} has a value in column {get_column_letter(last)}, beyond the "
                    f"last named column ({get_column_letter(width)})"
                )
            yield values[:width] + [None] * (width - len(values))


def _open_table(upload: UploadedFile[bytes], max_bytes: int) -> _CsvFile | _XlsxFile:
    """The upload as a CSV or Excel table, judged by its content; _Refused if it is neither."""
    filename = safe_filename(upload.name or "dataset")
    try:
        refuse_if_too_big(upload.size or 0, filename, max_bytes)
    except FileRefused as refused:
        raise _Refused(refused.message) from None
    upload.seek(0)
    head = upload.read(8)
    if not head:
        raise _Refused(f"{filename} is empty")
    if head.startswith(b"PK\x03\x04"):
        if (upload.size or 0) > MAX_ZIP_UNCOMPRESSED:
            raise _Refused(
                f"{filename} is an Excel workbook larger than {size_text(MAX_ZIP_UNCOMPRESSED)}: "
                "save it as CSV UTF-8 and upload that instead"
            )
        upload.seek(0)
        data = upload.read(max_bytes + 1)
        # The content decides: check it as the workbook it claims to be, whatever its name.
        stem = filename.rpartition(".")[0] or filename
        as_workbook = f"{stem}.xlsx"
        try:
            checked = check_upload(data, as_workbook, max_bytes)
        except FileRefused as refused:
            raise _Refused(refused.message.replace(as_workbook, filename)) from None
        if checked.type.code != "xlsx":  # pragma: no cover - check_upload refuses any other
            raise _Refused(f"{filename} is not an Excel workbook (.xlsx)")
        return _XlsxFile(data, filename)
    upload.seek(0)
    description = next(
        (d for signature, d in _NOT_A_TABLE if head.startswith(signature)), None
    ) or markup(upload.read(512))
    if description is not None:
        raise _Refused(
            f"{filename} is {description}, not a CSV or Excel (.xlsx) file: save it as CSV "
            "UTF-8 or as an Excel Workbook (.xlsx)"
        )
    return _CsvFile(upload, filename)


def _sha256(upload: UploadedFile[bytes]) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class _Checked:
    table: _CsvFile | _XlsxFile
    headers: list[str]
    rows: int


def _check_file(upload: UploadedFile[bytes]) -> _Checked:
    """Read the whole file once, checking every row, storing nothing."""
    table = _open_table(upload, settings.ACCORD_DATASET_MAX_BYTES)
    headers = table.headers()
    rows = sum(1 for _ in table.rows(len(headers)))
    return _Checked(table, headers, rows)


# --- Registering ------------------------------------------------------------------------------


def dataset_upload(
    *, actor: User, agreement: Agreement, name: str, upload: UploadedFile[bytes]
) -> Dataset:
    """Load a CSV or Excel file as a dataset of the actor's providing party.

    PermissionDenied unless the actor may manage datasets for a disclosing party;
    ExchangeRefused unless the agreement is signed, live or suspended; ValidationError keyed
    "name" or "file" saying what is wrong (and for a file, where).
    """
    party = acting_party(user=actor, agreement=agreement, action="dataset.manage")
    _require_open(agreement)
    errors: dict[str, str] = {}
    name = _clean_name(agreement, name, errors)
    checked: _Checked | None = None
    try:
        checked = _check_file(upload)
    except _Refused as refused:
        errors["file"] = refused.message
    if errors or checked is None:
        raise ValidationError(errors)
    table = checked.table
    sha256 = _sha256(upload)
    try:
        with transaction.atomic():
            _still_open(agreement)
            dataset = Dataset.objects.create(
                agreement=agreement,
                provider=party.organisation,
                name=name,
                source=Dataset.UPLOAD,
                original_filename=table.filename,
                created_by=actor,
            )
            store.create_store(dataset, checked.headers)
            store.insert_rows(dataset, table.rows(len(checked.headers)))
            audit_record(
                actor=actor,
                verb="dataset.registered",
                target=dataset,
                organisation=party.organisation,
                initiative=agreement.initiative,
                summary=f"Dataset {name} registered under {agreement.reference}: "
                f"{_plural(dataset.row_count, 'row')} from {table.filename}",
                data={
                    "agreement": agreement.reference,
                    "name": name,
                    "source": Dataset.UPLOAD,
                    "filename": table.filename,
                    "format": "xlsx" if isinstance(table, _XlsxFile) else "csv",
                    "sha256": sha256,
                    "rows": dataset.row_count,
                    "columns": checked.headers,
                },
            )
    except _Refused as refused:  # the file changed between the two readings
        raise ValidationError({"file": refused.message}) from None
    except IntegrityError:  # the same name registered a moment ago
        raise ValidationError({"name": _name_taken(name)}) from None
    return dataset


def source_tables(source_name: str) -> list[str]:
    """The tables and views a source offers ("schema.table"); SourceUnavailable if unreachable."""
    return sources.tables(source_name)


def dataset_from_source(
    *, actor: User, agreement: Agreement, name: str, source_name: str, table: str
) -> Dataset:
    """Register a table or view of a configured PostgreSQL source, to be read in place.

    The source must be one settings.ACCORD_DATA_SOURCES offers to the actor's providing party,
    and the table one it lists. ValidationError keyed "name", "source_name" or "table".
    """
    party = acting_party(user=actor, agreement=agreement, action="dataset.manage")
    _require_open(agreement)
    errors: dict[str, str] = {}
    name = _clean_name(agreement, name, errors)
    names: list[str] = []
    rows = 0
    if source_name not in sources.offered_to(party.organisation):
        errors["source_name"] = (
            f"Choose a data source offered to {party.organisation.name}: there is none called "
            f"“{source_name}”"
        )
    else:
        try:
            if table not in sources.tables(source_name):
                errors["table"] = (
                    f"The data source “{source_name}” has no table or view called “{table}” "
                    "that Accord may read"
                )
            else:
                names = sources.columns(source_name, table)
                if not names:
                    errors["table"] = f"“{table}” has no columns"
                else:
                    rows = sources.count(source_name, table)
        except sources.SourceUnavailable as unavailable:
            errors["table"] = unavailable.message
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            _still_open(agreement)
            dataset = Dataset.objects.create(
                agreement=agreement,
                provider=party.organisation,
                name=name,
                source=Dataset.POSTGRESQL,
                source_name=source_name,
                source_table=table,
                # Pages are read in key order: the first column until the provider chooses.
                key_column=names[0],
                row_count=rows,
                created_by=actor,
            )
            DatasetColumn.objects.bulk_create(
                DatasetColumn(dataset=dataset, position=i, name=column, sql_name=column)
                for i, column in enumerate(names, start=1)
            )
            audit_record(
                actor=actor,
                verb="dataset.registered",
                target=dataset,
                organisation=party.organisation,
                initiative=agreement.initiative,
                summary=f"Dataset {name} registered under {agreement.reference}: {table} in "
                f"the data source {source_name}, {_plural(rows, 'row')}",
                data={
                    "agreement": agreement.reference,
                    "name": name,
                    "source": Dataset.POSTGRESQL,
                    "source_name": source_name,
                    "table": table,
                    "rows": rows,
                    "columns": names,
                },
            )
    except IntegrityError:
        raise ValidationError({"name": _name_taken(name)}) from None
    return dataset


# --- Mapping columns to data items -------------------------------------------------------------


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.casefold())


def _same(column: str, item: str) -> bool:
    """The same words, or the same letters run together, or the item's initials (DOB, UPN)."""
    words, item_words = _words(column), _words(item)
    joined = "".join(words)
    return bool(words) and (
        words == item_words
        or joined == "".join(item_words)
        or (len(item_words) > 1 and joined == "".join(w[0] for w in item_words))
    )


def suggested_mapping(columns: Sequence[str], items: Sequence[str]) -> dict[str, str]:
    """column -> the data item its name matches, or "" (not shared). Deterministic."""
    return {column: next((i for i in items if _same(column, i)), "") for column in columns}


def suggested_key(columns: Sequence[str], mapping: Mapping[str, str]) -> str:
    """The first column whose name, or the item it maps to, sounds like an identifier."""
    for column in columns:
        words = set(_words(column)) | set(_words(mapping.get(column, "")))
        if words & _KEY_WORDS:
            return column
    return ""


def columns_map(
    *, actor: User, dataset: Dataset, items: Mapping[str, str], key_column: str
) -> Dataset:
    """Map each column to one of the agreement's data items, or "" for never shared.

    Columns not in `items` become unmapped. ValidationError keyed by the column's name for a
    data item the agreement does not list, "key_column" for the key, and NON_FIELD_ERRORS for a
    column the dataset does not have.
    """
    if not may_manage(user=actor, dataset=dataset):
        raise PermissionDenied(
            f"Only an IG officer or administrator of {dataset.provider.name} can map the "
            "columns of its datasets"
        )
    agreement = dataset.agreement
    _require_open(agreement)
    allowed = agreed_items(agreement)
    columns = list(dataset.columns.all())
    names = [c.name for c in columns]
    errors: dict[str, list[str]] = {}
    for column in items:
        if column not in names:
            errors.setdefault(NON_FIELD_ERRORS, []).append(
                f"{dataset.name} has no column called '{column}'"
            )
    item_max = DatasetColumn._meta.get_field("data_item").max_length or 0
    for column, item in items.items():
        if item and item not in allowed and column in names:
            errors[column] = [
                f"'{item}' is not a data item of this agreement: choose one of its data items, "
                "or Not shared"
            ]
        elif len(item) > item_max and column in names:
            errors[column] = [
                f"This data item's name is longer than {item_max} characters, so a column "
                "cannot be mapped to it: vary the agreement to shorten it"
            ]
    key_max = Dataset._meta.get_field("key_column").max_length or 0
    if not key_column:
        errors["key_column"] = ["Choose the column that identifies each person"]
    elif key_column not in names:
        errors["key_column"] = [f"{dataset.name} has no column called '{key_column}'"]
    elif len(key_column) > key_max:
        errors["key_column"] = [
            f"The key column's name must be {key_max} characters or fewer: shorten it in the "
            "file and upload the file again"
        ]
    if errors:
        raise ValidationError(errors)
    mapping = {c.name: items.get(c.name, "") for c in columns}
    with transaction.atomic():
        # The agreement's lock, which every disclosure holds: a mapping changes between pages,
        # never during one.
        Agreement.objects.select_for_update().get(pk=agreement.pk)
        _still_open(agreement)
        locked = Dataset.objects.select_for_update().get(pk=dataset.pk)
        columns = list(locked.columns.all())
        before = {c.name: c.data_item for c in columns}
        changed = []
        for stored in columns:
            if stored.data_item != mapping[stored.name]:
                stored.data_item = mapping[stored.name]
                changed.append(stored)
        DatasetColumn.objects.bulk_update(changed, ["data_item"])
        key_before = locked.key_column
        locked.key_column = key_column
        locked.save(update_fields=["key_column"])
        if key_column != key_before:
            store.index_key(locked)
        shared = [name for name, item in mapping.items() if item]
        audit_record(
            actor=actor,
            verb="dataset.mapped",
            target=locked,
            organisation=locked.provider,
            initiative=agreement.initiative,
            summary=f"Columns of {locked.name} mapped under {agreement.reference}: "
            f"{len(shared)} of {_plural(len(columns), 'column')} shared, key {key_column}",
            data={
                "agreement": agreement.reference,
                "dataset": locked.name,
                "items": mapping,
                "shared": shared,
                "key_column": key_column,
                "before": {"items": before, "key_column": key_before},
            },
        )
    return locked
