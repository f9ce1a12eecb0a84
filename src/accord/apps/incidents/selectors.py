"""Reading incidents: every party of the agreement sees them all, nobody else sees any.

Callers reach an agreement through `agreement_get`, which answers 404 to anyone outside its
parties, so these functions need no further check.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from accord.apps.agreements.models import Agreement
from accord.apps.incidents.models import Incident


def incidents_of(*, agreement: Agreement) -> QuerySet[Incident]:
    """The agreement's incidents, latest first."""
    return Incident.objects.filter(agreement=agreement).select_related(
        "organisation", "reported_by", "suspended_by"
    )


def incident_get(*, agreement: Agreement, number: int) -> Incident:
    try:
        return incidents_of(agreement=agreement).get(number=number)
    except Incident.DoesNotExist:
        raise Http404("No such incident") from None
