"""Forms for the register: searching it, and a party's answer. Services check the rules."""

from __future__ import annotations

from django import forms


class SearchForm(forms.Form):
    organisation = forms.CharField(
        label="Organisation name",
        help_text="All or part of the name of an organisation that shares or receives data.",
        required=False,
        max_length=200,
        error_messages={"max_length": "Enter an organisation name of 200 characters or fewer"},
    )


class ConsentForm(forms.Form):
    agreed = forms.TypedChoiceField(
        label="Does your organisation agree to publish this agreement in the public register?",
        help_text="The register shows a plain-English summary to anyone, without signing in, "
        "once the agreement is live and every party has agreed. It names organisations, never "
        "people's e-mail addresses.",
        choices=[("yes", "Yes, publish it"), ("no", "No, do not publish it")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Select yes if your organisation agrees to publish it"},
    )
