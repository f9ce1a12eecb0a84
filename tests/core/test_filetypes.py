"""Uploads are judged by their content: what is accepted, and every way a file is refused."""

from __future__ import annotations

import io
import re
import struct
import unicodedata
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.core.filetypes import (
    MAX_FILENAME_LENGTH,
    FileRefused,
    check_upload,
    hostile_name_problem,
    refuse_if_too_big,
    safe_filename,
    shown_name,
    size_text,
)

MAX = 10 * 1024 * 1024
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(17)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(32) + b"\xff\xd9"
EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"
    + bytes(64)
    + b"This program cannot be run in DOS mode"
)


def zipped(entries: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


CONTENT_TYPES = b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'


def docx(**extra: bytes) -> bytes:
    return zipped(
        {
            "[Content_Types].xml": CONTENT_TYPES,
            "_rels/.rels": b"<Relationships/>",
            "word/document.xml": b"<w:document>Certificate</w:document>",
            **extra,
        }
    )


def xlsx() -> bytes:
    return zipped(
        {"[Content_Types].xml": CONTENT_TYPES, "xl/workbook.xml": b"<workbook/>"},
    )


def odt(mimetype: bytes = b"application/vnd.oasis.opendocument.text") -> bytes:
    return zipped({"mimetype": mimetype, "content.xml": b"<office:document-content/>"})


def central_directory_patch(data: bytes, offset: int, fmt: str, value: int) -> bytes:
    """Rewrite one field of every central directory header (what zipfile trusts)."""
    patched = bytearray(data)
    for match in re.finditer(rb"PK\x01\x02", data):
        struct.pack_into(fmt, patched, match.start() + offset, value)
    return bytes(patched)


def refusal(data: bytes, filename: str, max_bytes: int = MAX) -> str:
    with pytest.raises(FileRefused) as refused:
        check_upload(data, filename, max_bytes)
    assert str(refused.value) == refused.value.message
    return refused.value.message


@pytest.mark.parametrize(
    ("data", "filename", "type_code", "content_type"),
    [
        (PDF, "cyber-essentials.pdf", "pdf", "application/pdf"),
        (PDF, "SCAN.PDF", "pdf", "application/pdf"),
        (PNG, "certificate.png", "png", "image/png"),
        (JPEG, "photo.jpg", "jpeg", "image/jpeg"),
        (JPEG, "photo.jpeg", "jpeg", "image/jpeg"),
        (
            docx(),
            "policy.docx",
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            xlsx(),
            "training.xlsx",
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        (odt(), "policy.odt", "odt", "application/vnd.oasis.opendocument.text"),
    ],
)
def test_accepted_files_are_typed_by_their_content(
    data: bytes, filename: str, type_code: str, content_type: str
) -> None:
    checked = check_upload(data, filename, MAX)
    assert checked.type.code == type_code
    assert checked.content_type == content_type
    assert checked.size == len(data)
    assert checked.filename == filename


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (EXE, "report.pdf", "report.pdf is not a PDF: its content is a Windows program"),
        (
            b"\x7fELF\x02\x01\x01" + bytes(40),
            "scan.png",
            "scan.png is not a PNG image: its content is a Linux program",
        ),
        (PNG, "report.pdf", "report.pdf is not a PDF: its content is a PNG image"),
        (PDF, "policy.docx", "policy.docx is not a Word document (.docx): its content is a PDF"),
        (
            docx(),
            "sheet.xlsx",
            "sheet.xlsx is not an Excel workbook (.xlsx): its content is a Word document (.docx)",
        ),
        (
            b"<!DOCTYPE html><script>alert(1)</script>",
            "cert.pdf",
            "cert.pdf is not a PDF: its content is a web page",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"/>',
            "logo.png",
            "logo.png is not a PNG image: its content is an XML or SVG file",
        ),
        (b"#!/bin/sh\nrm -rf /\n", "run.pdf", "run.pdf is not a PDF: its content is a script"),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100),
            "old.docx",
            "old.docx is not a Word document (.docx): its content is an old-format Microsoft Office file (.doc or .xls)",
        ),
        (
            zipped({"a.txt": b"hello"}),
            "policy.docx",
            "policy.docx is not a Word document (.docx): its content is a ZIP archive",
        ),
        (
            odt(b"application/vnd.oasis.opendocument.spreadsheet"),
            "x.odt",
            "x.odt is not an OpenDocument text document (.odt): its content is an OpenDocument file of a kind Accord does not accept",
        ),
        (b"just some words", "notes.pdf", "notes.pdf is not a PDF: its content is plain text"),
        (
            b"\x00\x01\x02\xff\xfe\xfd" * 10,
            "blob.pdf",
            "blob.pdf is not a PDF: its content is not a kind of file Accord recognises",
        ),
    ],
)
def test_the_extension_must_agree_with_the_content(
    data: bytes, filename: str, message: str
) -> None:
    assert refusal(data, filename) == message


@pytest.mark.parametrize(
    "filename", ["setup.exe", "page.html", "image.svg", "README", "doc.docm", "x.zip"]
)
def test_only_accepted_kinds_of_file_are_taken(filename: str) -> None:
    message = refusal(PDF, filename)
    assert message.startswith(f"{safe_filename(filename)} is not a type of file Accord accepts")
    assert "PDF, PNG, JPEG, Word (.docx), Excel (.xlsx) or OpenDocument text (.odt)" in message


def test_an_empty_file_is_refused() -> None:
    assert refusal(b"", "empty.pdf") == "empty.pdf is empty"


def test_a_file_over_the_limit_is_refused_before_anything_is_read() -> None:
    assert refusal(PDF + bytes(1000), "big.pdf", max_bytes=1000) == (
        "big.pdf is larger than 1000 bytes, the largest file Accord accepts"
    )
    with pytest.raises(FileRefused, match="larger than 10 MB"):
        refuse_if_too_big(MAX + 1, "huge.pdf", MAX)
    refuse_if_too_big(MAX, "just-fits.pdf", MAX)
    assert check_upload(PDF + bytes(1000 - len(PDF)), "fits.pdf", 1000).size == 1000


@pytest.mark.parametrize(
    ("size", "text"),
    [(512, "512 bytes"), (40 * 1024, "40 KB"), (MAX, "10 MB"), (2_621_440, "2.5 MB")],
)
def test_sizes_are_given_in_words(size: int, text: str) -> None:
    assert size_text(size) == text


def test_a_zip_bomb_is_refused_for_its_compression_ratio() -> None:
    bomb = docx(**{"word/media/image1.png": bytes(5 * 1024 * 1024)})
    assert len(bomb) < 100_000
    assert refusal(bomb, "bomb.docx") == (
        "bomb.docx is compressed more than 100 to 1, as a “zip bomb” is: Accord does not accept it"
    )


def test_an_archive_expanding_beyond_50_mb_is_refused() -> None:
    # The sizes zipfile reads are the central directory's: claim 30 MB for each of two entries.
    inflated = central_directory_patch(docx(), 24, "<I", 30 * 1024 * 1024)
    assert refusal(inflated, "large.docx") == (
        "large.docx would expand to more than 50 MB when opened: Accord does not accept it"
    )


def test_an_archive_with_more_than_1000_entries_is_refused() -> None:
    many = docx(**{f"word/media/{n}.xml": b"" for n in range(1000)})
    assert refusal(many, "many.docx") == (
        "many.docx holds more than 1,000 files inside it: Accord does not accept it"
    )
    fits = docx(**{f"word/media/{n}.xml": b"" for n in range(997)})  # 1,000 entries in all
    assert check_upload(fits, "fits.docx", MAX).type.code == "docx"


@pytest.mark.parametrize(
    "member",
    [
        "../../evil.sh",
        "word/../../evil",
        "/etc/cron.d/evil",
        "\\windows\\evil",
        "C:/evil",
        "word\\..\\..\\evil",
    ],
)
def test_entries_that_climb_out_of_the_archive_are_refused(member: str) -> None:
    assert refusal(docx(**{member: b"x"}), "traversal.docx") == (
        "traversal.docx contains a file whose path points outside the document: Accord does "
        "not accept it"
    )


def test_encrypted_entries_are_refused() -> None:
    encrypted = central_directory_patch(docx(), 8, "<H", 0x1)
    assert refusal(encrypted, "locked.docx") == (
        "locked.docx is encrypted or protected by a password: upload a copy without a password"
    )


@pytest.mark.parametrize(
    "member", ["word/vbaProject.bin", "xl/vbaProject.bin", "Basic/Standard/Module1.xml"]
)
def test_documents_with_macros_are_refused(member: str) -> None:
    assert "contains macros" in refusal(docx(**{member: b"Attribute VB_Name"}), "macro.docx")


def test_a_damaged_archive_is_refused() -> None:
    whole = docx()
    assert (
        refusal(whole[: len(whole) // 2], "cut.docx")
        == "cut.docx is damaged: Accord cannot open it"
    )


def test_messages_name_the_file_as_it_is_kept() -> None:
    message = refusal(EXE, "\u00c9valuation d\u2019impact (v2).pdf")
    assert message == "Evaluation_d_impact_v2.pdf is not a PDF: its content is a Windows program"


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("../../etc/passwd.pdf", "contains “/”, which separates folders"),
        ("C:\\Users\\ig\\evidence.pdf", "contains “\\”, which separates folders"),
        ("a\x00b.pdf", "contains a control character (U+0000)"),
        ("a\tb.pdf", "contains a control character (U+0009)"),
        (
            "invoice\u202efdp.pdf",
            "contains an invisible character that can change how the name reads (U+202E)",
        ),
        ("x\u2028y.pdf", "(U+2028)"),
        ("x\ue000.pdf", "(U+E000)"),
        ("a<b.pdf", "contains “<”, which file names cannot contain"),
        ("what?.pdf", "contains “?”, which file names cannot contain"),
        ("c:evidence.pdf", "contains “:”, which file names cannot contain"),
        (".", "is only dots, which name folders"),
        ("...", "is only dots, which name folders"),
        (".profile.pdf", "starts with a dot, which hides a file"),
        ("report.pdf.", "ends with a dot or a space, which Windows removes"),
        ("report.pdf ", "ends with a dot or a space, which Windows removes"),
        ("NUL", "starts with NUL, a name Windows keeps for a device"),
        ("com9.tar.pdf", "starts with COM9, a name Windows keeps for a device"),
        ("aux .pdf", "starts with AUX, a name Windows keeps for a device"),
        ("x" * 252 + ".pdf", "is 256 characters long, more than the 255 Accord accepts"),
    ],
)
def test_hostile_names_are_refused_saying_why(name: str, problem: str) -> None:
    assert problem in (hostile_name_problem(name) or "")
    message = refusal(PDF, name)
    assert message.startswith("The file name “")
    assert problem in message
    assert message.endswith(": rename the file and upload it again")


@pytest.mark.parametrize(
    "name",
    [
        "Cyber Essentials 2026 (final).pdf",
        "\u00c9valuation d\u2019impact.pdf",
        "O'Brien & Sons; v2=3 [draft] #1 {x} 50% +more ~ok!.pdf",
        "\u8bc1\u4e66.pdf",
        "console.pdf",
        "CONFIG.pdf",
        "x" * 251 + ".pdf",
    ],
)
def test_names_people_give_documents_are_not_hostile(name: str) -> None:
    assert hostile_name_problem(name) is None
    assert check_upload(PDF, name, MAX).filename == safe_filename(name)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=300))
def test_a_refused_name_is_shown_without_its_invisible_characters(name: str) -> None:
    shown = shown_name(name)
    assert len(shown) <= 60
    assert not any(unicodedata.category(c) in {"Cc", "Cf", "Cs", "Co", "Zl", "Zp"} for c in shown)
    if hostile_name_problem(name) is None:
        assert not set(name) & set('/\\<>:"|?*\x00')


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\ig\\Desktop\\Cyber Essentials 2026.PDF", "Cyber_Essentials_2026.PDF"),
        ("\u00c9valuation d\u2019impact.docx", "Evaluation_d_impact.docx"),
        ("a\x00b\r\n\t.pdf", "a_b.pdf"),
        ("my.report.final.pdf", "my_report_final.pdf"),
        ("-rf .pdf", "rf.pdf"),
        ("CON.pdf", "_CON.pdf"),
        ("..", "file"),
        ("", "file"),
        (".bashrc", "file.bashrc"),
        ("证书.pdf", "file.pdf"),
        ("report.p d f", "report.pdf"),
        ("x" * 300 + ".docx", "x" * (MAX_FILENAME_LENGTH - 5) + ".docx"),
    ],
)
def test_safe_filename(name: str, safe: str) -> None:
    assert safe_filename(name) == safe


_SAFE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]*(\.[A-Za-z0-9]{1,10})?$")


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=400))
def test_safe_filename_always_gives_a_short_plain_name(name: str) -> None:
    safe = safe_filename(name)
    assert _SAFE.match(safe), safe
    assert 1 <= len(safe) <= MAX_FILENAME_LENGTH
    assert safe_filename(safe) == safe


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.text(max_size=30), max_size=5),
    st.text(alphabet=st.characters(codec="ascii", categories=["L", "N"]), min_size=1, max_size=40),
    st.sampled_from(["pdf", "PNG", "docx", "xlsx", "odt", "jpeg"]),
)
def test_safe_filename_drops_folders_and_keeps_the_extension(
    folders: list[str], stem: str, extension: str
) -> None:
    safe = safe_filename("/".join([*folders, f"{stem}.{extension}"]))
    assert safe.endswith(f".{extension}")
    assert "/" not in safe
    assert "\\" not in safe
    assert ".." not in safe


_names = st.one_of(
    st.sampled_from(["a.pdf", "a.png", "a.jpg", "a.docx", "a.xlsx", "a.odt", "a.exe", "a"]),
    st.text(max_size=50),
)


def _only_refusals(data: bytes, filename: str, max_bytes: int = MAX) -> None:
    try:
        checked = check_upload(data, filename, max_bytes)
    except FileRefused as refused:
        assert refused.message  # noqa: PT017 - valid input may pass, so raising is optional
    else:
        assert checked.size == len(data) <= max_bytes


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=2000), _names, st.integers(min_value=0, max_value=3000))
def test_random_bytes_are_only_ever_refused_with_a_message(
    data: bytes, filename: str, max_bytes: int
) -> None:
    _only_refusals(data, filename, max_bytes)


_MAGIC = st.sampled_from(
    [b"%PDF-", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"PK\x03\x04", b"PK\x05\x06", b"MZ", b""]
)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_MAGIC, st.binary(max_size=2000), _names)
def test_random_bytes_behind_a_known_signature_are_only_ever_refused(
    magic: bytes, rest: bytes, filename: str
) -> None:
    _only_refusals(magic + rest, filename)


_VALID_ARCHIVES = [docx(), xlsx(), odt()]


@settings(max_examples=500, deadline=None)
@given(
    st.sampled_from(range(len(_VALID_ARCHIVES))),
    st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), min_size=1, max_size=8),
    st.sampled_from(["x.docx", "x.xlsx", "x.odt"]),
)
def test_damaged_office_documents_are_only_ever_refused(
    which: int, changes: list[tuple[int, int]], filename: str
) -> None:
    data = bytearray(_VALID_ARCHIVES[which])
    for position, value in changes:
        data[position % len(data)] = value
    _only_refusals(bytes(data), filename)
