"""Reviews of signed agreements, and the state of the law they were last checked against.

Persistence only: the rules live in accord.core.review, the changes in services.py.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from accord.core import review

USER = settings.AUTH_USER_MODEL


class Review(models.Model):
    """One review an agreement owes, raised by its schedule or by an event, and its finding."""

    agreement = models.ForeignKey(
        "agreements.Agreement", on_delete=models.PROTECT, related_name="reviews"
    )
    cause = models.CharField(max_length=20, choices=list(review.CAUSES.items()))
    # Names the cause exactly ("scheduled:2027-11-25", "incident:12", "law:<id>:<digest>"):
    # unique per agreement, so one cause raises one review however often it is seen.
    cause_key = models.CharField(max_length=200)
    summary = models.TextField()  # why it was raised, in words
    raised_at = models.DateTimeField(auto_now_add=True)
    raised_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_on = models.DateField()

    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    achieves_purpose = models.BooleanField(null=True)
    still_necessary = models.BooleanField(null=True)
    outcome = models.CharField(max_length=10, blank=True, choices=list(review.OUTCOMES.items()))
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "cause_key"], name="one_review_per_cause")
        ]
        indexes = [
            models.Index(
                fields=["agreement", "due_on"],
                condition=models.Q(completed_at__isnull=True),
                name="review_open_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_cause_display()} of {self.agreement_id} due {self.due_on}"

    @property
    def is_open(self) -> bool:
        return self.completed_at is None


class LawBaseline(models.Model):
    """The digest of a provision as last seen, so a change in the knowledge base is noticed."""

    provision_id = models.CharField(max_length=200, unique=True)
    fingerprint = models.CharField(max_length=64)
    seen_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.provision_id
