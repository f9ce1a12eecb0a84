"""The baseline's server: a bare WSGI app that streams `COPY <table> TO STDOUT` over HTTP.

No Django, no decision, no log, no JSON: PostgreSQL's own text format of the dataset's rows as
loaded (its row number and every column of the file, not the JSON copies Accord keeps beside
them), sent in 256 KB chunks by the same gunicorn (one sync worker) as the API. bench/exchange.py serves it beside Accord so the
two streams differ only in what Accord adds.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import psycopg

CHUNK = 256 * 1024


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
    with (
        psycopg.connect(os.environ["DATABASE_URL"]) as connection,
        connection.cursor() as cursor,
        cursor.copy(os.environ["ACCORD_BENCH_COPY"]) as copy,
    ):
        buffer: list[bytes] = []
        size = 0
        for block in copy:
            buffer.append(bytes(block))
            size += len(block)
            if size >= CHUNK:
                yield b"".join(buffer)
                buffer, size = [], 0
        if buffer:
            yield b"".join(buffer)
