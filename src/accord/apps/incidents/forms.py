"""The incident report form. It checks the shape of each answer; the service checks the rules
(dates not in the future, found after it happened) and its errors land on the same fields."""

from __future__ import annotations

from django import forms

from accord.core import incident
from accord.web.dates import DateInputField


def _yes_no(value: str) -> bool:
    return value == "yes"


class IncidentForm(forms.Form):
    kind = forms.ChoiceField(
        label="What kind of incident is it?",
        help_text="It is a personal data breach if personal data was lost, destroyed or "
        "changed, or seen or sent without authority, by accident or on purpose.",
        choices=list(incident.KINDS.items()),
        widget=forms.RadioSelect,
        error_messages={"required": "Select what kind of incident it is"},
    )
    occurred_on = DateInputField(
        what="the date the incident happened",
        label="When did it happen?",
        help_text="If you do not know the exact day, give your best estimate. For example, "
        "27 3 2026.",
    )
    found_on = DateInputField(
        what="the date the incident was found",
        label="When did your organisation find out about it?",
        help_text="The 72 hours to report a personal data breach to the ICO start when you "
        "become aware of it. For example, 28 3 2026.",
    )
    description = forms.CharField(
        label="What happened?",
        help_text="Say what happened, how it was found and which systems or people were "
        "involved. Do not include the personal data itself.",
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=incident.DESCRIPTION_MAX,
        error_messages={
            "required": "Describe what happened",
            "max_length": f"The description must be {incident.DESCRIPTION_MAX} characters or fewer",
        },
    )
    data_affected = forms.CharField(
        label="Which data was affected?",
        help_text="Needed for a personal data breach. Give the kinds of data, for example "
        "names and attendance records, not the data itself.",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=incident.TEXT_MAX,
        error_messages={
            "max_length": f"The data affected must be {incident.TEXT_MAX} characters or fewer"
        },
    )
    people_affected = forms.IntegerField(
        label="How many people are affected? (optional)",
        help_text="Leave this empty if you do not know yet. Enter 0 if nobody's data was affected.",
        required=False,
        min_value=0,
        max_value=incident.PEOPLE_MAX,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-10"}),
        error_messages={
            "invalid": "Enter the number of people affected as a whole number, like 12",
            "min_value": "The number of people affected must be 0 or more",
            "max_value": "The number of people affected must be 100,000,000 or fewer",
        },
    )
    reported_to_ico = forms.ChoiceField(
        label="Has it been reported to the Information Commissioner's Office (ICO)?",
        help_text="A personal data breach that is likely to result in a risk to people must "
        "be reported to the ICO within 72 hours of becoming aware of it (UK GDPR Article 33). "
        "The organisation that controls the data reports it.",
        choices=list(incident.ICO_ANSWERS.items()),
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether the incident has been reported to the ICO"},
    )
    contained = forms.TypedChoiceField(
        label="Has the incident been contained?",
        help_text="Contained means it has stopped and cannot get worse, for example a lost "
        "laptop was found or a wrongly sent e-mail was deleted by the person who got it.",
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=_yes_no,
        widget=forms.RadioSelect,
        error_messages={"required": "Select yes if the incident has been contained"},
    )
    actions_taken = forms.CharField(
        label="What has been done about it? (optional)",
        help_text="For example, who has been told, what was recovered and what will stop it "
        "happening again.",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=incident.TEXT_MAX,
        error_messages={
            "max_length": f"What has been done must be {incident.TEXT_MAX} characters or fewer"
        },
    )


class SuspendForm(forms.Form):
    reason = forms.CharField(
        label="Anything to add to the reason? (optional)",
        help_text="The reason every party sees names the incident. Add anything they need to know.",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1500,
        error_messages={"max_length": "Enter at most 1,500 characters"},
    )
