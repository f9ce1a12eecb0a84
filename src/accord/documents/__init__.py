"""Documents a DPO files: an agreement version as HTML, PDF, Word and linked data.

Pure Python, no Django (an import-linter contract says so): the web views, the benchmarks and the
tests build a `model.DocumentInput` and call one renderer, each in its own module so that only
the libraries needed are imported (WeasyPrint alone takes about a second):

- `html.render_html(doc) -> str`      accessible HTML, the source of the PDF
- `pdf.render_pdf(doc) -> bytes`      tagged PDF/UA-1, A4, footer on every page
- `docx.render_docx(doc) -> bytes`    Word, with heading styles, lists and a signatures table
- `rdf.render_graph(doc) -> Graph`, `rdf.render_jsonld(doc) -> str`, `rdf.render_turtle(doc)
  -> str`                             W3C DPV 2.3 + ODRL 2.2 (terms checked against `vocab/`)

Every renderer works from `text.view(doc)` or the content itself, so all formats say the same.
"""
