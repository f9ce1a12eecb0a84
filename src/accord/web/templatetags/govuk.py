"""Template helpers for GOV.UK markup and Accord's labels."""

from __future__ import annotations

import html
from typing import Any

from django import template
from django.forms import BoundField
from django.template.base import render_value_in_context
from django.template.defaultfilters import stringformat
from django.utils.safestring import SafeString, mark_safe

from accord.core import codes
from accord.core.access import ROLES

register = template.Library()

_STATUS_TAGS = {
    "Completed": "",
    "In progress": "govuk-tag--light-blue",
    "Not started": "govuk-tag--blue",
    "Cannot start yet": "govuk-tag--grey",
    "recommended": "govuk-tag--green",
    "possible": "govuk-tag--blue",
    "acceptable": "govuk-tag--blue",
    "discouraged": "govuk-tag--yellow",
    "unavailable": "govuk-tag--grey",
    "not-allowed": "govuk-tag--red",
    "met": "govuk-tag--orange",
    "not-met": "govuk-tag--grey",
    "yes": "govuk-tag--green",
    "yes-if": "govuk-tag--yellow",
    "no": "govuk-tag--red",
    "low": "govuk-tag--green",
    "medium": "govuk-tag--yellow",
    "high": "govuk-tag--red",
}
_VERDICTS = {"yes": "Yes", "yes-if": "Yes, if", "no": "No"}


@register.filter
def tag_class(status: str) -> str:
    """The GOV.UK tag modifier for a status word."""
    return _STATUS_TAGS.get(status, "govuk-tag--grey")


@register.filter
def status_label(status: str) -> str:
    return _VERDICTS.get(status) or status.replace("-", " ").capitalize()


@register.filter
def code_label(code: str) -> str:
    """A code from the initiative format as words: "adult-social-care" -> "Adult social care"."""
    return codes.label(code)


@register.filter
def role_label(role: str) -> str:
    return ROLES.get(role, role)


@register.filter
def widget_type(field: BoundField) -> str:
    return str(getattr(field.field.widget, "input_type", "") or type(field.field.widget).__name__)


@register.simple_tag
def field_classes(field: BoundField, base: str) -> str:
    classes = [base]
    extra = field.field.widget.attrs.get("class")
    if extra:
        classes.append(str(extra))
    if field.errors:
        classes.append(f"{base}--error")
    return " ".join(classes)


@register.simple_tag(takes_context=True)
def select_options(context: template.Context, field: BoundField) -> SafeString:
    """A select's options, the one whose value reads as the field's selected, written as the
    template loop `<option value="{{ value }}"...>{{ label }}</option>` wrote them, in one pass:
    the register's list of partners can hold a thousand, and the loop spent 0.1 ms on each
    (measured by bench/register.py)."""
    current = stringformat(field.value(), "s")
    autoescape = context.autoescape

    def written(value: object) -> str:
        # A plain str is written as {{ }} writes it: escaped (not localised, not a date).
        if type(value) is str:
            return html.escape(value) if autoescape else value
        return str(render_value_in_context(value, context))

    options = []
    for value, label in field.field.choices:  # type: ignore[attr-defined]
        selected = " selected" if stringformat(value, "s") == current else ""
        options.append(f'<option value="{written(value)}"{selected}>{written(label)}</option>')
    # Each value and label is escaped as {{ }} escapes it.
    return mark_safe("".join(options))  # noqa: S308  # nosec B308 B703  # each piece escaped above


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key) if mapping else None
