"""Where a dataset's rows live, and the one place that reads them.

A file the provider uploads is loaded into a table of its own in Accord's database,
`accord_ds_<dataset id>`, with a dense row number `_row` (1..N, so a stream can resume after any
row) and one text column per file column (`c1`, `c2`…, so no header can inject SQL). Beside
each, `j1`, `j2`… hold the same value already written as a JSON literal, made once at loading,
so that an NDJSON page is plain concatenation in SQL: twice the space, more than twice as fast.

Reads select only the columns asked for, in SQL, and serialise them straight to NDJSON or CSV:
the exchange never holds an unpermitted field in memory.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Final

import orjson
from django.db import connection

from accord.apps.exchange.models import Dataset, DatasetColumn

FORMATS: Final = ("ndjson", "csv")
_INSERT_BATCH: Final = 5000


def store_table_name(dataset: Dataset) -> str:
    return f"accord_ds_{int(dataset.pk)}"


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def create_store(dataset: Dataset, headers: Sequence[str]) -> list[DatasetColumn]:
    """Create the dataset's table and its column rows (unmapped). Runs in the caller's transaction."""
    table = store_table_name(dataset)
    columns = [
        DatasetColumn(dataset=dataset, position=i, name=header, sql_name=f"c{i}")
        for i, header in enumerate(headers, start=1)
    ]
    definitions = ", ".join(
        f"{_quote(c.sql_name)} text, {_quote(_json_name(c.sql_name))} text NOT NULL"
        for c in columns
    )
    with connection.cursor() as cursor:
        # Dataset ids are never reused, so a table by this name can only be left over from a
        # flushed test database: nothing owns it.
        cursor.execute(f"DROP TABLE IF EXISTS {_quote(table)}")
        cursor.execute(f"CREATE TABLE {_quote(table)} (_row bigint PRIMARY KEY, {definitions})")
    DatasetColumn.objects.bulk_create(columns)
    dataset.store_table = table
    dataset.save(update_fields=["store_table"])
    return columns


def _json_name(sql_name: str) -> str:
    return "j" + sql_name[1:]  # c3 -> j3


def _as_json(value: str | None) -> str:
    return orjson.dumps(value).decode()


def insert_rows(dataset: Dataset, rows: Iterable[Sequence[str | None]]) -> int:
    """Append rows (each as many values as columns) and return how many were stored."""
    table = _quote(dataset.store_table)
    width = dataset.columns.count()
    names = ", ".join(
        ["_row", *(f"c{i}" for i in range(1, width + 1)), *(f"j{i}" for i in range(1, width + 1))]
    )
    start = dataset.row_count
    count = 0
    if connection.vendor == "postgresql":
        # COPY is the fast path: a million rows in seconds rather than minutes.
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
        ):
            for count, row in enumerate(rows, start=1):
                copy.write_row((start + count, *row, *map(_as_json, row)))
    else:
        marks = ", ".join(["%s"] * (2 * width + 1))
        # The table and column names are generated and quoted; values are parameters.
        sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608  # nosec B608  # quoted names
        batch: list[tuple[str | int | None, ...]] = []
        with connection.cursor() as cursor:
            for count, row in enumerate(rows, start=1):
                batch.append((start + count, *row, *map(_as_json, row)))
                if len(batch) >= _INSERT_BATCH:
                    cursor.executemany(sql, batch)
                    batch.clear()
            if batch:
                cursor.executemany(sql, batch)
    dataset.row_count = start + count
    dataset.save(update_fields=["row_count"])
    return count


def drop_store(dataset: Dataset) -> None:
    if dataset.store_table:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {_quote(dataset.store_table)}")


def _sql_names(dataset: Dataset, names: Sequence[str]) -> list[str]:
    by_name = {c.name: c.sql_name for c in dataset.columns.all()}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise KeyError(f"no such column: {', '.join(unknown)}")
    return [by_name[n] for n in names]


def _rows(
    dataset: Dataset, names: Sequence[str], offset: int, limit: int
) -> list[tuple[object, ...]]:
    if dataset.source != Dataset.UPLOAD:
        from accord.apps.exchange import sources

        rows: list[tuple[object, ...]] = sources.read_page(
            dataset, names, offset=offset, limit=limit
        )
        return rows
    selected = ", ".join(_quote(s) for s in _sql_names(dataset, names))
    with connection.cursor() as cursor:
        # Names are generated (accord_ds_<id>, c<n>) and quoted; only the numbers are values.
        cursor.execute(
            f"SELECT {selected} FROM {_quote(dataset.store_table)} "  # noqa: S608  # nosec B608  # quoted names
            "WHERE _row > %s ORDER BY _row LIMIT %s",
            [offset, limit],
        )
        return list(cursor.fetchall())


def serialise(
    names: Sequence[str], rows: Sequence[Sequence[object]], fmt: str, *, header: bool
) -> bytes:
    if fmt == "ndjson":
        return b"".join(orjson.dumps(dict(zip(names, row, strict=True))) + b"\n" for row in rows)
    if fmt == "csv":
        out = io.StringIO()
        # Lines end in LF, as PostgreSQL's COPY writes them, so both databases send the same.
        writer = csv.writer(out, lineterminator="\n")
        if header:
            writer.writerow(names)
        writer.writerows(rows)
        return out.getvalue().encode()
    raise ValueError(f"unknown format {fmt!r}")


def page(
    dataset: Dataset,
    names: Sequence[str],
    *,
    offset: int,
    limit: int,
    fmt: str,
    header: bool = False,
) -> tuple[bytes, int]:
    """Rows offset+1 .. offset+limit of only the named columns, serialised; and how many."""
    if limit <= 0:
        return (serialise(names, [], fmt, header=True) if header else b""), 0
    if dataset.source == Dataset.UPLOAD and connection.vendor == "postgresql":
        if fmt == "ndjson":
            return _ndjson_in_sql(dataset, names, offset=offset, limit=limit)
        # COPY names the CSV header's columns, and PostgreSQL cuts names at 63 bytes.
        if fmt == "csv" and all(len(name.encode()) <= 63 for name in names):
            return _csv_by_copy(dataset, names, offset=offset, limit=limit, header=header)
    rows = _rows(dataset, names, offset, limit)
    return serialise(names, rows, fmt, header=header), len(rows)


def _projection(dataset: Dataset, names: Sequence[str]) -> Any:
    from psycopg import sql

    return sql.SQL(", ").join(
        sql.SQL("s.{} AS {}").format(sql.Identifier(sql_name), sql.Identifier(name))
        for sql_name, name in zip(_sql_names(dataset, names), names, strict=True)
    )


def _csv_by_copy(
    dataset: Dataset, names: Sequence[str], *, offset: int, limit: int, header: bool
) -> tuple[bytes, int]:
    """The page as CSV written by PostgreSQL's COPY: as fast as reading the rows at all."""
    from psycopg import sql

    query = sql.SQL(
        "COPY (SELECT {} FROM {} s WHERE s._row > {} ORDER BY s._row LIMIT {}) "
        "TO STDOUT WITH (FORMAT csv, HEADER {})"
    ).format(
        _projection(dataset, names),
        sql.Identifier(dataset.store_table),
        sql.Literal(offset),
        sql.Literal(limit),
        sql.SQL("true" if header else "false"),
    )
    with connection.cursor() as cursor, cursor.cursor.copy(query) as copy:
        payload = b"".join(bytes(block) for block in copy)
    # Rows are numbered 1..N without gaps, so the page holds exactly this many records.
    return payload, max(0, min(limit, dataset.row_count - offset))


def _ndjson_in_sql(
    dataset: Dataset, names: Sequence[str], *, offset: int, limit: int
) -> tuple[bytes, int]:
    """The page as NDJSON written by the database: each line is the stored JSON literals of the
    fields asked for, joined with their names, several times faster than serialising in Python.
    """
    from psycopg import sql

    pieces: list[Any] = []
    for index, (name, sql_name) in enumerate(zip(names, _sql_names(dataset, names), strict=True)):
        key = ("{" if index == 0 else ",") + orjson.dumps(name).decode() + ":"
        pieces += [sql.Literal(key), sql.SQL("s.{}").format(sql.Identifier(_json_name(sql_name)))]
    pieces.append(sql.Literal("}"))
    query = sql.SQL("SELECT {} FROM {} s WHERE s._row > {} ORDER BY s._row LIMIT {}").format(
        sql.SQL(" || ").join(pieces),
        sql.Identifier(dataset.store_table),
        sql.Literal(offset),
        sql.Literal(limit),
    )
    with connection.cursor() as cursor:
        # Composed with literals and run without parameters, so a "%" in a column's name
        # (say "Attendance %") is never taken for a placeholder.
        cursor.execute(query.as_string(cursor.cursor.connection))
        lines = [line for (line,) in cursor.fetchall()]
    if not lines:
        return b"", 0
    return ("\n".join(lines) + "\n").encode(), len(lines)


def find(dataset: Dataset, names: Sequence[str], identifier: str) -> dict[str, object] | None:
    """The named columns of the first row whose key column equals `identifier` (spaces and case
    ignored), or None.

    For a loaded file the database compares the key without spaces and in lower case, which is
    exact for the identifiers people are looked up by (pupil and NHS numbers, references): for
    letters beyond ASCII, SQLite's LOWER() leaves the case as it is.
    """
    from accord.core.exchange.pseudonyms import normalise

    if not dataset.key_column:
        return None
    wanted = normalise(identifier)
    if dataset.source == Dataset.UPLOAD:
        # The database narrows the search (through the index `index_key` made), so a look-up
        # reads a row or two, not the whole dataset, while it holds the agreement's lock.
        candidates = _rows_where_key(dataset, [dataset.key_column, *names], wanted)
        for row in candidates:
            if row[0] is not None and normalise(str(row[0])) == wanted:
                return dict(zip(names, row[1:], strict=True))
        return None
    for rows in _chunks(dataset, [dataset.key_column, *names]):
        for row in rows:
            if row[0] is not None and normalise(str(row[0])) == wanted:
                return dict(zip(names, row[1:], strict=True))
    return None


def _key_expression(dataset: Dataset) -> str:
    (key,) = _sql_names(dataset, [dataset.key_column])
    return f"LOWER(REPLACE({_quote(key)}, ' ', ''))"


def index_key(dataset: Dataset) -> None:
    """Index a loaded dataset's key column as look-ups compare it (spaces and case ignored)."""
    if dataset.source != Dataset.UPLOAD or not dataset.key_column:
        return
    name = _quote(f"{dataset.store_table}_key")
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX IF EXISTS {name}")
        cursor.execute(
            f"CREATE INDEX {name} ON {_quote(dataset.store_table)} ({_key_expression(dataset)})"
        )


def _rows_where_key(
    dataset: Dataset, names: Sequence[str], wanted: str
) -> list[tuple[object, ...]]:
    selected = ", ".join(_quote(s) for s in _sql_names(dataset, names))
    with connection.cursor() as cursor:
        # Names are generated (accord_ds_<id>, c<n>) and quoted; the identifier is a value.
        cursor.execute(
            f"SELECT {selected} FROM {_quote(dataset.store_table)} "  # noqa: S608  # nosec B608  # quoted names
            f"WHERE {_key_expression(dataset)} = %s ORDER BY _row LIMIT 10",
            [wanted],
        )
        return list(cursor.fetchall())


def identifiers(dataset: Dataset) -> Iterator[str]:
    """Every value of the key column, for the match service."""
    if not dataset.key_column:
        return
    for rows in _chunks(dataset, [dataset.key_column]):
        for row in rows:
            if row[0] is not None:
                yield str(row[0])


def _chunks(
    dataset: Dataset, names: Sequence[str], size: int = 10_000
) -> Iterator[list[tuple[object, ...]]]:
    offset = 0
    while True:
        rows = _rows(dataset, names, offset, size)
        if not rows:
            return
        yield rows
        offset += len(rows)
