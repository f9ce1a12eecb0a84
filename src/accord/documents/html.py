"""An agreement version as one accessible HTML page (and the source of the PDF).

Semantic and plain: lang="en-GB", one h1, an h2 for each section, real lists, a signatures table
with header cells. Every piece of text from the agreement is escaped, so markup typed into a
section (a <script> tag, say) is shown as text and never runs. No scripts, no external files:
the styles are inline so the page reads the same saved, printed or turned into a PDF.
"""

from __future__ import annotations

from html import escape
from typing import Final

from accord.documents.model import DocumentInput
from accord.documents.text import Bullets, DocumentView, Paragraph, SectionView, view

STYLE: Final = """
html { color: #0b0c0c; background: #fff; }
body { font-family: Arial, "Liberation Sans", "DejaVu Sans", sans-serif; font-size: 16px;
  line-height: 1.45; max-width: 46em; margin: 0 auto; padding: 1em 1.25em 2em; }
h1 { font-size: 2em; line-height: 1.15; margin: 0.1em 0 0.6em; }
h2 { font-size: 1.375em; line-height: 1.2; margin: 1.6em 0 0.5em; padding-top: 0.6em;
  border-top: 1px solid #b1b4b6; break-after: avoid; page-break-after: avoid; }
h3 { font-size: 1.05em; margin: 1em 0 0.3em; break-after: avoid; page-break-after: avoid; }
p, ul, ol, dl, table { margin: 0 0 0.8em; }
ul, ol { padding-left: 1.4em; }
ol.contents { list-style: none; padding-left: 0; }
li { margin-bottom: 0.25em; }
a { color: #1d70b8; }
code { font-family: "DejaVu Sans Mono", monospace; font-size: 0.85em; }
.identity, .hash { overflow-wrap: anywhere; word-break: break-all; }
.document-header .identity, .document-footer p { font-size: 0.85em; color: #505a5f; }
.caption { font-size: 1.1em; color: #505a5f; margin: 0.5em 0 0; }
dl.summary > div, dl.values > div { margin: 0 0 0.3em; }
dl.summary dt, dl.values dt { display: inline; font-weight: bold; }
dl.summary dt::after, dl.values dt::after { content: ": "; }
dl.summary dd, dl.values dd { display: inline; margin: 0; }
dl.values { border-left: 4px solid #b1b4b6; padding-left: 0.75em; }
.notice { border-left: 6px solid #1d70b8; padding: 0.4em 0 0.4em 0.9em; }
.notice.unsigned { border-left-color: #d4351c; font-weight: bold; }
.follows { font-style: italic; }
table { border-collapse: collapse; width: 100%; font-size: 0.9em; }
caption { text-align: left; font-weight: bold; margin-bottom: 0.4em; }
th, td { text-align: left; vertical-align: top; padding: 0.4em 0.6em 0.4em 0;
  border-bottom: 1px solid #b1b4b6; }
thead { display: table-header-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
.document-footer { margin-top: 2em; border-top: 1px solid #b1b4b6; padding-top: 0.5em; }
@page { size: A4; margin: 18mm 18mm 22mm 18mm; }
@media print {
  body { font-family: "Liberation Sans", Arial, "DejaVu Sans", sans-serif; font-size: 10.5pt;
    max-width: none; margin: 0; padding: 0; }
  a { color: #0b0c0c; }
  h1, nav { break-after: avoid; page-break-after: avoid; }
}
""".strip()


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _section(section: SectionView) -> str:
    heading = f"{section.anchor}-heading"
    parts = [
        f'<section id="{section.anchor}" aria-labelledby="{heading}">',
        f'<h2 id="{heading}">{section.number}. {_e(section.title)}</h2>',
    ]
    if section.follows:
        parts.append(f'<p class="follows">{_e(section.follows)}</p>')
    for block in section.blocks:
        if isinstance(block, Paragraph):
            parts.append("<p>" + "<br>\n".join(_e(line) for line in block.lines) + "</p>")
        elif isinstance(block, Bullets):
            items = "".join(f"<li>{_e(item)}</li>\n" for item in block.items)
            parts.append(f"<ul>\n{items}</ul>")
    if section.values:
        rows = "".join(
            f"<div><dt>{_e(label)}</dt><dd>{_e(value)}</dd></div>\n"
            for label, value in section.values
        )
        parts.append(f'<dl class="values" aria-label="Agreed values">\n{rows}</dl>')
    if section.links:
        links = "".join(
            f'<li><a href="{_e(url)}">{_e(label)}</a></li>\n' for label, url in section.links
        )
        parts.append(
            f'<h3>The law cited, on legislation.gov.uk</h3>\n<ul class="links">\n{links}</ul>'
        )
    parts.append("</section>")
    return "\n".join(parts)


def _signature_record(page: DocumentView) -> str:
    parts = [
        '<section id="signature-record" aria-labelledby="signature-record-heading">',
        '<h2 id="signature-record-heading">Signature record</h2>',
        f'<p class="notice{"" if page.signed_by_all else " unsigned"}">{_e(page.signoff)}</p>',
    ]
    if page.waiting:
        items = "".join(f"<li>{_e(item)}</li>\n" for item in page.waiting)
        parts.append(f"<p>Still waiting for:</p>\n<ul>\n{items}</ul>")
    if not page.signatures:
        parts.append("<p>No signature or consultation has been recorded for this agreement.</p>")
    else:
        rows = []
        for s in page.signatures:
            note = "" if s.counts else " (given on another version: it does not count for this one)"
            rows.append(
                "<tr>"
                f'<th scope="row">{_e(s.party)}</th>'
                f"<td>{_e(s.role)}</td>"
                f"<td>{_e(s.name)}</td>"
                f"<td>{_e(s.kind)}</td>"
                f'<td><time datetime="{_e(s.when_iso)}">{_e(s.when)}</time></td>'
                f'<td><code class="hash">{_e(s.version_hash)}</code>{_e(note)}</td>'
                "</tr>\n"
            )
        parts.append(
            "<table>\n<caption>Signatures and consultations recorded</caption>\n"
            "<thead><tr>"
            '<th scope="col">Party</th><th scope="col">Role</th><th scope="col">Name</th>'
            '<th scope="col">Signed or consulted</th><th scope="col">When</th>'
            '<th scope="col">SHA-256 of the version signed</th>'
            "</tr></thead>\n<tbody>\n" + "".join(rows) + "</tbody>\n</table>"
        )
    parts.append("</section>")
    return "\n".join(parts)


def render_html(doc: DocumentInput) -> str:
    """The version as a complete, self-contained HTML document."""
    page = view(doc)
    title = f"{page.title} ({page.reference}, version {page.version})"
    description = (
        f"Data Sharing Agreement {page.reference}, version {page.version}, "
        f"SHA-256 {page.content_hash}"
    )
    contents = "".join(
        f'<li><a href="#{s.anchor}">{s.number}. {_e(s.title)}</a></li>\n' for s in page.sections
    )
    notice = f'<p class="notice{"" if page.signed_by_all else " unsigned"}">{_e(page.signoff)}</p>'
    overarching = f"<p>{_e(page.overarching)}</p>\n" if page.overarching else ""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n"
        f'<meta name="description" content="{_e(description)}">\n'
        '<meta name="generator" content="Accord">\n'
        f'<meta name="dcterms.created" content="{_e(page.generated_iso)}">\n'
        f'<meta name="dcterms.modified" content="{_e(page.generated_iso)}">\n'
        f"<style>\n{STYLE}\n</style>\n</head>\n<body>\n"
        f'<header class="document-header">\n<p class="identity">{_e(page.identity)}</p>\n'
        "</header>\n<main>\n"
        '<p class="caption">Data Sharing Agreement</p>\n'
        f"<h1>{_e(page.title)}</h1>\n"
        '<dl class="summary">\n'
        f"<div><dt>Reference</dt><dd>{_e(page.reference)}</dd></div>\n"
        f"<div><dt>Version</dt><dd>{page.version}</dd></div>\n"
        f"<div><dt>Status</dt><dd>{_e(page.status)}</dd></div>\n"
        f'<div><dt>Content SHA-256</dt><dd><code class="hash">{_e(page.content_hash)}</code>'
        "</dd></div>\n"
        f'<div><dt>Generated</dt><dd><time datetime="{_e(page.generated_iso)}">'
        f"{_e(page.generated)}</time> by Accord</dd></div>\n"
        "</dl>\n"
        f"{notice}\n{overarching}"
        '<nav aria-labelledby="contents-heading">\n<h2 id="contents-heading">Contents</h2>\n'
        f'<ol class="contents">\n{contents}'
        '<li><a href="#signature-record">Signature record</a></li>\n</ol>\n</nav>\n'
        + "\n".join(_section(s) for s in page.sections)
        + "\n"
        + _signature_record(page)
        + "\n</main>\n"
        '<footer class="document-footer">\n'
        f'<p class="identity">{_e(page.identity)}</p>\n'
        f"<p>Generated by Accord on {_e(page.generated)}. The SHA-256 identifies the exact text "
        "signed: any change to the agreement gives a new one.</p>\n"
        "</footer>\n</body>\n</html>\n"
    )
