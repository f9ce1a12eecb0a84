"""Forms for the security evidence library, rendered by the GOV.UK form renderer."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from accord.apps.initiatives.forms import AssessOnForm
from accord.core.evidence import EVIDENCE_KINDS
from accord.core.filetypes import (
    ACCEPTED_DESCRIPTION,
    FileRefused,
    check_upload,
    refuse_if_too_big,
    size_text,
)
from accord.web.uploads import UploadField


class EvidenceForm(forms.Form):
    """The kind, reference and file; the two dates are EvidenceDateForms beside it."""

    kind = forms.ChoiceField(
        label="What kind of evidence is it?",
        choices=[(code, kind.label) for code, kind in EVIDENCE_KINDS.items()],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the kind of evidence"},
    )
    reference = forms.CharField(
        label="Reference (optional)",
        help_text="The certificate, registration or document number, for example Z1234567",
        max_length=100,
        required=False,
        error_messages={"max_length": "The reference must be 100 characters or fewer"},
    )
    file = UploadField(
        label="Upload the evidence",
        allow_empty_file=True,  # the core says why an empty file is refused
        error_messages={"required": "Choose the file to upload"},
    )

    def __init__(self, *args: Any, max_bytes: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_bytes = max_bytes
        accepted = ACCEPTED_DESCRIPTION[0].upper() + ACCEPTED_DESCRIPTION[1:]
        self.fields["file"].help_text = f"{accepted}, up to {size_text(max_bytes)}"

    def clean_file(self) -> Any:
        """Say at once what is wrong with the file, beside any other mistakes on the page.

        The service checks it again: this is for the person, not a safeguard.
        """
        upload = self.cleaned_data["file"]
        try:
            refuse_if_too_big(upload.size or 0, upload.name or "", self.max_bytes)
            upload.seek(0)
            check_upload(upload.read(self.max_bytes + 1), upload.name or "", self.max_bytes)
        except FileRefused as refused:
            raise forms.ValidationError(refused.message) from None
        finally:
            upload.seek(0)
        return upload


class EvidenceDateForm(AssessOnForm):
    """The GOV.UK date input of the initiative journey (day, month, year), used with a prefix
    ("issued", "expires") for each date. Blank means no date; `required` refuses blank."""

    year = forms.IntegerField(label="Year", required=False, min_value=1990, max_value=2100)

    def __init__(self, *args: Any, required: bool, missing: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.required = required
        self.missing = missing

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.required and not self.errors and data.get("assess_on") is None:
            raise forms.ValidationError(self.missing)
        return data

    @property
    def date(self) -> dt.date | None:
        """The date entered (after is_valid()), or None when left blank."""
        value = self.cleaned_data.get("assess_on")
        return value if isinstance(value, dt.date) else None
