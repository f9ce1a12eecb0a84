"""Recording a party's consent to publish its agreement in the public transparency register.

Allowed by the party rule "transparency.consent" (an IG officer or SIRO of any party, for their
own organisation), once the agreement is signed: the register summarises the signed wording.
The answer and its audit entry are written in one transaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accord.apps.agreements.models import Agreement
from accord.apps.audit.services import audit_record
from accord.apps.exchange.selectors import acting_party
from accord.apps.transparency.models import PublicationConsent

if TYPE_CHECKING:
    from accord.apps.accounts.models import User


def consent_record(*, actor: User, agreement: Agreement, agreed: bool) -> PublicationConsent:
    """Record whether the actor's organisation agrees to publish; it may change its mind."""
    party = acting_party(user=actor, agreement=agreement, action="transparency.consent")
    with transaction.atomic():
        # Lock the agreement so an answer and a change of status are taken one after the other.
        agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
        if not agreement.is_signed:
            raise ValidationError(
                {"agreed": "Only a signed agreement can be published: sign it first."}
            )
        if agreed and agreement.status == Agreement.TERMINATED:
            raise ValidationError(
                {"agreed": "This agreement is terminated, so it cannot be published."}
            )
        consent, _ = PublicationConsent.objects.update_or_create(
            agreement=agreement,
            organisation=party.organisation,
            defaults={"agreed": agreed, "by": actor, "at": timezone.now()},
        )
        answer = "agrees" if agreed else "does not agree"
        audit_record(
            actor=actor,
            verb="agreement.publication-consent",
            target=agreement,
            organisation=party.organisation,
            initiative=agreement.initiative,
            summary=f"{party.organisation.name} {answer} to publish {agreement.reference} "
            "in the transparency register",
            data={"agreed": agreed, "organisation": party.organisation_id},
        )
    return consent
