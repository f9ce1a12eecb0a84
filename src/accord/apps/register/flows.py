"""Reading the data-flow map: who discloses what to whom, in the initiatives a person sees.

Visibility starts from `initiatives_visible_to`, as the register does, so another
organisation's initiatives (its drafts included) never appear on the map or in its table.
The flows are read with a fixed number of queries however many there are: the agreement by a
join, whether the initiative was assessed by EXISTS, the parties and their organisations by one
prefetch. `accord.core.flowmap` lays them out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.urls import reverse

from accord.apps.initiatives.models import Assessment, Initiative, InitiativeParty
from accord.apps.initiatives.selectors import initiatives_visible_to
from accord.apps.register.selectors import NO_AGREEMENT, STATUS_LABELS
from accord.core import codes, flowmap

if TYPE_CHECKING:
    from accord.apps.accounts.models import User

DISCLOSES = frozenset({"discloses", "both"})
RECEIVES = frozenset({"receives", "both"})


class FlowFilterForm(forms.Form):
    """The map's one filter, with the register's statuses and its error message."""

    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Any status"), *STATUS_LABELS.items()],
        error_messages={"invalid_choice": "Choose a status from the list"},
    )

    @property
    def is_filtered(self) -> bool:
        return self.is_valid() and bool(self.cleaned_data["status"])


def _initiatives(*, user: User, status: str) -> QuerySet[Initiative]:
    initiatives = (
        initiatives_visible_to(user=user)
        .select_related("agreement")
        .annotate(has_assessment=Exists(Assessment.objects.filter(initiative=OuterRef("pk"))))
        .prefetch_related(
            Prefetch(
                "parties",
                queryset=InitiativeParty.objects.select_related("organisation").order_by("id"),
            )
        )
    )
    if status == NO_AGREEMENT:
        initiatives = initiatives.filter(agreement__isnull=True)
    elif status:
        initiatives = initiatives.filter(agreement__status=status)
    return initiatives.order_by("title", "pk")


def _categories(initiative: Initiative) -> tuple[str, ...]:
    found = (str(d.get("category", "")) for d in initiative.content.get("data", []))
    return tuple(codes.label(c) for c in dict.fromkeys(found) if c)


def flow_list(*, user: User, status: str = "") -> list[flowmap.Flow]:
    """Each flow in the initiatives this person sees: from every party that discloses
    (or both discloses and receives) to every other party that receives (or both)."""
    flows = []
    for initiative in _initiatives(user=user, status=status):
        agreement = getattr(initiative, "agreement", None)
        if agreement is not None:
            reference, code = agreement.reference, agreement.status
            url, stage = reverse("agreements:detail", args=[agreement.pk]), ""
        else:
            reference, code = "", NO_AGREEMENT
            url = reverse("initiatives:summary", args=[initiative.pk])
            stage = flowmap.initiative_stage(
                description_confirmed=initiative.description_confirmed,
                has_assessment=bool(getattr(initiative, "has_assessment", False)),
                mechanism_chosen=bool(initiative.mechanism),
            )
        parties = [
            (flowmap.Party(p.organisation_id, p.organisation.name), p.role)
            for p in initiative.parties.all()
        ]
        categories = _categories(initiative)
        for source, source_role in parties:
            for target, target_role in parties:
                if source == target or source_role not in DISCLOSES:
                    continue
                if target_role not in RECEIVES:
                    continue
                flows.append(
                    flowmap.Flow(
                        initiative_id=initiative.pk,
                        reference=reference,
                        title=initiative.title,
                        status=code,
                        status_label=STATUS_LABELS[code],
                        source=source,
                        target=target,
                        categories=categories,
                        url=url,
                        stage=stage,
                    )
                )
    return flows
