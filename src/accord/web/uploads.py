"""Uploaded files: their names as sent, and the form field that refuses a hostile one.

Django's multipart parser quietly tidies an uploaded file's name: "../../etc/passwd.pdf" arrives
as "passwd.pdf", "invoice<U+202E>fdp.exe" as "invoicefdp.exe". Accord refuses such names
instead, saying what is wrong (core.filetypes.hostile_name_problem), because a person saving a
document never makes one: whoever sent it is probing. So SentNameMultiPartParser, installed for
every request by SentFileNamesMiddleware, keeps each file's name as sent (`sent_name`), and
UploadField checks it.
"""

from __future__ import annotations

import html
from typing import Any

from django import forms
from django.core.files import File
from django.http.multipartparser import MultiPartParser

from accord.core.filetypes import FileRefused, refuse_hostile_name

# What a file whose sent name Django would drop altogether ("..", "/") is called until the
# form refuses it: without a name Django skips the file, and the form would only say "choose a
# file" to someone who did.
_UNNAMED = "upload"


class SentNameMultiPartParser(MultiPartParser):
    """Django's parser, with each uploaded file keeping the name it was sent under."""

    _sent_name = ""

    def sanitize_file_name(self, file_name: str) -> str | None:
        # Django reads HTML entities in names ("&#47;" is "/"); the name as sent means the same.
        self._sent_name = html.unescape(file_name)
        sanitized: str | None = super().sanitize_file_name(file_name)
        if sanitized is None and file_name.strip():
            return _UNNAMED
        return sanitized

    def handle_file_complete(self, old_field_name: str, counters: list[int]) -> None:
        # Runs for each file before the next part's name is read, so _sent_name is this file's.
        super().handle_file_complete(old_field_name, counters)
        # _files is the parser's own (not in the type stubs); it is what parse() returns.
        if uploaded := self._files.getlist(old_field_name):  # type: ignore[attr-defined]
            uploaded[-1].sent_name = self._sent_name


def sent_name(upload: File[Any]) -> str:
    """The name the file was sent under; Django's tidied name for a file not parsed by
    SentNameMultiPartParser (one a test builds, say)."""
    return getattr(upload, "sent_name", None) or upload.name or ""


class UploadField(forms.FileField):
    """A file field that refuses a hostile file name, saying what is wrong with it.

    What the content may be is the form's or the service's to check (core.filetypes).
    """

    def to_python(self, data: Any) -> Any:
        upload = super().to_python(data)
        if upload is not None:
            try:
                refuse_hostile_name(sent_name(upload))
            except FileRefused as refused:
                raise forms.ValidationError(refused.message, code="hostile_name") from None
        return upload
