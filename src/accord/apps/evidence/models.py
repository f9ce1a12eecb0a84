"""The security evidence an organisation keeps once and shows to every partner.

Persistence only: the rules live in accord.core.evidence and accord.core.filetypes, the changes
in services.py. The file itself lives outside the database and outside any web root, under
settings.DATA_DIR / "evidence" / stored_name, and is only ever served by the download view.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models

from accord.core.evidence import EVIDENCE_KINDS, EvidenceFact

STORED_NAME = RegexValidator(r"^[0-9a-f]{32}$", "A stored name is 32 lower-case hex digits")


class EvidenceItem(models.Model):
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="evidence"
    )
    kind = models.CharField(
        max_length=40, choices=[(code, kind.label) for code, kind in EVIDENCE_KINDS.items()]
    )
    # The certificate, registration or document number, where there is one.
    reference = models.CharField(max_length=100, blank=True)
    issued_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)
    original_filename = models.CharField(max_length=255)  # already made safe (safe_filename)
    stored_name = models.CharField(max_length=32, unique=True, validators=[STORED_NAME])
    content_type = models.CharField(max_length=100)  # sniffed from the content, never trusted
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        indexes = [models.Index(fields=["organisation", "withdrawn_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.organisation}"

    @property
    def kind_label(self) -> str:
        return EVIDENCE_KINDS[self.kind].label

    def fact(self) -> EvidenceFact:
        """What the rules in accord.core.evidence need to know about this item."""
        return EvidenceFact(
            kind=self.kind,
            issued_on=self.issued_on,
            expires_on=self.expires_on,
            reference=self.reference,
        )
