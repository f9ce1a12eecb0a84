"""Checking an uploaded file by its content, never by its name or the browser's word for it.

Accord accepts PDF, PNG and JPEG files, Word (.docx) and Excel (.xlsx) files and OpenDocument
text (.odt): what security evidence is usually issued as. The name's extension must agree with
what the content really is, so a program renamed report.pdf is refused. Word, Excel and
OpenDocument files are ZIP archives; they are inspected without being unpacked and refused when
they could harm whoever opens them: more than 1,000 entries, more than 50 MB once expanded,
compressed more than 100 to 1 (a "zip bomb"), encrypted entries, entry names that climb out of
the archive ("../" or absolute paths), entries that are links to other files, or macros. An
archive inside the document (an embedded spreadsheet is one) is checked by the same rules, and
one nested inside that is refused: tools that scan or unpack a file recursively meet no bomb.

A hostile file name is refused too, before the content is looked at: one that names folders,
holds invisible characters or is otherwise not a name anyone saves a document under (see
hostile_name_problem). An ordinary name is then made plain for storing (safe_filename).

Every refusal is a FileRefused whose message says, in plain words, what is wrong. Pure: no Django,
no files on disk; the caller reads the upload and stores it.
"""

from __future__ import annotations

import io
import re
import stat
import struct
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from typing import Final

MAX_ZIP_ENTRIES: Final = 1000
MAX_ZIP_UNCOMPRESSED: Final = 50 * 1024 * 1024
MAX_ZIP_RATIO: Final = 100
# Below this many expanded bytes a high ratio is harmless (a page of blank XML compresses well).
_RATIO_CHECKED_FROM: Final = 1024 * 1024
MAX_FILENAME_LENGTH: Final = 100
_ZIP_SIGNATURE: Final = b"PK\x03\x04"
_MAX_EXTENSION_LENGTH: Final = 10


class FileRefused(ValueError):
    """The upload is not accepted; `message` says why, for the person who uploaded it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class FileType:
    code: str
    name: str  # "a PDF": how a sentence names it
    content_type: str
    extensions: tuple[str, ...]


ACCEPTED: Final[dict[str, FileType]] = {
    ft.code: ft
    for ft in (
        FileType("pdf", "a PDF", "application/pdf", ("pdf",)),
        FileType("png", "a PNG image", "image/png", ("png",)),
        FileType("jpeg", "a JPEG image", "image/jpeg", ("jpg", "jpeg")),
        FileType(
            "docx",
            "a Word document (.docx)",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ("docx",),
        ),
        FileType(
            "xlsx",
            "an Excel workbook (.xlsx)",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ("xlsx",),
        ),
        FileType(
            "odt",
            "an OpenDocument text document (.odt)",
            "application/vnd.oasis.opendocument.text",
            ("odt",),
        ),
    )
}
_BY_EXTENSION: Final = {ext: ft for ft in ACCEPTED.values() for ext in ft.extensions}
ACCEPTED_DESCRIPTION: Final = (
    "a PDF, PNG, JPEG, Word (.docx), Excel (.xlsx) or OpenDocument text (.odt) file"
)
_ODT_MIMETYPE: Final = b"application/vnd.oasis.opendocument.text"

# Leading bytes of files that are never accepted, to say what the content really is.
_OTHER_SIGNATURES: Final = (
    (b"MZ", "a Windows program"),
    (b"\x7fELF", "a Linux program"),
    (b"\xfe\xed\xfa\xce", "a macOS program"),
    (b"\xfe\xed\xfa\xcf", "a macOS program"),
    (b"\xce\xfa\xed\xfe", "a macOS program"),
    (b"\xcf\xfa\xed\xfe", "a macOS program"),
    (b"\xca\xfe\xba\xbe", "a program"),
    (b"#!", "a script"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old-format Microsoft Office file (.doc or .xls)"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"{\\rtf", "an RTF document"),
    (b"PK\x05\x06", "an empty ZIP archive"),
)
_ZIP_ERRORS: Final = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    struct.error,
    EOFError,
    OSError,
    ValueError,  # includes UnicodeDecodeError for a badly encoded entry name
    NotImplementedError,  # a compression method zipfile does not know
    RuntimeError,
    KeyError,
    OverflowError,
)


@dataclass(frozen=True)
class Checked:
    """An accepted file: what it really is, and the name to give it."""

    type: FileType
    filename: str  # safe_filename() of the name it was uploaded with
    size: int

    @property
    def content_type(self) -> str:
        return self.type.content_type


def size_text(size: int) -> str:
    """A size in words people read: 512 bytes, 40 KB, 10 MB, 2.5 MB."""
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{round(size / 1024)} KB"
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0") + " MB"


def refuse_if_too_big(size: int, filename: str, max_bytes: int) -> None:
    """Refuse by the declared size, before anything is read."""
    if size > max_bytes:
        raise FileRefused(
            f"{safe_filename(filename)} is larger than {size_text(max_bytes)}, "
            "the largest file Accord accepts"
        )


def check_upload(data: bytes, filename: str, max_bytes: int) -> Checked:
    """The file's real type if Accord accepts it; otherwise FileRefused saying what is wrong."""
    refuse_hostile_name(filename)
    name = safe_filename(filename)
    refuse_if_too_big(len(data), filename, max_bytes)
    extension = name.rpartition(".")[2].lower() if "." in name else ""
    claimed = _BY_EXTENSION.get(extension)
    if claimed is None:
        raise FileRefused(
            f"{name} is not a type of file Accord accepts: upload {ACCEPTED_DESCRIPTION}"
        )
    if not data:
        raise FileRefused(f"{name} is empty")
    actual, description = _sniff(data, name)
    if actual is not claimed:
        raise FileRefused(f"{name} is not {claimed.name}: its content is {description}")
    return Checked(type=claimed, filename=name, size=len(data))


def _sniff(data: bytes, name: str) -> tuple[FileType | None, str]:
    """What the content is: an accepted type, or None with words for what it is instead."""
    if data.startswith(b"%PDF-"):
        return ACCEPTED["pdf"], ACCEPTED["pdf"].name
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return ACCEPTED["png"], ACCEPTED["png"].name
    if data.startswith(b"\xff\xd8\xff"):
        return ACCEPTED["jpeg"], ACCEPTED["jpeg"].name
    if data.startswith(_ZIP_SIGNATURE):
        return _sniff_zip(data, name)
    for signature, description in _OTHER_SIGNATURES:
        if data.startswith(signature):
            return None, description
    if (kind := markup(data)) is not None:
        return None, kind
    try:
        data[:4096].decode("utf-8")
    except UnicodeDecodeError:
        return None, "not a kind of file Accord recognises"
    return None, "plain text"


def markup(data: bytes) -> str | None:
    """What text really is if it is markup or a script ("a web page", "an XML or SVG file", "a
    script"), else None: what a CSV file must never be, whatever its name says."""
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<?xml", b"<svg")):
        return "an XML or SVG file"
    if head.startswith(b"<"):
        return "a web page"
    if head.startswith(b"#!"):
        return "a script"
    return None


def _unsafe_member(member: str) -> bool:
    parts = re.split(r"[/\\]", member)
    return (
        member.startswith(("/", "\\"))
        or re.match(r"^[A-Za-z]:", member) is not None
        or ".." in parts
        or "\x00" in member
    )


def _sniff_zip(data: bytes, name: str) -> tuple[FileType | None, str]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            _refuse_dangerous_archive(archive, name)
            members = {entry.filename for entry in entries}
            lowered = {member.lower() for member in members}
            if any(
                m.endswith("vbaproject.bin") or m.startswith(("basic/", "scripts/"))
                for m in lowered
            ):
                raise FileRefused(
                    f"{name} contains macros: save it without macros, or as a PDF, and upload "
                    "it again"
                )
            if "[Content_Types].xml" in members:
                if any(member.startswith("word/") for member in members):
                    return ACCEPTED["docx"], ACCEPTED["docx"].name
                if any(member.startswith("xl/") for member in members):
                    return ACCEPTED["xlsx"], ACCEPTED["xlsx"].name
                if any(member.startswith("ppt/") for member in members):
                    return None, "a PowerPoint presentation"
                return None, "an Office file of a kind Accord does not accept"
            if "mimetype" in members:
                with archive.open("mimetype") as handle:
                    mimetype = handle.read(100).strip()
                if mimetype == _ODT_MIMETYPE:
                    return ACCEPTED["odt"], ACCEPTED["odt"].name
                if mimetype.startswith(b"application/vnd.oasis.opendocument."):
                    return None, "an OpenDocument file of a kind Accord does not accept"
            return None, "a ZIP archive"
    except FileRefused:
        raise
    except _ZIP_ERRORS:
        raise FileRefused(f"{name} is damaged: Accord cannot open it") from None


def _is_link(entry: zipfile.ZipInfo) -> bool:
    """A Unix symbolic link: its target would be followed by whoever unpacks the archive."""
    return stat.S_ISLNK(entry.external_attr >> 16)


def _refuse_dangerous_archive(archive: zipfile.ZipFile, name: str, *, nested: bool = False) -> None:
    entries = archive.infolist()
    if len(entries) > MAX_ZIP_ENTRIES:
        raise FileRefused(
            f"{name} holds more than {MAX_ZIP_ENTRIES:,} files inside it: Accord does not accept it"
        )
    for entry in entries:
        if _unsafe_member(entry.filename):
            raise FileRefused(
                f"{name} contains a file whose path points outside the document: Accord does "
                "not accept it"
            )
        if entry.flag_bits & 0x1:
            raise FileRefused(
                f"{name} is encrypted or protected by a password: upload a copy without a password"
            )
        if _is_link(entry):
            raise FileRefused(f"{name} contains a link to another file: Accord does not accept it")
    expanded = sum(entry.file_size for entry in entries)
    compressed = sum(entry.compress_size for entry in entries)
    if expanded > MAX_ZIP_UNCOMPRESSED:
        raise FileRefused(
            f"{name} would expand to more than {size_text(MAX_ZIP_UNCOMPRESSED)} when opened: "
            "Accord does not accept it"
        )
    too_tight = (
        expanded >= _RATIO_CHECKED_FROM and expanded > MAX_ZIP_RATIO * max(compressed, 1)
    ) or any(
        entry.file_size >= _RATIO_CHECKED_FROM
        and entry.file_size > MAX_ZIP_RATIO * max(entry.compress_size, 1)
        for entry in entries
    )
    if too_tight:
        raise FileRefused(
            f"{name} is compressed more than {MAX_ZIP_RATIO} to 1, as a “zip bomb” is: "
            "Accord does not accept it"
        )
    for entry in entries:
        if entry.is_dir() or entry.file_size < len(_ZIP_SIGNATURE):
            continue
        with archive.open(entry) as handle:
            if handle.read(len(_ZIP_SIGNATURE)) != _ZIP_SIGNATURE:
                continue
        if nested:
            raise FileRefused(
                f"{name} holds an archive inside an archive inside it: Accord does not accept it"
            )
        # Read whole: the sizes above bound it, and zipfile reads no more than the stated size.
        with zipfile.ZipFile(io.BytesIO(archive.read(entry))) as inner:
            _refuse_dangerous_archive(inner, name, nested=True)


_RESERVED_ON_WINDOWS: Final = frozenset(
    {"CON", "PRN", "AUX", "NUL"}
    | {f"COM{n}" for n in range(1, 10)}
    | {f"LPT{n}" for n in range(1, 10)}
)


# Characters Windows does not allow in a file name: a name holding one was not made by saving a
# file on the desktop, so it was made to confuse whatever stores or opens it.
_NOT_IN_FILE_NAMES: Final = '<>:"|?*'
# Control, format (the right-to-left override, zero-width characters), surrogate, private-use and
# line- or paragraph-separator characters: invisible, or able to change how the rest reads.
_INVISIBLE_CATEGORIES: Final = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})
MAX_SENT_NAME_LENGTH: Final = 255  # the longest name the usual file systems hold


def _invisible(character: str) -> bool:
    return unicodedata.category(character) in _INVISIBLE_CATEGORIES


def shown_name(name: str, limit: int = 60) -> str:
    """A name as it can be shown safely in a message: each invisible character written as
    [U+202E], cut to `limit` characters. Markup is left to the page's escaping."""
    shown = "".join(f"[U+{ord(c):04X}]" if _invisible(c) else c for c in name)
    return shown if len(shown) <= limit else shown[: limit - 1] + "\u2026"


def hostile_name_problem(name: str) -> str | None:
    """What makes a file name hostile, in words that finish "The file name ... ", else None.

    Hostile: it names folders ("../../etc/passwd.pdf"), holds invisible characters
    ("invoice[U+202E]fdp.exe" shows as "invoiceexe.pdf"), characters no desktop allows, a
    device name Windows keeps (CON, NUL, COM1), starts with a dot (hidden) or ends with a dot or
    space (dropped by Windows, changing the type), or is longer than any file system holds. A
    person saving a document never makes such a name, so it is refused rather than tidied up.
    """
    if invisible := next((c for c in name if _invisible(c)), None):
        kind = (
            "a control character"
            if unicodedata.category(invisible) == "Cc"
            else "an invisible character that can change how the name reads"
        )
        return f"contains {kind} (U+{ord(invisible):04X})"
    if separator := next((c for c in name if c in "/\\"), None):
        return f"contains “{separator}”, which separates folders"
    if forbidden := next((c for c in name if c in _NOT_IN_FILE_NAMES), None):
        return f"contains “{forbidden}”, which file names cannot contain"
    if name and set(name) == {"."}:
        return "is only dots, which name folders"
    if name.startswith("."):
        return "starts with a dot, which hides a file"
    if name.endswith((".", " ")):
        return "ends with a dot or a space, which Windows removes, changing the type of file"
    device = name.split(".")[0].strip().upper()
    if device in _RESERVED_ON_WINDOWS:
        return f"starts with {device}, a name Windows keeps for a device"
    if len(name) > MAX_SENT_NAME_LENGTH:
        return (
            f"is {len(name):,} characters long, more than the {MAX_SENT_NAME_LENGTH} Accord accepts"
        )
    return None


def refuse_hostile_name(name: str) -> None:
    """FileRefused saying what is wrong with the name, if hostile_name_problem finds anything."""
    if (problem := hostile_name_problem(name)) is not None:
        raise FileRefused(
            f"The file name “{shown_name(name)}” {problem}: rename the file and upload it again"
        )


def safe_filename(name: str) -> str:
    """A name safe to store and to offer for download: no folders, no control characters, only
    letters, digits, "_" and "-" before one "." and the extension, at most 100 characters.

    "../../etc/passwd.pdf" -> "passwd.pdf"; "Évaluation 2026.docx" -> "Evaluation_2026.docx".
    """
    base = re.split(r"[/\\]", name)[-1]
    # Accents come off ("É" -> "E"); other characters outside ASCII are replaced below.
    base = "".join(
        c if c.isascii() else " "
        for c in unicodedata.normalize("NFKD", base)
        if not unicodedata.combining(c)
    )
    stem, dot, extension = base.rpartition(".")
    if not dot:
        stem, extension = base, ""
    extension = re.sub(r"[^A-Za-z0-9]", "", extension)[:_MAX_EXTENSION_LENGTH]
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", stem).strip("_-")
    room = MAX_FILENAME_LENGTH - (len(extension) + 1 if extension else 0)
    stem = stem[:room].rstrip("_-") or "file"
    if stem.upper() in _RESERVED_ON_WINDOWS:
        stem = f"_{stem}"
    return f"{stem}.{extension}" if extension else stem
