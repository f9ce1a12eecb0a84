"""The shared view: a person of a receiving party looks up one person, giving a reason.

A look-up is a disclosure like any other: it goes through `services.disclose`, so it is decided
against the agreement, limited to the agreed fields, counted against the volume limit and logged
with the person, their reason, the fields and the SHA-256 of exactly what was shown. The
identifier searched for is not written to the log: the entry says who looked, why and what they
saw, not whom they looked for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import orjson
from django.core.exceptions import ValidationError

from accord.apps.exchange import selectors, services, store
from accord.apps.exchange.models import Dataset
from accord.core.exchange.decision import Decision, DisclosureRequest

if TYPE_CHECKING:
    from accord.apps.accounts.models import User
    from accord.apps.agreements.models import Agreement

MAX_IDENTIFIER_LENGTH: Final = 200
MAX_REASON_LENGTH: Final = 2000


def searchable_datasets(agreement: Agreement) -> list[Dataset]:
    """The agreement's datasets that can be searched: those with a column identifying a person."""
    return list(
        Dataset.objects.filter(agreement=agreement)
        .exclude(key_column="")
        .select_related("provider")
        .prefetch_related("columns")
    )


def lookup(
    *, actor: User, agreement: Agreement, dataset: Dataset, identifier: str, reason: str
) -> tuple[services.Disclosure, dict[str, object] | None]:
    """Look up one person in `dataset`: the disclosure made (or refused) and the record shown.

    Raises PermissionDenied unless the actor may look up for a receiving party, and
    ValidationError (by field) for a dataset or identifier that cannot be searched. A missing
    reason is not a form error here: the agreement refuses it, and the refusal is logged.
    """
    party = selectors.acting_party(user=actor, agreement=agreement, action="exchange.lookup")
    identifier = identifier.strip()
    errors: dict[str, str] = {}
    columns = {c.name for c in dataset.columns.all()}
    if dataset.agreement_id != agreement.pk or dataset.key_column not in columns:
        errors["dataset"] = "Choose a dataset that identifies people under this agreement"
    if not identifier:
        errors["identifier"] = "Enter the identifier of the person to look up"
    elif len(identifier) > MAX_IDENTIFIER_LENGTH:
        errors["identifier"] = f"The identifier must be {MAX_IDENTIFIER_LENGTH} characters or fewer"
    if len(reason) > MAX_REASON_LENGTH:
        errors["reason"] = f"The reason must be {MAX_REASON_LENGTH:,} characters or fewer"
    if errors:
        raise ValidationError(errors)

    def fetch(decision: Decision) -> tuple[bytes, int]:
        # Only the columns the decision permits are read from the store, in SQL.
        record = store.find(dataset, decision.fields, identifier)
        if record is None:
            return b"", 0
        # Values read in place from PostgreSQL may be dates or decimals: shown as text.
        return orjson.dumps(record, default=str), 1

    disclosure = services.disclose(
        agreement_id=agreement.pk,
        request=DisclosureRequest(
            kind="lookup",
            party=str(party.organisation_id),
            dataset=selectors.dataset_terms(dataset),
            records=1,
            credential="person",
            reason=reason.strip(),
        ),
        party=party.organisation,
        fetch=fetch,
        person=actor,
        dataset=dataset,
        reason=reason.strip(),
    )
    found: dict[str, object] | None = None
    if disclosure.payload:
        found = orjson.loads(disclosure.payload)
    return disclosure, found
