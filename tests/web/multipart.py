"""Posting a file under exactly the name given, as an attacker's client can.

The test client, like a browser, sends only what follows the last "/" of a file's name. Here the
name goes in RFC 2231 form (filename*=UTF-8''...), which Django's parser reads, so any name at
all, with folders, quotes, new lines or NUL characters, arrives as written.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from django.test import Client


def multipart_body(
    fields: Mapping[str, str | Sequence[str]], files: Mapping[str, tuple[str, bytes]]
) -> tuple[bytes, str]:
    """The body and its Content-Type for these form fields and (file name, content) files."""
    boundary = f"accord-test-{uuid.uuid4().hex}"
    parts: list[bytes] = []
    for field, value in fields.items():
        for one in [value] if isinstance(value, str) else value:
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"\r\n\r\n'
                f"{one}\r\n".encode()
            )
    for field, (filename, content) in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
            f"filename*=UTF-8''{quote(filename, safe='')}\r\n"
            "Content-Type: application/octet-stream\r\n\r\n".encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def post_file(
    client: Client,
    url: str,
    fields: Mapping[str, Any],
    filename: str,
    content: bytes,
    file_field: str = "file",
) -> Any:
    """POST the form's fields and one file sent under `filename`, exactly."""
    values = {
        name: [str(v) for v in value] if isinstance(value, list | tuple) else str(value)
        for name, value in fields.items()
    }
    body, content_type = multipart_body(values, {file_field: (filename, content)})
    return client.generic("POST", url, body, content_type=content_type)
