"""The world the access matrix runs in: the people in every role and an object in every state.

Built once per test module through the real services. Northshire County Council (the lead, which
receives) and Brookfield Primary School (its partner, which discloses) share attendance data;
each has one person in each role of `accord.core.access.ROLES`. They have an initiative or an
agreement in each state the matrix names (`STATES`), every one with what its pages are about: a
proposal while it is negotiated; a dataset, API clients and an incident (which raises a review)
once it is signed; a shared file and every party's consent to publish once it is live.

Around them, so that a leak has something to leak: Westmoor District Council, unrelated to both,
with one person holding every role and a secret draft of its own; Northshire Police, the
council's partner in a draft that the school is not party to; and a site administrator.

Subjects are named as the matrix names them: "lead:<role>", "partner:<role>", "unrelated",
"site-admin", "signed-out"; and for the API "client:own", "client:other-party",
"client:other-agreement", "client:revoked", "token:none", "token:unknown", "session".
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any, Final

from django.contrib.sessions.backends.db import SessionStore
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accord.apps.accounts.middleware import SIGNED_IN_AT
from accord.apps.accounts.models import User
from accord.apps.agreements import services as agreements
from accord.apps.agreements.models import Agreement
from accord.apps.evidence.models import EvidenceItem
from accord.apps.exchange import credentials, files
from accord.apps.exchange import services as exchange
from accord.apps.exchange.models import ApiClient, ClientSecret
from accord.apps.incidents.services import incident_report
from accord.apps.initiatives import selectors as initiative_selectors
from accord.apps.initiatives import services as initiatives
from accord.apps.initiatives.models import DpiaRisk, Initiative
from accord.apps.organisations.models import Organisation
from accord.apps.organisations.services import organisation_create
from accord.apps.reviews.models import Review
from accord.apps.transparency.services import consent_record
from accord.core.access import ROLES
from accord.web.demo import complete_journey
from tests.web.agreement_helpers import ATTENDANCE, PASSWORD, SCHOOL, code_for, give_evidence
from tests.web.agreement_helpers import person as make_person
from tests.web.exchange_helpers import Sharing, loaded_dataset

COUNCIL: Final = "Northshire County Council"
UNRELATED: Final = "Westmoor District Council"
POLICE: Final = "Northshire Police"
# The object states the matrix knows, in the order an agreement passes through them. "draft" is
# an initiative whose description, assessment, fairness and mechanism are done, with no agreement.
STATES: Final = ("draft", "negotiating", "signing", "signed", "live", "suspended", "terminated")
WEB_SUBJECTS: Final = (
    *(f"lead:{role}" for role in ROLES),
    *(f"partner:{role}" for role in ROLES),
    "unrelated",
    "site-admin",
    "signed-out",
)
API_SUBJECTS: Final = (
    "client:own",
    "client:other-party",
    "client:other-agreement",
    "client:revoked",
    "token:none",
    "token:unknown",
    "session",
)
# Who signs for each party (roles of `signed_agreement`: a SIRO and a consulted DPO each).
SIGNERS: Final = (("lead", "siro"), ("lead", "dpo"), ("partner", "siro"), ("partner", "dpo"))
# In each dataset: a value that must never appear in an answer the API refuses.
CANARY: Final = "Canary-Pupil"
HEADERS: Final = ("Name", "UPN", "Attendance")
MAPPING: Final = {
    "Name": "name",
    "UPN": "unique pupil number",
    "Attendance": "attendance percentage",
}


def title_of(state: str) -> str:
    """Each state's initiative has its own title, so that a leak of one is told from another."""
    return f"Pupils at risk of missing education ({state})"


def _text(title: str) -> str:
    return ATTENDANCE.replace("title: Pupils at risk of missing education", f"title: {title}", 1)


@dataclass
class Thing:
    """One initiative (and its agreement, from "negotiating" on) and what hangs off it."""

    state: str
    initiative: Initiative
    agreement: Agreement | None = None
    ids: dict[str, Any] = field(default_factory=dict)
    # API subject -> (client id, secret) and -> bearer token, where the state has clients.
    credentials: dict[str, tuple[str, str]] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)


@dataclass
class World:
    council: Organisation
    school: Organisation
    unrelated: Organisation
    police: Organisation
    people: dict[str, User]  # web subject -> person (not "signed-out")
    sessions: dict[str, str]  # web subject -> session key
    things: dict[str, Thing]  # state -> initiative or agreement
    hub: Initiative  # the council's draft with the police: not the school's business
    westmoor: Initiative  # the unrelated organisation's own secret draft
    evidence: EvidenceItem  # one of the council's evidence items
    _clients: dict[bool, Client] = field(default_factory=dict)

    def client(self, subject: str, *, enforce_csrf_checks: bool = False) -> Client:
        """A browser as `subject`: signed in with MFA proved, or signed out.

        Two clients serve every request, their cookies set afresh each time: a new client
        loads the middleware again, and WhiteNoise's reads every static file (40 ms a time).
        """
        client = self._clients.get(enforce_csrf_checks)
        if client is None:
            client = self._clients[enforce_csrf_checks] = Client(
                enforce_csrf_checks=enforce_csrf_checks
            )
        client.cookies = SimpleCookie()
        if subject in self.sessions:
            client.cookies["sessionid"] = self.sessions[subject]
        return client

    def placeholders(self, state: str) -> dict[str, Any]:
        """What a URL or a form in the matrix may name, as {name}, in this state."""
        today = timezone.localdate()
        thing = self.things.get(state) or self.things["draft"]
        # What a state does not have (a dataset before signature, say) is a key nothing has.
        missing = dict.fromkeys(
            ("agreement", "proposal", "dataset", "client", "file", "incident", "review"), 0
        )
        return {
            **missing,
            "council": self.council.pk,
            "school": self.school.pk,
            "unrelated": self.unrelated.pk,
            "evidence": self.evidence.pk,
            "today": today,
            "yesterday": today - dt.timedelta(days=1),
            "soon": today + dt.timedelta(days=30),
            "lead_practitioner": self.people["lead:practitioner"].pk,
            "password": PASSWORD,
            **thing.ids,
        }


def _session(user: User) -> str:
    """A session as the sign-in page leaves it, with the authenticator proved."""
    client = Client()
    client.force_login(user)
    store = SessionStore(session_key=client.session.session_key)
    store[SIGNED_IN_AT] = time.time()
    store.set_expiry(8 * 60 * 60)  # not idle-timed out however slowly the module runs
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        store["otp_device_id"] = device.persistent_id
    store.save()
    assert store.session_key is not None
    return store.session_key


def _people(
    council: Organisation, school: Organisation, unrelated: Organisation
) -> dict[str, User]:
    """Everyone signed in that the matrix names, each with an authenticator."""
    people: dict[str, User] = {}
    for side, organisation, domain in (
        ("lead", council, "northshire.example"),
        ("partner", school, "brookfield.example"),
    ):
        for role in ROLES:
            user = make_person(organisation, role, email=f"{role}@{domain}", name=f"{side} {role}")
            TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
            people[f"{side}:{role}"] = user
    outsider = make_person(unrelated, *ROLES, email="everyone@westmoor.example")
    TOTPDevice.objects.create(user=outsider, name="Authenticator app", confirmed=True)
    people["unrelated"] = outsider
    admin = make_person(None, email="admin@accord.example")  # type: ignore[arg-type]
    admin.is_staff = admin.is_superuser = True
    admin.save()
    TOTPDevice.objects.create(user=admin, name="Authenticator app", confirmed=True)
    people["site-admin"] = admin
    return people


def _sign(people: dict[str, User], agreement: Agreement, who: tuple[tuple[str, str], ...]) -> None:
    version = agreement.current_version()
    for side, role in who:
        user = people[f"{side}:{role}"]
        agreements.signature_give(
            actor=user,
            agreement=agreement,
            version_number=version.number,
            version_hash=version.content_hash,
            role=role,
            password=PASSWORD,
            code=code_for(user),
        )
        # The same person signs an agreement in each state within one 30-second step: let the
        # next signature use the code again (the real sign-off refuses a code used twice).
        TOTPDevice.objects.filter(user=user).update(last_t=-1)


def _school_client(thing: Thing, school: Organisation, signer: User) -> None:
    """The school discloses only: client.manage refuses it a client, so one is made by hand,
    as tests/web/test_exchange_api.py does, to show the API refusing a party that does not
    receive."""
    client_id = f"acc_school{thing.state[:4]}xxxxxxxxxxxx"[:24]
    client = ApiClient.objects.create(
        agreement=thing.agreement,
        organisation=school,
        name="School MIS",
        client_id=client_id,
        created_by=signer,
    )
    secret = f"school-secret-{thing.state}"
    ClientSecret.objects.create(client=client, secret_hash=credentials.digest(secret))
    thing.credentials["client:other-party"] = (client_id, secret)
    thing.tokens["client:other-party"] = credentials.token_issue(client)[0]


def _initiative(state: str, world: World) -> Thing:
    """The state's initiative, its description, assessment, fairness and mechanism done."""
    people, council, school = world.people, world.council, world.school
    initiative, _notes = initiatives.initiative_import(
        actor=people["lead:ig-officer"],
        lead=council,
        text=_text(title_of(state)),
        filename="attendance.yaml",
    )
    complete_journey(
        ig=people["lead:ig-officer"],
        dpo=people["lead:dpo"],
        initiative=initiative,
        today=timezone.localdate(),
    )
    assessment = initiative_selectors.current_assessment(initiative=initiative)
    assert assessment is not None
    risk = DpiaRisk.objects.filter(dpia__initiative=initiative).first()
    assert risk is not None
    thing = Thing(state, initiative)
    thing.ids.update(
        pk=initiative.pk,
        initiative=initiative.pk,
        title=initiative.title,
        risk=risk.pk,
        party=initiative.parties.get(organisation=school).pk,
        conclusion=initiative_selectors.assessment_conclusions(assessment=assessment)[0].key,
        question=str(initiative_selectors.fairness_questions(assessment=assessment)[0]["id"]),
    )
    return thing


def _agreement(thing: Thing, world: World) -> Agreement:
    """Drafted; while negotiated, an invitation and a proposal; then signed as far as the state."""
    people, state = world.people, thing.state
    lead_ig = people["lead:ig-officer"]
    agreement = agreements.agreement_draft(actor=lead_ig, initiative=thing.initiative)
    thing.agreement = agreement
    thing.ids.update(agreement=agreement.pk, reference=agreement.reference)
    if state == "negotiating":
        # The invitation link, read from the e-mail as the partner would.
        with TestCase.captureOnCommitCallbacks(execute=True):
            agreements.invitation_send(
                actor=lead_ig,
                initiative=thing.initiative,
                organisation=world.school,
                email="head@brookfield.example",
                name="The head",
                base_url="http://testserver",
            )
        thing.ids["token"] = mail.outbox[-1].body.split("/agreements/join/")[1].split("/")[0]
    if state in ("negotiating", "signing"):
        section = agreement.current_version().section("purpose")
        proposal = agreements.proposal_make(
            actor=people["partner:ig-officer"],
            agreement=agreement,
            section_key="purpose",
            text=section["text"] + "\n\nThe school adds a sentence.",
            values=section["values"],
            reason="Clearer for parents.",
        )
        thing.ids["proposal"] = proposal.pk
    if state != "negotiating":
        _sign(people, agreement, SIGNERS[:2])  # the council's
    if state not in ("negotiating", "signing"):
        _sign(people, agreement, SIGNERS[2:])  # the school's
        agreement.refresh_from_db()
        assert agreement.status == Agreement.SIGNED, agreement.status
    version = agreement.current_version()
    thing.ids.update(version=version.number, version_hash=version.content_hash)
    return agreement


def _exchange(thing: Thing, world: World, agreement: Agreement) -> None:
    """A dataset and API clients; live, a shared file and consent to publish; an incident (which
    raises a review); then suspended or terminated as the state says."""
    people, state = world.people, thing.state
    lead_ig, partner_ig = people["lead:ig-officer"], people["partner:ig-officer"]
    sharing = Sharing(
        agreement,
        world.council,
        world.school,
        lead_ig,
        people["lead:siro"],
        people["lead:practitioner"],
        partner_ig,
    )
    rows = [[f"{CANARY} {i:02d}", f"A{i:012d}", f"{80 + i}.5"] for i in range(1, 6)]
    thing.ids["dataset"] = loaded_dataset(sharing, HEADERS, rows, MAPPING, key="UPN").pk
    own, own_secret = credentials.client_create(
        actor=lead_ig, agreement=agreement, name="Education welfare system"
    )
    revoked, revoked_secret = credentials.client_create(
        actor=lead_ig, agreement=agreement, name="Old case system"
    )
    thing.ids["client"] = own.pk
    thing.credentials["client:own"] = (own.client_id, own_secret)
    thing.credentials["client:revoked"] = (revoked.client_id, revoked_secret)
    thing.tokens["client:own"] = credentials.token_issue(own)[0]
    thing.tokens["client:revoked"] = credentials.token_issue(revoked)[0]
    credentials.client_revoke(actor=lead_ig, client=revoked)
    _school_client(thing, world.school, partner_ig)
    if state != "signed":
        agreement = thing.agreement = exchange.go_live(actor=lead_ig, agreement=agreement)
        shared = files.file_share(
            actor=partner_ig,
            agreement=agreement,
            upload=SimpleUploadedFile("pupils.csv", b"UPN,Name\nA1,Someone\n"),
            recipient_people=[people["lead:practitioner"]],
            expires_on=timezone.localdate() + dt.timedelta(days=30),
        )
        thing.ids["file"] = shared.pk
        for side in ("lead", "partner"):
            consent_record(actor=people[f"{side}:ig-officer"], agreement=agreement, agreed=True)
    incident = incident_report(
        actor=partner_ig,
        agreement=agreement,
        occurred_on=timezone.localdate() - dt.timedelta(days=1),
        found_on=timezone.localdate(),
        kind="security-incident",
        description="A login page was probed; nothing was reached.",
        reported_to_ico="not-needed",
        contained=True,
    )
    thing.ids["incident"] = incident.number
    review = Review.objects.filter(agreement=agreement, completed_at__isnull=True).first()
    assert review is not None
    thing.ids["review"] = review.pk
    if state == "suspended":
        thing.agreement = exchange.suspend(
            actor=lead_ig, agreement=agreement, reason="A breach is being looked into."
        )
    elif state == "terminated":
        thing.agreement = exchange.terminate(
            actor=people["lead:siro"], agreement=agreement, reason="The project has ended."
        )


def _build(state: str, world: World) -> Thing:
    thing = _initiative(state, world)
    if state != "draft":
        agreement = _agreement(thing, world)
        if state not in ("negotiating", "signing"):
            _exchange(thing, world, agreement)
    return thing


def _other_agreement_tokens(things: dict[str, Thing]) -> None:
    """Each state's "client:other-agreement" is the own client of another agreement."""
    with_clients = [s for s in STATES if "client:own" in things[s].tokens]
    for state in with_clients:
        other = next(s for s in with_clients if s != state)
        things[state].tokens["client:other-agreement"] = things[other].tokens["client:own"]
        things[state].credentials["client:other-agreement"] = things[other].credentials[
            "client:own"
        ]


def build_world() -> World:
    council = organisation_create(
        actor=None, name=COUNCIL, type="local-authority", functions=["education"]
    )
    school = organisation_create(actor=None, name=SCHOOL, type="school", functions=[])
    unrelated = organisation_create(actor=None, name=UNRELATED, type="local-authority")
    police = organisation_create(actor=None, name=POLICE, type="police")
    people = _people(council, school, unrelated)
    # The police's people hold answering roles: e-mails about the council's agreements must
    # still never reach them.
    make_person(police, "ig-officer", "dpo", "siro", email="ig@northshire-police.example")
    give_evidence(people["lead:siro"], council)
    give_evidence(people["partner:siro"], school)
    evidence = EvidenceItem.objects.filter(organisation=council).order_by("pk").first()
    assert evidence is not None
    hub, _ = initiatives.initiative_import(
        actor=people["lead:ig-officer"],
        lead=council,
        text=_hub_text(),
        filename="hub.yaml",
    )
    westmoor, _ = initiatives.initiative_import(
        actor=people["unrelated"], lead=unrelated, text=_westmoor_text(), filename="westmoor.yaml"
    )
    world = World(
        council=council,
        school=school,
        unrelated=unrelated,
        police=police,
        people=people,
        sessions={},
        things={},
        hub=hub,
        westmoor=westmoor,
        evidence=evidence,
    )
    for state in STATES:
        world.things[state] = _build(state, world)
    _other_agreement_tokens(world.things)
    world.sessions = {subject: _session(user) for subject, user in people.items()}
    return world


HUB_TITLE: Final = "Children's safeguarding hub (council and police only)"
WESTMOOR_TITLE: Final = "Westmoor secret draft"


def _hub_text() -> str:
    return f"""\
title: "{HUB_TITLE}"
summary: The council and the police share concerns about children.
purposes: [safeguarding-children]
parties:
  - {{name: {COUNCIL}, type: local-authority, functions: [childrens-services], role: both}}
  - {{name: {POLICE}, type: police, role: both}}
data_subjects: [children]
data: [{{category: identifiers, fields: [name]}}]
consent: none
volume: case-by-case
frequency: ad-hoc
"""


def _westmoor_text() -> str:
    return f"""\
title: {WESTMOOR_TITLE}
summary: Westmoor's own sharing.
purposes: [education]
parties:
  - {{name: {UNRELATED}, type: local-authority, functions: [education], role: both}}
  - {{name: Westmoor Academy, type: school, role: both}}
data_subjects: [pupils]
data: [{{category: identifiers, fields: [name]}}]
consent: none
volume: case-by-case
frequency: ad-hoc
"""
