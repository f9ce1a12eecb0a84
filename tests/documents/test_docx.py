"""The Word file: heading styles, real lists, the signatures table, properties, plain text."""

from __future__ import annotations

import io
import zipfile

import docx
import pytest
from docx.document import Document as WordDocument
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph

from accord.documents.docx import render_docx
from accord.documents.text import view
from tests.documents.helpers import (
    FORMULA,
    GENERATED_AT,
    SCRIPT,
    check_golden,
    draft,
    hostile,
    signed,
)


@pytest.fixture(scope="module")
def signed_docx() -> bytes:
    return render_docx(signed())


def _open(data: bytes) -> WordDocument:
    return docx.Document(io.BytesIO(data))


def _body(document: WordDocument) -> list[Paragraph | Table]:
    """Paragraphs and tables in document order."""
    items: list[Paragraph | Table] = []
    for child in document.element.body.iterchildren():
        if child.tag == qn("w:p"):
            items.append(Paragraph(child, document))
        elif child.tag == qn("w:tbl"):
            items.append(Table(child, document))
    return items


def _outline(document: WordDocument) -> str:
    lines = []
    for item in _body(document):
        if isinstance(item, Table):
            for row in item.rows:
                lines.append("| " + " | ".join(cell.text for cell in row.cells) + " |")
        elif item.text:
            style = item.style.name if item.style is not None else "?"
            lines.append(f"[{style}] {item.text}")
    return "\n".join(lines) + "\n"


def test_text_and_styles_match_the_golden_file(signed_docx: bytes) -> None:
    check_golden("signed.docx.txt", _outline(_open(signed_docx)))


def test_sections_use_heading_styles(signed_docx: bytes) -> None:
    document = _open(signed_docx)
    headings = [
        p for p in document.paragraphs if p.style is not None and p.style.name.startswith("Heading")
    ]
    level_1 = [p.text for p in headings if p.style is not None and p.style.name == "Heading 1"]
    level_2 = [p.text for p in headings if p.style is not None and p.style.name == "Heading 2"]
    assert level_1 == ["Discharge to assess from Riverside General Hospital"]
    sections = signed().content["sections"]
    assert level_2 == [f"{n}. {s['title']}" for n, s in enumerate(sections, 1)] + [
        "Signature record"
    ]


def test_bullets_are_real_list_paragraphs(signed_docx: bytes) -> None:
    document = _open(signed_docx)
    bullets = [
        p for p in document.paragraphs if p.style is not None and p.style.name == "List Bullet"
    ]
    assert any(p.text == "Use the data only for the purposes in this agreement" for p in bullets)
    # The style carries the numbering, so Word shows (and screen readers announce) a list.
    style = document.styles["List Bullet"].element
    assert style.find(qn("w:pPr") + "/" + qn("w:numPr")) is not None


def test_signatures_table_has_a_repeating_header_row_and_alt_text(signed_docx: bytes) -> None:
    document = _open(signed_docx)
    assert len(document.tables) == 1
    table = document.tables[0]
    header = table.rows[0]
    assert [c.text for c in header.cells] == [
        "Party",
        "Role",
        "Name",
        "Signed or consulted",
        "When",
        "SHA-256 of the version signed",
    ]
    assert header._tr.trPr.find(qn("w:tblHeader")) is not None
    assert table._tbl.tblPr.find(qn("w:tblCaption")).get(qn("w:val")) == (
        "Signatures and consultations recorded"
    )
    doc = signed()
    rows = [[c.text for c in row.cells] for row in table.rows[1:]]
    assert rows[0][:3] == [
        "Riverside University Hospitals NHS Foundation Trust",
        "Senior Information Risk Owner (SIRO)",
        "Dr Amara Okafor",
    ]
    assert rows[1][3] == "Consulted"
    assert rows[0][5] == doc.content_hash


def test_draft_has_no_table_and_says_who_has_not_signed() -> None:
    document = _open(render_docx(draft()))
    assert not document.tables
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Not everyone has signed this version yet" in text
    assert "Riverside City Council: Senior Information Risk Owner (SIRO) (to sign)" in text


def test_core_properties_and_language(signed_docx: bytes) -> None:
    document = _open(signed_docx)
    doc = signed()
    core = document.core_properties
    assert core.title == "Discharge to assess from Riverside General Hospital"
    assert core.subject == f"DSA-0001 · Version 3 · SHA-256 {doc.content_hash}"
    assert core.created == GENERATED_AT
    assert core.modified == GENERATED_AT
    assert core.language == "en-GB"
    assert core.author == "Accord"
    defaults = document.styles.element.find(qn("w:docDefaults"))
    lang = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:lang')}")
    assert lang.get(qn("w:val")) == "en-GB"


def test_every_page_footer_has_identity_and_page_fields(signed_docx: bytes) -> None:
    document = _open(signed_docx)
    footer = document.sections[0].footer.paragraphs[0]
    assert footer.text.startswith(view(signed()).short_identity + " · Page ")
    fields = [f.get(qn("w:instr")) for f in footer._p.iter(qn("w:fldSimple"))]
    assert fields == ["PAGE", "NUMPAGES"]
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)


def test_typed_markup_and_formulas_stay_plain_text() -> None:
    data = render_docx(hostile())
    document = _open(data)
    text = "\n".join(p.text for p in document.paragraphs)
    assert SCRIPT in text
    assert FORMULA in text
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()
    assert "&lt;script&gt;" in xml
    assert "<script" not in xml
    # No field holds the formula: it is a run of text, not a HYPERLINK field.
    instructions = [f.get(qn("w:instr")) for f in document.element.body.iter(qn("w:fldSimple"))]
    instructions += [t.text for t in document.element.body.iter(qn("w:instrText"))]
    assert not any("HYPERLINK" in (i or "") for i in instructions)
    # The only hyperlinks are Accord's own links to legislation.gov.uk.
    rels = document.part.rels
    links = [
        rels[h.get(qn("r:id"))].target_ref for h in document.element.body.iter(qn("w:hyperlink"))
    ]
    assert links
    assert all(link.startswith("https://www.legislation.gov.uk/") for link in links)


def test_same_input_gives_the_same_bytes(signed_docx: bytes) -> None:
    assert render_docx(signed()) == signed_docx
    entries = zipfile.ZipFile(io.BytesIO(signed_docx)).infolist()
    assert {e.date_time for e in entries} == {(2026, 11, 27, 10, 0, 0)}
    assert "docProps/thumbnail.jpeg" not in {e.filename for e in entries}
