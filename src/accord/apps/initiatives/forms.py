"""Forms for the initiative journey: one question per page where it helps (GOV.UK pattern)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from accord.apps.initiatives.services import FIELD_NAME_MAX
from accord.core import codes
from accord.core.dpia import LIKELIHOODS, SEVERITIES
from accord.web.uploads import UploadField


def _choices(values: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(value, codes.label(value)) for value in values]


class StartForm(forms.Form):
    title = forms.CharField(
        label="What is the initiative called?",
        help_text="A name partners will recognise, like “Northshire MASH (children)”",
        max_length=300,
        error_messages={"required": "Enter a title for the initiative"},
    )
    lead: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="Which organisation leads it?",
        queryset=None,
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": "Choose the organisation that leads the initiative"},
    )

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["lead"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = organisations
        if organisations.count() == 1:
            field.initial = organisations.first()
            field.widget = forms.HiddenInput()


class ImportForm(forms.Form):
    file = UploadField(
        label="Upload an initiative file",
        help_text="YAML or JSON in Accord's initiative format (format 1), up to 1 MB",
        error_messages={"required": "Choose an initiative file to upload"},
    )
    lead = StartForm.base_fields["lead"]

    MAX_BYTES = 1_000_000

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["lead"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = organisations
        if organisations.count() == 1:
            field.initial = organisations.first()
            field.widget = forms.HiddenInput()

    def clean_file(self) -> str:
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError("The file must be smaller than 1 MB")
        raw = upload.read()
        try:
            return str(raw.decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise forms.ValidationError(
                "The file must be text (YAML or JSON) in UTF-8: this looks like another kind of file"
            ) from None


class DetailsForm(forms.Form):
    title = StartForm.base_fields["title"]
    summary = forms.CharField(
        label="Summary",
        help_text="What the sharing is for and what it will achieve, in a few sentences",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=3000,
    )


class AssessOnForm(forms.Form):
    """GOV.UK date input: day, month and year, all empty for "the day it is assessed"."""

    day = forms.IntegerField(label="Day", required=False, min_value=1, max_value=31)
    month = forms.IntegerField(label="Month", required=False, min_value=1, max_value=12)
    year = forms.IntegerField(label="Year", required=False, min_value=2021, max_value=2100)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        parts = [data.get("day"), data.get("month"), data.get("year")]
        if self.errors or all(part is None for part in parts):
            data["assess_on"] = None
            return data
        if any(part is None for part in parts):
            raise forms.ValidationError("The date must include a day, month and year")
        try:
            data["assess_on"] = dt.date(data["year"], data["month"], data["day"])
        except ValueError:
            raise forms.ValidationError("The date must be a real date") from None
        return data


class PurposesForm(forms.Form):
    purposes = forms.MultipleChoiceField(
        label="What is the sharing for?",
        help_text="Select all that apply",
        choices=_choices(codes.PURPOSES),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select at least one purpose"},
    )


class SubjectsForm(forms.Form):
    data_subjects = forms.MultipleChoiceField(
        label="Whose data is shared?",
        help_text="Select all that apply",
        choices=_choices(codes.DATA_SUBJECTS),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select at least one group of people"},
    )


class PartyForm(forms.Form):
    organisation: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="Organisation",
        queryset=None,
        empty_label="Choose an organisation",
        error_messages={"required": "Choose the organisation to add"},
    )
    role = forms.ChoiceField(
        label="What does it do with the data?",
        choices=_choices(codes.ROLES),
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether it discloses, receives or both"},
    )
    functions = forms.MultipleChoiceField(
        label="Which of its functions does the sharing involve?",
        help_text="Local authorities only: the statutory gateways that fit depend on them",
        choices=_choices(codes.LOCAL_AUTHORITY_FUNCTIONS),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = organisations


class DataItemForm(forms.Form):
    category = forms.ChoiceField(
        label="Category of data",
        choices=[("", "Choose a category"), *_choices(codes.DATA_CATEGORIES)],
        error_messages={"required": "Choose the category of data"},
    )
    field_names = forms.CharField(
        label="Fields",
        help_text="The items shared in this category, one per line (for example: name, date of birth)",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=3000,
    )

    def clean_field_names(self) -> list[str]:
        text: str = self.cleaned_data["field_names"]
        items = [line.strip() for part in text.splitlines() for line in part.split(",")]
        if any(len(item) > FIELD_NAME_MAX for item in items):
            raise forms.ValidationError(f"Each field must be {FIELD_NAME_MAX} characters or fewer")
        return [item for item in items if item]


YES_NO = [("yes", "Yes"), ("no", "No")]
LIKELIHOOD_CHOICES = [(value, value.capitalize()) for value in LIKELIHOODS]
SEVERITY_CHOICES = [(value, value.capitalize()) for value in SEVERITIES]


class HandlingForm(forms.Form):
    consent = forms.ChoiceField(
        label="Have the people concerned consented to the sharing?",
        choices=[
            ("none", "No: they are not asked"),
            ("implied", "Implied: they expect it as part of their care"),
            ("explicit", "Explicit: each person has agreed in writing or clearly"),
            ("mixed", "Mixed: some have agreed, others have not been asked"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether people have consented"},
    )
    volume = forms.ChoiceField(
        label="How many people's records are shared?",
        choices=[
            ("case-by-case", "Case by case: one person at a time, when needed"),
            ("cohort", "A cohort: a defined group of people"),
            ("bulk", "Bulk: whole datasets"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how many people's records are shared"},
    )
    frequency = forms.ChoiceField(
        label="How often?",
        choices=_choices(codes.FREQUENCIES),
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how often data is shared"},
    )
    pseudonymised = forms.ChoiceField(
        label="Are the records pseudonymised before they are shared?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose yes or no"},
    )
    law_enforcement = forms.ChoiceField(
        label="Is it for law enforcement by a competent authority (DPA 2018 Part 3)?",
        help_text="Preventing, investigating, detecting or prosecuting crime, by police, "
        "probation or another competent authority",
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose yes or no"},
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Do you accept this conclusion?",
        choices=[
            ("accepted", "Accept: we rely on it"),
            ("overridden", "Override: we do not rely on it"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether you accept or override the conclusion"},
    )
    reason = forms.CharField(
        label="Reason",
        help_text="Required when you override; recorded in the history",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=3000,
    )


class AnswerForm(forms.Form):
    answer = forms.ChoiceField(
        label="Answer",
        choices=YES_NO,
        widget=forms.RadioSelect,
        required=False,
    )
    explanation = forms.CharField(
        label="Explain your answer",
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        max_length=5000,
    )


class ScreeningForm(forms.Form):
    needed = forms.ChoiceField(
        label="Will you carry out a DPIA?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose yes or no"},
    )
    reason = forms.CharField(
        label="Reason",
        help_text="Needed if you decide against a DPIA that the screening recommends",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=3000,
    )


class RiskForm(forms.Form):
    description = forms.CharField(
        label="Describe the risk to people",
        help_text="The source of the risk and the harm it could do, for example "
        "“records sent to the wrong recipient reveal a child's address”",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=3000,
        error_messages={"required": "Describe the risk"},
    )
    likelihood = forms.ChoiceField(
        label="Likelihood of harm",
        choices=LIKELIHOOD_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how likely the harm is"},
    )
    severity = forms.ChoiceField(
        label="Severity of harm",
        choices=SEVERITY_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how severe the harm would be"},
    )
    measures = forms.CharField(
        label="Measures to reduce or eliminate the risk",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=3000,
        error_messages={"required": "Describe the measures"},
    )
    residual_likelihood = forms.ChoiceField(
        label="Likelihood after the measures",
        choices=LIKELIHOOD_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how likely the harm is after the measures"},
    )
    residual_severity = forms.ChoiceField(
        label="Severity after the measures",
        choices=SEVERITY_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how severe the harm would be after the measures"},
    )


class AdviceForm(forms.Form):
    advice = forms.CharField(
        label="Your advice as Data Protection Officer",
        help_text="UK GDPR Art 35(2): whether the processing can go ahead and what must change",
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=10000,
        error_messages={"required": "Enter your advice"},
    )


class AdviceResponseForm(forms.Form):
    followed = forms.ChoiceField(
        label="Is the DPO's advice followed?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose yes or no"},
    )
    reason = forms.CharField(
        label="Reason",
        help_text="Required when the advice is not followed",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=3000,
    )


class MechanismForm(forms.Form):
    mechanism = forms.ChoiceField(
        label="How will the data move?",
        choices=_choices(codes.MECHANISMS),
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how the data will move"},
    )
    reason = forms.CharField(
        label="Why this mechanism?",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=3000,
    )
