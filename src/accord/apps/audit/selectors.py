"""Reading the audit log."""

from __future__ import annotations

from django.db.models import QuerySet

from accord.apps.audit.models import AuditEntry
from accord.apps.initiatives.models import Initiative


def audit_entries_for_initiative(*, initiative: Initiative) -> QuerySet[AuditEntry]:
    return (
        AuditEntry.objects.filter(initiative=initiative)
        .select_related("organisation")
        .order_by("-sequence")
    )
