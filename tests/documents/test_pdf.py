"""The PDF: tagged PDF/UA-1, metadata, a footer on every page, the text, and no fetching."""

from __future__ import annotations

import re
import textwrap

import pytest
from weasyprint import HTML
from weasyprint.urls import FatalURLFetchingError

from accord.documents.pdf import RefuseAllFetcher, css_string, layout, render_pdf
from accord.documents.text import view
from tests.documents.helpers import check_golden, hostile, signed
from tests.documents.pdftext import Name, Pdf, Stream


@pytest.fixture(scope="module")
def signed_pdf() -> bytes:
    return render_pdf(signed())


def _text(value: bytes) -> str:
    if value.startswith(b"\xfe\xff"):
        return value[2:].decode("utf-16-be")
    return value.decode("latin-1")


def test_is_tagged_pdf_ua_1_in_british_english(signed_pdf: bytes) -> None:
    pdf = Pdf(signed_pdf)
    catalog = pdf.catalog
    assert "StructTreeRoot" in catalog
    assert pdf.get(catalog["MarkInfo"]) == {"Marked": True}
    assert catalog["Lang"] == b"en-GB"
    assert pdf.get(catalog["ViewerPreferences"])["DisplayDocTitle"] is True
    metadata = pdf.get(catalog["Metadata"])
    assert isinstance(metadata, Stream)
    xmp = metadata.data.decode()
    assert re.search(r'pdfuaid:part="1"|<pdfuaid:part>1</pdfuaid:part>', xmp)


def test_title_subject_and_dates_are_set(signed_pdf: bytes) -> None:
    info = Pdf(signed_pdf).info
    doc = signed()
    assert (
        _text(info["Title"])
        == "Discharge to assess from Riverside General Hospital (DSA-0001, version 3)"
    )
    assert doc.content_hash in _text(info["Subject"])
    assert _text(info["CreationDate"]).startswith("D:20261127100000")
    assert _text(info["ModDate"]) == _text(info["CreationDate"])


def test_pages_are_a4(signed_pdf: bytes) -> None:
    for page in Pdf(signed_pdf).pages():
        width, height = page["MediaBox"][2:]
        assert round(width * 25.4 / 72) == 210
        assert round(height * 25.4 / 72) == 297


def test_every_page_has_the_running_footer(signed_pdf: bytes) -> None:
    doc = signed()
    pages = Pdf(signed_pdf).page_lines()
    assert len(pages) > 1
    short = view(doc).short_identity
    assert short == f"DSA-0001 · Version 3 · SHA-256 {doc.content_hash[:16]}"
    for number, lines in enumerate(pages, 1):
        assert f"{short} · Page {number} of {len(pages)}" in lines


def _reading_text(pdf: bytes, footer_start: str) -> str:
    """The text in reading order without the footers, wrapped; line breaks depend on fonts."""
    lines = [
        line for page in Pdf(pdf).page_lines() for line in page if not line.startswith(footer_start)
    ]
    return textwrap.fill(" ".join(" ".join(lines).split()), width=100) + "\n"


def test_text_matches_its_golden_file(signed_pdf: bytes) -> None:
    short = view(signed()).short_identity
    # Where lines break depends on the fonts installed (Liberation Sans or DejaVu Sans): the
    # words must match, not the wrapping.
    check_golden("signed.pdf.txt", _reading_text(signed_pdf, short), ignore_whitespace=True)


def test_same_input_gives_the_same_bytes(signed_pdf: bytes) -> None:
    assert render_pdf(signed()) == signed_pdf


def test_nothing_is_fetched_for_markup_in_the_agreement() -> None:
    # The hostile input contains an <img src="http://..."> typed as text: it is escaped, so
    # rendering succeeds; were anything fetched, the refusing fetcher would stop the render.
    pdf = Pdf(render_pdf(hostile()))
    text = " ".join(line for page in pdf.page_lines() for line in page)
    assert '<img src="http://evil.example/x.png">' in text


def test_the_fetcher_refuses_everything() -> None:
    html = HTML(string='<img src="http://example.org/x.png">', url_fetcher=RefuseAllFetcher())
    with pytest.raises(FatalURLFetchingError):
        html.render()


def test_footer_text_is_escaped_for_css() -> None:
    assert css_string('DSA "1" · \\ }') == '"DSA \\22 1\\22  \\b7  \\5c  \\7d "'


def test_layout_counts_pages() -> None:
    assert len(layout(signed()).pages) == len(Pdf(render_pdf(signed())).pages())


def test_xmp_and_info_never_mention_the_pdf_library_as_author(signed_pdf: bytes) -> None:
    info = Pdf(signed_pdf).info
    assert info.get("Creator") == b"Accord"
    assert "Author" not in info
    assert info["Producer"].startswith(b"WeasyPrint")
    assert Name("Catalog") == Pdf(signed_pdf).catalog["Type"]
