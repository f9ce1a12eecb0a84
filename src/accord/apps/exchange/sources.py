"""PostgreSQL tables and views a provider registers, read in place through a read-only connection.

A source is only ever one the operator named in settings.ACCORD_DATA_SOURCES:

    {"finance": {"url": "postgres://reader:…@db.example/finance",
                 "organisations": ["Brookfield Primary School"]}}

never a connection string typed into a form, so no secret is stored in Accord's database and
no one can make Accord connect to a host of their choosing. Each source says which
organisations (by name) may register its tables and views.

Every connection is read-only twice over (`default_transaction_read_only` for the session and
a READ ONLY transaction from psycopg), with a connect timeout and a statement timeout, so a slow
source cannot hold a disclosure open. Names of schemas, tables and columns only ever reach SQL
as quoted identifiers (psycopg.sql.Identifier); values are parameters.

Anything that goes wrong with a source becomes SourceUnavailable, whose message can be shown to
people; the detail (which may name hosts) goes to the log only.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Final, cast

import psycopg
from django.conf import settings
from psycopg import sql
from psycopg.rows import TupleRow

from accord.apps.exchange.models import Dataset

if TYPE_CHECKING:
    from accord.apps.organisations.models import Organisation

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT_SECONDS: Final = 5
STATEMENT_TIMEOUT_MS: Final = 30_000
_HIDDEN_SCHEMAS: Final = ("pg_catalog", "information_schema")


class SourceUnavailable(Exception):
    """A data source cannot be used just now; `message` says so in words for people."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def configured() -> dict[str, dict[str, object]]:
    sources: dict[str, dict[str, object]] = getattr(settings, "ACCORD_DATA_SOURCES", {}) or {}
    return sources


def offered_to(organisation: Organisation) -> list[str]:
    """The names of the sources this organisation may register tables and views from."""
    return sorted(
        name
        for name, source in configured().items()
        if organisation.name in _organisations(source) and source.get("url")
    )


def _organisations(source: dict[str, object]) -> list[str]:
    names = source.get("organisations") or []
    return [str(n) for n in names] if isinstance(names, list) else []


@contextmanager
def connect(source_name: str) -> Iterator[psycopg.Connection[TupleRow]]:
    """A read-only connection to a configured source; SourceUnavailable if it cannot be had."""
    source = configured().get(source_name)
    if not source or not source.get("url"):
        raise SourceUnavailable(f"There is no data source called “{source_name}”.")
    try:
        conn = psycopg.connect(
            str(source["url"]),
            connect_timeout=CONNECT_TIMEOUT_SECONDS,
            options=(
                f"-c default_transaction_read_only=on -c statement_timeout={STATEMENT_TIMEOUT_MS}"
            ),
            application_name="accord-exchange",
        )
    except psycopg.Error as error:
        logger.warning("data source %s cannot be reached: %s", source_name, error)
        raise SourceUnavailable(
            f"Accord cannot reach the data source “{source_name}” just now. Try again later, or "
            "ask whoever runs Accord to check it."
        ) from None
    try:
        conn.read_only = True
        yield conn
    finally:
        conn.close()


def _failed(source_name: str, error: psycopg.Error, what: str) -> SourceUnavailable:
    logger.warning("data source %s failed while %s: %s", source_name, what, error)
    if isinstance(error, psycopg.errors.QueryCanceled):
        return SourceUnavailable(
            f"The data source “{source_name}” took too long to answer while {what}. Try again "
            "later."
        )
    if isinstance(error, psycopg.errors.UndefinedTable | psycopg.errors.UndefinedColumn):
        return SourceUnavailable(
            f"The table or view is no longer in the data source “{source_name}” as it was "
            f"registered (while {what}). Ask its provider to register it again."
        )
    if isinstance(error, psycopg.errors.InsufficientPrivilege):
        return SourceUnavailable(
            f"Accord is not allowed to read this from the data source “{source_name}” (while "
            f"{what}). Ask whoever runs the source to grant it read access."
        )
    return SourceUnavailable(
        f"The data source “{source_name}” could not be read while {what}. Try again later, or "
        "ask whoever runs Accord to check it."
    )


def split_table(table: str) -> tuple[str, str]:
    """ "schema.table" as its two names (schemas with a dot in their name are never listed)."""
    schema, _, name = table.partition(".")
    return schema, name


def tables(source_name: str) -> list[str]:
    """The tables and views the source offers, as "schema.table", in order."""
    query = sql.SQL(
        "SELECT table_schema, table_name FROM information_schema.tables "
        "WHERE table_type IN ('BASE TABLE', 'VIEW') AND table_schema <> ALL(%s) "
        "AND table_schema NOT LIKE 'pg\\_%%' ORDER BY table_schema, table_name"
    )
    with connect(source_name) as conn:
        try:
            rows = conn.execute(query, [list(_HIDDEN_SCHEMAS)]).fetchall()
        except psycopg.Error as error:
            raise _failed(source_name, error, "listing its tables") from None
    return [f"{schema}.{name}" for schema, name in rows if "." not in str(schema)]


def columns(source_name: str, table: str) -> list[str]:
    """The columns of one table or view, in their order; empty if it is not there."""
    schema, name = split_table(table)
    with connect(source_name) as conn:
        try:
            rows = conn.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
                [schema, name],
            ).fetchall()
        except psycopg.Error as error:
            raise _failed(source_name, error, "reading its columns") from None
    return [str(row[0]) for row in rows]


def count(source_name: str, table: str) -> int:
    schema, name = split_table(table)
    query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(schema, name))
    with connect(source_name) as conn:
        try:
            row = conn.execute(query).fetchone()
        except psycopg.Error as error:
            raise _failed(source_name, error, "counting its rows") from None
    return cast(int, row[0]) if row else 0


def page_query(table: str, selected: Sequence[str], order: Sequence[str]) -> sql.Composed:
    """SELECT the named columns as text, in a stable order, one page at a time."""
    schema, name = split_table(table)
    return sql.SQL("SELECT {columns} FROM {table} ORDER BY {order} OFFSET %s LIMIT %s").format(
        columns=sql.SQL(", ").join(
            sql.SQL("{}::text").format(sql.Identifier(column)) for column in selected
        ),
        table=sql.Identifier(schema, name),
        # The key column first, as it is (an index can serve it); then every other column as
        # text, so rows with the same key still come in the same order on every page.
        order=sql.SQL(", ").join(
            [
                sql.Identifier(order[0]),
                *(sql.SQL("{}::text").format(sql.Identifier(column)) for column in order[1:]),
            ]
        ),
    )


def read_page(
    dataset: Dataset, names: Sequence[str], *, offset: int, limit: int
) -> list[tuple[object, ...]]:
    """Rows offset+1 .. offset+limit of only the named columns (text or None), in key order."""
    all_columns = list(dataset.columns.all())
    by_name = {c.name: c.sql_name for c in all_columns}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise KeyError(f"no such column: {', '.join(unknown)}")
    if not all_columns:
        return []
    selected = [by_name[n] for n in names]
    key = by_name.get(dataset.key_column) or all_columns[0].sql_name
    order = [key, *dict.fromkeys(c for c in selected if c != key)]
    query = page_query(dataset.source_table, selected, order)
    with connect(dataset.source_name) as conn:
        try:
            rows = conn.execute(query, [offset, limit]).fetchall()
        except psycopg.Error as error:
            raise _failed(dataset.source_name, error, f"reading {dataset.name}") from None
    return [tuple(row) for row in rows]
