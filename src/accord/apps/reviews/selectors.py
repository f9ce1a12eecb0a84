"""Reading reviews. Every page starts from `agreement_get`, so only the parties see them."""

from __future__ import annotations

from django.db.models import QuerySet

from accord.apps.agreements.models import Agreement
from accord.apps.organisations.models import Organisation
from accord.apps.reviews.models import Review


def reviews_of(*, agreement: Agreement) -> QuerySet[Review]:
    return Review.objects.filter(agreement=agreement).select_related("completed_by", "raised_by")


def review_of(*, agreement: Agreement, review_id: int) -> Review | None:
    return reviews_of(agreement=agreement).filter(pk=review_id).first()


def joining_candidates(*, agreement: Agreement) -> QuerySet[Organisation]:
    """Organisations on Accord that are not yet parties to the agreement."""
    return Organisation.objects.exclude(
        pk__in=agreement.initiative.parties.values("organisation_id")
    ).order_by("name")
