"""The HTML page of an agreement version: content, structure, accessibility and escaping."""

from __future__ import annotations

from dataclasses import replace
from html.parser import HTMLParser

from accord.documents.html import render_html
from accord.documents.text import Bullets, Paragraph, blocks
from tests.documents.helpers import FORMULA, SCRIPT, check_golden, draft, following, hostile, signed


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text, as a browser's parser sees them."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]


def test_draft_matches_its_golden_file() -> None:
    check_golden("draft.html", render_html(draft()))


def test_signed_matches_its_golden_file() -> None:
    check_golden("signed.html", render_html(signed()))


def test_page_is_english_with_one_h1_and_an_h2_per_section() -> None:
    doc = draft()
    page = Tags(render_html(doc))
    assert page.all("html") == [{"lang": "en-GB"}]
    assert len(page.all("h1")) == 1
    section_ids = [attrs["id"] for attrs in page.all("section")]
    assert len(section_ids) == len(doc.content["sections"]) + 1  # and the signature record
    h2_ids = [attrs["id"] for attrs in page.all("h2")]
    for section_id in section_ids:
        assert f"{section_id}-heading" in h2_ids


def test_bullet_lines_become_lists_and_the_title_is_set() -> None:
    html = render_html(draft())
    assert "<li>Use the data only for the purposes in this agreement</li>" in html
    assert (
        "<title>Discharge to assess from Riverside General Hospital (DSA-0001, version 3)</title>"
        in html
    )


def test_blocks_split_paragraphs_and_bullets() -> None:
    text = "Intro line\nsecond line\n\n- one\n- two\nAfter\n\n\n-  \n- three"
    assert blocks(text) == (
        Paragraph(("Intro line", "second line")),
        Bullets(("one", "two")),
        Paragraph(("After",)),
        Paragraph(("-",)),
        Bullets(("three",)),
    )


def test_reference_version_and_hash_head_and_foot_the_page() -> None:
    doc = draft()
    html = render_html(doc)
    identity = f"DSA-0001 · Version 3 · SHA-256 {doc.content_hash}"
    assert html.count(identity) == 2  # header and footer
    assert html.index(identity) < html.index("<h1>")
    assert html.rindex(identity) > html.index("Signature record")


def test_signature_record_lists_each_signature_in_a_table() -> None:
    doc = signed()
    page = Tags(render_html(doc))
    header = [attrs.get("scope") for attrs in page.all("th")]
    assert header[:6] == ["col"] * 6
    assert header[6:] == ["row", "row"]
    text = "".join(page.text)
    for record in doc.signatures:
        assert record.party in text
        assert record.name in text
        assert record.version_hash in text
    assert "Senior Information Risk Owner (SIRO)" in text
    assert "Data Protection Officer" in text
    assert "26 November 2026 at 09:30 UTC" in text
    assert "Every required signatory has signed this version." in text
    assert "Not everyone has signed" not in text


def test_draft_says_plainly_that_not_everyone_has_signed() -> None:
    text = "".join(Tags(render_html(draft())).text)
    assert "Not everyone has signed this version yet" in text
    assert "No signature or consultation has been recorded" in text
    # Who is still needed comes from the signatories section.
    assert "Riverside City Council: Caldicott Guardian (to sign)" in text


def test_a_signature_on_another_version_is_shown_but_does_not_count() -> None:
    doc = signed()
    other = replace(doc.signatures[0], version_hash="0" * 64)
    page = render_html(replace(doc, signatures=(other,), signed_by_all=False))
    assert "given on another version: it does not count for this one" in page
    assert (
        "Riverside University Hospitals NHS Foundation Trust: Senior Information Risk Owner" in page
    )


def test_markup_typed_into_the_agreement_is_shown_as_text() -> None:
    html = render_html(hostile())
    page = Tags(html)
    assert "script" not in [tag for tag, _ in page.tags]
    assert not page.all("img")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    text = "".join(page.text)
    assert SCRIPT in text  # shown, as text
    assert FORMULA in text
    for _, attrs in page.tags:
        for value in attrs.values():
            assert "javascript:" not in (value or "")
            assert "evil.example" not in (value or "")


def test_sections_that_follow_an_overarching_agreement_say_which() -> None:
    html = render_html(following())
    assert "Some sections follow the overarching agreement “Riverside Health and Care" in html
    assert html.count("This section follows the overarching agreement") == 4
    assert "OSA-0001" in html


def test_legislation_links_are_only_http() -> None:
    page = Tags(render_html(draft()))
    hrefs = [
        attrs["href"] or "" for attrs in page.all("a") if not (attrs["href"] or "").startswith("#")
    ]
    assert hrefs
    assert all(href.startswith("https://www.legislation.gov.uk/") for href in hrefs)
