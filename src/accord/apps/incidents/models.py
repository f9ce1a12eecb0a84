"""Incidents and breaches reported by a party against a signed agreement.

Persistence only: the rules live in accord.core.incident, the changes in services.py. A report
is never edited or deleted (UK GDPR Art 33(5): the record of a breach is kept); the lead's
suspension because of it is recorded beside it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from accord.core import incident

USER = settings.AUTH_USER_MODEL


class Incident(models.Model):
    """One incident or breach, as the reporting party described it."""

    agreement = models.ForeignKey(
        "agreements.Agreement", on_delete=models.PROTECT, related_name="incidents"
    )
    # 1, 2, 3... within the agreement: "Incident 2" is how every party refers to it.
    number = models.PositiveIntegerField()
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )  # the party that reported it
    reported_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    occurred_on = models.DateField()
    found_on = models.DateField()
    kind = models.CharField(max_length=30, choices=list(incident.KINDS.items()))
    description = models.TextField(max_length=incident.DESCRIPTION_MAX)
    data_affected = models.TextField(blank=True)
    people_affected = models.PositiveIntegerField(null=True, blank=True)
    reported_to_ico = models.CharField(max_length=20, choices=list(incident.ICO_ANSWERS.items()))
    contained = models.BooleanField()
    actions_taken = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    suspended_at = models.DateTimeField(null=True, blank=True)
    suspended_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "number"], name="one_incident_number_per_agreement"
            )
        ]

    def __str__(self) -> str:
        return f"Incident {self.number} under {self.agreement_id}"

    @property
    def title(self) -> str:
        return f"Incident {self.number}"
