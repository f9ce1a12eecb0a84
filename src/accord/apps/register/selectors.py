"""Reading the register: every initiative a person's organisations are party to, with its
agreement, filtered and sorted in the database.

Visibility starts from `initiatives_visible_to`, so another organisation's initiatives (its
drafts included) never appear in a row, a count, a partner list or an export.

Everything a page shows is read with a fixed number of queries, however many rows there are:
the page's ids with the total count, then its rows' values, then their partners. The next review date is the
agreement's stored `next_review_on`, kept up to date by the reviews app whenever a review is
raised or recorded, so filtering and sorting on it use an index.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    DateField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.fields.json import KeyTransform
from django.http import QueryDict
from django.utils import timezone

from accord.apps.agreements.models import Agreement, AgreementVersion
from accord.apps.agreements.selectors import agreements_visible_to
from accord.apps.audit.models import ChainHead
from accord.apps.initiatives.models import Initiative, InitiativeParty
from accord.apps.initiatives.selectors import initiatives_visible_to
from accord.core import codes, register
from accord.core.review import relied_on_provisions

if TYPE_CHECKING:
    from accord.apps.accounts.models import User

NO_AGREEMENT: Final = "none"
STATUS_LABELS: Final = {NO_AGREEMENT: "No agreement yet", **dict(Agreement.STATUSES)}
# The order of the stages, for sorting by status.
STATUS_ORDER: Final = tuple(STATUS_LABELS)
# Only these agreements have reviews: a negotiating one is not in force, a terminated one ended.
REVIEWED_STATUSES: Final = (Agreement.SIGNED, Agreement.LIVE, Agreement.SUSPENDED)
SORTS: Final = {
    "updated": "Last changed",
    "title": "Title",
    "status": "Status",
    "review": "Next review due",
}


def with_review_due(initiatives: QuerySet[Initiative]) -> QuerySet[Initiative]:
    """Annotate `review_due`: the next review of a signed, live or suspended agreement."""
    return initiatives.annotate(
        review_due=Case(
            When(agreement__status__in=REVIEWED_STATUSES, then=F("agreement__next_review_on")),
            default=Value(None),
            output_field=DateField(),
        )
    )


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the register, as the page, the dashboard and the export show it: plain values,
    read with `rows_for` in two queries, whatever the number of rows."""

    initiative_id: int
    title: str
    lead: str
    updated_on: dt.date
    agreement_id: int | None
    reference: str
    status: str
    signed_on: dt.date | None
    purposes: tuple[str, ...]
    categories: tuple[str, ...]
    partners: tuple[str, ...]
    review_due: dt.date | None
    review_state: str

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


def rows_for(ids: Sequence[int], *, own: Collection[int], today: dt.date) -> list[Row]:
    """The rows of these initiatives, in this order; `own` are the reader's organisations, which
    are not listed among the partners.

    Plain values, not models: a page of 25 read as models, with its parties and their
    organisations prefetched, cost three times the SQL it ran (bench/register.py). Of the
    initiative's content only the purposes and data categories are read.
    """
    if not ids:
        return []
    found = {
        values["pk"]: values
        for values in Initiative.objects.filter(pk__in=ids).values(
            "pk",
            "title",
            "lead__name",
            "updated_at",
            "agreement__pk",
            "agreement__reference",
            "agreement__status",
            "agreement__signed_at",
            "agreement__next_review_on",
            purposes=KeyTransform("purposes", "content"),
            data=KeyTransform("data", "content"),
        )
    }
    partners: dict[int, list[str]] = defaultdict(list)
    for initiative_id, name in (
        InitiativeParty.objects.filter(initiative_id__in=ids)
        .exclude(organisation_id__in=own)
        .order_by("id")
        .values_list("initiative_id", "organisation__name")
    ):
        partners[initiative_id].append(name)
    return [_row(found[pk], partners[pk], today) for pk in ids if pk in found]


def _row(values: Mapping[str, Any], partners: list[str], today: dt.date) -> Row:
    signed_at = values["agreement__signed_at"]
    data = values["data"] or []
    categories = dict.fromkeys(str(d.get("category", "")) for d in data if isinstance(d, dict))
    status = values["agreement__status"] or NO_AGREEMENT
    # As `with_review_due`: only an agreement in force has a review due.
    due = values["agreement__next_review_on"] if status in REVIEWED_STATUSES else None
    return Row(
        initiative_id=values["pk"],
        title=values["title"],
        lead=values["lead__name"],
        updated_on=timezone.localdate(values["updated_at"]),
        agreement_id=values["agreement__pk"],
        reference=values["agreement__reference"] or "",
        status=status,
        signed_on=timezone.localdate(signed_at) if signed_at else None,
        purposes=tuple(codes.label(str(p)) for p in values["purposes"] or []),
        categories=tuple(codes.label(c) for c in categories if c),
        partners=tuple(partners),
        review_due=due,
        review_state=register.review_state(due, today),
    )


@dataclass(frozen=True)
class Filters:
    """What the register is narrowed to and how it is sorted; blank means everything."""

    q: str = ""
    status: str = ""
    partner: str = ""  # all or part of a partner organisation's name
    purpose: str = ""
    category: str = ""
    review: str = ""
    sort: str = "updated"
    descending: bool = True


def register_rows(*, user: User, filters: Filters, today: dt.date) -> QuerySet[Initiative]:
    """The register's initiatives, filtered and sorted; `rows_for` reads what their rows show."""
    initiatives = with_review_due(initiatives_visible_to(user=user))
    if filters.q:
        initiatives = initiatives.filter(
            Q(title__icontains=filters.q) | Q(agreement__reference__icontains=filters.q)
        )
    if filters.status == NO_AGREEMENT:
        initiatives = initiatives.filter(agreement__isnull=True)
    elif filters.status:
        initiatives = initiatives.filter(agreement__status=filters.status)
    if filters.partner:
        named = InitiativeParty.objects.filter(
            initiative=OuterRef("pk"), organisation__name__icontains=filters.partner
        ).exclude(organisation__memberships__user=user)
        initiatives = initiatives.filter(Exists(named))
    if filters.purpose:
        # The JSON text of the purposes list holds each code in quotes. (JSON `contains` is not
        # available on SQLite; a quoted code cannot match part of another code.)
        initiatives = initiatives.filter(content__purposes__icontains=f'"{filters.purpose}"')
    if filters.category:
        # Each data entry is {"category": code, "fields": [...]}: match the category key, not a
        # field that happens to share the code's words. SQLite writes no space after the colon.
        initiatives = initiatives.filter(
            content__data__iregex=rf'"category":\s*"{filters.category}"'
        )
    if filters.review:
        # Q rather than a keyword: the type checker knows the model's fields, not annotations.
        initiatives = initiatives.filter(
            Q(review_due__lte=register.review_due_by(filters.review, today))
        )
    return initiatives.order_by(*_ordering(filters))


def results_key(*, own: Collection[int], query: QueryDict, today: dt.date) -> str | None:
    """The cache key of a register page's results (views._results), or None not to cache them.

    None when caching is off or nothing has been audited yet. The key holds the head of the
    audit chain, so it changes with any change of state: see views._results.
    """
    if settings.ACCORD_REGISTER_CACHE_SECONDS <= 0:
        return None
    head = ChainHead.objects.filter(id=1).values_list("hash", flat=True).first()
    if head is None:
        return None
    asked = urlencode(sorted(query.lists()), doseq=True)
    organisations = ",".join(str(pk) for pk in sorted(own))
    text = f"{head}|{organisations}|{today.isoformat()}|{asked}"
    return "register:" + hashlib.sha256(text.encode()).hexdigest()


def page_ids(initiatives: QuerySet[Initiative], start: int, stop: int) -> tuple[list[int], int]:
    """The ids of `initiatives[start:stop]` and how many there are in all, in one query.

    The count rides on each row (COUNT(*) OVER ()), so a page past the end returns no rows and
    no count: 0 then means "none here", and the caller asks `initiatives.count()`.
    """
    found = list(
        initiatives.annotate(total=Window(Count("pk"))).values_list("pk", "total")[start:stop]
    )
    return [pk for pk, _ in found], (found[0][1] if found else 0)


def _ordering(filters: Filters) -> list[Any]:
    descending = filters.descending
    if filters.sort == "title":
        key: Any = F("title")
    elif filters.sort == "status":
        key = Case(
            When(agreement__isnull=True, then=Value(0)),
            *(
                When(agreement__status=status, then=Value(rank))
                for rank, status in enumerate(STATUS_ORDER[1:], start=1)
            ),
            output_field=IntegerField(),
        )
    elif filters.sort == "review":
        key = F("review_due")
    else:
        key = F("updated_at")
    ordered = key.desc(nulls_last=True) if descending else key.asc(nulls_last=True)
    tie = F("pk").desc() if descending else F("pk").asc()
    return [ordered, tie]


def status_counts(*, user: User) -> dict[str, int]:
    """How many of this person's initiatives are at each status, every status listed."""
    found = {
        (status or NO_AGREEMENT): count
        for status, count in initiatives_visible_to(user=user)
        .order_by()
        .values_list("agreement__status")
        .annotate(count=Count("pk"))
    }
    return {status: found.get(status, 0) for status in STATUS_ORDER}


def sign_off_times(*, user: User) -> register.SignOffTimes | None:
    """Days from drafting to the last signature, over the signed agreements this person sees."""
    signed = agreements_visible_to(user=user).filter(signed_at__isnull=False)
    return register.sign_off_times(
        register.days_to_sign(timezone.localdate(created), timezone.localdate(signed_at))
        for created, signed_at in signed.values_list("created_at", "signed_at")
    )


def laws_of(agreement_ids: Iterable[int]) -> dict[int, tuple[str, ...]]:
    """The provisions each agreement's current wording relies on, by label, in one query.

    For the CSV export, which answers "under what law" for every row; the page links to each
    agreement instead, since reading every wording would cost each page more than the rest.
    """
    ids = list(agreement_ids)
    if not ids:
        return {}
    latest = (
        AgreementVersion.objects.filter(agreement=OuterRef("agreement"))
        .order_by("-number")
        .values("number")[:1]
    )
    current = AgreementVersion.objects.filter(agreement_id__in=ids, number=Subquery(latest))
    found = {}
    for agreement_id, content in current.values_list("agreement_id", "content"):
        basis = next(
            (s.get("values") or {} for s in content["sections"] if s["key"] == "legal-basis"), {}
        )
        found[agreement_id] = tuple(relied_on_provisions(basis).values())
    return found
