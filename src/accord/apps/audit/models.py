"""The audit log: append-only, hash-chained entries (see accord.core.audit)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    """Who did what to which object, when, in which request. Never updated or deleted."""

    sequence = models.BigIntegerField(unique=True)
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=300)  # kept even if the account is renamed
    organisation = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    verb = models.CharField(max_length=100)  # namespaced: "initiative.assessed"
    object_type = models.CharField(max_length=50)
    object_id = models.CharField(max_length=50)
    initiative = models.ForeignKey(
        "initiatives.Initiative",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_entries",
    )
    summary = models.CharField(max_length=500)
    data = models.JSONField(default=dict)
    correlation_id = models.CharField(max_length=64, blank=True)
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["sequence"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["initiative", "sequence"])]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.verb} {self.object_type}:{self.object_id}"


class ChainHead(models.Model):
    """One row, locked while appending, so that concurrent writers extend the chain in turn."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    sequence = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)


class Checkpoint(models.Model):
    """A signed statement of a chain's Merkle root at one size (see accord.core.checkpoint).

    Also appended to a file outside the database and published on the transparency register:
    this row is a convenience, the signature is what counts.
    """

    AUDIT, DISCLOSURE = "audit", "disclosure"
    CHAINS = [(AUDIT, "Audit log"), (DISCLOSURE, "Disclosure log")]

    chain = models.CharField(max_length=20, choices=CHAINS)
    size = models.BigIntegerField()  # the chain's first `size` entries, i.e. up to #size
    root = models.CharField(max_length=64)
    last_hash = models.CharField(max_length=64)
    at = models.DateTimeField()
    key_id = models.CharField(max_length=64)
    signature = models.CharField(max_length=88)  # Ed25519, base64
    # The subtree roots at this size (hex), so the next checkpoint reads only newer entries.
    frontier = models.JSONField(default=list)

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["chain", "size"], name="one_checkpoint_per_size")
        ]

    def __str__(self) -> str:
        return f"{self.chain} checkpoint at {self.size}"
