"""`{% publication_of_agreement %}`: what the consent panel on the exchange overview shows.

The panel (`transparency/_consent.html`) is included by the exchange overview, whose view knows
nothing of the register: this tag reads the agreement and the person from the page's context.
"""

from __future__ import annotations

from typing import Any

from django import template

from accord.apps.accounts.models import User
from accord.apps.agreements.models import Agreement
from accord.apps.exchange.selectors import may_act
from accord.apps.transparency.selectors import publication_of

register = template.Library()


@register.simple_tag(takes_context=True)
def publication_of_agreement(context: template.Context) -> dict[str, Any]:
    agreement = context.get("agreement")
    request = context.get("request")
    user = getattr(request, "user", None)
    if not isinstance(agreement, Agreement) or not agreement.is_signed:
        return {}
    return {
        "publication": publication_of(agreement),
        "can_consent": isinstance(user, User)
        and may_act(user=user, agreement=agreement, action="transparency.consent"),
    }
