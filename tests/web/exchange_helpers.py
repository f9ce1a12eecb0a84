"""A signed (and, if asked, live) two-party agreement, built through the real services.

The school discloses attendance to the council, as in `agreement_helpers.ATTENDANCE`. Shared by
the exchange web tests, the PostgreSQL races and the benchmarks' fixtures.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from accord.apps.accounts.models import User
from accord.apps.agreements import services as agreements
from accord.apps.agreements.models import Agreement
from accord.apps.exchange import services as exchange
from accord.apps.exchange import store
from accord.apps.exchange.models import Dataset
from accord.apps.organisations.models import Organisation
from accord.apps.organisations.services import organisation_create
from tests.web.agreement_helpers import (
    ATTENDANCE,
    PASSWORD,
    SCHOOL,
    code_for,
    give_evidence,
    person,
    ready_initiative,
)


@dataclass
class Sharing:
    agreement: Agreement
    council: Organisation  # the lead; receives
    school: Organisation  # discloses
    council_ig: User  # IG officer and organisation administrator of the council
    council_siro: User
    practitioner: User  # an education welfare officer at the council
    school_ig: User  # the head: IG officer, SIRO and organisation administrator


def signed_agreement(
    *,
    prefix: str = "",
    values: Mapping[str, Mapping[str, Any]] | None = None,
    initiative_text: str = ATTENDANCE,
) -> Sharing:
    """A Signed agreement between Northshire County Council and Brookfield Primary School.

    `values` changes sections' typed values before anyone signs (the school proposes, the
    council accepts), e.g. {"limits": {"records": 250, "per": "day"}}; `initiative_text`
    replaces the attendance initiative (keeping its two parties).
    """
    council = organisation_create(
        actor=None,
        name="Northshire County Council",
        type="local-authority",
        functions=["education"],
    )
    ig = person(council, "ig-officer", "org-admin", email=f"{prefix}ig@northshire.example")
    dpo = person(council, "dpo", email=f"{prefix}dpo@northshire.example")
    siro = person(council, "siro", email=f"{prefix}siro@northshire.example")
    practitioner = person(council, "practitioner", email=f"{prefix}ewo@northshire.example")
    initiative = ready_initiative(ig=ig, dpo=dpo, lead=council, text=initiative_text)
    agreement = agreements.agreement_draft(actor=ig, initiative=initiative)
    school = Organisation.objects.get(name=SCHOOL)
    head = person(
        school, "ig-officer", "siro", "org-admin", email=f"{prefix}head@brookfield.example"
    )
    school_dpo = person(school, "dpo", email=f"{prefix}dpo@brookfield.example")
    give_evidence(siro, council)
    give_evidence(head, school)
    for key, wanted in (values or {}).items():
        section = agreement.current_version().section(key)
        proposal = agreements.proposal_make(
            actor=head,
            agreement=agreement,
            section_key=key,
            text=section["text"],
            values={**section["values"], **wanted},
            reason="As the parties agreed.",
        )
        agreements.proposal_decide(actor=ig, proposal=proposal, accept=True)
    version = agreement.current_version()
    for user, role in ((siro, "siro"), (dpo, "dpo"), (head, "siro"), (school_dpo, "dpo")):
        agreements.signature_give(
            actor=user,
            agreement=agreement,
            version_number=version.number,
            version_hash=version.content_hash,
            role=role,
            password=PASSWORD,
            code=code_for(user),
        )
    agreement.refresh_from_db()
    assert agreement.status == Agreement.SIGNED
    return Sharing(agreement, council, school, ig, siro, practitioner, head)


def live_agreement(
    *,
    prefix: str = "",
    values: Mapping[str, Mapping[str, Any]] | None = None,
    initiative_text: str = ATTENDANCE,
) -> Sharing:
    sharing = signed_agreement(prefix=prefix, values=values, initiative_text=initiative_text)
    sharing.agreement = exchange.go_live(actor=sharing.council_ig, agreement=sharing.agreement)
    return sharing


def loaded_dataset(
    sharing: Sharing,
    headers: Sequence[str],
    rows: Iterable[Sequence[str | None]],
    items: Mapping[str, str],
    *,
    key: str = "",
    name: str = "Attendance",
) -> Dataset:
    """A dataset the school provides, loaded into the store, with `items` mapping columns to
    agreed data items (columns not named stay unshared)."""
    dataset = Dataset.objects.create(
        agreement=sharing.agreement,
        provider=sharing.school,
        name=name,
        source=Dataset.UPLOAD,
        created_by=sharing.school_ig,
        key_column=key,
    )
    store.create_store(dataset, list(headers))
    store.insert_rows(dataset, rows)
    for column, item in items.items():
        dataset.columns.filter(name=column).update(data_item=item)
    return dataset
