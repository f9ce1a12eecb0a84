"""Data sharing agreements, their immutable versions, negotiation and signatures.

Persistence only: the rules live in accord.core.agreement, the changes in services.py.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from accord.core.access import ROLES

USER = settings.AUTH_USER_MODEL


class Agreement(models.Model):
    """The agreement for one initiative. Its wording lives in versions; this row holds state."""

    NEGOTIATING, SIGNED = "negotiating", "signed"
    LIVE, SUSPENDED, TERMINATED = "live", "suspended", "terminated"
    # Every status after the last signature: the wording is fixed from then on.
    AFTER_SIGNING = frozenset({SIGNED, LIVE, SUSPENDED, TERMINATED})
    STATUSES = [
        (NEGOTIATING, "Negotiating"),
        (SIGNED, "Signed"),
        (LIVE, "Live"),
        (SUSPENDED, "Suspended"),
        (TERMINATED, "Terminated"),
    ]

    initiative = models.OneToOneField(
        "initiatives.Initiative", on_delete=models.PROTECT, related_name="agreement"
    )
    reference = models.CharField(max_length=40, unique=True)
    status = models.CharField(max_length=20, choices=STATUSES, default=NEGOTIATING)
    # An overarching agreement (a regional protocol) sets a baseline others can follow.
    is_overarching = models.BooleanField(default=False)
    follows = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="followers"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    live_at = models.DateTimeField(null=True, blank=True)
    # Why the agreement was last suspended, resumed or terminated, as the person gave it.
    status_reason = models.TextField(blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    # Set by a recorded review; the next review falls a review period later.
    last_reviewed_on = models.DateField(null=True, blank=True)
    # The earliest review owed: the scheduled one or one raised by an event. A copy kept up to
    # date by accord.apps.reviews.services.review_date_refresh, so that the register can filter
    # and sort on it with an index among 100,000 agreements.
    next_review_on = models.DateField(null=True, blank=True, db_index=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.reference}: {self.initiative}"

    @property
    def is_signed(self) -> bool:
        return self.status in self.AFTER_SIGNING

    def current_version(self) -> AgreementVersion:
        return self.versions.order_by("-number")[0]


class ImmutableError(Exception):
    pass


class AgreementVersion(models.Model):
    """One version of the wording. Never changes once written: a change makes a new version."""

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    content = models.JSONField()  # accord.agreement/1
    content_hash = models.CharField(max_length=64)  # SHA-256 of the canonical JSON
    reason = models.CharField(max_length=300)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "number"], name="one_version_number_once")
        ]

    def __str__(self) -> str:
        return f"{self.agreement.reference} version {self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ImmutableError("An agreement version never changes; make a new version.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ImmutableError("An agreement version is never deleted.")

    def section(self, key: str) -> dict[str, Any]:
        for section in self.content["sections"]:
            if section["key"] == key:
                return section  # type: ignore[no-any-return]
        raise KeyError(key)


class Comment(models.Model):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="comments")
    version = models.ForeignKey(AgreementVersion, on_delete=models.PROTECT, related_name="+")
    section_key = models.CharField(max_length=40)
    text = models.TextField()
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Comment on {self.section_key}"


class Proposal(models.Model):
    """A proposed new wording (and values) for one section, accepted or rejected by the lead."""

    OPEN, ACCEPTED, REJECTED = "open", "accepted", "rejected"
    STATUSES = [(OPEN, "Open"), (ACCEPTED, "Accepted"), (REJECTED, "Rejected")]

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="proposals")
    version = models.ForeignKey(AgreementVersion, on_delete=models.PROTECT, related_name="+")
    section_key = models.CharField(max_length=40)
    text = models.TextField()
    values = models.JSONField(default=dict)
    reason = models.TextField()
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=STATUSES, default=OPEN)
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    result = models.ForeignKey(
        AgreementVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Proposal {self.pk} on {self.section_key}"


class Signature(models.Model):
    """A signature (or the DPO's record of being consulted) on one exact version."""

    SIGN, CONSULT = "sign", "consult"

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="signatures")
    version = models.ForeignKey(
        AgreementVersion, on_delete=models.PROTECT, related_name="signatures"
    )
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(max_length=30, choices=list(ROLES.items()))
    kind = models.CharField(max_length=10, choices=[(SIGN, "Signed"), (CONSULT, "Consulted")])
    signer = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    signer_name = models.CharField(max_length=200)
    version_hash = models.CharField(max_length=64)  # the SHA-256 the signer saw and signed
    comment = models.TextField(blank=True)
    signed_at = models.DateTimeField(auto_now_add=True)
    # Set when a later version supersedes the one signed: the signature no longer counts.
    voided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["signed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "organisation", "role"],
                name="one_signature_per_role_per_version",
            )
        ]

    def __str__(self) -> str:
        return f"{self.signer_name} ({self.role}) on {self.version}"


class Invitation(models.Model):
    """An expiring e-mail link asking a partner organisation to join an initiative."""

    initiative = models.ForeignKey(
        "initiatives.Initiative", on_delete=models.CASCADE, related_name="invitations"
    )
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="invitations"
    )
    email = models.EmailField()
    name = models.CharField(max_length=200)
    token_hash = models.CharField(max_length=64, unique=True)  # SHA-256; the token is only e-mailed
    expires_at = models.DateTimeField()
    invited_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation to {self.organisation} for {self.initiative}"


class Reminder(models.Model):
    """A reminder sent to a late signatory, or to their deputies: once per version and stage."""

    SIGNATORY, DEPUTY = "signatory", "deputy"

    version = models.ForeignKey(AgreementVersion, on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    role = models.CharField(max_length=30)
    stage = models.CharField(max_length=10, choices=[(SIGNATORY, "Signatory"), (DEPUTY, "Deputy")])
    recipients = models.JSONField(default=list)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["version", "organisation", "role", "stage"], name="one_reminder_per_stage"
            )
        ]

    def __str__(self) -> str:
        return f"Reminder to {self.role} of {self.organisation} ({self.stage})"
