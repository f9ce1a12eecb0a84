"""What became of the data at the end: who was asked, and what each receiving party confirmed.

Persistence only: the rules live in accord.core.disposal, the changes in services.py.

`DisposalRequest` records, in the transaction that terminates the agreement, each party that
received data under the signed terms and was asked to confirm; `DisposalConfirmation` its one
answer. Reading both is enough to say who has and who has not confirmed (the register does it
for many agreements in one query), without reading the signed wording again.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from accord.core import disposal

USER = settings.AUTH_USER_MODEL


class DisposalRequest(models.Model):
    """A receiving party asked, when the agreement ended, to confirm deletion or return."""

    agreement = models.ForeignKey(
        "agreements.Agreement", on_delete=models.PROTECT, related_name="disposal_requests"
    )
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    asked_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "organisation"], name="one_disposal_request_per_party"
            )
        ]

    def __str__(self) -> str:
        return f"Organisation {self.organisation_id} asked about {self.agreement_id}"


class DisposalConfirmation(models.Model):
    """A receiving party's confirmation that it deleted, returned or lawfully kept the data."""

    agreement = models.ForeignKey(
        "agreements.Agreement", on_delete=models.PROTECT, related_name="disposal_confirmations"
    )
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    method = models.CharField(max_length=20, choices=list(disposal.METHODS.items()))
    law = models.CharField(max_length=disposal.LAW_MAX, blank=True)  # when kept: which law
    details = models.TextField(max_length=disposal.DETAILS_MAX)
    confirmed_on = models.DateField()  # the day it was done
    confirmed_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "organisation"], name="one_disposal_confirmation_per_party"
            )
        ]

    def __str__(self) -> str:
        return f"Organisation {self.organisation_id} {self.method} data of {self.agreement_id}"
