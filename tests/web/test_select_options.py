"""A GOV.UK select writes its options in one pass in Python (`select_options` in
accord.web.templatetags.govuk): the register's list of partners can hold a thousand. The markup
must be what the template loop it replaced wrote, escaped the same way."""

from __future__ import annotations

import datetime as dt

import pytest
from django import forms
from django.template import engines
from django.utils.safestring import mark_safe

# The loop govuk/field.html had before `select_options`.
LOOP = (
    '{% for value, label in field.field.choices %}<option value="{{ value }}"'
    '{% if value|stringformat:"s" == field.value|stringformat:"s" %} selected{% endif %}>'
    "{{ label }}</option>{% endfor %}"
)


class Choose(forms.Form):
    partner = forms.ChoiceField(
        required=False,
        choices=[("", "Any partner"), ("12", "Smith & Jones <Ltd>"), ("7", 'The "Quoted" Trust')],
    )
    number = forms.TypedChoiceField(required=False, choices=[(1, "One"), (2, "Two")], coerce=int)
    day = forms.ChoiceField(required=False, choices=[(dt.date(2027, 1, 31), "End of January")])
    marked = forms.ChoiceField(required=False, choices=[("a", mark_safe("<i>kept</i>"))])


def render(source: str, field: forms.BoundField) -> str:
    return engines["django"].from_string(source).render({"field": field})


@pytest.mark.parametrize(
    "data", [{}, {"partner": "12", "number": "2"}, {"partner": "nonsense", "day": "2027-01-31"}]
)
@pytest.mark.parametrize("autoescape", ["on", "off"])
def test_the_options_are_written_as_the_template_loop_wrote_them(
    data: dict[str, str], autoescape: str
) -> None:
    form = Choose(data)
    form.is_valid()
    for field in form:
        wrapped = "{% autoescape " + autoescape + " %}{}{% endautoescape %}"
        assert render(wrapped.replace("{}", "{% select_options field %}"), field) == render(
            wrapped.replace("{}", LOOP), field
        )


def test_the_chosen_option_is_selected_and_names_are_escaped() -> None:
    form = Choose({"partner": "12"})
    assert form.is_valid()
    assert render("{% select_options field %}", form["partner"]) == (
        '<option value="">Any partner</option>'
        '<option value="12" selected>Smith &amp; Jones &lt;Ltd&gt;</option>'
        '<option value="7">The &quot;Quoted&quot; Trust</option>'
    )
