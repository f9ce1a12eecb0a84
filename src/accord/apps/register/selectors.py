"""Reading the register: every initiative a person's organisations are party to, with its
agreement, filtered and sorted in the database.

Visibility starts from `initiatives_visible_to`, so another organisation's initiatives (its
drafts included) never appear in a row, a count, a partner list or an export.

Everything a page shows is read with a fixed number of queries, however many rows there are:
the agreement comes by a join and the partners by one prefetch. The next review date is the
agreement's stored `next_review_on`, kept up to date by the reviews app whenever a review is
raised or recorded, so filtering and sorting on it use an index.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from django.db.models import (
    Case,
    Count,
    DateField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone

from accord.apps.agreements.models import Agreement, AgreementVersion
from accord.apps.agreements.selectors import agreements_visible_to
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


@dataclass(frozen=True)
class Row:
    """One line of the register, as the page and the export show it."""

    initiative: Initiative
    agreement: Agreement | None
    partners: tuple[str, ...]
    review_due: dt.date | None
    review_state: str

    @property
    def status(self) -> str:
        return self.agreement.status if self.agreement else NO_AGREEMENT

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def purposes(self) -> list[str]:
        return [codes.label(str(p)) for p in self.initiative.content.get("purposes", [])]

    @property
    def categories(self) -> list[str]:
        found = (str(d.get("category", "")) for d in self.initiative.content.get("data", []))
        return [codes.label(c) for c in dict.fromkeys(found) if c]

    @property
    def signed_on(self) -> dt.date | None:
        signed_at = self.agreement.signed_at if self.agreement else None
        return timezone.localdate(signed_at) if signed_at else None


def rows(initiatives: Iterable[Initiative], *, own: Collection[int], today: dt.date) -> list[Row]:
    """Rows for initiatives read by `register_rows`; `own` are the reader's organisations."""
    found = []
    for initiative in initiatives:
        agreement = getattr(initiative, "agreement", None)
        due: dt.date | None = getattr(initiative, "review_due", None)
        found.append(
            Row(
                initiative=initiative,
                agreement=agreement,
                partners=tuple(
                    party.organisation.name
                    for party in initiative.parties.all()
                    if party.organisation_id not in own
                ),
                review_due=due,
                review_state=register.review_state(due, today),
            )
        )
    return found


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


def _with_row_data(initiatives: QuerySet[Initiative]) -> QuerySet[Initiative]:
    """What a row shows beside the initiative: its agreement, lead, partners and review due."""
    return with_review_due(initiatives.select_related("agreement", "lead")).prefetch_related(
        Prefetch(
            "parties",
            queryset=InitiativeParty.objects.select_related("organisation").order_by("id"),
        )
    )


def register_rows(*, user: User, filters: Filters, today: dt.date) -> QuerySet[Initiative]:
    """The register's rows: each visible initiative, with its agreement and next review due."""
    initiatives = _with_row_data(initiatives_visible_to(user=user))
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


def page_of(initiatives: QuerySet[Initiative], start: int, stop: int) -> list[Initiative]:
    """`initiatives[start:stop]` of `register_rows`, in two steps: the page's ids, filtered and
    sorted on what that needs alone; then those rows, by id, with what a row shows.

    One query more than a slice, at any size; but the database no longer fetches and joins the
    agreement and lead of every visible initiative to keep 25 of them (1,500 for an
    organisation among 100,000 agreements: bench/register.py).
    """
    ids = list(initiatives.values_list("pk", flat=True)[start:stop])
    found = _with_row_data(Initiative.objects.filter(pk__in=ids)).in_bulk()
    return [found[pk] for pk in ids if pk in found]


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
