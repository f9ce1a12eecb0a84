"""The confirmation form. It checks the shape of each answer; the service checks the rules
(the law named when data is kept, the date within the agreement's end and today)."""

from __future__ import annotations

from django import forms

from accord.core import disposal
from accord.web.dates import DateInputField


class ConfirmationForm(forms.Form):
    method = forms.ChoiceField(
        label="What did your organisation do with the data it received?",
        choices=list(disposal.METHODS.items()),
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select whether your organisation deleted, returned or kept the data"
        },
    )
    law = forms.CharField(
        label="If you kept it, which law requires you to keep it?",
        help_text="Only if you kept the data. Name the Act and section, for example "
        "Children Act 1989, section 47.",
        required=False,
        max_length=disposal.LAW_MAX,
        error_messages={"max_length": f"Enter the law in {disposal.LAW_MAX} characters or fewer"},
    )
    details = forms.CharField(
        label="What was deleted, returned or kept, and from which systems?",
        help_text="For example: the attendance files in the case management system and the "
        "shared drive were deleted, and the backups expire on 30 June.",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=disposal.DETAILS_MAX,
        error_messages={
            "required": "Say what your organisation deleted, returned or kept, and from which "
            "systems",
            "max_length": f"Enter the details in {disposal.DETAILS_MAX} characters or fewer",
        },
    )
    confirmed_on = DateInputField(
        what="the date it was done",
        label="When was it done?",
        help_text="For example, 27 3 2026.",
    )
