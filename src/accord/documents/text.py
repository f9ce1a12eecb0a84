"""What every rendering says, worked out once: sections as blocks, values, notes and signatures.

The HTML (and so the PDF) and the Word renderers only lay this out; they never read the content
dict themselves. Section text is plain text: paragraphs separated by blank lines, bullet lines
starting "- ". Nothing in it is markup, so every renderer escapes or writes it as plain text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from accord.core import codes
from accord.core.agreement.versions import value_lines
from accord.documents.model import DocumentInput, SignatureRecord

ROLE_LABELS: Final = {
    "siro": "Senior Information Risk Owner (SIRO)",
    "caldicott-guardian": "Caldicott Guardian",
    "dpo": "Data Protection Officer",
}
KIND_LABELS: Final = {"sign": "Signed", "consult": "Consulted"}
# Month names written out here rather than by strftime("%B"), which follows the process locale.
MONTHS: Final = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

# Characters XML 1.0 (and so .docx and XHTML) cannot hold, and lone surrogates.
_NOT_XML: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_PARAGRAPH_BREAK: Final = re.compile(r"\n[ \t]*\n")
_ANCHOR: Final = re.compile(r"[^a-z0-9]+")


def clean(value: object) -> str:
    """Text safe for any XML output: a string, newlines normalised, forbidden characters gone."""
    text = "" if value is None else str(value)
    return _NOT_XML.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


@dataclass(frozen=True)
class Paragraph:
    lines: tuple[str, ...]  # shown as one paragraph with line breaks between


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]


Block = Paragraph | Bullets


def blocks(text: object) -> tuple[Block, ...]:
    """Plain section text as paragraphs and bullet lists, in order."""
    result: list[Block] = []
    for chunk in _PARAGRAPH_BREAK.split(clean(text).strip()):
        lines: list[str] = []
        items: list[str] = []
        for raw in chunk.split("\n"):
            line = raw.strip()
            if not line:
                continue
            if line.startswith("- ") and line[2:].strip():
                if lines:
                    result.append(Paragraph(tuple(lines)))
                    lines = []
                items.append(line[2:].strip())
            else:
                if items:
                    result.append(Bullets(tuple(items)))
                    items = []
                lines.append(line)
        if lines:
            result.append(Paragraph(tuple(lines)))
        if items:
            result.append(Bullets(tuple(items)))
    return tuple(result)


@dataclass(frozen=True)
class SectionView:
    number: int
    key: str
    anchor: str  # an HTML id made only of [a-z0-9-]
    title: str
    follows: str  # a sentence when the section follows an overarching agreement, else ""
    blocks: tuple[Block, ...]
    values: tuple[tuple[str, str], ...]  # (label, value) for the section's typed values
    links: tuple[tuple[str, str], ...]  # (label, https URL) of the provisions it cites


@dataclass(frozen=True)
class SignatureRow:
    party: str
    role: str
    kind: str
    name: str
    when: str  # "25 November 2026 at 14:03 UTC"
    when_iso: str
    version_hash: str
    counts: bool  # given on this version (its hash matches)


@dataclass(frozen=True)
class DocumentView:
    title: str
    reference: str
    version: int
    content_hash: str
    status: str
    generated: str
    generated_iso: str
    identity: str  # reference · version · full hash
    short_identity: str  # reference · version · first 16 hex of the hash (the PDF footer)
    overarching: str
    sections: tuple[SectionView, ...]
    signatures: tuple[SignatureRow, ...]
    signed_by_all: bool
    signoff: str  # one plain sentence on where sign-off stands
    waiting: tuple[str, ...]  # who has still to sign or record their consultation


def utc(moment: datetime) -> datetime:
    """The moment in UTC; a naive datetime is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def when(moment: datetime) -> str:
    moment = utc(moment)
    return f"{moment.day} {MONTHS[moment.month - 1]} {moment.year} at {moment:%H:%M} UTC"


def role_label(role: str) -> str:
    return ROLE_LABELS.get(role) or codes.label(clean(role))


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind) or codes.label(clean(kind))


def anchor(key: str) -> str:
    return "section-" + (_ANCHOR.sub("-", clean(key).lower()).strip("-") or "untitled")


def _values(section: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    try:
        lines = value_lines(section)
    except (KeyError, TypeError, ValueError, AttributeError):
        # Content that does not match the catalogue: show what is stored rather than nothing.
        raw = section.get("values")
        items = raw.items() if isinstance(raw, Mapping) else ()
        lines = [f"{name}: {value}" for name, value in items]
    pairs = []
    for line in lines:
        label, _, value = clean(line).partition(": ")
        pairs.append((label, value))
    return tuple(pairs)


def _links(section: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """The provisions the legal-basis section cites, each once, with a link to its text."""
    if section.get("key") != "legal-basis":
        return ()
    values = section.get("values")
    seen: dict[tuple[str, str], None] = {}
    for basis in (values or {}).get("bases", []) if isinstance(values, Mapping) else []:
        for provision in basis.get("provisions", []) if isinstance(basis, Mapping) else []:
            if not isinstance(provision, Mapping):
                continue
            url = clean(provision.get("url", "")).strip()
            if url.startswith(("https://", "http://")) and not re.search(r"[\s<>\"']", url):
                seen[(clean(provision.get("label", "")) or url, url)] = None
    return tuple(seen)


def _follows(section: Mapping[str, Any], overarching: Mapping[str, Any]) -> str:
    follows = section.get("follows")
    if not isinstance(follows, Mapping):
        return ""
    reference = clean(follows.get("reference", ""))
    title = clean(overarching.get("title", "")) if overarching.get("reference") == reference else ""
    named = f"“{title}” ({reference}" if title else f"{reference} ("
    return (
        f"This section follows the overarching agreement {named}version "
        f"{clean(follows.get('version', ''))}, SHA-256 {clean(follows.get('hash', ''))[:16]})."
    )


def _waiting(
    content: Mapping[str, Any], signatures: Sequence[SignatureRecord], content_hash: str
) -> tuple[str, ...]:
    done = {(s.party, s.role) for s in signatures if s.version_hash == content_hash}
    for section in content.get("sections", []):
        if section.get("key") == "signatories":
            required = (section.get("values") or {}).get("required", [])
            return tuple(
                f"{clean(r.get('party'))}: {role_label(r.get('role', ''))} "
                f"({'to sign' if r.get('kind') == 'sign' else 'to record that they were consulted'})"
                for r in required
                if (r.get("party"), r.get("role")) not in done
            )
    return ()


def view(doc: DocumentInput) -> DocumentView:
    content = doc.content
    reference = clean(content.get("reference", "")) or "No reference"
    content_hash = clean(doc.content_hash)
    overarching = content.get("overarching") or {}
    sections = tuple(
        SectionView(
            number=number,
            key=clean(section.get("key", "")),
            anchor=anchor(section.get("key", "")),
            title=clean(section.get("title", "")) or "Untitled section",
            follows=_follows(section, overarching),
            blocks=blocks(section.get("text", "")),
            values=_values(section),
            links=_links(section),
        )
        for number, section in enumerate(content.get("sections", []), start=1)
    )
    signatures = tuple(
        SignatureRow(
            party=clean(s.party),
            role=role_label(s.role),
            kind=kind_label(s.kind),
            name=clean(s.name),
            when=when(s.signed_at),
            when_iso=utc(s.signed_at).isoformat(),
            version_hash=clean(s.version_hash),
            counts=s.version_hash == doc.content_hash,
        )
        for s in doc.signatures
    )
    if doc.signed_by_all:
        signoff = "Every required signatory has signed this version."
        waiting: tuple[str, ...] = ()
    else:
        signoff = (
            "Not everyone has signed this version yet: it is not agreed until every required "
            "signatory has signed it."
        )
        waiting = _waiting(content, doc.signatures, doc.content_hash)
    over = ""
    if overarching:
        over = (
            f"Some sections follow the overarching agreement “{clean(overarching.get('title'))}” "
            f"({clean(overarching.get('reference'))}, version "
            f"{clean(overarching.get('version'))}, SHA-256 {clean(overarching.get('hash'))}), "
            "which its parties signed separately."
        )
    return DocumentView(
        title=clean(content.get("title", "")) or "Data Sharing Agreement",
        reference=reference,
        version=doc.version,
        content_hash=content_hash,
        status=clean(doc.status),
        generated=when(doc.generated_at),
        generated_iso=utc(doc.generated_at).isoformat(),
        identity=f"{reference} · Version {doc.version} · SHA-256 {content_hash}",
        short_identity=f"{reference} · Version {doc.version} · SHA-256 {content_hash[:16]}",
        overarching=over,
        sections=sections,
        signatures=signatures,
        signed_by_all=doc.signed_by_all,
        signoff=signoff,
        waiting=waiting,
    )
