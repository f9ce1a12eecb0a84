"""The register, its dashboard and its data-flow map: each organisation's initiatives and
agreements in one place.

Access: every view needs a signed-in person, and shows only what `initiatives_visible_to`
lets them see (initiatives their organisations are party to), so no check per row is needed and
nothing of another organisation's appears. Nothing here changes anything, so nothing is audited.
Bad filters are answered with 400 and the GOV.UK error summary naming the field.
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterable, Iterator, Mapping
from typing import Final

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from accord.apps.accounts.models import User
from accord.apps.agreements.models import Agreement
from accord.apps.disposal.selectors import awaiting_disposal, disposal_states
from accord.apps.initiatives.models import Initiative
from accord.apps.organisations.selectors import roles_by_organisation
from accord.apps.register import flows, selectors
from accord.apps.register.forms import RegisterFilterForm
from accord.core import disposal, flowmap, register
from accord.web.viewhelpers import signed_in_user

PAGE_SIZE: Final = 25
# How many of the reviews due the dashboard lists before pointing to the register.
DASHBOARD_REVIEWS: Final = 20
CSV_COLUMNS: Final = (
    "Initiative",
    "Lead",
    "Agreement reference",
    "Status",
    "Partners",
    "Purposes",
    "Data categories",
    "Next review due",
    "Signed on",
    "Last changed",
    "Deletion or return confirmed",
    "Law relied on",
)
# How many ended agreements awaiting confirmations the dashboard lists.
DASHBOARD_DISPOSALS: Final = 20
# CSV rows are read, and their confirmations counted, this many at a time.
CSV_CHUNK: Final = 1000


def _iso(value: object) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else ""


def csv_row(
    row: selectors.Row, deletion: disposal.Tally | None = None, law: tuple[str, ...] = ()
) -> list[str]:
    initiative, agreement = row.initiative, row.agreement
    values: list[object] = [
        initiative.title,
        initiative.lead.name,
        agreement.reference if agreement else "",
        row.status_label,
        "; ".join(row.partners),
        "; ".join(row.purposes),
        "; ".join(row.categories),
        _iso(row.review_due),
        _iso(row.signed_on),
        _iso(timezone.localdate(initiative.updated_at)),
        str(deletion) if deletion else "",
        "; ".join(law),
    ]
    return [register.defused(v) for v in values]


def deletions_of(rows: Iterable[selectors.Row]) -> Mapping[int, disposal.Tally]:
    """Who has confirmed deletion or return, for the terminated agreements among `rows`."""
    return disposal_states(
        row.agreement.pk
        for row in rows
        if row.agreement and row.agreement.status == Agreement.TERMINATED
    )


class _Echo:
    """A file-like object whose write returns the line, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(initiatives: QuerySet[Initiative], own: frozenset[int]) -> Iterator[str]:
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    yield writer.writerow(CSV_COLUMNS)
    today = timezone.localdate()
    for chunk in itertools.batched(initiatives.iterator(chunk_size=CSV_CHUNK), CSV_CHUNK):
        rows = selectors.rows(chunk, own=own, today=today)
        deletions = deletions_of(rows)
        laws = selectors.laws_of(row.agreement.pk for row in rows if row.agreement)
        for row in rows:
            agreement_id = row.agreement.pk if row.agreement else 0  # 0: no agreement, no entry
            yield writer.writerow(
                csv_row(row, deletions.get(agreement_id), laws.get(agreement_id, ()))
            )


def _filtered(request: HttpRequest) -> tuple[RegisterFilterForm, QuerySet[Initiative] | None]:
    user = signed_in_user(request)
    form = RegisterFilterForm(request.GET)
    if not form.is_valid():
        return form, None
    filters = form.filters()
    return form, selectors.register_rows(user=user, filters=filters, today=timezone.localdate())


@login_required
@require_GET
def register_list(request: HttpRequest) -> HttpResponse:
    """Signed-in person: the initiatives their organisations are party to, filtered."""
    user = signed_in_user(request)
    form, initiatives = _filtered(request)
    context: dict[str, object] = {"form": form, "section": "register"}
    if initiatives is None:
        return render(request, "register/list.html", context, status=400)
    page = Paginator(initiatives, PAGE_SIZE).get_page(request.GET.get("page"))
    first = (page.number - 1) * PAGE_SIZE
    page.object_list = selectors.page_of(initiatives, first, first + PAGE_SIZE)
    own = frozenset(roles_by_organisation(user=user))
    rows = selectors.rows(page.object_list, own=own, today=timezone.localdate())
    context |= {
        "page": page,
        "rows": rows,
        "deletions": deletions_of(rows),
        "filtered": form.is_filtered,
    }
    return render(request, "register/list.html", context)


@login_required
@require_GET
def register_export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """Signed-in person: the same rows as the register, with the same filters, as CSV."""
    user = signed_in_user(request)
    form, initiatives = _filtered(request)
    if initiatives is None:
        return render(
            request, "register/list.html", {"form": form, "section": "register"}, status=400
        )
    own = frozenset(roles_by_organisation(user=user))
    response = StreamingHttpResponse(
        _csv_lines(initiatives, own), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="accord-register.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _awaiting_deletion(user: User) -> dict[str, object]:
    """Ended agreements where a receiving party has yet to confirm deletion or return."""
    awaiting = awaiting_disposal(user=user)
    listed = list(awaiting[:DASHBOARD_DISPOSALS])
    deletions = disposal_states(a.pk for a in listed)
    return {
        "awaiting_deletion": [(a, deletions.get(a.pk)) for a in listed],
        "awaiting_deletion_count": awaiting.count(),
    }


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """Signed-in person: counts by status, reviews due soon, and time taken to sign off."""
    user = signed_in_user(request)
    today = timezone.localdate()
    due = selectors.register_rows(
        user=user,
        filters=selectors.Filters(
            review=str(register.DASHBOARD_REVIEW_DAYS), sort="review", descending=False
        ),
        today=today,
    )
    own = frozenset(roles_by_organisation(user=user))
    counts = selectors.status_counts(user=user)
    register_url = reverse("register:list")
    context = {
        "section": "register",
        "counts": [
            (status, selectors.STATUS_LABELS[status], count) for status, count in counts.items()
        ],
        "total": sum(counts.values()),
        "register_url": register_url,
        "due": selectors.rows(due[:DASHBOARD_REVIEWS], own=own, today=today),
        "due_count": due.count(),
        "due_days": register.DASHBOARD_REVIEW_DAYS,
        "sign_off": selectors.sign_off_times(user=user),
        **_awaiting_deletion(user),
    }
    return render(request, "register/dashboard.html", context)


@login_required
@require_GET
def flow_map(request: HttpRequest) -> HttpResponse:
    """Signed-in person: who shares what with whom, drawn as a map and listed in a table."""
    user = signed_in_user(request)
    form = flows.FlowFilterForm(request.GET)
    context: dict[str, object] = {"form": form, "section": "register"}
    if not form.is_valid():
        return render(request, "register/flows.html", context, status=400)
    found = flows.flow_list(user=user, status=form.cleaned_data["status"])
    own = frozenset(roles_by_organisation(user=user))
    context |= {"flow_map": flowmap.layout(found, own=own), "filtered": form.is_filtered}
    return render(request, "register/flows.html", context)
