"""Each party's disclosure log, with volumes set against what was agreed.

Access: only members of a party reach the page (`agreement_get` gives 404 to anyone else), and
"exchange.view" is checked explicitly. A party sees the entries where its organisation received,
asked or provided (`selectors.disclosures_visible`), never another organisation's. The CSV
export holds the same entries with their place in the hash chain (sequence, hash, previous
hash), so an auditor can check them against `accord verify-audit`; a cell that a spreadsheet
would read as a formula is prefixed with a quote.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any, Final

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from accord.apps.agreements.models import Agreement
from accord.apps.agreements.selectors import agreement_get
from accord.apps.exchange import selectors
from accord.apps.exchange.models import DisclosureEntry
from accord.apps.exchange.views.channel import exchange_page
from accord.apps.organisations.models import Organisation
from accord.apps.organisations.selectors import roles_by_organisation
from accord.core.agreement.sections import SECTIONS
from accord.core.csvcells import defused
from accord.core.filetypes import safe_filename
from accord.web.viewhelpers import signed_in_user

PAGE_SIZE: Final = 50
_CLAUSE_TITLES: Final = {number: s.title for number, s in enumerate(SECTIONS, start=1)}
CSV_COLUMNS: Final = (
    "sequence",
    "hash",
    "previous_hash",
    "at",
    "agreement",
    "version",
    "content_hash",
    "kind",
    "effect",
    "party",
    "provider",
    "client",
    "actor",
    "dataset",
    "fields",
    "record_count",
    "payload_hash",
    "clauses",
    "reason",
    "correlation_id",
)


class LogFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label="Kind",
        required=False,
        choices=[("", "Every kind"), *DisclosureEntry.KINDS],
        error_messages={"invalid_choice": "Choose a kind from the list"},
    )
    effect = forms.ChoiceField(
        label="Outcome",
        required=False,
        choices=[("", "Allowed and refused"), ("allow", "Allowed"), ("deny", "Refused")],
        error_messages={"invalid_choice": "Choose allowed, refused or both"},
    )


@dataclass(frozen=True)
class Row:
    entry: DisclosureEntry

    @property
    def clauses(self) -> list[str]:
        """A refusal names each clause it broke; an allowed entry lists those it matched."""
        if self.entry.effect == "allow":
            return [str(n) for n in sorted(self.entry.clauses)]
        return [f"{n} ({_CLAUSE_TITLES.get(n, '?')})" for n in self.entry.clauses]


def visible_entries(
    agreement: Agreement, organisations: Iterable[Organisation]
) -> QuerySet[DisclosureEntry]:
    """The entries any of these organisations may see under the agreement, newest first."""
    entries = reduce(
        or_,
        (selectors.disclosures_visible(agreement=agreement, organisation=o) for o in organisations),
        DisclosureEntry.objects.none(),
    )
    return entries.select_related("party", "provider", "dataset", "client").order_by("-sequence")


def csv_row(entry: DisclosureEntry) -> list[str]:
    values: list[object] = [
        entry.sequence,
        entry.hash,
        entry.previous_hash,
        entry.at.astimezone(dt.UTC).isoformat(),
        entry.agreement.reference,
        entry.version,
        entry.content_hash,
        entry.kind,
        entry.effect,
        entry.party.name if entry.party else "",
        entry.provider.name if entry.provider else "",
        entry.client.client_id if entry.client else "",
        entry.actor_label,
        entry.dataset.name if entry.dataset else "",
        "; ".join(entry.fields),
        entry.record_count,
        entry.payload_hash,
        " ".join(str(n) for n in entry.clauses),
        entry.reason,
        entry.correlation_id,
    ]
    return [defused(v) for v in values]


class _Echo:
    """A file-like object whose write returns the line, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(entries: QuerySet[DisclosureEntry]) -> Iterator[str]:
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    yield writer.writerow(CSV_COLUMNS)
    for entry in entries.select_related("agreement").iterator(chunk_size=2000):
        yield writer.writerow(csv_row(entry))


@login_required
@require_GET
def disclosure_log(request: HttpRequest, pk: int) -> HttpResponse | StreamingHttpResponse:
    user = signed_in_user(request)
    agreement = agreement_get(user=user, pk=pk)
    if not selectors.may_act(user=user, agreement=agreement, action="exchange.view"):
        raise PermissionDenied("You cannot see the disclosure log of this agreement")
    mine = roles_by_organisation(user=user)
    organisations = [
        party.organisation
        for party in agreement.initiative.parties.select_related("organisation")
        if mine.get(party.organisation_id)
    ]
    entries = visible_entries(agreement, organisations)
    form = LogFilterForm(request.GET)
    if form.is_valid():
        if kind := form.cleaned_data["kind"]:
            entries = entries.filter(kind=kind)
        if effect := form.cleaned_data["effect"]:
            entries = entries.filter(effect=effect)

    if request.GET.get("format") == "csv" and not form.errors:
        filename = safe_filename(f"{agreement.reference}-disclosure-log.csv")
        response = StreamingHttpResponse(_csv_lines(entries), content_type="text/csv")
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=filename
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response

    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    context: dict[str, Any] = {
        "form": form,
        "page": page,
        "rows": [Row(entry) for entry in page],
        "volumes": selectors.volumes(agreement, today=timezone.localdate())
        if agreement.is_signed
        else [],
        "organisations": organisations,
        "filtered": bool(form.is_valid() and any(form.cleaned_data.values())),
    }
    return exchange_page(
        request, "log.html", agreement, status=400 if form.errors else 200, **context
    )
