"""Template helpers for GOV.UK markup and Accord's labels."""

from __future__ import annotations

from typing import Any

from django import template
from django.forms import BoundField

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


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key) if mapping else None
