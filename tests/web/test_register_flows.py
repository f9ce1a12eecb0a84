"""The data-flow map: who shares what with whom, as an SVG whose arrows link to the agreements and
as a table, for the initiatives a person's organisations are party to and no others.

Built through the real services, as the register's tests are: the school discloses attendance
to the council under a signed agreement, the council drafts a hub with the police (both
disclose and receive), and Eastshire's draft must never be seen by the council.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accord.apps.accounts.models import User
from accord.apps.initiatives import services as initiatives
from accord.apps.initiatives.models import Initiative
from accord.apps.organisations.models import Organisation
from accord.apps.organisations.services import organisation_create
from accord.core.flowmap import FlowMap
from accord.web.demo import demo_load
from tests.web.agreement_helpers import person
from tests.web.conftest import signed_in
from tests.web.exchange_helpers import Sharing, signed_agreement

pytestmark = pytest.mark.django_db

COUNCIL = "Northshire County Council"
SCHOOL = "Brookfield Primary School"
POLICE = "Northshire Police"
ATTENDANCE = "Identifiers, Contact and Education"


def draft(
    ig: User,
    lead: Organisation,
    title: str,
    *,
    partner: str = POLICE,
    partner_type: str = "police",
    purposes: str = "[safeguarding-children]",
) -> Initiative:
    """An initiative without an agreement, in which the lead and the partner both disclose and
    receive identifiers and health data."""
    text = f"""\
title: {title!r}
summary: A test initiative.
purposes: {purposes}
parties:
  - {{name: {lead.name}, type: local-authority, functions: [childrens-services], role: both}}
  - {{name: {partner}, type: {partner_type}, role: both}}
data_subjects: [children]
data: [{{category: identifiers, fields: [name]}}, {{category: health, fields: [GP]}}]
consent: none
volume: case-by-case
frequency: ad-hoc
"""
    initiative, _notes = initiatives.initiative_import(
        actor=ig, lead=lead, text=text, filename="i.yaml"
    )
    return initiative


@dataclass
class World:
    sharing: Sharing
    hub: Initiative  # the council's, with the police; both disclose and receive; no agreement
    client: Client  # the council's IG officer


@pytest.fixture
def world() -> World:
    sharing = signed_agreement()
    hub = draft(sharing.council_ig, sharing.council, "Children's safeguarding hub")
    eastshire = organisation_create(actor=None, name="Eastshire Council", type="local-authority")
    eastshire_ig = person(eastshire, "ig-officer", email="ig@eastshire.example")
    draft(
        eastshire_ig,
        eastshire,
        "Eastshire secret draft",
        partner="Eastshire Police",
        purposes="[education]",
    )
    return World(sharing, hub, signed_in(sharing.council_ig, mfa=True))


def flow_map(response: object) -> FlowMap:
    found = response.context["flow_map"]  # type: ignore[attr-defined]
    assert isinstance(found, FlowMap)
    return found


def links(page: str) -> dict[str, str]:
    """Each link on the map: its accessible name -> where it goes."""
    found = re.findall(r'<a href="([^"]+)" id="flow-\d+"[^>]*aria-label="([^"]+)"', page)
    return {name.replace("&#x27;", "'"): href for href, name in found}


def test_the_map_draws_each_flow_as_a_link_to_its_agreement(world: World) -> None:
    response = world.client.get("/register/flows/")
    assert response.status_code == 200
    agreement, hub = world.sharing.agreement, world.hub
    signed = (
        f"{SCHOOL} shares {ATTENDANCE} with {COUNCIL}: agreement {agreement.reference} (Signed)"
    )
    hub_status = f"no agreement yet for “{hub.title}” (described, not yet assessed)"
    to_police = f"{COUNCIL} would share Identifiers and Health with {POLICE}: {hub_status}"
    to_council = f"{POLICE} would share Identifiers and Health with {COUNCIL}: {hub_status}"
    page = response.content.decode()
    assert links(page) == {
        signed: f"/agreements/{agreement.pk}/",
        to_police: f"/initiatives/{hub.pk}/",
        to_council: f"/initiatives/{hub.pk}/",
    }
    found = flow_map(response)
    assert len(found.edges) == 3
    # The council in the centre, its partners around it.
    names = {node.party.name: node for node in found.nodes}
    assert set(names) == {COUNCIL, SCHOOL, POLICE}
    assert names[COUNCIL].is_own
    assert names[POLICE].x < names[COUNCIL].x < names[SCHOOL].x
    assert not names[SCHOOL].is_own
    # The signed flow is solid; the hub's, not agreed yet, dashed.
    assert page.count("accord-flowmap__line--proposed") == 2
    assert '<marker id="flow-map-arrow"' in page
    assert page.count('marker-end="url(#flow-map-arrow)"') == 3
    # The same flows in the table, with the initiative's stage where there is no agreement.
    table = page[page.index('<table class="govuk-table govuk-!-font-size-16" id="flows">') :]
    assert table.count('<tr class="govuk-table__row">') == 4  # the header and three flows
    assert (
        f'<a class="govuk-link" href="/agreements/{agreement.pk}/">{agreement.reference}</a>'
        in (table)
    )
    assert "Described, not yet assessed" in table
    assert ATTENDANCE.replace(" and ", ", ") in table
    # No inline styles or scripts beyond the page's own: the CSP would refuse them.
    assert "style=" not in page
    assert "{#" not in page
    assert "{%" not in page
    assert page.count("<script") == 3  # base.html's: js-enabled, GOV.UK Frontend, init.js


def test_a_party_that_both_discloses_and_receives_has_flows_both_ways(world: World) -> None:
    text = f"""\
title: Three-way sharing
summary: A test initiative.
purposes: [safeguarding-children]
parties:
  - {{name: {COUNCIL}, type: local-authority, functions: [childrens-services], role: both}}
  - {{name: {POLICE}, type: police, role: discloses}}
  - {{name: Northshire NHS Trust, type: nhs-trust, role: receives}}
data_subjects: [children]
data: [{{category: health, fields: [GP]}}]
consent: none
volume: case-by-case
frequency: ad-hoc
"""
    initiatives.initiative_import(
        actor=world.sharing.council_ig, lead=world.sharing.council, text=text, filename="i.yaml"
    )
    found = flow_map(world.client.get("/register/flows/"))
    pairs = {
        (edge.flow.source.name, edge.flow.target.name)
        for edge in found.edges
        if edge.flow.title == "Three-way sharing"
    }
    assert pairs == {
        (COUNCIL, "Northshire NHS Trust"),
        (POLICE, COUNCIL),
        (POLICE, "Northshire NHS Trust"),
    }


def test_another_organisations_initiative_never_appears(world: World) -> None:
    for url in ("/register/flows/", "/register/flows/?status=none"):
        page = world.client.get(url).content.decode()
        assert "Eastshire" not in page
    # Eastshire sees its own flows only, with itself in the centre.
    eastshire = signed_in(User.objects.get(email="ig@eastshire.example"))
    response = eastshire.get("/register/flows/")
    page = response.content.decode()
    assert {e.flow.title for e in flow_map(response).edges} == {"Eastshire secret draft"}
    assert SCHOOL not in page
    assert world.sharing.agreement.reference not in page
    assert [n.party.name for n in flow_map(response).nodes if n.is_own] == ["Eastshire Council"]


def test_the_status_filter_narrows_the_flows(world: World) -> None:
    client = world.client
    signed = flow_map(client.get("/register/flows/?status=signed"))
    assert [e.flow.source.name for e in signed.edges] == [SCHOOL]
    none = flow_map(client.get("/register/flows/?status=none"))
    assert {e.flow.title for e in none.edges} == {world.hub.title}
    response = client.get("/register/flows/?status=live")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="no-flows">No flows are at this status.' in page
    assert "<svg" not in page
    assert "Clear the filter" in page


def test_an_organisation_without_flows_is_told_so(world: World) -> None:
    lonely = organisation_create(actor=None, name="Lonely Council", type="local-authority")
    client = signed_in(person(lonely, "viewer", email="viewer@lonely.example"))
    page = client.get("/register/flows/").content.decode()
    assert 'id="no-flows">No data flows yet' in page


@pytest.mark.parametrize("query", ["status=pending", "status=", "status=live&status=x"])
def test_a_bad_status_is_a_400_naming_the_field(world: World, query: str) -> None:
    response = world.client.get(f"/register/flows/?{query}")
    if query == "status=":
        assert response.status_code == 200  # blank means any status
        return
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    assert '<a href="#id_status">Choose a status from the list</a>' in page
    assert "<title>Error: Data-flow map" in page
    assert "<svg" not in page


def test_the_map_needs_a_signed_in_person(client: Client) -> None:
    response = client.get("/register/flows/")
    assert response.status_code == 302
    assert response["Location"].startswith("/account/sign-in/")


def test_the_register_and_its_dashboard_link_to_the_map(world: World) -> None:
    for url in ("/register/", "/register/dashboard/"):
        page = world.client.get(url).content.decode()
        assert '<a class="govuk-link" href="/register/flows/">See the data-flow map</a>' in page
    page = world.client.get("/register/flows/").content.decode()
    assert (
        'aria-current="true"><strong class="govuk-service-navigation__active-fallback">Register'
        in page
    )


def test_the_map_needs_the_same_number_of_queries_for_3_or_60_flows(
    world: World, django_assert_num_queries: Callable[[int], AbstractContextManager[object]]
) -> None:
    def queries() -> int:
        world.client.get("/register/flows/")  # once first: a request may renew the session
        with CaptureQueriesContext(connection) as captured:
            response = world.client.get("/register/flows/")
        assert response.status_code == 200
        return len(captured)

    few = queries()
    partners = (POLICE, "Northshire NHS Trust", "Westshire Council")
    types = ("police", "nhs-trust", "local-authority")
    for number in range(28):
        draft(
            world.sharing.council_ig,
            world.sharing.council,
            f"Initiative {number}",
            partner=partners[number % 3],
            partner_type=types[number % 3],
        )
    with django_assert_num_queries(few):
        response = world.client.get("/register/flows/")
    assert len(flow_map(response).edges) == 3 + 28 * 2


def test_the_demo_map_shows_the_live_agreement_between_the_school_and_the_council() -> None:
    demo_load(today=timezone.localdate())
    client = signed_in(User.objects.get(email="ig@northshire.example"), mfa=True)
    response = client.get("/register/flows/")
    assert response.status_code == 200
    found = flow_map(response)
    live = [edge.flow for edge in found.edges if edge.flow.status == "live"]
    assert live
    assert all(flow.url.startswith("/agreements/") for flow in live)
    assert any(flow.name.startswith("Ashgrove Academy shares ") for flow in live)
    assert [node.party.name for node in found.nodes if node.is_own] == [COUNCIL]
    assert {"none", "negotiating", "live"} <= {edge.flow.status for edge in found.edges}
