"""Agreement wording as GOV.UK HTML: paragraphs, bullet lists, and marked differences."""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.utils.html import escape, format_html_join
from django.utils.safestring import SafeString, mark_safe

from accord.core.agreement.versions import Piece

register = template.Library()


@register.filter
def as_paragraphs(text: str) -> SafeString:
    """Blank lines separate paragraphs; lines starting "- " are bullets. Everything is escaped."""
    parts: list[str] = []
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
                items = "".join(f"<li>{escape(item[2:])}</li>" for item in run)
                parts.append(f'<ul class="govuk-list govuk-list--bullet">{items}</ul>')
            else:
                parts.append(
                    '<p class="govuk-body">' + "<br>".join(escape(p) for p in run) + "</p>"
                )
            run = []
    return mark_safe("".join(parts))  # noqa: S308 - every piece of text above is escaped


@register.filter
def pieces(items: Iterable[Piece]) -> SafeString:
    """Changed words in <del>/<ins>, with hidden words for screen readers."""
    return format_html_join(
        "",
        "{}",
        (
            (
                mark_safe(  # noqa: S308 - the text is escaped
                    {
                        "same": "{t}",
                        "removed": '<del class="accord-removed"><span class="govuk-visually-hidden">removed: </span>{t}</del>',
                        "added": '<ins class="accord-added"><span class="govuk-visually-hidden">added: </span>{t}</ins>',
                    }[p.change].format(t=escape(p.text))
                ),
            )
            for p in items
        ),
    )
