"""The demo: organisations of several kinds, people in every role, initiatives at every stage.

Built through the services, as a person would, so the history and audit chain are real.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accord.apps.accounts.models import User
from accord.apps.agreements import services as agreements
from accord.apps.agreements.models import Agreement
from accord.apps.evidence.services import evidence_add
from accord.apps.exchange import datasets
from accord.apps.exchange import services as exchange
from accord.apps.initiatives import selectors, services
from accord.apps.initiatives.models import Initiative
from accord.apps.organisations.models import Organisation
from accord.apps.organisations.services import membership_grant, organisation_create
from accord.apps.transparency.services import consent_record
from accord.core.fairness import FAVOURABLE_ANSWER

PASSWORD = "accord-demo-password"  # noqa: S105 - demo data only, printed by `make run`
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

ORGANISATIONS = [
    # name, type, functions, ICO registration, ODS code
    (
        "Northshire County Council",
        "local-authority",
        ["childrens-services", "adult-social-care", "education", "housing"],
        "Z5544332",
        "",
    ),
    ("Northshire Police", "police", [], "Z4455667", ""),
    ("Northshire Integrated Care Board", "icb", [], "ZA765432", "QNS"),
    ("Northshire Community Health NHS Trust", "nhs-trust", [], "Z7788990", "RNC"),
    ("Ashgrove Academy", "school", [], "ZB123456", ""),
    (
        "Hilltown District Council",
        "local-authority",
        ["adult-social-care", "housing"],
        "Z1122334",
        "",
    ),
    ("Hilltown Community Foodbank", "charity", [], "ZB654321", ""),
    ("Riverside University Hospitals NHS Foundation Trust", "nhs-trust", [], "Z9988776", "RRV"),
    ("Riverside City Council", "local-authority", ["adult-social-care"], "Z3344556", ""),
    ("Westmoor District Council", "local-authority", ["environmental-health"], "Z6677889", ""),
]


@dataclass(frozen=True)
class Person:
    email: str
    name: str
    organisation: str
    roles: tuple[str, ...]
    site_admin: bool = False


PEOPLE = [
    Person("ig@northshire.example", "Imogen Grant", "Northshire County Council", ("ig-officer",)),
    Person("dpo@northshire.example", "Dev Patel", "Northshire County Council", ("dpo",)),
    Person("siro@northshire.example", "Sarah Ibbotson", "Northshire County Council", ("siro",)),
    Person(
        "caldicott@northshire.example",
        "Callum Doyle",
        "Northshire County Council",
        ("caldicott-guardian",),
    ),
    Person("viewer@northshire.example", "Vera Woods", "Northshire County Council", ("viewer",)),
    Person("admin@northshire.example", "Amir Dhillon", "Northshire County Council", ("org-admin",)),
    Person(
        "ewo@northshire.example", "Elliot Walsh", "Northshire County Council", ("practitioner",)
    ),
    Person(
        "head@ashgrove.example",
        "Asha Green",
        "Ashgrove Academy",
        ("ig-officer", "siro", "org-admin"),
    ),
    Person("dpo@ashgrove.example", "Dara Okafor", "Ashgrove Academy", ("dpo",)),
    Person("ig@police.northshire.example", "Priya Lewis", "Northshire Police", ("ig-officer",)),
    Person(
        "ig@hilltown.example", "Hannah Town", "Hilltown District Council", ("ig-officer", "dpo")
    ),
    Person(
        "help@foodbank.example", "Frank Bell", "Hilltown Community Foodbank", ("ig-officer", "siro")
    ),
    Person("ig@riverside.example", "Ruth Side", "Riverside City Council", ("ig-officer",)),
    Person("ig@westmoor.example", "Wes Moor", "Westmoor District Council", ("ig-officer",)),
    Person(
        "site-admin@accord.example", "Sam Admin", "Westmoor District Council", (), site_admin=True
    ),
]


def demo_is_loaded() -> bool:
    return User.objects.filter(email=PEOPLE[0].email).exists()


@transaction.atomic
def demo_load(*, today: dt.date) -> None:
    organisations = {
        name: organisation_create(
            actor=None,
            name=name,
            type=kind,
            functions=functions,
            ico_registration=ico,
            ods_code=ods,
        )
        for name, kind, functions, ico, ods in ORGANISATIONS
    }
    people: dict[str, User] = {}
    for person in PEOPLE:
        user = User.objects.create_user(
            person.email,
            PASSWORD,
            full_name=person.name,
            is_staff=person.site_admin,
            is_superuser=person.site_admin,
        )
        people[person.email] = user
        for role in person.roles:
            membership_grant(
                actor=None, organisation=organisations[person.organisation], user=user, role=role
            )

    ig = people["ig@northshire.example"]
    dpo = people["dpo@northshire.example"]
    council = organisations["Northshire County Council"]

    # 1. A MASH: legal basis decided, fairness under way.
    mash = _import(ig, council, "mash-children.yaml")
    assessment = services.initiative_assess(actor=ig, initiative=mash, today=today)
    for conclusion in selectors.assessment_conclusions(assessment=assessment):
        services.conclusion_decide(
            actor=ig, assessment=assessment, key=conclusion.key, decision="accepted", reason=""
        )
    services.fairness_answer(
        actor=ig,
        initiative=mash,
        question_id="necessity.outcome",
        answer="",
        explanation="Earlier, better-informed decisions on referrals about children at risk; "
        "measured by repeat referrals and time to decision.",
    )
    services.dpia_screening_record(actor=ig, initiative=mash, needed=True, reason="")

    # 2. School attendance: every step to a chosen mechanism, ready for an agreement.
    attendance = _import(ig, council, "school-attendance.yaml")
    complete_journey(ig=ig, dpo=dpo, initiative=attendance, today=today)
    # ... and its agreement drafted, waiting for the schools to be invited; the council's
    # security evidence is in its library.
    agreements.agreement_draft(actor=ig, initiative=attendance)
    _evidence(people["siro@northshire.example"], council, today)

    # 3. A draft that has only just started.
    draft = services.initiative_create(
        actor=ig, lead=council, title="Care leavers' housing pathway"
    )
    services.initiative_update(
        actor=ig,
        initiative=draft,
        changes={"purposes": ["housing", "safeguarding-children"]},
        what="the purposes",
    )

    # 4. Another council's initiative with a charity: Northshire cannot see it.
    hilltown = people["ig@hilltown.example"]
    foodbank = _import(
        hilltown, organisations["Hilltown District Council"], "charity-adult-at-risk.yaml"
    )
    services.initiative_assess(actor=hilltown, initiative=foodbank, today=today)

    # 5. An unrelated council's draft, seen only by its own people.
    westmoor = people["ig@westmoor.example"]
    _import(westmoor, organisations["Westmoor District Council"], "food-hygiene.yaml")

    # 6. Live: Ashgrove Academy shares attendance with the council under a signed agreement,
    # with a dataset mapped; the council's administrator can create an API client for it.
    _live_sharing(people, organisations["Ashgrove Academy"], today)


# Two parties, so the demo can take it all the way to a live exchange.
_ASHGROVE = """\
title: Ashgrove Academy attendance for the education welfare service
summary: >-
  The academy sends the council weekly attendance for pupils below 90%, so education welfare
  officers can offer families support before absence becomes persistent.
purposes: [education, safeguarding-children]
parties:
  - {name: Ashgrove Academy, type: school, role: discloses}
  - {name: Northshire County Council, type: local-authority, functions: [education], role: receives}
data_subjects: [pupils, parents-carers]
data:
  - {category: identifiers, fields: [unique pupil number, name, date of birth]}
  - {category: education, fields: [attendance percentage, absence codes]}
consent: none
volume: cohort
frequency: regular
mechanism: api
"""


def _pupils_csv() -> bytes:
    """Forty made-up pupils; the free school meals column is never mapped, so never shared."""
    names = ["Amira", "Ben", "Chloe", "Dev", "Ella", "Finn", "Grace", "Harry", "Isla", "Jack"]
    lines = ["UPN,Forename,Surname,Date of birth,Attendance %,Absence codes,FSM"]
    for i in range(40):
        lines.append(
            f"A80120000{i:04d},{names[i % 10]},Pupil-{i + 1},2015-{i % 12 + 1:02d}-{i % 27 + 1:02d},"
            f"{80 + (i * 7) % 20}.{i % 10},{['I', 'M', 'O'][i % 3]},{'YN'[i % 2]}"
        )
    return ("\n".join(lines) + "\n").encode()


def _sign_with_a_passing_authenticator(user: User, agreement: Agreement, role: str) -> None:
    """Sign as the person would, with a code from an authenticator made for this one act and
    removed after it: each demo person sets up their own app when they first sign in."""
    device = TOTPDevice.objects.create(user=user, name="demo signing", confirmed=True)
    code = str(TOTP(device.bin_key, device.step, device.t0, device.digits).token()).zfill(6)
    version = agreement.current_version()
    agreements.signature_give(
        actor=user,
        agreement=agreement,
        version_number=version.number,
        version_hash=version.content_hash,
        role=role,
        password=PASSWORD,
        code=code,
    )
    device.delete()


def _live_sharing(people: dict[str, User], school: Organisation, today: dt.date) -> None:
    ig, dpo = people["ig@northshire.example"], people["dpo@northshire.example"]
    head = people["head@ashgrove.example"]
    council = Organisation.objects.get(name="Northshire County Council")
    initiative, _ = services.initiative_import(
        actor=ig, lead=council, text=_ASHGROVE, filename="ashgrove-attendance.yaml"
    )
    complete_journey(ig=ig, dpo=dpo, initiative=initiative, today=today)
    agreement = agreements.agreement_draft(actor=ig, initiative=initiative)
    _evidence(head, school, today)
    for person, role in (
        ("siro@northshire.example", "siro"),
        ("dpo@northshire.example", "dpo"),
        ("head@ashgrove.example", "siro"),
        ("dpo@ashgrove.example", "dpo"),
    ):
        _sign_with_a_passing_authenticator(people[person], agreement, role)
    agreement.refresh_from_db()
    exchange.go_live(actor=ig, agreement=agreement, today=today)
    dataset = datasets.dataset_upload(
        actor=head,
        agreement=agreement,
        name="Pupils below 90% attendance",
        upload=SimpleUploadedFile("attendance.csv", _pupils_csv(), content_type="text/csv"),
    )
    # Both parties agree to publish it, so the public transparency register has an entry.
    consent_record(actor=ig, agreement=agreement, agreed=True)
    consent_record(actor=head, agreement=agreement, agreed=True)
    datasets.columns_map(
        actor=head,
        dataset=dataset,
        items={
            "UPN": "unique pupil number",
            "Forename": "name",
            "Surname": "name",
            "Date of birth": "date of birth",
            "Attendance %": "attendance percentage",
            "Absence codes": "absence codes",
        },
        key_column="UPN",
    )


def complete_journey(*, ig: User, dpo: User, initiative: Initiative, today: dt.date) -> None:
    """Take an initiative from its imported description to a chosen mechanism, as an IG officer
    and DPO would: every conclusion accepted, fairness answered, a DPIA, the best mechanism."""
    assessment = services.initiative_assess(actor=ig, initiative=initiative, today=today)
    for conclusion in selectors.assessment_conclusions(assessment=assessment):
        services.conclusion_decide(
            actor=ig, assessment=assessment, key=conclusion.key, decision="accepted", reason=""
        )
    for question in selectors.fairness_questions(assessment=assessment):
        question_id = str(question["id"])
        services.fairness_answer(
            actor=ig,
            initiative=initiative,
            question_id=question_id,
            answer=FAVOURABLE_ANSWER.get(question_id, ""),
            explanation="Agreed at the partnership's working group: see its minutes.",
        )
    services.dpia_screening_record(actor=ig, initiative=initiative, needed=True, reason="")
    services.dpia_risk_add(
        actor=ig,
        initiative=initiative,
        fields={
            "description": "A person's record reaches staff who do not need it.",
            "likelihood": "possible",
            "severity": "significant",
            "measures": "Role-based access in the receiving system; quarterly access review.",
            "residual_likelihood": "remote",
            "residual_severity": "significant",
        },
    )
    services.dpia_advice_record(
        actor=dpo,
        initiative=initiative,
        advice="Proceed. Limit the fields to those the purpose needs.",
    )
    services.dpia_advice_respond(actor=ig, initiative=initiative, followed=True, reason="")
    mechanism = next(
        m["id"] for m in assessment.result["mechanisms"] if m["status"] == "recommended"
    )
    services.mechanism_choose(
        actor=ig,
        initiative=initiative,
        mechanism=mechanism,
        reason="The partners' systems already support it.",
    )


# A one-page PDF standing in for a scanned certificate.
_CERTIFICATE = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def _evidence(actor: User, organisation: Organisation, today: dt.date) -> None:
    for kind, reference in (
        ("ico-registration", organisation.ico_registration or "Registered"),
        ("cyber-essentials", "CE-2026-118822"),
        ("ig-training", "IG training records 2026"),
        ("policy", "Information security policy v4"),
    ):
        evidence_add(
            actor,
            organisation,
            kind,
            reference,
            today - dt.timedelta(days=60),
            today + dt.timedelta(days=300),
            SimpleUploadedFile(f"{kind}.pdf", _CERTIFICATE, content_type="application/pdf"),
            today=today,
        )


def _import(user: User, lead: Organisation, filename: str) -> Initiative:
    text = (EXAMPLES / filename).read_text()
    initiative, _ = services.initiative_import(actor=user, lead=lead, text=text, filename=filename)
    return initiative
