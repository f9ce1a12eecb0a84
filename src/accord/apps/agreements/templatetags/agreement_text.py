"""Agreement wording as GOV.UK HTML: paragraphs, bullet lists, and marked differences."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from accord.core.agreement.versions import Piece

register = template.Library()

# format_html escapes every value put into these; none of them holds user text itself.
_PIECE: Final = {
    "same": "{}",
    "removed": '<del class="accord-removed"><span class="govuk-visually-hidden">removed: </span>{}</del>',
    "added": '<ins class="accord-added"><span class="govuk-visually-hidden">added: </span>{}</ins>',
}


@register.filter
def as_paragraphs(text: str) -> SafeString:
    """Blank lines separate paragraphs; lines starting "- " are bullets. Everything is escaped."""
    parts: list[SafeString] = []
    for block in str(text).replace("\r\n", "\n").split("\n\n"):
        lines = [line for line in block.split("\n") if line.strip()]
        # Runs of bullet lines become one list; other runs one paragraph with line breaks.
        run: list[str] = []
        for index, line in enumerate(lines):
            run.append(line)
            is_bullet = line.startswith("- ")
            following = lines[index + 1] if index + 1 < len(lines) else None
            if following is not None and following.startswith("- ") == is_bullet:
                continue
            if is_bullet:
                items = format_html_join("", "<li>{}</li>", ((item[2:],) for item in run))
                parts.append(
                    format_html('<ul class="govuk-list govuk-list--bullet">{}</ul>', items)
                )
            else:
                rest = format_html_join("", "<br>{}", ((later,) for later in run[1:]))
                parts.append(format_html('<p class="govuk-body">{}{}</p>', run[0], rest))
            run = []
    return format_html_join("", "{}", ((part,) for part in parts))


@register.filter
def pieces(items: Iterable[Piece]) -> SafeString:
    """Changed words in <del>/<ins>, with hidden words for screen readers."""
    return format_html_join("", "{}", ((format_html(_PIECE[p.change], p.text),) for p in items))
