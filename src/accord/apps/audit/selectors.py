"""Reading the audit log."""

from __future__ import annotations

from django.db.models import QuerySet

from accord.apps.audit.models import AuditEntry, Checkpoint
from accord.apps.initiatives.models import Initiative


def audit_entries_for_initiative(*, initiative: Initiative) -> QuerySet[AuditEntry]:
    return (
        AuditEntry.objects.filter(initiative=initiative)
        .select_related("organisation")
        .order_by("-sequence")
    )


def checkpoints_recent(
    *, chain: str | None = None, before: int | None = None, limit: int = 100
) -> list[Checkpoint]:
    """The newest signed checkpoints (both chains unless one is named), newest first."""
    rows = Checkpoint.objects.order_by("-id")
    if chain:
        rows = rows.filter(chain=chain)
    if before is not None:
        rows = rows.filter(id__lt=before)
    return list(rows[:limit])
