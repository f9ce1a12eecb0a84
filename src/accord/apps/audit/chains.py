"""The two hash chains, described once so that writing, verifying and checkpointing agree.

A chain names its entry and head models, the columns its hash covers and two views of a row of
them: `fields`, the mapping whose canonical JSON is hashed (accord.core.audit, and what the
writer hashes), and `canonical`, the same JSON written out directly, which checks a million
entries in seconds. tests/web/test_audit_chains.py holds them equal for any values.

On PostgreSQL the check reads plain tuples through a server-side cursor of the same connection
(no model instances, no per-row converters); elsewhere through Django's values_list.

The audit chain lives here; the disclosure chain in accord.apps.exchange.chain, which this app
must not import at load time (the exchange depends on the audit log, not the reverse).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from json import loads
from typing import Any, Final

from django.db import connection, models

from accord.apps.audit.models import AuditEntry, ChainHead
from accord.core.audit import Link, canonical_string, canonical_value

Row = Sequence[Any]
BATCH: Final = 20_000
_ZERO: Final = dt.timedelta(0)
_cursors = itertools.count(1)  # server-side cursors need names unique in a transaction


@dataclass(frozen=True)
class Chain:
    name: str  # as in checkpoints: "audit" or "disclosure"
    label: str  # "audit log"
    entry_model: type[models.Model]
    head_model: type[models.Model]
    columns: tuple[str, ...]  # attribute names, "sequence" first
    fields: Callable[[Row], dict[str, Any]]  # a row of `columns` -> the hashed fields
    canonical: Callable[[Row], str]  # the same -> canonical_json(fields(row)), fast
    json_columns: frozenset[str] = frozenset()  # read as text on PostgreSQL, parsed here
    # Entries that do not count as growth: checkpointing records itself in the audit log.
    bookkeeping: dict[str, str] = field(default_factory=dict)

    def row_of(self, entry: models.Model) -> tuple[Any, ...]:
        return tuple(getattr(entry, name) for name in self.columns)

    def links(self, *, after: int = 0, upto: int | None = None) -> Iterator[Link]:
        """The same entries as (sequence, canonical JSON, previous hash, hash): for the check."""
        canonical = self.canonical
        for row in self.rows(after, upto, parse_json=_canonical_cache()):
            yield row[0], canonical(row), row[-2], row[-1]

    def rows(
        self, after: int = 0, upto: int | None = None, *, parse_json: Callable[[str], Any] = loads
    ) -> Iterator[Row]:
        """The rows of `columns` and the two hashes, in chain order, read in large chunks.

        On PostgreSQL JSON columns are read as text and given to `parse_json`.
        """
        if connection.vendor == "postgresql" and connection.in_atomic_block:
            yield from self._postgresql_rows(after, upto, parse_json)
            return
        rows: models.QuerySet[Any] = self.entry_model._default_manager.filter(sequence__gt=after)
        if upto is not None:
            rows = rows.filter(sequence__lte=upto)
        yield from (
            rows.order_by("sequence")
            .values_list(*self.columns, "previous_hash", "hash")
            .iterator(chunk_size=BATCH)
        )

    def _postgresql_rows(
        self, after: int, upto: int | None, parse: Callable[[str], Any]
    ) -> Iterator[Row]:
        """A server-side cursor in the caller's transaction, fetching BATCH rows at a time.

        Values come as Django would give them (timestamps aware, keys as integers), but JSON is
        read as text and parsed here: psycopg's loaders, with none of Django's per-row work.
        A thread fetches the next batch while this one is checked, so that PostgreSQL works on
        the other core meanwhile.
        """
        meta = self.entry_model._meta
        names = [*self.columns, "previous_hash", "hash"]
        quote = connection.ops.quote_name
        column = {f.attname: str(f.column) for f in meta.concrete_fields}
        select = ", ".join(
            quote(column[n]) + ("::text" if n in self.json_columns else "") for n in names
        )
        where = "sequence > %s" + ("" if upto is None else " AND sequence <= %s")
        params = [after] if upto is None else [after, upto]
        positions = [i for i, n in enumerate(names) if n in self.json_columns]
        connection.ensure_connection()
        raw = connection.connection
        assert raw is not None
        # Binary: timestamps and integers cross without being printed and parsed as text.
        with raw.cursor(name=f"accord_chain_{self.name}_{next(_cursors)}", binary=True) as cursor:
            cursor.itersize = BATCH
            cursor.execute(
                f"SELECT {select} FROM {quote(meta.db_table)} WHERE {where} ORDER BY sequence",  # noqa: S608  # nosec B608  # quoted names from the model
                params,
            )
            for batch in _read_ahead(cursor):
                if positions:
                    for row in batch:
                        values = list(row)
                        for i in positions:
                            values[i] = parse(values[i])
                        yield values
                else:
                    yield from batch

    def head(self) -> tuple[int, str] | None:
        """(sequence, hash) of the head row, or None before the first entry."""
        head: tuple[int, str] | None = (
            self.head_model._default_manager.filter(id=1).values_list("sequence", "hash").first()
        )
        return head

    def grew_after(self, size: int) -> bool:
        later = self.entry_model._default_manager.filter(sequence__gt=size)
        return later.exclude(**self.bookkeeping).exists() if self.bookkeeping else later.exists()


def _read_ahead(cursor: Any) -> Iterator[list[Any]]:
    """The cursor's batches, the next one fetched in a thread while the caller works on this.

    Only that thread uses the cursor until it has finished; if the caller stops early, it is
    told to stop and waited for before the cursor is closed.
    """
    batches: queue.Queue[list[Any] | BaseException | None] = queue.Queue(maxsize=2)
    stop = threading.Event()

    def fetch() -> None:
        try:
            while not stop.is_set() and (batch := cursor.fetchmany(BATCH)):
                batches.put(batch)
            batches.put(None)
        except BaseException as error:  # raised in the caller's thread
            batches.put(error)

    reader = threading.Thread(target=fetch, name="accord-chain-reader", daemon=True)
    reader.start()
    try:
        while (batch := batches.get()) is not None:
            if isinstance(batch, BaseException):
                raise batch
            yield batch
    finally:
        stop.set()
        while reader.is_alive():
            with contextlib.suppress(queue.Empty):
                batches.get(timeout=0.1)
        reader.join()


class CanonicalJSON(str):
    """A JSON value already written in canonical form, to go into an entry's text as it is."""

    __slots__ = ()


def json_text(value: Any) -> str:
    """A JSON value in canonical form (as it is if it already is)."""
    return value if type(value) is CanonicalJSON else canonical_value(value)


def _canonical_cache(limit: int = 10_000) -> Callable[[str], CanonicalJSON]:
    """JSON text from the database to canonical form, remembering the most common: many
    entries carry the same data ({}, the same fields changed), parsed and written once."""
    seen: dict[str, CanonicalJSON] = {}

    def canonical(text: str) -> CanonicalJSON:
        done = seen.get(text)
        if done is None:
            done = CanonicalJSON(canonical_value(loads(text)))
            if len(seen) < limit:
                seen[text] = done
        return done

    return canonical


def utc(at: dt.datetime) -> str:
    """The moment in UTC, ISO 8601 (read from PostgreSQL it is in UTC already: no conversion)."""
    return at.isoformat() if at.utcoffset() == _ZERO else at.astimezone(dt.UTC).isoformat()


def number(value: int | None) -> str:
    return "null" if value is None else str(value)


AUDIT_COLUMNS = (
    "sequence",
    "at",
    "actor_id",
    "actor_label",
    "organisation_id",
    "verb",
    "object_type",
    "object_id",
    "initiative_id",
    "summary",
    "data",
    "correlation_id",
)


def audit_fields(row: Row) -> dict[str, Any]:
    """What an audit entry's hash covers: everything but the hashes themselves."""
    return {
        "sequence": row[0],
        "at": utc(row[1]),
        "actor": row[2],
        "actor_label": row[3],
        "organisation": row[4],
        "verb": row[5],
        "object_type": row[6],
        "object_id": row[7],
        "initiative": row[8],
        "summary": row[9],
        "data": row[10],
        "correlation_id": row[11],
    }


def audit_canonical(row: Row) -> str:
    """canonical_json(audit_fields(row)), written out: the keys in sorted order."""
    before, after = audit_canonical_parts(row)
    return f"{before}{row[0]}{after}"


def audit_canonical_parts(row: Row) -> tuple[str, str]:
    """The canonical text before and after the sequence, which the writer learns last."""
    s = canonical_string
    return (
        f'{{"actor":{number(row[2])},"actor_label":{s(row[3])},"at":"{utc(row[1])}",'
        f'"correlation_id":{s(row[11])},"data":{json_text(row[10])},'
        f'"initiative":{number(row[8])},"object_id":{s(row[7])},"object_type":{s(row[6])},'
        f'"organisation":{number(row[4])},"sequence":',
        f',"summary":{s(row[9])},"verb":{s(row[5])}}}',
    )


CHECKPOINT_VERB = "audit.checkpoint-issued"

AUDIT = Chain(
    name="audit",
    label="audit log",
    entry_model=AuditEntry,
    head_model=ChainHead,
    columns=AUDIT_COLUMNS,
    fields=audit_fields,
    canonical=audit_canonical,
    json_columns=frozenset({"data"}),
    bookkeeping={"verb": CHECKPOINT_VERB},
)


def all_chains() -> tuple[Chain, ...]:
    """The audit log, then the disclosure log (imported here, when first needed)."""
    from accord.apps.exchange.chain import DISCLOSURE

    return (AUDIT, DISCLOSURE)
