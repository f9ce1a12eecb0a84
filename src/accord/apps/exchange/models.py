"""The exchange under a live agreement: datasets, clients, files, and the disclosure log.

Persistence only: what is allowed is decided by accord.core.exchange.decision, and every change
and disclosure goes through the services, which write the log in the same transaction.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

USER = settings.AUTH_USER_MODEL
ORGANISATION = "organisations.Organisation"
AGREEMENT = "agreements.Agreement"


class Channel(models.Model):
    """Created once, when an agreement goes live: the match key and who opened it."""

    agreement = models.OneToOneField(AGREEMENT, on_delete=models.PROTECT, related_name="channel")
    # HMAC-SHA-256 key for match pseudonyms, one per agreement so they never link across.
    match_key = models.BinaryField()
    opened_at = models.DateTimeField()
    opened_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"Channel for {self.agreement_id}"


class Dataset(models.Model):
    """Records one providing party offers under an agreement, loaded or read in place."""

    UPLOAD, POSTGRESQL = "upload", "postgresql"
    SOURCES = [
        (UPLOAD, "A CSV or Excel file loaded into Accord"),
        (POSTGRESQL, "A PostgreSQL table or view"),
    ]

    agreement = models.ForeignKey(AGREEMENT, on_delete=models.PROTECT, related_name="datasets")
    provider = models.ForeignKey(ORGANISATION, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=120)
    source = models.CharField(max_length=20, choices=SOURCES)
    # For UPLOAD: the table in Accord's own database holding the rows (accord_ds_<pk>).
    store_table = models.CharField(max_length=63, blank=True)
    # For POSTGRESQL: a source name from settings.ACCORD_DATA_SOURCES and "schema.table".
    source_name = models.CharField(max_length=63, blank=True)
    source_table = models.CharField(max_length=200, blank=True)
    # The column that identifies a person, used by look-ups and the match service.
    key_column = models.CharField(max_length=63, blank=True)
    row_count = models.BigIntegerField(default=0)
    original_filename = models.CharField(max_length=255, blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "name"], name="dataset_name_once")
        ]

    def __str__(self) -> str:
        return self.name


class DatasetColumn(models.Model):
    """One column as the provider's file or table names it, mapped to an agreed data item."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="columns")
    position = models.PositiveIntegerField()
    name = models.CharField(max_length=200)  # as in the file or table; the API uses this name
    sql_name = models.CharField(max_length=63)  # the column in SQL (c1, c2… for loaded files)
    data_item = models.CharField(max_length=200, blank=True)  # "" means never shared

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["dataset", "position"], name="column_position_once"),
            models.UniqueConstraint(fields=["dataset", "name"], name="column_name_once"),
        ]

    def __str__(self) -> str:
        return self.name


class ApiClient(models.Model):
    """A receiving party's system, allowed to call the API under one agreement."""

    agreement = models.ForeignKey(AGREEMENT, on_delete=models.PROTECT, related_name="clients")
    organisation = models.ForeignKey(ORGANISATION, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=120)
    client_id = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.client_id})"


class ClientSecret(models.Model):
    """A client secret, stored only as its SHA-256. Rotation lets the old one overlap a while."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="secrets")
    secret_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)


class AccessToken(models.Model):
    """A short-lived bearer token issued by the client-credentials grant, stored hashed."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()


class VolumeUsage(models.Model):
    """Records disclosed to one party in one period, counted under the agreement's row lock."""

    agreement = models.ForeignKey(AGREEMENT, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(ORGANISATION, on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField()
    records = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "organisation", "period_start"], name="one_usage_per_period"
            )
        ]


class DisclosureEntry(models.Model):
    """One disclosure, refusal or look-up: append-only and hash-chained like the audit log."""

    RECORDS, LOOKUP, MATCH, FILE_SHARED, FILE_DOWNLOAD, EXTERNAL = (
        "records",
        "lookup",
        "match",
        "file-shared",
        "file-download",
        "external",
    )
    KINDS = [
        (RECORDS, "Records through the API"),
        (LOOKUP, "Look-up of one person"),
        (MATCH, "Match of pseudonyms"),
        (FILE_SHARED, "File shared"),
        (FILE_DOWNLOAD, "File downloaded"),
        (EXTERNAL, "Sharing outside Accord recorded"),
    ]

    sequence = models.BigIntegerField(unique=True)
    at = models.DateTimeField()
    agreement = models.ForeignKey(AGREEMENT, on_delete=models.PROTECT, related_name="disclosures")
    version = models.PositiveIntegerField()
    content_hash = models.CharField(max_length=64)  # of the version whose terms applied
    kind = models.CharField(max_length=20, choices=KINDS)
    effect = models.CharField(max_length=5, choices=[("allow", "Allowed"), ("deny", "Refused")])
    party = models.ForeignKey(  # who received, or asked
        ORGANISATION, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    provider = models.ForeignKey(
        ORGANISATION, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    client = models.ForeignKey(
        ApiClient, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=300)  # the client id or person's e-mail, kept
    dataset = models.ForeignKey(
        Dataset, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    fields = models.JSONField(default=list)
    record_count = models.BigIntegerField(default=0)
    payload_hash = models.CharField(max_length=64, blank=True)  # SHA-256 of the bytes sent
    reason = models.TextField(blank=True)  # a look-up's reason, or why it was refused
    clauses = models.JSONField(default=list)  # clause numbers the decision rests on
    correlation_id = models.CharField(max_length=64, blank=True)
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["sequence"]
        verbose_name_plural = "disclosure entries"
        indexes = [models.Index(fields=["agreement", "sequence"])]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.kind} {self.effect}"


class DisclosureHead(models.Model):
    """One row, locked while appending, so concurrent disclosures extend the chain in turn."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    sequence = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)


class SharedFile(models.Model):
    """A file shared under an agreement: encrypted at rest, for named people, until it expires."""

    agreement = models.ForeignKey(AGREEMENT, on_delete=models.PROTECT, related_name="files")
    provider = models.ForeignKey(ORGANISATION, on_delete=models.PROTECT, related_name="+")
    recipient = models.ForeignKey(ORGANISATION, on_delete=models.PROTECT, related_name="+")
    recipients: models.ManyToManyField[Any, Any] = models.ManyToManyField(USER, related_name="+")
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)  # of the plaintext, for the disclosure log
    stored_name = models.CharField(max_length=64, unique=True)  # the age-encrypted file
    expires_at = models.DateTimeField()
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.filename


class ExternalMechanism(models.Model):
    """Sharing that runs outside Accord (a collaboration site, secure or plain e-mail), recorded."""

    agreement = models.ForeignKey(AGREEMENT, on_delete=models.PROTECT, related_name="externals")
    organisation = models.ForeignKey(ORGANISATION, on_delete=models.PROTECT, related_name="+")
    mechanism = models.CharField(max_length=40)  # a mechanism code from accord.core.mechanisms
    description = models.TextField()  # where, and how it is protected
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-recorded_at"]

    def __str__(self) -> str:
        return f"{self.mechanism} for {self.agreement_id}"
