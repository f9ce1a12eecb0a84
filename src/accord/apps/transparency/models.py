"""Each party's consent to publish an agreement in the public transparency register.

Persistence only: whether an agreement is published is computed on every read
(`selectors.published`), from its status and these rows, so nothing can go stale.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class PublicationConsent(models.Model):
    """Whether one party agrees to publish one agreement: the latest answer, and who gave it."""

    agreement = models.ForeignKey(
        "agreements.Agreement", on_delete=models.PROTECT, related_name="publication_consents"
    )
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    agreed = models.BooleanField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "organisation"], name="one_publication_consent_per_party"
            )
        ]

    def __str__(self) -> str:
        answer = "agrees" if self.agreed else "does not agree"
        return f"Organisation {self.organisation_id} {answer} to publish {self.agreement_id}"
