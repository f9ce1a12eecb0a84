"""Forms for reviews: recording one, asking for one, and a party joining or leaving.

The services check the rules (who may, and whether the finding holds together); these forms
check only that each answer is there and well formed.
"""

from __future__ import annotations

from django import forms

from accord.apps.organisations.models import Organisation
from accord.core import review as rules

_YES_NO = [("yes", "Yes"), ("no", "No")]


def _yes(value: str) -> bool:
    return value == "yes"


class RecordForm(forms.Form):
    achieves_purpose = forms.TypedChoiceField(
        label="Does the sharing still achieve its purpose?",
        help_text="Look at what was shared and what came of it since the last review.",
        choices=_YES_NO,
        coerce=_yes,
        widget=forms.RadioSelect,
        error_messages={"required": "Select yes if the sharing still achieves its purpose"},
    )
    still_necessary = forms.TypedChoiceField(
        label="Is the sharing still necessary?",
        help_text="Could the purpose now be met with less data, or none?",
        choices=_YES_NO,
        coerce=_yes,
        widget=forms.RadioSelect,
        error_messages={"required": "Select yes if the sharing is still necessary"},
    )
    outcome = forms.ChoiceField(
        label="Outcome of the review",
        choices=list(rules.OUTCOMES.items()),
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the outcome of the review"},
    )
    notes = forms.CharField(
        label="What the review found",
        help_text="Every party reads this, and so will the next reviewer.",
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=5000,
        error_messages={
            "required": "Say what the review found, so the next reviewer can read why",
            "max_length": "Keep the notes to 5,000 characters or fewer",
        },
    )

    def finding(self) -> rules.Finding:
        data = self.cleaned_data
        return rules.Finding(
            achieves_purpose=data["achieves_purpose"],
            still_necessary=data["still_necessary"],
            outcome=data["outcome"],
            notes=data["notes"],
        )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Why",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        error_messages={
            "required": "Give the reason, so every party can see why",
            "max_length": "Keep the reason to 2,000 characters or fewer",
        },
    )

    def __init__(self, *args: object, label: str = "Why", **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["reason"].label = label


class JoinForm(ReasonForm):
    organisation = forms.ModelChoiceField(
        label="Organisation asking to join",
        queryset=Organisation.objects.none(),
        empty_label="Choose an organisation",
        error_messages={
            "required": "Choose the organisation asking to join",
            "invalid_choice": "Choose an organisation from the list",
        },
    )

    field_order = ["organisation", "reason"]

    def __init__(self, *args: object, candidates: object = None, **kwargs: object) -> None:
        super().__init__(*args, label="What it would share or receive, and why", **kwargs)
        self.fields["organisation"].queryset = candidates  # type: ignore[attr-defined]
