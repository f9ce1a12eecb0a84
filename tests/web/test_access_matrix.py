"""Access control as an expectation matrix: access_matrix.yaml is the policy, run cell by cell.

Every URL pattern of the project has a row (the resolver is walked, so a new view without an
expectation fails here); every row is tried for every subject in every state it names, and a POST
that is not allowed must change nothing. Then: no unexpected allow in what lists, counts, searches,
exports, documents and e-mails show. How to read and extend the policy: docs/access-control.md.

The world (tests/web/access_world.py) is built once for the module, in a transaction rolled back
at its end; each cell runs in a transaction of its own, rolled back too, so an allowed POST that
changes something changes it for that cell only.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import html
import io
import json
import os
import re
import zipfile
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.http import HttpResponse, StreamingHttpResponse
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from pytest_django import DjangoDbBlocker

from accord.apps.agreements.models import Agreement
from accord.apps.agreements.services import reminders_send, signature_give
from accord.apps.exchange import services as exchange_services
from accord.apps.exchange.models import DisclosureEntry
from accord.apps.incidents.services import incident_report
from accord.apps.initiatives.models import Initiative
from accord.apps.organisations.models import Membership
from accord.apps.reviews.services import review_request
from tests.web.access_policy import Cell, Policy, load
from tests.web.access_world import (
    CANARY,
    COUNCIL,
    HUB_TITLE,
    POLICE,
    UNRELATED,
    WESTMOOR_TITLE,
    World,
    build_world,
)
from tests.web.agreement_helpers import MINIMAL_PDF, PASSWORD, SCHOOL, code_for

pytestmark = pytest.mark.django_db

POLICY: Policy = load(Path(__file__).with_name("access_matrix.yaml"))
CELLS = POLICY.cells(every_role=os.environ.get("ACCESS_MATRIX_FULL") == "1")
# Django's admin is one group in the policy: every one of its URLs is tried through a few paths.
ADMIN = "/site-admin/"
FILES = {
    "evidence.pdf": (MINIMAL_PDF, "application/pdf"),
    "note.pdf": (MINIMAL_PDF, "application/pdf"),
    "pupils.csv": (b"Name,UPN,Attendance\nA Pupil,A000000000009,91.5\n", "text/csv"),
    "initiative.yaml": (
        b"title: Imported by the matrix\nsummary: A test.\npurposes: [education]\nparties:\n"
        b"  - {name: Northshire County Council, type: local-authority, role: both}\n"
        b"  - {name: Brookfield Primary School, type: school, role: both}\n"
        b"data_subjects: [pupils]\ndata: [{category: identifiers, fields: [name]}]\n"
        b"consent: none\nvolume: case-by-case\nfrequency: ad-hoc\n",
        "application/yaml",
    ),
}


# --- The world, once per module --------------------------------------------------------------


@pytest.fixture(scope="module")
def world(
    django_db_setup: None,
    django_db_blocker: DjangoDbBlocker,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[World]:
    with (
        django_db_blocker.unblock(),
        override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            DATA_DIR=tmp_path_factory.mktemp("access-data"),
            TASKS={"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}},
        ),
        transaction.atomic(),
    ):
        yield build_world()
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _data_dir() -> None:
    """The world's files (evidence, shared files) stay in the module's data directory."""


# --- Every URL pattern has a row, and every row a URL pattern --------------------------------


def _routes(patterns: list[URLPattern | URLResolver], prefix: str = "") -> Iterator[str]:
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, route)
        else:
            yield route


def resolver_routes() -> set[str]:
    """Every route the project answers, as "/" + the resolver's pattern; the admin's as one."""
    found = set()
    for route in _routes(get_resolver().url_patterns):
        path = "/" + route
        if path.startswith(ADMIN) and path != "/site-admin/login/":
            path = ADMIN + "*"
        found.add(path)
    return found


def test_every_url_pattern_has_a_row_in_the_matrix() -> None:
    missing = sorted(resolver_routes() - POLICY.routes)
    assert not missing, f"add a row to access_matrix.yaml for: {missing}"


def test_every_row_of_the_matrix_is_a_url_pattern() -> None:
    stale = sorted(POLICY.routes - resolver_routes())
    assert not stale, f"rows for routes that no longer exist: {stale}"


def test_the_matrix_tries_every_state_and_subject() -> None:
    states = {cell.state for cell in CELLS}
    assert states >= {"draft", "negotiating", "signing", "signed", "live", "suspended"}
    assert "terminated" in states
    subjects = {cell.subject for cell in CELLS}
    assert {"lead:viewer", "partner:siro", "unrelated", "signed-out", "client:revoked"} <= subjects
    assert {cell.expected for cell in CELLS if cell.method == "POST"} >= {"allow", "forbidden"}


# --- Running one cell ------------------------------------------------------------------------


def _fingerprint() -> tuple[Any, ...]:
    """What a refused POST must leave as it found: the rows of every table of Accord (audit log
    included; the disclosure log apart, which records refusals on purpose) and each agreement's
    status and each initiative's last change."""
    tables = sorted(
        model._meta.db_table
        for model in _accord_models()
        if model is not DisclosureEntry and model._meta.managed and not model._meta.proxy
    )
    quote = connection.ops.quote_name
    # The models' own table names, quoted: nothing here comes from a request.
    counts_sql = ", ".join(f"(SELECT COUNT(*) FROM {quote(t)})" for t in tables)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {counts_sql}")
        counts = cursor.fetchone()
    return (
        tuple(zip(tables, counts or (), strict=True)),
        tuple(Agreement.objects.order_by("pk").values_list("pk", "status")),
        tuple(Initiative.objects.order_by("pk").values_list("pk", "updated_at")),
    )


def _accord_models() -> list[Any]:
    return [m for m in apps.get_models() if m.__module__.startswith("accord.")]


def _refusals() -> int:
    return DisclosureEntry.objects.filter(effect="deny").count()


def _format(value: Any, values: dict[str, Any]) -> Any:
    if isinstance(value, str):
        return value.format(**values)
    if isinstance(value, list):
        return [_format(v, values) for v in value]
    if isinstance(value, dict):
        return {k: _format(v, values) for k, v in value.items()}
    return value


def _values(cell: Cell, world: World) -> dict[str, Any]:
    values = world.placeholders("live" if cell.state == "any" else cell.state)
    _side, _, role = cell.subject.partition(":")
    values["role"] = role
    if "{code}" in cell.data.values():
        person = world.people.get(cell.subject)
        values["code"] = code_for(person) if person else "000000"
    return values


def _api_client(cell: Cell, world: World) -> tuple[Client, dict[str, str]]:
    """The system calling the API as `cell.subject`, and the headers carrying its credential:
    a bearer token, or client credentials (HTTP Basic) where the row says so."""
    thing = world.things["live" if cell.state == "any" else cell.state]
    if cell.subject == "session":
        return world.client("lead:ig-officer", enforce_csrf_checks=True), {}
    headers: dict[str, str] = {}
    if cell.auth == "basic":
        client_id, secret = thing.credentials.get(cell.subject, ("", ""))
        if cell.subject == "token:unknown":
            client_id, secret = "acc_unknownxxxxxxxxxxxxx", "not-the-secret"
        if client_id:
            pair = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
            headers["Authorization"] = f"Basic {pair}"
    elif cell.subject == "token:unknown":
        headers["Authorization"] = "Bearer not-a-token"
    elif cell.subject in thing.tokens:
        headers["Authorization"] = f"Bearer {thing.tokens[cell.subject]}"
    return world.client("signed-out", enforce_csrf_checks=True), headers


def _send(cell: Cell, world: World) -> HttpResponse | StreamingHttpResponse:
    values = _values(cell, world)
    path = cell.path.format(**values)
    client, headers = _api_client(cell, world) if cell.api else (world.client(cell.subject), {})
    if cell.method == "GET":
        return client.get(path, headers=headers)
    if cell.json is not None:
        body = json.dumps(cell.json)
        return client.post(path, body, content_type="application/json", headers=headers)
    data = _format(dict(cell.data), values)
    if cell.api:
        form = urlencode(data)
        return client.post(
            path, form, content_type="application/x-www-form-urlencoded", headers=headers
        )
    for name, filename in cell.files.items():
        content, content_type = FILES[filename]
        data[name] = SimpleUploadedFile(filename, content, content_type=content_type)
    return client.post(path, data)


def _read(response: HttpResponse | StreamingHttpResponse) -> str:
    """The whole body. A stream is read to its end, which is what closes it: closing a response
    by hand would let Django close the database connection, the world's transaction with it."""
    if isinstance(response, StreamingHttpResponse):
        content = b"".join(response.streaming_content)  # type: ignore[arg-type]
    else:
        content = response.content
    return content.decode(errors="replace")


def _outcome(
    cell: Cell, response: HttpResponse | StreamingHttpResponse, body: str, *, logged: bool
) -> str:
    """The outcome's word for this answer; `logged`: a refusal was written to the disclosure log."""
    status = response.status_code
    if 300 <= status < 400:
        location = response["Location"]
        to_sign_in = location.startswith(("/account/sign-in/", "/site-admin/login/"))
        return "sign-in" if to_sign_in else "allow"
    if status == 403:
        refused = '"refused"' in body if cell.api else logged
        return "refused" if refused else "forbidden"
    known = {400: "invalid", 401: "unauthorized", 404: "hidden", 405: "not-allowed", 422: "invalid"}
    if status in known:
        return known[status]
    if status in (409, 410):
        return "closed"
    if 200 <= status < 300:
        return "allow"
    return f"HTTP {status}"


def _explain(response: HttpResponse | StreamingHttpResponse, body: str) -> str:
    if 300 <= response.status_code < 400:
        return f"{response.status_code} to {response['Location']}"
    text = " ".join(body.split())
    start = max(text.find("govuk-error-summary"), text.find("<main"), 0)
    return f"{response.status_code}: {text[start : start + 300]}"


@pytest.mark.parametrize("cell", CELLS, ids=str)
def test_access(cell: Cell, world: World) -> None:
    before = _fingerprint() if cell.method == "POST" else None
    refusals = _refusals()
    response = _send(cell, world)
    body = _read(response)
    got = _outcome(cell, response, body, logged=_refusals() > refusals)
    assert got == cell.expected, f"got {got}: {_explain(response, body)}"
    if got != "allow":
        if before is not None:
            assert _fingerprint() == before, "a POST that was not allowed changed something"
        if cell.api:
            assert CANARY not in body, "an API answer not allowed holds a record"


# --- No unexpected allow in lists, counts, searches, exports, documents and e-mails -----------
#
# Already covered elsewhere, so not repeated here: another organisation's draft is absent from the
# council's register, its search, partner filter, CSV and dashboard (test_register's
# test_another_organisations_initiative_never_appears) and from its flow map (test_register_flows);
# a draft, suspended, terminated or unconsented agreement is absent from every public door of the
# transparency register (test_transparency's _everywhere); the initiative pages answer 404 to an
# outsider (test_access). Below: every state of an agreement at once, references as well as titles,
# and the partner who must not see the lead's other drafts.


def _text(response: HttpResponse | StreamingHttpResponse) -> str:
    return html.unescape(_read(response))


def _names_of(world: World, states: Collection[str] | None = None) -> list[str]:
    """Titles and agreement references of the council and school's objects in `states`."""
    found = []
    for state, thing in world.things.items():
        if states is None or state in states:
            found.append(thing.initiative.title)
            if "reference" in thing.ids:
                found.append(str(thing.ids["reference"]))
    return found


# Every signed-in page that lists, counts or exports, unfiltered.
PAGES = (
    "/initiatives/",
    "/register/",
    "/register/?status=live",
    "/register/?sort=title",
    "/register/export.csv",
    "/register/dashboard/",
    "/register/flows/",
    "/register/flows/?status=none",
)


def _found(client: Client, query: str) -> set[str]:
    """The titles and references a search for `query` finds: in the initiative list, in the
    register and in its CSV export. (The pages repeat the query, so their text would not do.)"""
    found: set[str] = set()
    listing = client.get("/initiatives/", {"q": query})
    found |= {initiative.title for initiative in listing.context["page"].object_list}
    register = client.get("/register/", {"q": query})
    for row in register.context["rows"]:
        found |= {getattr(row, "title", ""), getattr(row, "reference", "")} - {""}
    export = client.get("/register/export.csv", {"q": query})
    for line in list(csv.reader(io.StringIO(_text(export))))[1:]:
        found |= {line[0], line[2]} - {""}
    return found


def _dashboard_counts(client: Client) -> dict[str, int]:
    counts = client.get("/register/dashboard/").context["counts"]
    return {status: count for status, _label, count in counts if count}


def test_an_unrelated_organisation_sees_nothing_of_the_others_anywhere(world: World) -> None:
    client = world.client("unrelated")
    unwanted = [*_names_of(world), HUB_TITLE, COUNCIL, SCHOOL, POLICE]
    for page in PAGES:
        text = _text(client.get(page))
        leaked = [name for name in unwanted if name in text]
        assert not leaked, f"{page} shows {leaked}"
    for query in (*_names_of(world), HUB_TITLE, "hub", "Pupils", "DSA-", "a"):
        assert _found(client, query) <= {WESTMOOR_TITLE}, query
    # Its own draft is all it counts and finds, and its partner filter finds no one else's.
    assert _dashboard_counts(client) == {"none": 1}
    assert _found(client, "Westmoor") == {WESTMOOR_TITLE}
    assert client.get("/register/", {"partner": SCHOOL}).context["page"].paginator.count == 0
    for organisation in (world.council, world.school, world.police):
        url = f"/evidence/organisations/{organisation.pk}/"
        assert client.get(url).status_code == 404, url


def test_a_partner_never_sees_the_leads_other_drafts_or_an_unrelated_organisation(
    world: World,
) -> None:
    """The school is party to seven of the council's initiatives, not to its hub with the police."""
    others = (HUB_TITLE, POLICE, WESTMOOR_TITLE, UNRELATED)
    for role in ("viewer", "ig-officer", "org-admin"):
        client = world.client(f"partner:{role}")
        for page in PAGES:
            text = _text(client.get(page))
            leaked = [name for name in others if name in text]
            assert not leaked, f"partner:{role}: {page} shows {leaked}"
        for query in (HUB_TITLE, "hub", "safeguarding", "Westmoor", "a"):
            assert not _found(client, query) & {HUB_TITLE, WESTMOOR_TITLE}, query
        listing = client.get("/register/", {"partner": POLICE})
        assert listing.context["page"].paginator.count == 0
        assert _dashboard_counts(client) == {
            "none": 1,
            "negotiating": 2,
            "signed": 1,
            "live": 1,
            "suspended": 1,
            "terminated": 1,
        }
        # What it is party to, it does find: the checks above would pass on an empty page too.
        assert _found(client, "Pupils") == set(_names_of(world)), role
        # The police are the council's partner, not the school's: their evidence is not its to see.
        assert client.get(f"/evidence/organisations/{world.police.pk}/").status_code == 404
    # The council's own people find the hub, and count it.
    council = world.client("lead:viewer")
    assert HUB_TITLE in _found(council, "hub")
    assert _dashboard_counts(council)["none"] == 2


def test_downloaded_documents_hold_only_their_own_agreement(world: World) -> None:
    """Each format of the live agreement, and the initiative file, as the school downloads them."""
    thing = world.things["live"]
    client = world.client("partner:viewer")
    base = f"/agreements/{thing.ids['agreement']}/versions/{thing.ids['version']}/"
    others = [
        *_names_of(world, [s for s in world.things if s != "live"]),
        HUB_TITLE,
        WESTMOOR_TITLE,
        UNRELATED,
        POLICE,
        "westmoor.example",
        "northshire-police.example",
        "admin@accord.example",
    ]
    texts = {
        "version page": _text(client.get(base)),
        "initiative file": _text(client.get(f"/initiatives/{thing.ids['initiative']}/export/")),
    }
    for fmt in ("jsonld", "ttl"):
        texts[fmt] = _text(client.get(f"{base}document.{fmt}"))
    docx = client.get(f"{base}document.docx")
    with zipfile.ZipFile(io.BytesIO(docx.content)) as archive:
        texts["docx"] = " ".join(
            archive.read(name).decode(errors="replace")
            for name in archive.namelist()
            if name.endswith(".xml")
        )
    pdf = client.get(f"{base}document.pdf")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")  # compressed text: rendered from the same content
    for name, text in texts.items():
        assert str(thing.ids["reference"]) in text or name == "initiative file", name
        leaked = [other for other in others if other in text]
        assert not leaked, f"the {name} of {thing.ids['reference']} holds {leaked}"


def _allowed_recipients(world: World, agreement: Agreement) -> set[str]:
    """Everyone an e-mail about this agreement may go to: its parties' people and contacts."""
    parties = agreement.initiative.parties.all()
    people = Membership.objects.filter(organisation__in=parties.values("organisation"))
    emails = {e.lower() for e in people.values_list("user__email", flat=True)}
    return emails | {p.contact_email.lower() for p in parties if p.contact_email}


def test_e_mails_about_an_agreement_go_only_to_its_parties_people(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    people = world.people
    live = world.things["live"].agreement
    signing = world.things["signing"].agreement
    assert live is not None
    assert signing is not None
    with django_capture_on_commit_callbacks(execute=True):
        # Signature reminders (every negotiating agreement waits), a signature completing one,
        # an incident, a review asked for, a suspension, then a termination asking for deletion.
        reminders_send(base_url="http://testserver", now=timezone.now() + dt.timedelta(days=60))
        version = signing.current_version()
        for role in ("siro", "dpo"):
            signer = people[f"partner:{role}"]
            signature_give(
                actor=signer,
                agreement=signing,
                version_number=version.number,
                version_hash=version.content_hash,
                role=role,
                password=PASSWORD,
                code=code_for(signer),
            )
        incident_report(
            actor=people["partner:dpo"],
            agreement=live,
            occurred_on=timezone.localdate(),
            found_on=timezone.localdate(),
            kind="personal-data-breach",
            description="A letter went to the wrong address.",
            data_affected="One pupil's attendance",
            people_affected=1,
            reported_to_ico="not-yet",
            contained=True,
        )
        review_request(actor=people["lead:dpo"], agreement=live, reason="The numbers doubled.")
        live = exchange_services.suspend(
            actor=people["partner:siro"], agreement=live, reason="A breach."
        )
        exchange_services.terminate(actor=people["lead:siro"], agreement=live, reason="Ended.")
    assert len(mail.outbox) >= 6, [m.subject for m in mail.outbox]
    by_reference = {
        str(thing.ids["reference"]): thing.agreement
        for thing in world.things.values()
        if thing.agreement is not None
    }
    outsiders = {world.people["unrelated"].email, world.people["site-admin"].email}
    outsiders |= set(
        Membership.objects.filter(organisation=world.police).values_list("user__email", flat=True)
    )
    for message in mail.outbox:
        text = f"{message.subject}\n{message.body}"
        about = [ref for ref in by_reference if re.search(rf"\b{ref}\b", text)]
        assert len(about) == 1, f"{message.subject!r} names {about}"
        agreement = by_reference[about[0]]
        assert agreement is not None
        recipients = {r.lower() for r in [*message.to, *message.cc, *message.bcc]}
        strangers = recipients - _allowed_recipients(world, agreement)
        assert not strangers, f"{message.subject!r} went to {sorted(strangers)}"
        assert not recipients & outsiders, message.subject
        for other in (HUB_TITLE, WESTMOOR_TITLE):
            assert other not in text, message.subject
    subjects = " | ".join(m.subject for m in mail.outbox)
    for expected in ("Waiting for your signature", "Signed by every party", "reported"):
        assert expected in subjects, subjects
