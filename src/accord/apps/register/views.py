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

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
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
    values: list[object] = [
        row.title,
        row.lead,
        row.reference,
        row.status_label,
        "; ".join(row.partners),
        "; ".join(row.purposes),
        "; ".join(row.categories),
        _iso(row.review_due),
        _iso(row.signed_on),
        _iso(row.updated_on),
        str(deletion) if deletion else "",
        "; ".join(law),
    ]
    return [register.defused(v) for v in values]


def deletions_of(rows: Iterable[selectors.Row]) -> Mapping[int, disposal.Tally]:
    """Who has confirmed deletion or return, for the terminated agreements among `rows`."""
    return disposal_states(
        row.agreement_id for row in rows if row.agreement_id and row.status == Agreement.TERMINATED
    )


class _Echo:
    """A file-like object whose write returns the line, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(initiatives: QuerySet[Initiative], own: frozenset[int]) -> Iterator[str]:
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    yield writer.writerow(CSV_COLUMNS)
    today = timezone.localdate()
    ids = initiatives.values_list("pk", flat=True).iterator(chunk_size=CSV_CHUNK)
    for chunk in itertools.batched(ids, CSV_CHUNK):
        rows = selectors.rows_for(chunk, own=own, today=today)
        deletions = deletions_of(rows)
        laws = selectors.laws_of(row.agreement_id for row in rows if row.agreement_id)
        for row in rows:
            agreement_id = row.agreement_id or 0  # 0: no agreement, no entry
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


class CountedPaginator(Paginator):  # type: ignore[type-arg]
    """A paginator told its count, which `selectors.page_ids` reads with the page's ids."""

    def __init__(self, count: int, per_page: int) -> None:
        super().__init__((), per_page)
        self._count = count

    @property
    def count(self) -> int:  # a cached_property in Django's Paginator
        return self._count


def _page_number(text: str | None) -> int:
    """The page asked for; anything that is not a positive whole number means the first."""
    try:
        return max(1, int(text or 1))
    except ValueError:
        return 1


@login_required
@require_GET
def register_list(request: HttpRequest) -> HttpResponse:
    """Signed-in person: the initiatives their organisations are party to, filtered."""
    user = signed_in_user(request)
    form, initiatives = _filtered(request)
    context: dict[str, object] = {"form": form, "section": "register"}
    if initiatives is None:
        return render(request, "register/list.html", context, status=400)
    own = frozenset(roles_by_organisation(user=user))
    context["results"] = _results(request, initiatives, own, filtered=form.is_filtered)
    return render(request, "register/list.html", context)


def _results(
    request: HttpRequest, initiatives: QuerySet[Initiative], own: frozenset[int], *, filtered: bool
) -> str:
    """The count, the rows and the pages, as HTML: from the cache while nothing has changed.

    Every change of state writes an audit entry in its own transaction, so the head of the
    audit chain names the state of everything a row shows; with the reader's organisations
    (which decide what they see), the query and the day (which decides what is overdue), it
    keys the HTML. Any change anywhere moves the head, so a cached page is never stale; read
    first, the head is never newer than the rows kept under it.
    """
    today = timezone.localdate()
    key = selectors.results_key(own=own, query=request.GET, today=today)
    if key is not None and (cached := cache.get(key)) is not None:
        return str(cached)
    number = _page_number(request.GET.get("page"))
    ids, total = selectors.page_ids(initiatives, (number - 1) * PAGE_SIZE, number * PAGE_SIZE)
    if not ids and number > 1:  # past the end: show the last page, as Paginator.get_page does
        total = initiatives.count()
        number = max(1, -(-total // PAGE_SIZE))
        ids, total = selectors.page_ids(initiatives, (number - 1) * PAGE_SIZE, number * PAGE_SIZE)
    rows = selectors.rows_for(ids, own=own, today=today)
    html = render_to_string(
        "register/results.html",
        {
            "page": CountedPaginator(total, PAGE_SIZE).page(number),
            "rows": rows,
            "deletions": deletions_of(rows),
            "filtered": filtered,
        },
        request=request,
    )
    if key is not None:
        cache.set(key, html, settings.ACCORD_REGISTER_CACHE_SECONDS)
    return html


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
    due_ids, due_count = selectors.page_ids(due, 0, DASHBOARD_REVIEWS)
    counts = selectors.status_counts(user=user)
    register_url = reverse("register:list")
    context = {
        "section": "register",
        "counts": [
            (status, selectors.STATUS_LABELS[status], count) for status, count in counts.items()
        ],
        "total": sum(counts.values()),
        "register_url": register_url,
        "due": selectors.rows_for(due_ids, own=own, today=today),
        "due_count": due_count,
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
