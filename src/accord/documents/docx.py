"""An agreement version as a Word document the parties can edit, file and check.

Built with python-docx on its default template, so it opens in Word, LibreOffice and Google
Docs. Accessibility: sections use the built-in Heading styles (Word's navigation pane and
accessibility checker rely on them), bullets are real list paragraphs ("List Bullet"), the
signatures table has a repeating header row and alternative text, and the language is en-GB.
Every page footer carries "Reference · Version N · SHA-256 <first 16 hex> · Page X of Y".

Text from the agreement goes in as plain runs: Word never reads it as a field or formula, so
`=HYPERLINK(...)` typed into a section stays text. The core properties and the zip timestamps
come from `generated_at`, so the same input gives the same bytes.
"""

from __future__ import annotations

import io
import zipfile
from typing import Final

from docx import Document
from docx.document import Document as WordDocument
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.table import Table
from docx.text.paragraph import Paragraph as WordParagraph

from accord.documents.model import DocumentInput
from accord.documents.text import Bullets, DocumentView, Paragraph, SectionView, utc, view

LANGUAGE: Final = "en-GB"
LINK_COLOUR: Final = RGBColor(0x1D, 0x70, 0xB8)
GREY: Final = RGBColor(0x50, 0x5A, 0x5F)


def _language(document: WordDocument) -> None:
    """en-GB for all text (spelling, screen readers) and for the theme fonts."""
    styles = document.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    if defaults is not None:
        run_properties = defaults.find(qn("w:rPrDefault") + "/" + qn("w:rPr"))
        if run_properties is not None:
            lang = run_properties.find(qn("w:lang"))
            if lang is None:
                lang = OxmlElement("w:lang")
                run_properties.append(lang)
            lang.set(qn("w:val"), LANGUAGE)
    settings = document.settings.element
    theme_lang = settings.find(qn("w:themeFontLang"))
    if theme_lang is not None:
        theme_lang.set(qn("w:val"), LANGUAGE)


def _field(paragraph: WordParagraph, instruction: str, placeholder: str) -> None:
    """A simple field (PAGE, NUMPAGES) that Word fills in on each page."""
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = placeholder
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _hyperlink(paragraph: WordParagraph, url: str, text: str) -> None:
    """An external link: a relationship plus a w:hyperlink run, underlined and blue."""
    rel_id = paragraph.part.relate_to(url, RT.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rel_id)
    run = OxmlElement("w:r")
    properties = OxmlElement("w:rPr")
    colour = OxmlElement("w:color")
    colour.set(qn("w:val"), str(LINK_COLOUR))
    underline = OxmlElement("w:u")
    underline.set(qn("w:val"), "single")
    properties.append(colour)
    properties.append(underline)
    run.append(properties)
    content = OxmlElement("w:t")
    content.text = text
    content.set(qn("xml:space"), "preserve")
    run.append(content)
    link.append(run)
    paragraph._p.append(link)


def _labelled(document: WordDocument, label: str, value: str) -> None:
    paragraph = document.add_paragraph()
    paragraph.add_run(f"{label}: ").bold = True
    paragraph.add_run(value)


def _page_setup(document: WordDocument, page: DocumentView) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(20))
    header = section.header.paragraphs[0]
    run = header.add_run(page.identity)
    run.font.size, run.font.color.rgb = Pt(8), GREY
    footer = section.footer.paragraphs[0]
    footer.add_run(page.short_identity + " · Page ")
    _field(footer, "PAGE", "1")
    footer.add_run(" of ")
    _field(footer, "NUMPAGES", "1")
    for footer_run in footer.runs:
        footer_run.font.size, footer_run.font.color.rgb = Pt(8), GREY


def _section(document: WordDocument, section: SectionView) -> None:
    document.add_heading(f"{section.number}. {section.title}", level=2)
    if section.follows:
        document.add_paragraph().add_run(section.follows).italic = True
    for block in section.blocks:
        if isinstance(block, Paragraph):
            paragraph = document.add_paragraph()
            for index, line in enumerate(block.lines):
                run = paragraph.add_run(line)
                if index < len(block.lines) - 1:
                    run.add_break()
        elif isinstance(block, Bullets):
            for item in block.items:
                document.add_paragraph(item, style="List Bullet")
    for label, value in section.values:
        _labelled(document, label, value)
    if section.links:
        document.add_heading("The law cited, on legislation.gov.uk", level=3)
        for label, url in section.links:
            _hyperlink(document.add_paragraph(style="List Bullet"), url, label)


def _header_row(table: Table, headings: tuple[str, ...]) -> None:
    row = table.rows[0]
    properties = row._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    properties.append(repeat)
    for cell, heading in zip(row.cells, headings, strict=True):
        cell.paragraphs[0].add_run(heading).bold = True


def _alt_text(table: Table, caption: str, description: str) -> None:
    properties = table._tbl.tblPr
    for tag, value in (("w:tblCaption", caption), ("w:tblDescription", description)):
        element = OxmlElement(tag)
        element.set(qn("w:val"), value)
        properties.append(element)


def _signature_record(document: WordDocument, page: DocumentView) -> None:
    document.add_heading("Signature record", level=2)
    document.add_paragraph().add_run(page.signoff).bold = not page.signed_by_all
    if page.waiting:
        document.add_paragraph("Still waiting for:")
        for item in page.waiting:
            document.add_paragraph(item, style="List Bullet")
    if not page.signatures:
        document.add_paragraph("No signature or consultation has been recorded for this agreement.")
        return
    headings = (
        "Party",
        "Role",
        "Name",
        "Signed or consulted",
        "When",
        "SHA-256 of the version signed",
    )
    table = document.add_table(rows=1, cols=len(headings))
    table.style = document.styles["Table Grid"]
    _header_row(table, headings)
    _alt_text(
        table,
        "Signatures and consultations recorded",
        f"Who signed or recorded a consultation on {page.reference}, for which party and role, "
        "when, and the SHA-256 of the version they signed.",
    )
    for s in page.signatures:
        note = "" if s.counts else " (given on another version: it does not count for this one)"
        values = (s.party, s.role, s.name, s.kind, s.when, s.version_hash + note)
        for cell, value in zip(table.add_row().cells, values, strict=True):
            cell.paragraphs[0].add_run(value)
    for row in table.rows:
        for cell in row.cells:
            for run in cell.paragraphs[0].runs:
                run.font.size = Pt(8.5)


def _properties(document: WordDocument, doc: DocumentInput, page: DocumentView) -> None:
    moment = utc(doc.generated_at).replace(tzinfo=None)
    core = document.core_properties
    core.title = page.title[:255]
    core.subject = page.identity[:255]
    core.author = "Accord"
    core.last_modified_by = "Accord"
    core.comments = f"Data Sharing Agreement {page.reference}, version {page.version}."[:255]
    core.keywords = "Data Sharing Agreement"
    core.category = "Data Sharing Agreement"
    core.language = LANGUAGE
    core.identifier = page.reference[:255]
    core.version = str(page.version)
    core.revision = 1
    core.created = moment
    core.modified = moment


def _deterministic(data: bytes, doc: DocumentInput) -> bytes:
    """The same zip with every entry stamped with `generated_at` instead of the clock."""
    moment = utc(doc.generated_at)
    stamp = (
        max(moment.year, 1980),
        moment.month,
        moment.day,
        moment.hour,
        moment.minute,
        moment.second,
    )
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()


def render_docx(doc: DocumentInput) -> bytes:
    """The version as a .docx file."""
    page = view(doc)
    document = Document()
    _language(document)
    # The template's thumbnail is python-docx's own picture, not this document: leave it out.
    package_rels = document.part.package.rels
    for rel_id in [r for r, rel in package_rels.items() if rel.reltype == RT.THUMBNAIL]:
        del package_rels[rel_id]
    _page_setup(document, page)

    caption = document.add_paragraph()
    caption_run = caption.add_run("Data Sharing Agreement")
    caption_run.font.size, caption_run.font.color.rgb = Pt(12), GREY
    document.add_heading(page.title, level=1)
    _labelled(document, "Reference", page.reference)
    _labelled(document, "Version", str(page.version))
    _labelled(document, "Status", page.status)
    _labelled(document, "Content SHA-256", page.content_hash)
    _labelled(document, "Generated", f"{page.generated} by Accord")
    document.add_paragraph().add_run(page.signoff).bold = not page.signed_by_all
    if page.overarching:
        document.add_paragraph(page.overarching)
    for section in page.sections:
        _section(document, section)
    _signature_record(document, page)
    closing = document.add_paragraph()
    closing_run = closing.add_run(
        f"{page.identity}. Generated by Accord on {page.generated}. The SHA-256 identifies the "
        "exact text signed: any change to the agreement gives a new one."
    )
    closing_run.font.size, closing_run.font.color.rgb = Pt(8), GREY
    _properties(document, doc, page)

    buffer = io.BytesIO()
    document.save(buffer)
    return _deterministic(buffer.getvalue(), doc)
