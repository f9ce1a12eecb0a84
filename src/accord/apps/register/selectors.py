"""Reading the register: every initiative a person's organisations are party to, with its
agreement, filtered and sorted in the database.

Visibility starts from `initiatives_visible_to`, so another organisation's initiatives (its
drafts included) never appear in a row, a count, a partner list or an export.

Everything a page shows is read with a fixed number of queries, however many rows there are:
the agreement comes by a join, the partners by one prefetch, and the next review date is
computed in SQL from existing tables (no copy to keep up to date): the review section's values
are read from the agreement's current version (the signed one, once signed) with JSON key
lookups that work on SQLite and PostgreSQL, and a review period is added to the last review
with `AddMonths`, which clamps to the month's end as `core.agreement.drafting.add_months` does.
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
    F,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils import timezone

from accord.apps.agreements.models import Agreement, AgreementVersion
from accord.apps.agreements.selectors import agreements_visible_to
from accord.apps.initiatives.models import Initiative, InitiativeParty
from accord.apps.initiatives.selectors import initiatives_visible_to
from accord.apps.organisations.models import Organisation
from accord.core import codes, register
from accord.core.agreement.sections import SECTIONS

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler

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


class AddMonths(Func):
    """A date plus a number of months, on the same day or the last day of a shorter month."""

    arity = 2
    output_field = DateField()

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, list[Any]]:
        day, day_params = compiler.compile(self.source_expressions[0])
        months, months_params = compiler.compile(self.source_expressions[1])
        sql = f"CAST(({day}) + make_interval(months => ({months})) AS date)"
        return sql, [*day_params, *months_params]

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, tuple[Any, ...]]:
        # SQLite's '+N months' overflows into the next month (31 January + 1 month = 3 March);
        # so move to the target month's first day, add the day of the month, and keep the
        # smaller of that and the month's last day.
        day, day_params = compiler.compile(self.source_expressions[0])
        months, months_params = compiler.compile(self.source_expressions[1])
        start = f"date({day}, 'start of month', '+' || ({months}) || ' months')"
        start_params = [*day_params, *months_params]
        same_day = f"date({start}, '+' || (CAST(strftime(%s, {day}) AS INTEGER) - 1) || ' days')"
        same_day_params = [*start_params, "%d", *day_params]
        last_day = f"date({start}, '+1 month', '-1 day')"
        return f"MIN({same_day}, {last_day})", (*same_day_params, *start_params)


def _review_value(
    name: str, output: IntegerField[int, int] | DateField[dt.date, dt.date]
) -> Subquery:
    """One value of the review section of the agreement's current version.

    A version's sections are a list; the review section is found by its key at whichever
    place it holds, so wordings drafted before a section was added are read too.
    """
    value = Case(
        *(
            When(
                **{f"content__sections__{i}__key": "review"},
                then=Cast(KT(f"content__sections__{i}__values__{name}"), output),
            )
            for i in range(len(SECTIONS))
        ),
        default=Value(None),
        output_field=output,
    )
    current = (
        AgreementVersion.objects.filter(agreement=OuterRef("agreement__pk"))
        .order_by("-number")
        .annotate(value=value)
        .values("value")[:1]
    )
    return Subquery(current, output_field=output)


def with_review_due(initiatives: QuerySet[Initiative]) -> QuerySet[Initiative]:
    """Annotate `review_due`: the next review of a signed, live or suspended agreement."""
    initiatives = initiatives.annotate(
        review_every=_review_value("every_months", IntegerField()),
        first_review=_review_value("first_review_on", DateField()),
    )
    return initiatives.annotate(
        review_due=Case(
            When(~Q(agreement__status__in=REVIEWED_STATUSES), then=Value(None)),
            When(
                agreement__last_reviewed_on__isnull=False,
                review_every__isnull=False,
                then=AddMonths(F("agreement__last_reviewed_on"), F("review_every")),
            ),
            default=F("first_review"),
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
    partner: int | None = None
    purpose: str = ""
    category: str = ""
    review: str = ""
    sort: str = "updated"
    descending: bool = True


def register_rows(*, user: User, filters: Filters, today: dt.date) -> QuerySet[Initiative]:
    """The register's rows: each visible initiative, with its agreement and next review due."""
    initiatives = with_review_due(
        initiatives_visible_to(user=user).select_related("agreement", "lead")
    ).prefetch_related(
        Prefetch(
            "parties",
            queryset=InitiativeParty.objects.select_related("organisation").order_by("id"),
        )
    )
    if filters.q:
        initiatives = initiatives.filter(
            Q(title__icontains=filters.q) | Q(agreement__reference__icontains=filters.q)
        )
    if filters.status == NO_AGREEMENT:
        initiatives = initiatives.filter(agreement__isnull=True)
    elif filters.status:
        initiatives = initiatives.filter(agreement__status=filters.status)
    if filters.partner is not None:
        initiatives = initiatives.filter(parties__organisation_id=filters.partner)
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


def partners_of(*, user: User) -> QuerySet[Organisation]:
    """The organisations that share an initiative with this person's, other than their own."""
    return (
        Organisation.objects.filter(
            party_to__initiative__in=initiatives_visible_to(user=user).values("pk")
        )
        .exclude(memberships__user=user)
        .distinct()
        .order_by("name", "pk")
    )


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
