"""Forms for the exchange pages. Services check the rules; forms only check the shape."""

from __future__ import annotations

from django import forms


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        help_text="Every party sees it, and it is kept in the audit log.",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )
