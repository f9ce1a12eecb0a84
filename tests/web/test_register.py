"""The register and its dashboard: what each organisation sees, filtered, sorted, paged, exported.

Built through the real services: a signed agreement between the council and Brookfield Primary
School (`signed_agreement`), the council's own drafts with another partner, and a third
organisation's initiative that the council must never see.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.db import connection
from django.http import QueryDict
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accord.apps.accounts.models import User
from accord.apps.agreements.models import Agreement
from accord.apps.exchange.selectors import terms_of
from accord.apps.initiatives import services as initiatives
from accord.apps.initiatives.models import Initiative
from accord.apps.organisations.models import Organisation
from accord.apps.organisations.services import organisation_create
from accord.apps.register.selectors import results_key
from accord.apps.reviews.services import review_date_refresh
from accord.core import register
from accord.core.agreement.drafting import add_months
from accord.web.demo import demo_load
from tests.web.agreement_helpers import person
from tests.web.conftest import signed_in
from tests.web.exchange_helpers import Sharing, signed_agreement

pytestmark = pytest.mark.django_db

COUNCIL = "Northshire County Council"


def initiative_text(
    title: str,
    *,
    lead: str = COUNCIL,
    partner: str = "Northshire Police",
    partner_type: str = "police",
    purposes: str = "[safeguarding-children]",
    data: str = "[{category: identifiers, fields: [name]}, {category: health, fields: [GP]}]",
) -> str:
    return f"""\
title: {title!r}
summary: A test initiative.
purposes: {purposes}
parties:
  - {{name: {lead}, type: local-authority, functions: [childrens-services], role: both}}
  - {{name: {partner}, type: {partner_type}, role: both}}
data_subjects: [children]
data: {data}
consent: none
volume: case-by-case
frequency: ad-hoc
"""


def draft(ig: User, lead: Organisation, title: str, **kwargs: str) -> Initiative:
    initiative, _notes = initiatives.initiative_import(
        actor=ig,
        lead=lead,
        text=initiative_text(title, lead=lead.name, **kwargs),
        filename="i.yaml",
    )
    return initiative


@dataclass
class World:
    sharing: Sharing
    draft: Initiative  # the council's, with the police; no agreement yet
    other: Initiative  # Eastshire's, with Eastshire Police: not the council's business
    client: Client  # the council's IG officer (an organisation administrator, so with MFA)

    @property
    def agreement(self) -> Agreement:
        return self.sharing.agreement


@pytest.fixture
def world() -> World:
    sharing = signed_agreement()
    mash = draft(sharing.council_ig, sharing.council, "Children's safeguarding hub")
    eastshire = organisation_create(actor=None, name="Eastshire Council", type="local-authority")
    eastshire_ig = person(eastshire, "ig-officer", email="ig@eastshire.example")
    other = draft(
        eastshire_ig,
        eastshire,
        "Eastshire secret draft",
        partner="Eastshire Police",
        purposes="[education]",
    )
    return World(sharing, mash, other, signed_in(sharing.council_ig, mfa=True))


def titles(response: object) -> list[str]:
    rows = response.context["rows"]  # type: ignore[attr-defined]
    return [row.title for row in rows]


def csv_rows(response: object) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    return list(csv.reader(io.StringIO(body)))


def test_the_register_lists_every_initiative_of_the_organisation_with_its_agreement(
    world: World,
) -> None:
    response = world.client.get("/register/")
    assert response.status_code == 200
    assert set(titles(response)) == {world.agreement.initiative.title, world.draft.title}
    rows = {row.initiative_id: row for row in response.context["rows"]}
    signed = rows[world.agreement.initiative_id]
    assert signed.agreement_id == world.agreement.pk
    assert signed.reference == world.agreement.reference
    assert signed.status_label == "Signed"
    assert signed.partners == ("Brookfield Primary School",)
    assert signed.purposes == ("Education", "Safeguarding children")
    assert signed.categories == ("Identifiers", "Contact", "Education")
    expected_due = terms_of(world.agreement).review_due_on(None)
    assert expected_due is not None
    assert signed.review_due == expected_due
    assert signed.signed_on == timezone.localdate()
    unsigned = rows[world.draft.pk]
    assert (unsigned.agreement_id, unsigned.status_label, unsigned.review_due) == (
        None,
        "No agreement yet",
        None,
    )
    assert unsigned.partners == ("Northshire Police",)
    page = response.content.decode()
    assert world.agreement.reference in page
    assert f'href="/agreements/{world.agreement.pk}/"' in page
    assert expected_due.strftime("%Y-%m-%d") in page
    assert "Eastshire secret draft" not in page
    assert (
        'aria-current="true"><strong class="govuk-service-navigation__active-fallback">Register'
        in page
    )


def reviewed_on(agreement: Agreement, day: dt.date, **changes: object) -> None:
    """As if a review had been recorded on `day`: the stored next review date follows."""
    Agreement.objects.filter(pk=agreement.pk).update(last_reviewed_on=day, **changes)
    review_date_refresh(Agreement.objects.get(pk=agreement.pk))


def test_the_next_review_follows_the_last_review(world: World) -> None:
    last = timezone.localdate() - dt.timedelta(days=400)
    reviewed_on(world.agreement, last)
    terms = terms_of(world.agreement)
    response = world.client.get("/register/", {"status": "signed"})
    (row,) = response.context["rows"]
    assert row.review_due == terms.review_due_on(last)
    assert row.review_due == add_months(last, terms.review_every_months or 0)


def test_a_terminated_agreement_has_no_review_due(world: World) -> None:
    Agreement.objects.filter(pk=world.agreement.pk).update(status=Agreement.TERMINATED)
    response = world.client.get("/register/", {"status": "terminated"})
    (row,) = response.context["rows"]
    assert row.status_label == "Terminated"
    assert row.review_due is None


def test_each_filter_narrows_the_rows(world: World) -> None:
    client = world.client
    signed, mash = world.agreement.initiative.title, world.draft.title
    cases = {
        "status=signed": [signed],
        "status=none": [mash],
        "status=live": [],
        "partner=brookfield": [signed],
        "partner=NORTHSHIRE POLICE": [mash],
        "partner=Police": [mash],
        # Searching for one's own organisation finds partners only.
        "partner=Northshire County Council": [],
        "purpose=education": [signed],
        "purpose=safeguarding-children": [signed, mash],
        "purpose=housing": [],
        "category=health": [mash],
        "category=contact": [signed],
        "category=identifiers": [signed, mash],
        "review=90": [],
        "review=overdue": [],
    }
    for query, expected in cases.items():
        response = client.get(f"/register/?{query}&sort=title")
        assert response.status_code == 200, query
        assert titles(response) == sorted(expected), query
    empty = client.get("/register/?status=live").content.decode()
    assert 'id="row-count">0 initiatives match.' in empty
    assert "No initiatives match these filters." in empty


def test_the_review_due_filter_selects_by_the_next_review(world: World) -> None:
    terms = terms_of(world.agreement)
    every = terms.review_every_months or 12
    today = timezone.localdate()
    # Reviewed so long ago that the next review was due last month: overdue.
    reviewed_on(world.agreement, add_months(today, -every - 1))
    signed = [world.agreement.initiative.title]
    assert titles(world.client.get("/register/?review=overdue")) == signed
    assert titles(world.client.get("/register/?review=30")) == signed
    # Reviewed a little under a period ago: due within 90 days but not 30, nor overdue.
    reviewed_on(world.agreement, add_months(today, -every) + dt.timedelta(days=60))
    assert titles(world.client.get("/register/?review=overdue")) == []
    assert titles(world.client.get("/register/?review=30")) == []
    assert titles(world.client.get("/register/?review=90")) == signed


def test_search_matches_title_or_reference_whatever_the_case(world: World) -> None:
    client = world.client
    assert titles(client.get("/register/", {"q": "SAFEGUARDING HUB"})) == [world.draft.title]
    reference = world.agreement.reference
    assert titles(client.get("/register/", {"q": reference.lower()})) == [
        world.agreement.initiative.title
    ]
    assert titles(client.get("/register/", {"q": "Eastshire"})) == []


def test_rows_sort_by_title_status_review_and_last_change(world: World) -> None:
    client = world.client
    extra = draft(world.sharing.council_ig, world.sharing.council, "Adult carers' support")
    signed, mash = world.agreement.initiative.title, world.draft.title
    by_title = sorted([signed, mash, extra.title])
    assert titles(client.get("/register/?sort=title")) == by_title
    assert titles(client.get("/register/?sort=title&order=desc")) == by_title[::-1]
    # Newest change first by default.
    assert titles(client.get("/register/")) == [extra.title, mash, signed]
    assert titles(client.get("/register/?order=asc")) == [signed, mash, extra.title]
    # No agreement sorts before a signed one; without a review date, last either way.
    assert titles(client.get("/register/?sort=status"))[-1] == signed
    assert titles(client.get("/register/?sort=status&order=desc"))[0] == signed
    assert titles(client.get("/register/?sort=review"))[0] == signed
    assert titles(client.get("/register/?sort=review&order=desc"))[0] == signed


def test_pages_hold_25_rows_and_their_links_keep_the_filters(world: World) -> None:
    for number in range(30):
        draft(world.sharing.council_ig, world.sharing.council, f"Draft {number:02}")
    response = world.client.get("/register/?status=none&sort=title")
    assert len(response.context["rows"]) == 25
    assert response.context["page"].paginator.count == 31
    page = response.content.decode()
    assert 'href="?status=none&amp;sort=title&amp;page=2" rel="next"' in page
    second = world.client.get("/register/?status=none&sort=title&page=2")
    assert len(second.context["rows"]) == 6
    assert all(row.status_label == "No agreement yet" for row in second.context["rows"])


def test_the_page_needs_the_same_number_of_queries_for_3_or_30_rows(world: World) -> None:
    def queries() -> int:
        world.client.get("/register/")  # once first: a request may renew the session
        with CaptureQueriesContext(connection) as captured:
            response = world.client.get("/register/")
        assert response.status_code == 200
        return len(captured)

    council = world.sharing.council
    few = queries()
    partners = ("Northshire Police", "Northshire NHS Trust", "Westshire Council")
    types = ("police", "nhs-trust", "local-authority")
    for number in range(28):
        draft(
            world.sharing.council_ig,
            council,
            f"Initiative {number}",
            partner=partners[number % 3],
            partner_type=types[number % 3],
        )
    assert Initiative.objects.filter(parties__organisation=council).count() == 30
    assert queries() == few


def test_the_csv_export_holds_the_filtered_rows_with_formulas_defused(world: World) -> None:
    formula = draft(world.sharing.council_ig, world.sharing.council, "=HYPERLINK(1)")
    response = world.client.get("/register/export.csv?sort=title")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="accord-register.csv"'
    assert "no-store" in response["Cache-Control"]
    rows = csv_rows(response)
    assert rows[0][:4] == ["Initiative", "Lead", "Agreement reference", "Status"]
    by_title = {row[0]: row for row in rows[1:]}
    assert set(by_title) == {
        "'" + formula.title,
        world.draft.title,
        world.agreement.initiative.title,
    }
    signed = by_title[world.agreement.initiative.title]
    due = terms_of(world.agreement).review_due_on(None)
    assert signed[1:] == [
        COUNCIL,
        world.agreement.reference,
        "Signed",
        "Brookfield Primary School",
        "Education; Safeguarding children",
        "Identifiers; Contact; Education",
        due.isoformat() if due else "",
        timezone.localdate().isoformat(),
        timezone.localdate().isoformat(),
        "",  # deletion or return is confirmed only once an agreement has ended
        signed[-1],
    ]
    # Under what law: the provisions the signed legal basis names, by label.
    law = signed[-1].split("; ")
    assert "UK GDPR Art 6(1)(e): Public task" in law
    assert "Education Act 1996 s.434: Registration of pupils" in law
    assert not by_title[world.draft.title][-1]  # no agreement, no law relied on yet
    filtered = csv_rows(world.client.get("/register/export.csv?status=none&category=health"))
    assert [row[0] for row in filtered[1:]] == ["'=HYPERLINK(1)", world.draft.title]


def test_another_organisations_initiative_never_appears(world: World) -> None:
    client = world.client
    for url in ("/register/", "/register/?q=Eastshire", "/register/?purpose=education"):
        assert "Eastshire secret draft" not in client.get(url).content.decode()
    body = b"".join(client.get("/register/export.csv").streaming_content).decode()
    assert "Eastshire" not in body
    eastshire_police = Organisation.objects.get(name="Eastshire Police")
    # Not even as a partner to filter by: naming it finds nothing.
    assert titles(client.get("/register/", {"partner": eastshire_police.name})) == []
    counts = client.get("/register/dashboard/").context["counts"]
    assert sum(count for _status, _label, count in counts) == 2
    # And Eastshire sees its own draft only.
    eastshire = signed_in(User.objects.get(email="ig@eastshire.example"))
    assert titles(eastshire.get("/register/")) == ["Eastshire secret draft"]


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("status=pending", "status", "Choose a status from the list"),
        (f"partner={'p' * 201}", "partner", "Enter a partner name of 200 characters or fewer"),
        ("purpose=spying", "purpose", "Choose a purpose from the list"),
        ("category=x", "category", "Choose a data category from the list"),
        ("review=7", "review", "Choose when the review is due from the list"),
        ("sort=colour", "sort", "Choose what to sort by from the list"),
        ("order=up", "order", "Choose ascending or descending"),
        (f"q={'x' * 201}", "q", "Search for at most 200 characters"),
    ],
)
def test_bad_parameters_are_a_400_naming_the_field(
    world: World, query: str, field: str, message: str
) -> None:
    for url in ("/register/", "/register/export.csv"):
        response = world.client.get(f"{url}?{query}")
        assert response.status_code == 400
        page = response.content.decode()
        assert "There is a problem" in page
        assert f'<a href="#id_{field}">{message}</a>' in page
        assert "<title>Error: Register" in page


def test_the_register_needs_a_signed_in_person(client: Client) -> None:
    for url in ("/register/", "/register/export.csv", "/register/dashboard/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/account/sign-in/")


def test_the_dashboard_counts_by_status_lists_reviews_due_and_times_sign_off(
    world: World,
) -> None:
    today = timezone.localdate()
    terms = terms_of(world.agreement)
    every = terms.review_every_months or 12
    last_reviewed = add_months(today, -every) + dt.timedelta(days=20)
    reviewed_on(world.agreement, last_reviewed, created_at=timezone.now() - dt.timedelta(days=10))
    response = world.client.get("/register/dashboard/")
    assert response.status_code == 200
    counts = {status: count for status, _label, count in response.context["counts"]}
    assert counts == {
        "none": 1,
        "negotiating": 0,
        "signed": 1,
        "live": 0,
        "suspended": 0,
        "terminated": 0,
    }
    page = response.content.decode()
    assert 'href="/register/?status=signed">Signed</a>' in page
    (due,) = response.context["due"]
    assert due.agreement_id == world.agreement.pk
    assert due.review_due == add_months(last_reviewed, every)
    sign_off = response.context["sign_off"]
    assert sign_off == register.SignOffTimes(count=1, median_days=10.0, longest_days=10)
    assert 'id="median-days">10 days' in page
    assert 'id="signed-count">1 signed agreement<' in page


def test_the_dashboard_of_an_organisation_without_agreements_says_so(world: World) -> None:
    eastshire = signed_in(User.objects.get(email="ig@eastshire.example"))
    response = eastshire.get("/register/dashboard/")
    page = response.content.decode()
    assert response.context["sign_off"] is None
    assert "No agreement has been signed yet." in page
    assert "No agreement is due for review" in page


def test_the_demo_register_shows_every_stage_and_a_live_agreement() -> None:
    demo_load(today=timezone.localdate())
    client = signed_in(User.objects.get(email="ig@northshire.example"), mfa=True)
    response = client.get("/register/")
    assert response.status_code == 200
    statuses = {row.status_label for row in response.context["rows"]}
    assert {"No agreement yet", "Negotiating", "Live"} <= statuses
    live = client.get("/register/", {"status": "live"}).context["rows"]
    assert [row.status for row in live] == [Agreement.LIVE]
    assert live[0].review_due is not None
    dashboard = client.get("/register/dashboard/")
    assert dashboard.status_code == 200
    counts = {status: count for status, _label, count in dashboard.context["counts"]}
    assert counts["live"] == 1
    assert dashboard.context["sign_off"].count == 1


def test_a_cached_page_is_served_until_anything_changes_and_never_to_another_organisation(
    world: World, settings: pytest.FixtureRequest
) -> None:
    settings.ACCORD_REGISTER_CACHE_SECONDS = 300  # type: ignore[attr-defined]

    def table(response: object) -> str:
        page = response.content.decode()  # type: ignore[attr-defined]
        return page[page.index('id="row-count"') : page.index("</table>")]

    def queries() -> tuple[int, object]:
        with CaptureQueriesContext(connection) as captured:
            response = world.client.get("/register/")
        return len(captured), response

    world.client.get("/register/")  # renews the session, as any first request may
    cache.clear()
    computed_queries, computed = queries()
    assert "rows" in computed.context  # type: ignore[attr-defined]
    cached_queries, cached = queries()
    assert "rows" not in cached.context  # type: ignore[attr-defined]  # not read again
    assert table(cached) == table(computed)
    assert cached_queries < computed_queries

    # Any audited change moves the audit chain's head: the next page is computed afresh.
    draft(world.sharing.council_ig, world.sharing.council, "Adult social care referrals")
    _, after = queries()
    assert "Adult social care referrals" in table(after)
    assert "rows" in after.context  # type: ignore[attr-defined]

    # The same query by another organisation's person is keyed apart: never this council's page.
    eastshire_ig = User.objects.get(email="ig@eastshire.example")
    theirs = signed_in(eastshire_ig, mfa=True).get("/register/")
    assert "Eastshire secret draft" in table(theirs)
    assert world.agreement.reference not in theirs.content.decode()
    assert world.draft.title not in theirs.content.decode()


def test_the_cache_key_changes_with_the_day_the_query_and_the_organisations(world: World) -> None:
    today = timezone.localdate()
    with override_settings(ACCORD_REGISTER_CACHE_SECONDS=300):
        key = results_key(own={1, 2}, query=QueryDict("status=live&page=2"), today=today)
        assert key == results_key(own={2, 1}, query=QueryDict("page=2&status=live"), today=today)
        assert key != results_key(own={1, 2}, query=QueryDict("status=live"), today=today)
        assert key != results_key(own={1}, query=QueryDict("status=live&page=2"), today=today)
        tomorrow = today + dt.timedelta(days=1)
        assert key != results_key(own={1, 2}, query=QueryDict("status=live&page=2"), today=tomorrow)
    assert results_key(own={1, 2}, query=QueryDict(""), today=today) is None  # off in tests
