"""`{% incidents_of_agreement %}`: what the incidents panel on the exchange overview shows.

The panel (`incidents/_incidents.html`) is included by the exchange overview, whose view knows
nothing of incidents: this tag reads the agreement and the person from the page's context.
"""

from __future__ import annotations

from typing import Any, Final

from django import template

from accord.apps.accounts.models import User
from accord.apps.agreements.models import Agreement
from accord.apps.exchange.selectors import may_act
from accord.apps.incidents.selectors import incidents_of

register = template.Library()

# The overview lists the latest few; the incidents page lists them all.
SHOWN: Final = 5


@register.simple_tag(takes_context=True)
def incidents_of_agreement(context: template.Context) -> dict[str, Any]:
    agreement = context.get("agreement")
    request = context.get("request")
    user = getattr(request, "user", None)
    if not isinstance(agreement, Agreement) or not agreement.is_signed:
        return {}
    if not isinstance(user, User):
        return {}
    incidents = list(incidents_of(agreement=agreement)[: SHOWN + 1])
    return {
        "incidents": incidents[:SHOWN],
        "more": len(incidents) > SHOWN,
        "can_report": may_act(user=user, agreement=agreement, action="incident.report"),
        "can_suspend": agreement.status == Agreement.LIVE
        and may_act(user=user, agreement=agreement, action="incident.suspend"),
    }
