"""The Agreement step through the web application: invitation, negotiation, versions, sign-off."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from accord.apps.accounts.models import User
from accord.apps.agreements import services
from accord.apps.agreements.models import (
    Agreement,
    AgreementVersion,
    ImmutableError,
    Proposal,
    Reminder,
    Signature,
)
from accord.apps.audit.models import AuditEntry
from accord.apps.evidence.models import EvidenceItem
from accord.apps.initiatives.selectors import journey
from accord.apps.organisations.models import Membership, Organisation
from accord.core.agreement.versions import content_hash
from tests.web.agreement_helpers import (
    PASSWORD,
    SCHOOL,
    authenticator,
    code_for,
    give_evidence,
    person,
    ready_initiative,
)
from tests.web.conftest import signed_in

# Real commits: invitation and reminder e-mails go on commit, as in production.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def lead(make_organisation: Callable[..., Organisation]) -> Organisation:
    return make_organisation("Northshire County Council", functions=["education"])


@pytest.fixture
def people(lead: Organisation) -> dict[str, User]:
    return {
        "ig": person(lead, "ig-officer", email="ig@northshire.example"),
        "dpo": person(lead, "dpo", email="dpo@northshire.example"),
        "siro": person(lead, "siro", email="siro@northshire.example"),
    }


@pytest.fixture
def initiative(people: dict[str, User], lead: Organisation):  # type: ignore[no-untyped-def]
    return ready_initiative(ig=people["ig"], dpo=people["dpo"], lead=lead)


@pytest.fixture
def school(initiative) -> Organisation:  # type: ignore[no-untyped-def]
    return Organisation.objects.get(name=SCHOOL)


def _draft(ig: User, initiative) -> Agreement:  # type: ignore[no-untyped-def]
    return services.agreement_draft(actor=ig, initiative=initiative)


def _join_school(client: Client, ig: User, initiative, school: Organisation) -> User:  # type: ignore[no-untyped-def]
    """The lead invites the school's head by e-mail; she joins, alone, holding every role."""
    response = client.post(
        f"/agreements/initiative/{initiative.pk}/invite/",
        {"organisation": school.pk, "name": "Helen Head", "email": "head@brookfield.example"},
    )
    assert response.status_code == 200
    link = re.search(r"http://testserver(/agreements/join/\S+/)", mail.outbox[-1].body)
    assert link, mail.outbox[-1].body
    partner = Client()
    page = partner.get(link.group(1)).content.decode()
    assert "Why share" in page
    assert "The law that allows it" in page
    # A password built on the school's name is among the first an attacker tries (ASVS 6.2.11).
    guessable = {"full_name": "Helen Head", "password": "Brookfield2026!!", "roles": ["siro"]}
    refused = partner.post(link.group(1), guessable)
    assert refused.status_code == 400
    assert "must not be built on “brookfield”" in refused.content.decode().lower()
    assert not User.objects.filter(email="head@brookfield.example").exists()
    response = partner.post(
        link.group(1),
        {
            "full_name": "Helen Head",
            "password": "a long school passphrase",
            "roles": ["ig-officer", "siro", "dpo"],
        },
    )
    assert response.status_code == 302
    return User.objects.get(email="head@brookfield.example")


def test_the_agreement_is_drafted_from_the_initiative_with_every_section_of_the_ico_code(
    people: dict[str, User], initiative
) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(people["ig"])
    assert "Ready for an agreement" in client.get(f"/initiatives/{initiative.pk}/").content.decode()
    response = client.post(f"/agreements/initiative/{initiative.pk}/", {"follows": ""})
    agreement = Agreement.objects.get(initiative=initiative)
    assert response.status_code == 302
    assert response.url == f"/agreements/{agreement.pk}/"
    version = agreement.current_version()
    keys = [s["key"] for s in version.content["sections"]]
    for key in (
        "parties",
        "purpose",
        "legal-basis",
        "data",
        "permitted-uses",
        "prohibited-uses",
        "onward-sharing",
        "mechanism",
        "retention",
        "accuracy",
        "rights",
        "transparency",
        "breaches",
        "review",
        "term",
        "termination",
        "signatories",
    ):
        assert key in keys
    # Prefilled from the initiative and its assessment: nothing typed twice.
    data = version.section("data")["values"]
    assert {"category": "education", "fields": ["attendance percentage", "absence codes"]} in data[
        "items"
    ]
    bases = version.section("legal-basis")["values"]["bases"]
    assert {b["party"] for b in bases} == {SCHOOL, "Northshire County Council"}
    assert all(b["provisions"] for b in bases)
    assert version.content_hash == content_hash(version.content)
    page = client.get(f"/agreements/{agreement.pk}/").content.decode()
    assert "Legal basis of each party" in page
    assert version.content_hash in page
    assert AuditEntry.objects.filter(verb="agreement.version-created").count() == 1


def test_a_partner_is_invited_joins_comments_and_proposes_and_the_lead_accepts(
    people: dict[str, User], initiative, school: Organisation
) -> None:  # type: ignore[no-untyped-def]
    agreement = _draft(people["ig"], initiative)
    lead_client = signed_in(people["ig"])
    head = _join_school(lead_client, people["ig"], initiative, school)
    assert set(Membership.objects.filter(user=head).values_list("role", flat=True)) == {
        "ig-officer",
        "siro",
        "dpo",
    }
    # Joining names the school's contact, so the parties section is redrafted as a new version.
    version = agreement.current_version()
    assert version.number == 2
    assert "head@brookfield.example" in version.section("parties")["text"]

    head_client = signed_in(head, mfa=True)
    response = head_client.post(
        f"/agreements/{agreement.pk}/sections/retention/",
        {"text": "Twelve months is too long for us."},
    )
    assert response.status_code == 302
    response = head_client.post(
        f"/agreements/{agreement.pk}/sections/breaches/propose/",
        {
            "text": "Tell the other parties of a breach within the time below.",
            "notify_hours": "12",
            "reason": "Our trust policy says 12 hours.",
        },
    )
    assert response.status_code == 302, response.content.decode()
    proposal = Proposal.objects.get(agreement=agreement)
    assert proposal.organisation == school
    assert proposal.status == Proposal.OPEN

    # A partner cannot decide; the lead's IG officer can, after seeing the difference.
    assert (
        head_client.post(
            f"/agreements/{agreement.pk}/proposals/{proposal.pk}/", {"decision": "accept"}
        ).status_code
        == 403
    )
    page = lead_client.get(f"/agreements/{agreement.pk}/proposals/{proposal.pk}/").content.decode()
    assert '<span class="govuk-visually-hidden">removed: </span>24' in page
    assert '<span class="govuk-visually-hidden">added: </span>12' in page
    response = lead_client.post(
        f"/agreements/{agreement.pk}/proposals/{proposal.pk}/", {"decision": "accept", "note": ""}
    )
    assert response.status_code == 302
    version = agreement.current_version()
    assert version.number == 3
    assert version.section("breaches")["values"] == {"notify_hours": 12}
    # Every version is kept unchanged and any two can be compared.
    first = AgreementVersion.objects.get(agreement=agreement, number=1)
    assert first.section("breaches")["values"] == {"notify_hours": 24}
    assert first.content_hash == content_hash(first.content)
    page = head_client.get(f"/agreements/{agreement.pk}/compare/?from=1&to=3").content.decode()
    assert "Breaches" in page
    assert "added: </span>12" in page
    assert head_client.get(f"/agreements/{agreement.pk}/compare/?from=1&to=99").status_code == 400


def test_a_bad_proposal_is_refused_with_messages_and_nothing_is_stored(
    people: dict[str, User], initiative
) -> None:  # type: ignore[no-untyped-def]
    agreement = _draft(people["ig"], initiative)
    client = signed_in(people["ig"])
    response = client.post(
        f"/agreements/{agreement.pk}/sections/breaches/propose/",
        {"text": "", "notify_hours": "500", "reason": ""},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem" in page
    assert "between 1 and 72" in page
    assert "Enter the wording" in page
    assert "Say why" in page
    assert not Proposal.objects.exists()
    # Derived sections follow the initiative: they cannot be negotiated away.
    response = client.post(
        f"/agreements/{agreement.pk}/sections/legal-basis/propose/",
        {"text": "Consent", "reason": "x"},
    )
    assert response.status_code == 400
    assert "refresh the draft" in response.content.decode()


def test_versions_never_change(people: dict[str, User], initiative) -> None:  # type: ignore[no-untyped-def]
    version = _draft(people["ig"], initiative).current_version()
    with pytest.raises(ImmutableError):
        version.save()
    with pytest.raises(ImmutableError):
        version.delete()


def _sign(
    client: Client,
    agreement: Agreement,
    user: User,
    role: str,
    *,
    number: int | None = None,
    digest: str | None = None,
) -> str:
    version = agreement.current_version()
    response = client.post(
        f"/agreements/{agreement.pk}/sign/",
        {
            "version_number": number or version.number,
            "version_hash": digest or version.content_hash,
            "role": role,
            "confirm": "on",
            "password": PASSWORD
            if user.email.endswith("northshire.example")
            else "a long school passphrase",
            "code": code_for(user),
        },
    )
    if response.status_code == 302:
        assert response.url == f"/agreements/{agreement.pk}/#signatures", response.url
        return ""
    return response.content.decode()


def test_every_party_signs_the_exact_version_and_the_agreement_becomes_signed(
    people: dict[str, User], initiative, school: Organisation, lead: Organisation
) -> None:  # type: ignore[no-untyped-def]
    agreement = _draft(people["ig"], initiative)
    head = _join_school(signed_in(people["ig"]), people["ig"], initiative, school)
    give_evidence(people["siro"], lead)
    give_evidence(head, school)
    for user in (people["siro"], people["dpo"], head):
        authenticator(user)
    signers = [(people["siro"], "siro"), (people["dpo"], "dpo"), (head, "siro"), (head, "dpo")]
    for index, (user, role) in enumerate(signers):
        if index == 3:
            # Same person again: wait for a fresh code, as a real authenticator would show.
            device = authenticator(user)
            device.last_t = -1
            device.save()
        assert _sign(signed_in(user, mfa=True), agreement, user, role) == ""
    agreement.refresh_from_db()
    assert agreement.status == Agreement.SIGNED
    assert agreement.signed_at is not None
    version = agreement.current_version()
    assert set(
        Signature.objects.filter(agreement=agreement).values_list("version_hash", flat=True)
    ) == {version.content_hash}
    tasks = {t.key: t.status for t in journey(initiative=initiative)}
    assert tasks["agreement"] == "Completed"
    assert tasks["go-live"] == "Not started"
    assert AuditEntry.objects.filter(verb="agreement.fully-signed").count() == 1
    assert any("Signed by every party" in m.subject for m in mail.outbox)


def test_a_signature_on_a_superseded_version_is_refused_and_a_change_voids_signatures(
    people: dict[str, User], initiative, lead: Organisation, school: Organisation
) -> None:  # type: ignore[no-untyped-def]
    agreement = _draft(people["ig"], initiative)
    head = _join_school(signed_in(people["ig"]), people["ig"], initiative, school)
    give_evidence(people["siro"], lead)
    give_evidence(head, school)
    old = agreement.current_version()
    assert _sign(signed_in(people["siro"], mfa=True), agreement, people["siro"], "siro") == ""
    proposal = services.proposal_make(
        actor=head,
        agreement=agreement,
        section_key="retention",
        text="Keep it briefly.",
        values={"months": 6, "end_action": "delete"},
        reason="Shorter is safer.",
    )
    services.proposal_decide(actor=people["ig"], proposal=proposal, accept=True)
    # The SIRO's signature on the old version no longer counts.
    assert Signature.objects.get(version=old).voided_at is not None
    page = _sign(
        signed_in(head, mfa=True),
        agreement,
        head,
        "siro",
        number=old.number,
        digest=old.content_hash,
    )
    assert "has been superseded" in page
    assert not Signature.objects.filter(signer=head).exists()


def test_expired_evidence_blocks_sign_off(
    people: dict[str, User], initiative, lead: Organisation, school: Organisation
) -> None:  # type: ignore[no-untyped-def]
    agreement = _draft(people["ig"], initiative)
    head = _join_school(signed_in(people["ig"]), people["ig"], initiative, school)
    give_evidence(people["siro"], lead)
    give_evidence(head, school)
    EvidenceItem.objects.filter(organisation=school, kind="cyber-essentials").update(
        expires_on=timezone.localdate() - dt.timedelta(days=1)
    )
    page = _sign(signed_in(people["siro"], mfa=True), agreement, people["siro"], "siro")
    assert "Sign-off cannot go ahead" in page
    assert SCHOOL in page
    assert "expired" in page
    assert not Signature.objects.exists()


def test_signing_needs_the_password_and_a_fresh_code(
    people: dict[str, User], initiative, lead: Organisation, school: Organisation
) -> None:  # type: ignore[no-untyped-def]
    agreement = _draft(people["ig"], initiative)
    client = signed_in(people["siro"], mfa=True)
    authenticator(people["siro"])
    version = agreement.current_version()
    response = client.post(
        f"/agreements/{agreement.pk}/sign/",
        {
            "version_number": version.number,
            "version_hash": version.content_hash,
            "role": "siro",
            "confirm": "on",
            "password": "wrong",
            "code": "000000",
        },
    )
    assert response.status_code == 400
    assert "password is not correct" in response.content.decode()
    assert AuditEntry.objects.filter(verb="agreement.sign-reauthentication-failed").exists()
    assert not Signature.objects.exists()


def test_a_late_signatory_is_reminded_once_then_deputies(
    people: dict[str, User], initiative, lead: Organisation, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.ACCORD_REMINDER_DAYS = 7
    deputy = person(lead, email="deputy.siro@northshire.example")
    Membership.objects.create(user=deputy, organisation=lead, role="siro", deputy=True)
    agreement = _draft(people["ig"], initiative)
    version = agreement.current_version()
    now = timezone.now()
    assert services.reminders_send(base_url="http://accord.test", now=now) == []
    mail.outbox.clear()
    services.reminders_send(base_url="http://accord.test", now=now + dt.timedelta(days=8))
    to_siro = [m for m in mail.outbox if "siro@northshire.example" in m.to]
    assert len(to_siro) == 1
    assert f"/agreements/{agreement.pk}/sign/" in to_siro[0].body
    assert not any(deputy.email in m.to for m in mail.outbox)
    # Never twice for one cause.
    mail.outbox.clear()
    services.reminders_send(base_url="http://accord.test", now=now + dt.timedelta(days=9))
    assert not any("siro@northshire.example" in m.to for m in mail.outbox)
    services.reminders_send(base_url="http://accord.test", now=now + dt.timedelta(days=15))
    assert [m.to for m in mail.outbox if deputy.email in m.to] == [[deputy.email]]
    assert Reminder.objects.filter(version=version, role="siro").count() == 2
    page = signed_in(people["ig"]).get(f"/agreements/{agreement.pk}/waiting/").content.decode()
    assert "Senior Information Risk Owner" in page
    assert "(deputies)" in page


def test_an_invitation_expires_and_is_used_once(
    people: dict[str, User], initiative, school: Organisation, settings
) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(people["ig"])
    client.post(
        f"/agreements/initiative/{initiative.pk}/invite/",
        {"organisation": school.pk, "name": "H", "email": "h@brookfield.example"},
    )
    path = re.search(r"http://testserver(/agreements/join/\S+/)", mail.outbox[-1].body).group(1)  # type: ignore[union-attr]
    assert Client().get("/agreements/join/not-a-token/").status_code == 410
    from accord.apps.agreements.models import Invitation

    Invitation.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    response = Client().get(path)
    assert response.status_code == 410
    assert "expired" in response.content.decode()


def test_only_parties_see_the_agreement_and_only_the_right_roles_change_it(
    people: dict[str, User],
    initiative,
    lead: Organisation,
    unrelated: Organisation,
    make_person: Callable[..., User],
) -> None:  # type: ignore[no-untyped-def]
    agreement = _draft(people["ig"], initiative)
    outsider = signed_in(make_person(unrelated, "ig-officer", "siro"), mfa=True)
    for url in (
        f"/agreements/{agreement.pk}/",
        f"/agreements/{agreement.pk}/versions/",
        f"/agreements/{agreement.pk}/versions/1/",
        f"/agreements/{agreement.pk}/compare/",
        f"/agreements/{agreement.pk}/sign/",
        f"/agreements/{agreement.pk}/waiting/",
        f"/agreements/{agreement.pk}/sections/purpose/",
        f"/agreements/initiative/{initiative.pk}/",
        f"/agreements/initiative/{initiative.pk}/invite/",
        f"/agreements/{agreement.pk}/versions/1/document.pdf",
    ):
        assert outsider.get(url).status_code == 404, url
    assert outsider.post(f"/agreements/{agreement.pk}/refresh/").status_code == 404
    viewer = signed_in(make_person(lead, "viewer"))
    assert viewer.get(f"/agreements/{agreement.pk}/").status_code == 200
    assert (
        viewer.post(f"/agreements/{agreement.pk}/sections/purpose/", {"text": "hi"}).status_code
        == 403
    )
    assert viewer.get(f"/agreements/{agreement.pk}/sections/purpose/propose/").status_code == 403
    assert viewer.get(f"/agreements/initiative/{initiative.pk}/invite/").status_code == 403


def test_a_purpose_specific_agreement_follows_a_signed_overarching_one(
    people: dict[str, User], initiative, lead: Organisation, school: Organisation, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    # Re-authentication is covered above; this test is about what the second agreement says.
    monkeypatch.setattr(services, "_reauthenticate", lambda actor, password, code: None)
    protocol = services.agreement_draft(
        actor=people["ig"], initiative=initiative, is_overarching=True
    )
    head = person(school, "siro", "dpo", email="head@brookfield.example")
    give_evidence(people["siro"], lead)
    give_evidence(head, school)
    for user, role in (
        (people["siro"], "siro"),
        (people["dpo"], "dpo"),
        (head, "siro"),
        (head, "dpo"),
    ):
        version = protocol.current_version()
        services.signature_give(
            actor=user,
            agreement=protocol,
            version_number=version.number,
            version_hash=version.content_hash,
            role=role,
            password="",
            code="",
        )
    protocol.refresh_from_db()
    assert protocol.status == Agreement.SIGNED

    second = ready_initiative(ig=people["ig"], dpo=people["dpo"], lead=lead)
    page = signed_in(people["ig"]).get(f"/agreements/initiative/{second.pk}/").content.decode()
    assert protocol.reference in page  # offered as an agreement to follow
    agreement = services.agreement_draft(actor=people["ig"], initiative=second, follows=protocol)
    content = agreement.current_version().content
    assert content["overarching"]["hash"] == protocol.current_version().content_hash
    breaches = agreement.current_version().section("breaches")
    assert breaches["follows"]["reference"] == protocol.reference
    assert breaches["text"].startswith(f"As agreed in {initiative.title} ({protocol.reference}")
    assert breaches["values"] == {"notify_hours": 24}
    # A negotiated change replaces the baseline for this agreement only.
    proposal = services.proposal_make(
        actor=people["ig"],
        agreement=agreement,
        section_key="breaches",
        text="Within 6 hours for this data.",
        values={"notify_hours": 6},
        reason="More sensitive.",
    )
    services.proposal_decide(actor=people["ig"], proposal=proposal, accept=True)
    assert "follows" not in agreement.current_version().section("breaches")
    # An agreement cannot follow one that not every party has signed.
    with pytest.raises(ValidationError):
        services.agreement_draft(
            actor=people["ig"],
            initiative=ready_initiative(ig=people["ig"], dpo=people["dpo"], lead=lead),
            follows=agreement,
        )


def test_an_organisation_already_on_accord_joins_through_its_members_only(
    people: dict[str, User], initiative, school: Organisation
) -> None:  # type: ignore[no-untyped-def]
    member = person(school, "ig-officer", email="office@brookfield.example")
    signed_in(people["ig"]).post(
        f"/agreements/initiative/{initiative.pk}/invite/",
        {"organisation": school.pk, "name": "Someone", "email": "someone@elsewhere.example"},
    )
    path = re.search(r"http://testserver(/agreements/join/\S+/)", mail.outbox[-1].body).group(1)  # type: ignore[union-attr]
    # A stranger cannot make themselves the school's SIRO through another body's invitation.
    page = Client().get(path).content.decode()
    assert "already uses Accord" in page
    assert 'name="password"' not in page
    response = Client().post(
        path, {"full_name": "X", "password": "a long passphrase here", "roles": ["siro"]}
    )
    assert response.status_code == 302
    assert "/account/sign-in/" in response.url
    assert not User.objects.filter(email="someone@elsewhere.example").exists()
    # Someone signed in who is not a member of the school is refused.
    assert signed_in(people["ig"]).post(path).status_code == 403
    # A member of the school joins for it.
    response = signed_in(member).post(path)
    assert response.status_code == 302
    party = initiative.parties.get(organisation=school)
    assert party.joined_at is not None
    assert party.contact_email == member.email


def test_every_version_downloads_as_pdf_word_json_ld_and_turtle_from_the_same_content(
    people: dict[str, User], initiative
) -> None:  # type: ignore[no-untyped-def]
    import io
    import zipfile

    import rdflib

    agreement = _draft(people["ig"], initiative)
    version = agreement.current_version()
    client = signed_in(people["ig"])
    base = f"/agreements/{agreement.pk}/versions/{version.number}/document"
    pdf = client.get(f"{base}.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    assert pdf["Content-Disposition"] == f'attachment; filename="{agreement.reference}-v1.pdf"'
    assert pdf["Cache-Control"] == "private, no-store"
    word = zipfile.ZipFile(io.BytesIO(client.get(f"{base}.docx").content))
    assert version.content_hash in word.read("word/document.xml").decode()
    graph = rdflib.Graph().parse(data=client.get(f"{base}.jsonld").content, format="json-ld")
    turtle = rdflib.Graph().parse(data=client.get(f"{base}.ttl").content, format="turtle")
    assert len(graph) == len(turtle) > 50
    assert client.get(f"{base}.exe").status_code == 404
