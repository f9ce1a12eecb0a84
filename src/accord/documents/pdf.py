"""An agreement version as a tagged, accessible A4 PDF (PDF/UA-1), made from the HTML page.

Every page carries a running footer "Reference · Version N · SHA-256 <first 16 hex> · Page X of Y"
so a single printed page can be matched to the exact version signed. The PDF is tagged
(structure tree, /MarkInfo, /Lang en-GB, title shown in the window) because WeasyPrint's
"pdf/ua-1" variant turns tagging on; its default output is untagged.

Nothing is fetched while rendering: the URL fetcher refuses every URL and the HTML has no
external resources, so a link or image address typed into a section can never make the server
reach out. Fonts come from the system through fontconfig (Liberation Sans if installed, else
DejaVu Sans).

Tech pitfalls:
- WeasyPrint needs Pango 1.44 or later from the system, not from PyPI: on Debian
  `libpango-1.0-0`, `libpangoft2-1.0-0` and `libharfbuzz-subset0` (present in the base image
  here), plus fonts (`fonts-dejavu-core`; `fonts-liberation2` for Arial-metric Liberation Sans).
  Without Pango `import weasyprint` fails with an OSError naming the missing library.
- The default PDF variant is untagged, which fails accessibility checks: always pass
  `pdf_variant="pdf/ua-1"` both when laying out and when writing.
- Line breaks and the page count depend on the fonts installed, so tests compare the text of a
  PDF with whitespace normalised, never its layout.
- Importing WeasyPrint takes about a second: import this module only where a PDF is made.
"""

from __future__ import annotations

from typing import Any, Final

from weasyprint import CSS, HTML, Document
from weasyprint.urls import URLFetcher

from accord.documents.html import render_html
from accord.documents.model import DocumentInput
from accord.documents.text import view

PDF_VARIANT: Final = "pdf/ua-1"
_SAFE_IN_CSS: Final = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_.,:;()/"
)


class FetchRefused(Exception):
    """Raised for any URL WeasyPrint tries to fetch: documents load nothing from anywhere."""


class RefuseAllFetcher(URLFetcher):  # type: ignore[misc]  # WeasyPrint has no type hints
    """A URL fetcher that refuses everything, and makes WeasyPrint stop if anything is asked."""

    def __init__(self) -> None:
        super().__init__(fail_on_errors=True)

    def fetch(self, url: str, headers: Any = None) -> Any:
        raise FetchRefused(f"Documents fetch nothing; refused {url!r}")


def css_string(text: str) -> str:
    """A CSS string literal for any text: everything but plain characters is hex-escaped.

    Each escape ends with a space, which CSS consumes as the escape's end (it would otherwise
    swallow a real space that follows).
    """
    return '"' + "".join(c if c in _SAFE_IN_CSS else f"\\{ord(c):x} " for c in text) + '"'


def print_css(doc: DocumentInput) -> str:
    """The running footer. Passed to WeasyPrint as a user stylesheet, which author styles
    override: the page's own print rules (A4, fonts, sizes) live in its <style>, and only the
    footer, which the page leaves alone, is added here."""
    footer = view(doc).short_identity + " · Page "
    return f"""
@page {{
  @bottom-center {{
    content: {css_string(footer)} counter(page) " of " counter(pages);
    font-family: "Liberation Sans", Arial, "DejaVu Sans", sans-serif;
    font-size: 8.5pt;
    color: #505a5f;
  }}
}}
"""


def layout(doc: DocumentInput) -> Document:
    """The laid-out pages (WeasyPrint's Document), e.g. to count them before writing."""
    html = HTML(string=render_html(doc), url_fetcher=RefuseAllFetcher(), base_url=None)
    return html.render(
        stylesheets=[CSS(string=print_css(doc), url_fetcher=RefuseAllFetcher())],
        pdf_variant=PDF_VARIANT,
    )


def render_pdf(doc: DocumentInput) -> bytes:
    """The version as a PDF/UA-1 file."""
    pdf: bytes = layout(doc).write_pdf(pdf_variant=PDF_VARIANT)
    return pdf
