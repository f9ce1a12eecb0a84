"""A GOV.UK date input (day, month, year) as one Django form field.

`{{ form }}` and `{{ form.field.as_field_group }}` render it as the Design System's date input
pattern: a fieldset whose legend is the question, a hint, the error message, then three text
inputs. Its errors follow the pattern's wording: "Enter the date ...", "The date ... must
include a month", "The date ... must be a real date". The error summary links to the day.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

_PARTS = ("day", "month", "year")


class DateInputWidget(forms.MultiWidget):
    template_name = "govuk/date_input.html"

    def __init__(self) -> None:
        super().__init__({part: forms.TextInput(attrs={"inputmode": "numeric"}) for part in _PARTS})

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, dt.date):
            return [value.day, value.month, value.year]
        return [None, None, None]

    def id_for_label(self, id_: str) -> str:
        # The error summary links here: the day, the first of the three inputs.
        return f"{id_}_0" if id_ else ""

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        attrs = dict(attrs or {})
        # The fieldset carries the hint and the error; each input only says it is in error.
        invalid = attrs.pop("aria-invalid", None) == "true"
        attrs.pop("aria-describedby", None)
        context = super().get_context(name, value, attrs)
        context["widget"]["invalid"] = invalid
        for sub, label in zip(context["widget"]["subwidgets"], _PARTS, strict=True):
            sub["label"] = label.capitalize()
            sub["width"] = 4 if label == "year" else 2
        return context


class DateInputField(forms.MultiValueField):
    """A date entered in three boxes. `what` names it in errors: "the date it was found"."""

    widget = DateInputWidget

    def __init__(self, *, what: str, **kwargs: Any) -> None:
        self.what = what
        fields = (
            forms.CharField(required=False),
            forms.CharField(required=False),
            forms.CharField(required=False),
        )
        kwargs.setdefault("error_messages", {})
        kwargs["error_messages"].setdefault("required", f"Enter {what}")
        kwargs.setdefault("template_name", "govuk/date_field.html")
        super().__init__(fields, require_all_fields=False, **kwargs)

    def compress(self, data_list: list[str]) -> dt.date | None:
        parts = [str(p or "").strip() for p in (data_list or ["", "", ""])]
        if not any(parts):
            return None
        missing = [name for name, part in zip(_PARTS, parts, strict=True) if not part]
        what = self.what[0].upper() + self.what[1:]
        if missing:
            raise forms.ValidationError(
                f"{what} must include a {' and a '.join(missing)}", code="incomplete"
            )
        try:
            day, month, year = (int(p) for p in parts)
            if year < 1000:
                raise ValueError("a year has four digits")
            return dt.date(year, month, day)
        except ValueError:
            raise forms.ValidationError(f"{what} must be a real date", code="invalid") from None
