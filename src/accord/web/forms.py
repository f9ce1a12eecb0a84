"""Django forms rendered with GOV.UK Design System markup.

`{{ form }}` and `{{ form.field.as_field_group }}` use the templates in templates/govuk/, which
pick the GOV.UK component for each widget (input, textarea, radios, checkboxes, select).
"""

from __future__ import annotations

from django.forms.renderers import TemplatesSetting


class GovukFormRenderer(TemplatesSetting):
    form_template_name = "govuk/form.html"
    field_template_name = "govuk/field.html"
