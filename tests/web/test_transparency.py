"""The public transparency register: consent by each party, and publication computed on read.

An agreement is in the register (page, summary, CSV, JSON) only while it is live and every
party of its signed terms has agreed; anything else is absent from the lists and 404 on its own.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from accord.apps.agreements import services as agreements
from accord.apps.agreements.models import Agreement
from accord.apps.audit.models import AuditEntry
from accord.apps.exchange import services as exchange
from accord.apps.organisations.services import organisation_create
from accord.apps.transparency.api import RegisterOut, SummaryOut
from accord.apps.transparency.models import PublicationConsent
from accord.apps.transparency.services import consent_record
from tests.web.agreement_helpers import ATTENDANCE, SCHOOL, person, ready_initiative
from tests.web.conftest import signed_in
from tests.web.exchange_helpers import Sharing, live_agreement, signed_agreement

pytestmark = pytest.mark.django_db

TITLE = "Pupils at risk of missing education"


def _publish(sharing: Sharing) -> None:
    consent_record(actor=sharing.council_ig, agreement=sharing.agreement, agreed=True)
    consent_record(actor=sharing.school_ig, agreement=sharing.agreement, agreed=True)


def _everywhere(reference: str) -> dict[str, Any]:
    """What an anonymous visitor gets for this reference from every public door."""
    anonymous = Client()
    page = anonymous.get("/transparency/")
    detail = anonymous.get(f"/transparency/{reference}/")
    download = anonymous.get("/transparency/register.csv")
    listing = anonymous.get("/api/v1/transparency/")
    one = anonymous.get(f"/api/v1/transparency/{reference}")
    assert page.status_code == download.status_code == listing.status_code == 200
    rows = list(csv.DictReader(io.StringIO(download.content.decode())))
    return {
        "in_page": reference in page.content.decode(),
        "detail": detail.status_code,
        "in_csv": any(r["reference"] == reference for r in rows),
        "in_json": any(a["reference"] == reference for a in listing.json()["agreements"]),
        "json_detail": one.status_code,
    }


PUBLISHED = {"in_page": True, "detail": 200, "in_csv": True, "in_json": True, "json_detail": 200}
ABSENT = {"in_page": False, "detail": 404, "in_csv": False, "in_json": False, "json_detail": 404}


# --- Consent -------------------------------------------------------------------------------------


def test_each_partys_ig_officer_or_siro_answers_and_the_answer_is_audited() -> None:
    sharing = live_agreement()
    client = signed_in(sharing.council_ig, mfa=True)
    url = f"/transparency/agreements/{sharing.agreement.pk}/consent/"
    form = client.get(url)
    assert form.status_code == 200
    assert "You answer for Northshire County Council" in form.content.decode()

    response = client.post(url, {"agreed": "yes"})
    assert response.status_code == 302
    assert response["Location"] == f"/agreements/{sharing.agreement.pk}/exchange/"
    consent = PublicationConsent.objects.get(agreement=sharing.agreement)
    assert (consent.organisation, consent.agreed, consent.by) == (
        sharing.council,
        True,
        sharing.council_ig,
    )
    entry = AuditEntry.objects.get(verb="agreement.publication-consent")
    assert entry.actor == sharing.council_ig
    assert entry.organisation == sharing.council
    assert entry.data == {"agreed": True, "organisation": sharing.council.pk}
    assert "Northshire County Council agrees to publish" in entry.summary

    # The school's head (IG officer and SIRO) answers for the school, not for the council.
    school = signed_in(sharing.school_ig, mfa=True)
    assert school.post(url, {"agreed": "no"}).status_code == 302
    answers = dict(
        PublicationConsent.objects.values_list("organisation__name", "agreed").order_by("id")
    )
    assert answers == {"Northshire County Council": True, SCHOOL: False}
    # Changing one's mind updates the one answer and writes another entry.
    assert school.post(url, {"agreed": "yes"}).status_code == 302
    assert PublicationConsent.objects.filter(agreement=sharing.agreement).count() == 2
    assert AuditEntry.objects.filter(verb="agreement.publication-consent").count() == 3


def test_no_answer_is_a_clear_error_on_the_field() -> None:
    sharing = live_agreement()
    response = signed_in(sharing.council_ig, mfa=True).post(
        f"/transparency/agreements/{sharing.agreement.pk}/consent/", {}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    assert "Select yes if your organisation agrees to publish it" in page
    assert not PublicationConsent.objects.exists()


def test_other_roles_may_not_answer_and_outsiders_do_not_learn_it_exists(
    make_organisation: Callable[..., Any],
) -> None:
    sharing = live_agreement()
    url = f"/transparency/agreements/{sharing.agreement.pk}/consent/"
    council_dpo = person(sharing.council, "dpo", email="dpo2@northshire.example")
    for user in (sharing.practitioner, council_dpo):
        client = signed_in(user, mfa=True)
        assert client.get(url).status_code == 403
        assert client.post(url, {"agreed": "yes"}).status_code == 403
        with pytest.raises(PermissionDenied):
            consent_record(actor=user, agreement=sharing.agreement, agreed=True)
    outsider_org = make_organisation("Eastshire Borough Council")
    outsider = person(outsider_org, "ig-officer", "siro", email="ig@eastshire.example")
    assert signed_in(outsider, mfa=True).post(url, {"agreed": "yes"}).status_code == 404
    assert Client().get(url).status_code == 302  # to sign in
    assert not PublicationConsent.objects.exists()
    assert not AuditEntry.objects.filter(verb="agreement.publication-consent").exists()


def test_a_draft_cannot_be_consented_to_publish() -> None:
    council = organisation_create(
        actor=None,
        name="Northshire County Council",
        type="local-authority",
        functions=["education"],
    )
    ig = person(council, "ig-officer", email="ig@northshire.example")
    dpo = person(council, "dpo", email="dpo@northshire.example")
    initiative = ready_initiative(ig=ig, dpo=dpo, lead=council)
    draft = agreements.agreement_draft(actor=ig, initiative=initiative)
    with pytest.raises(ValidationError, match="Only a signed agreement can be published"):
        consent_record(actor=ig, agreement=draft, agreed=True)
    page = signed_in(ig, mfa=True).get(f"/transparency/agreements/{draft.pk}/consent/")
    assert page.status_code == 200
    assert 'id="not-signed"' in page.content.decode()
    assert not PublicationConsent.objects.exists()
    assert _everywhere(draft.reference) == ABSENT


def test_a_terminated_agreement_cannot_be_agreed_but_can_be_withdrawn() -> None:
    sharing = live_agreement()
    _publish(sharing)
    exchange.terminate(actor=sharing.council_siro, agreement=sharing.agreement, reason="Ended.")
    with pytest.raises(ValidationError, match="terminated"):
        consent_record(actor=sharing.council_ig, agreement=sharing.agreement, agreed=True)
    consent_record(actor=sharing.council_ig, agreement=sharing.agreement, agreed=False)
    assert not PublicationConsent.objects.get(organisation=sharing.council).agreed


def test_the_exchange_overview_shows_each_partys_answer_and_the_way_to_change_it() -> None:
    sharing = live_agreement()
    consent_record(actor=sharing.school_ig, agreement=sharing.agreement, agreed=True)
    overview = f"/agreements/{sharing.agreement.pk}/exchange/"
    page = signed_in(sharing.council_ig, mfa=True).get(overview).content.decode()
    assert "Public transparency register" in page
    assert "This agreement is not in the public register" in page
    assert "Agrees to publish" in page
    assert "Not answered yet" in page
    assert f"/transparency/agreements/{sharing.agreement.pk}/consent/" in page
    practitioner = signed_in(sharing.practitioner, mfa=True).get(overview).content.decode()
    assert "Public transparency register" in practitioner
    assert "/consent/" not in practitioner
    consent_record(actor=sharing.council_ig, agreement=sharing.agreement, agreed=True)
    page = signed_in(sharing.council_ig, mfa=True).get(overview).content.decode()
    assert "This agreement is published" in page
    assert f'href="/transparency/{sharing.agreement.reference}/"' in page


# --- Publication: computed on every read -----------------------------------------------------


def test_a_live_agreement_every_party_agreed_to_publish_is_in_the_register() -> None:
    sharing = live_agreement()
    _publish(sharing)
    reference = sharing.agreement.reference
    assert _everywhere(reference) == PUBLISHED
    page = Client().get(f"/transparency/{reference}/").content.decode()
    for words in (
        TITLE,
        f"{SCHOOL} shares information about pupils and parents and carers with "
        "Northshire County Council",
        "The data is shared for education and safeguarding children.",
        "Under which law",
        "https://www.legislation.gov.uk/",
        "How long it is kept",
        "Whom to ask",
        "Wording for privacy notices",
        sharing.agreement.current_version().content_hash,
    ):
        assert words in page


def test_signed_but_not_live_is_not_published() -> None:
    sharing = signed_agreement()
    _publish(sharing)
    assert _everywhere(sharing.agreement.reference) == ABSENT


def test_without_every_partys_consent_it_is_not_published() -> None:
    sharing = live_agreement()
    assert _everywhere(sharing.agreement.reference) == ABSENT
    consent_record(actor=sharing.council_ig, agreement=sharing.agreement, agreed=True)
    assert _everywhere(sharing.agreement.reference) == ABSENT
    consent_record(actor=sharing.school_ig, agreement=sharing.agreement, agreed=False)
    assert _everywhere(sharing.agreement.reference) == ABSENT
    consent_record(actor=sharing.school_ig, agreement=sharing.agreement, agreed=True)
    assert _everywhere(sharing.agreement.reference) == PUBLISHED


@pytest.mark.parametrize(
    "takes_it_out",
    [
        lambda s: consent_record(actor=s.school_ig, agreement=s.agreement, agreed=False),
        lambda s: exchange.suspend(actor=s.school_ig, agreement=s.agreement, reason="A breach."),
        lambda s: exchange.terminate(actor=s.council_siro, agreement=s.agreement, reason="Done."),
    ],
    ids=["consent withdrawn", "suspended", "terminated"],
)
def test_withdrawal_suspension_or_termination_takes_it_out_at_once(
    takes_it_out: Callable[[Sharing], object],
) -> None:
    sharing = live_agreement()
    _publish(sharing)
    assert _everywhere(sharing.agreement.reference) == PUBLISHED
    takes_it_out(sharing)
    assert _everywhere(sharing.agreement.reference) == ABSENT


def test_a_resumed_agreement_is_published_again() -> None:
    sharing = live_agreement()
    _publish(sharing)
    exchange.suspend(actor=sharing.school_ig, agreement=sharing.agreement, reason="A breach.")
    exchange.resume(actor=sharing.council_ig, agreement=sharing.agreement, reason="Fixed.")
    assert _everywhere(sharing.agreement.reference) == PUBLISHED


def test_an_unknown_reference_is_404_as_page_and_as_json() -> None:
    assert Client().get("/transparency/DSA-9999/").status_code == 404
    response = Client().get("/api/v1/transparency/DSA-9999")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


# --- Search, CSV, JSON, privacy ----------------------------------------------------------------


def test_the_register_is_searchable_by_organisation_name() -> None:
    sharing = live_agreement()
    _publish(sharing)
    reference = sharing.agreement.reference
    anonymous = Client()
    found = anonymous.get("/transparency/", {"organisation": "  brookfield  PRIMARY "})
    assert found.status_code == 200
    assert reference in found.content.decode()
    assert "1 agreement with an organisation matching “brookfield  PRIMARY”" in (
        found.content.decode()
    )
    none = anonymous.get("/transparency/", {"organisation": "Ashgrove"})
    assert reference not in none.content.decode()
    assert "No published agreement has an organisation matching “Ashgrove”" in (
        none.content.decode()
    )
    api = anonymous.get("/api/v1/transparency/", {"organisation": "northshire"}).json()
    assert [a["reference"] for a in api["agreements"]] == [reference]
    assert anonymous.get("/api/v1/transparency/", {"organisation": "Ashgrove"}).json() == {
        "count": 0,
        "agreements": [],
    }
    rows = anonymous.get("/transparency/register.csv", {"organisation": "Ashgrove"})
    assert rows.content.decode().count("\r\n") == 1  # the header alone


def test_a_search_too_long_is_a_clear_error() -> None:
    response = Client().get("/transparency/", {"organisation": "x" * 201})
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    assert "Enter an organisation name of 200 characters or fewer" in page
    api = Client().get("/api/v1/transparency/", {"organisation": "x" * 201})
    assert api.status_code == 422
    assert api.json()["detail"][0]["loc"] == ["query", "organisation"]


def test_no_ones_e_mail_address_or_name_is_published() -> None:
    # The prefix makes each person's name ("zqig") a word found nowhere else.
    sharing = live_agreement(prefix="zq")
    _publish(sharing)
    reference = sharing.agreement.reference
    content = sharing.agreement.current_version().content
    parties = next(s for s in content["sections"] if s["key"] == "parties")["values"]["parties"]
    personal = [p["contact_email"] for p in parties if p.get("contact_email")]
    personal += [p["contact_name"] for p in parties if p.get("contact_name")]
    personal += [u.email for u in (sharing.council_ig, sharing.council_siro, sharing.school_ig)]
    anonymous = Client()
    published = "".join(
        anonymous.get(path).content.decode()
        for path in (
            f"/transparency/{reference}/",
            "/transparency/register.csv",
            "/api/v1/transparency/",
            f"/api/v1/transparency/{reference}",
        )
    )
    assert "zqig@northshire.example" in personal  # the council's contact, in the signed text
    for words in personal:
        assert words not in published
    api = anonymous.get(f"/api/v1/transparency/{reference}").content.decode()
    assert "@" not in api


def test_the_csv_has_a_row_per_agreement_with_formulas_defused() -> None:
    sharing = live_agreement(
        initiative_text=ATTENDANCE.replace(f"title: {TITLE}", f"title: '={TITLE}'")
    )
    _publish(sharing)
    response = Client().get("/transparency/register.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="transparency-register.csv"' in response["Content-Disposition"]
    (row,) = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert row["title"] == f"'={TITLE}"
    assert row["url"] == f"http://testserver/transparency/{sharing.agreement.reference}/"
    assert row["disclosing"] == SCHOOL
    assert row["receiving"] == "Northshire County Council"
    assert "Art 6" in row["lawful_bases"]
    assert row["content_hash"] == sharing.agreement.current_version().content_hash


def test_the_json_api_matches_its_documented_schema_and_needs_no_token() -> None:
    sharing = live_agreement()
    _publish(sharing)
    reference = sharing.agreement.reference
    listing = Client().get("/api/v1/transparency/")
    assert listing["Cache-Control"] == "no-cache"
    RegisterOut.model_validate(listing.json())
    one = Client().get(f"/api/v1/transparency/{reference}").json()
    SummaryOut.model_validate(one)
    assert one["reference"] == reference
    assert one["format"] == "accord.transparency/1"
    assert one["url"] == f"http://testserver/transparency/{reference}/"
    assert one["version"] == sharing.agreement.current_version().number

    schema = Client().get("/api/openapi.json").json()
    listed = schema["paths"]["/api/v1/transparency/"]["get"]
    single = schema["paths"]["/api/v1/transparency/{reference}"]["get"]
    for operation in (listed, single):
        assert "security" not in operation
        assert "Transparency register" in operation["tags"]
    assert listed["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/RegisterOut"
    }
    assert "not every party has agreed" in single["responses"]["404"]["description"]
    docs = Client().get("/api/docs").content.decode()
    assert "/api/v1/transparency/{reference}" in docs
    assert "The public register" in docs


def test_public_pages_need_no_sign_in_and_say_when_nothing_is_published() -> None:
    page = Client().get("/transparency/")
    assert page.status_code == 200
    assert "No agreement is published yet." in page.content.decode()
    assert page["Cache-Control"] == "no-cache"
    assert json.loads(Client().get("/api/v1/transparency/").content) == {
        "count": 0,
        "agreements": [],
    }


def test_the_register_reads_the_status_from_the_database_not_a_stale_row() -> None:
    sharing = live_agreement()
    _publish(sharing)
    Agreement.objects.filter(pk=sharing.agreement.pk).update(status=Agreement.SUSPENDED)
    assert _everywhere(sharing.agreement.reference) == ABSENT
