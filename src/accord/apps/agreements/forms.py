"""Forms for the agreement pages (rendered with GOV.UK markup by the project's form renderer)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from accord.apps.accounts.models import User
from accord.apps.accounts.passwords import refuse_context_words
from accord.apps.agreements.models import Invitation
from accord.core.access import JOINING_ROLES, ROLES
from accord.core.agreement.sections import SECTION_BY_KEY, Value


class DraftForm(forms.Form):
    follows = forms.ChoiceField(
        label="Does this agreement follow an overarching agreement?",
        help_text="Its baseline sections (accuracy, rights, breaches, termination) are then "
        "referenced instead of repeated.",
        widget=forms.RadioSelect,
        required=False,
    )
    is_overarching = forms.BooleanField(
        label="This is an overarching agreement (a protocol others can follow)", required=False
    )

    def __init__(self, *args: Any, overarching: Iterable[tuple[int, str]] = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        choices = [("", "No, it stands alone")] + [(str(pk), label) for pk, label in overarching]
        cast(forms.ChoiceField, self.fields["follows"]).choices = choices
        if len(choices) == 1:
            self.fields["follows"].widget = forms.HiddenInput()


class InviteForm(forms.Form):
    organisation = forms.ChoiceField(
        label="Which partner are you inviting?", widget=forms.RadioSelect
    )
    name = forms.CharField(label="Name of the person to invite", max_length=200)
    email = forms.EmailField(
        label="Their work e-mail address",
        help_text="They get a link that works for a limited time. A small partner can join with "
        "this one person.",
    )

    def __init__(self, *args: Any, organisations: Iterable[tuple[int, str]] = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["organisation"]).choices = [
            (str(pk), name) for pk, name in organisations
        ]


class CommentForm(forms.Form):
    text = forms.CharField(
        label="Add a comment", widget=forms.Textarea(attrs={"rows": 4}), max_length=10_000
    )


def _value_fields(value: Value, initial: Any) -> dict[str, forms.Field]:
    if value.kind == "int":
        return {
            value.name: forms.IntegerField(
                label=value.label, help_text=value.hint, initial=initial, required=False
            )
        }
    if value.kind == "choice":
        return {
            value.name: forms.ChoiceField(
                label=value.label,
                choices=value.choices,
                widget=forms.RadioSelect,
                initial=initial,
                required=False,
            )
        }
    if value.kind == "codes":
        return {
            value.name: forms.MultipleChoiceField(
                label=value.label,
                choices=value.choices,
                widget=forms.CheckboxSelectMultiple,
                initial=initial or [],
                required=False,
            )
        }
    day = dt.date.fromisoformat(initial) if initial else None
    return {
        f"{value.name}__day": forms.IntegerField(
            label="Day", required=False, initial=day and day.day
        ),
        f"{value.name}__month": forms.IntegerField(
            label="Month", required=False, initial=day and day.month
        ),
        f"{value.name}__year": forms.IntegerField(
            label="Year", required=False, initial=day and day.year
        ),
    }


class ProposalForm(forms.Form):
    """New wording for one section, and its typed values; the core checks them."""

    def __init__(self, *args: Any, section: dict[str, Any], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.spec = SECTION_BY_KEY[section["key"]]
        self.fields["text"] = forms.CharField(
            label="Proposed wording",
            initial=section["text"],
            widget=forms.Textarea(attrs={"rows": 10}),
            help_text="Separate paragraphs with a blank line. Start a line with “- ” for a bullet.",
            required=False,  # the core says what is missing, in the words of the section
        )
        for value in self.spec.values:
            self.fields.update(_value_fields(value, section.get("values", {}).get(value.name)))
        self.fields["reason"] = forms.CharField(
            label="Why do you propose this change?",
            widget=forms.Textarea(attrs={"rows": 3}),
            required=False,
        )

    def date_groups(self) -> list[dict[str, Any]]:
        """Date values as GOV.UK date inputs (day, month, year) for the template."""
        return [
            {"value": v, "fields": [self[f"{v.name}__{p}"] for p in ("day", "month", "year")]}
            for v in self.spec.values
            if v.kind == "date"
        ]

    def plain_fields(self) -> list[Any]:
        return [
            self[name]
            for name in self.fields
            if "__" not in name and name not in ("text", "reason")
        ]

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        result: dict[str, Any] = {}
        for value in self.spec.values:
            if value.kind != "date":
                result[value.name] = data.get(value.name)
                continue
            parts = [data.get(f"{value.name}__{p}") for p in ("year", "month", "day")]
            if all(p is None for p in parts):
                result[value.name] = None
            else:
                try:
                    result[value.name] = dt.date(*parts).isoformat()  # type: ignore[arg-type]
                except (TypeError, ValueError):
                    result[value.name] = "not a date"
        return result


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        label="Your decision",
        choices=[("accept", "Accept: make a new version with this change"), ("reject", "Reject")],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label="Note for the parties",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required when you reject a proposal.",
    )


class SignForm(forms.Form):
    version_number = forms.IntegerField(widget=forms.HiddenInput)
    version_hash = forms.CharField(widget=forms.HiddenInput, max_length=64)
    role = forms.ChoiceField(label="You sign as", widget=forms.RadioSelect)
    confirm = forms.BooleanField(
        label="I have read this version and I am authorised to sign it for my organisation"
    )
    comment = forms.CharField(
        label="Comment (optional)", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    password = forms.CharField(label="Your password", widget=forms.PasswordInput, strip=False)
    code = forms.CharField(
        label="Code from your authenticator app",
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}
        ),
    )

    def __init__(self, *args: Any, roles: Iterable[tuple[str, str]] = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["role"]).choices = list(roles)


class JoinForm(forms.Form):
    """A new person joining for their organisation (a small partner may have only this one)."""

    full_name = forms.CharField(label="Your full name", max_length=200)
    roles = forms.MultipleChoiceField(
        label="Which roles do you hold in your organisation?",
        help_text="Choose every role you hold. Someone must be able to sign as SIRO.",
        choices=[(r, ROLES[r]) for r in JOINING_ROLES],
        widget=forms.CheckboxSelectMultiple,
        initial=["ig-officer", "siro"],
    )
    password = forms.CharField(
        label="Choose a password",
        widget=forms.PasswordInput,
        strip=False,
        help_text="At least 12 characters, and not built on your name, your organisation's or "
        "Accord's. A phrase of several words is easiest to remember.",
    )

    def __init__(self, *args: Any, invitation: Invitation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.invitation = invitation

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        password = data.get("password")
        if password is not None:
            # The account does not exist yet: the validators get its e-mail address and name, and
            # the context words also the organisation it joins for.
            candidate = User(email=self.invitation.email, full_name=data.get("full_name", ""))
            try:
                validate_password(password, candidate)
                refuse_context_words(password, organisations=[self.invitation.organisation.name])
            except ValidationError as invalid:
                self.add_error("password", invalid)
        return data
