"""`{% disposal_of_agreement %}`: what the deletion or return panel on the exchange overview shows.

The panel (`disposal/_disposal.html`) is included by the exchange overview, whose view knows
nothing of the end of an agreement: this tag reads the agreement and the person from the page's
context. It shows only once the agreement is terminated.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.core.exceptions import PermissionDenied

from accord.apps.accounts.models import User
from accord.apps.agreements.models import Agreement
from accord.apps.disposal.selectors import disposal_of
from accord.apps.exchange.selectors import acting_party

register = template.Library()


@register.simple_tag(takes_context=True)
def disposal_of_agreement(context: template.Context) -> dict[str, Any]:
    agreement = context.get("agreement")
    request = context.get("request")
    user = getattr(request, "user", None)
    if not isinstance(agreement, Agreement) or agreement.status != Agreement.TERMINATED:
        return {}
    if not isinstance(user, User):
        return {}
    parties = disposal_of(agreement)
    try:
        mine = acting_party(user=user, agreement=agreement, action="disposal.confirm")
    except PermissionDenied:
        mine = None
    own = next((p for p in parties if mine and p.organisation_id == mine.organisation_id), None)
    return {
        "parties": parties,
        "confirmed": sum(1 for p in parties if p.state.is_confirmed),
        "own": own,
        "can_confirm": own is not None and not own.state.is_confirmed,
    }
