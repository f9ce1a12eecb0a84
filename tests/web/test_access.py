"""Access: only members of a party organisation see an initiative; roles limit what they change."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import URLPattern, get_resolver

from accord.apps.accounts.models import User
from accord.apps.initiatives import services
from accord.apps.initiatives.models import Initiative
from accord.apps.organisations.models import Organisation

from .conftest import EXAMPLES, signed_in

pytestmark = pytest.mark.django_db


def _initiative_urls(initiative: Initiative) -> list[str]:
    """Every URL under /initiatives/<pk>/, built from the URL configuration itself."""
    resolver = get_resolver()
    urls = []
    for pattern in resolver.url_patterns:
        if getattr(pattern, "namespace", None) != "initiatives":
            continue
        for child in pattern.url_patterns:  # type: ignore[union-attr]
            assert isinstance(child, URLPattern)
            route = str(child.pattern)
            if "<int:pk>" not in route:
                continue
            route = (
                route.replace("<int:pk>", str(initiative.pk))
                .replace("<int:party_pk>", "1")
                .replace("<int:risk_pk>", "1")
                .replace("<path:key>", "lawful-basis:eur/2016/679/article/6/1/e")
                .replace("<str:question_id>", "fairness.ethical")
            )
            urls.append(f"/initiatives/{route}")
    return urls


@pytest.fixture
def mash(council: Organisation, police: Organisation, ig_officer: User) -> Initiative:
    initiative, _ = services.initiative_import(
        actor=ig_officer,
        lead=council,
        text=(EXAMPLES / "mash-children.yaml").read_text(),
        filename="mash-children.yaml",
    )
    services.initiative_assess(actor=ig_officer, initiative=initiative, today=dt.date(2026, 11, 25))
    return initiative


def test_every_initiative_url_is_covered(mash: Initiative) -> None:
    assert len(_initiative_urls(mash)) >= 20


def test_a_member_of_an_unrelated_organisation_gets_404_everywhere_and_sees_nothing(
    mash: Initiative, unrelated: Organisation, make_person: Callable[..., User]
) -> None:
    outsider = signed_in(make_person(unrelated, "ig-officer", "dpo", "viewer"))
    for url in _initiative_urls(mash):
        assert outsider.get(url).status_code == 404, url
        assert outsider.post(url, {"decision": "accepted", "title": "x"}).status_code in (
            404,
            405,
        ), url
    listing = outsider.get("/initiatives/").content.decode()
    assert "0 initiatives" in listing
    assert mash.title not in listing
    search = outsider.get("/initiatives/", {"q": "Safeguarding"}).content.decode()
    assert "0 initiatives" in search
    assert mash.title not in search
    assert Initiative.objects.get(pk=mash.pk).title == mash.title  # nothing changed


def test_a_person_with_no_organisation_sees_nothing(
    mash: Initiative, make_person: Callable[..., User]
) -> None:
    loner = signed_in(make_person())
    assert loner.get(f"/initiatives/{mash.pk}/").status_code == 404
    assert "0 initiatives" in loner.get("/initiatives/").content.decode()


def test_signed_out_visitors_are_sent_to_sign_in(mash: Initiative) -> None:
    for url in _initiative_urls(mash):
        response = Client().get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/account/sign-in/"), url


def test_a_partner_sees_the_initiative_but_cannot_change_it(
    mash: Initiative, police: Organisation, make_person: Callable[..., User]
) -> None:
    partner = signed_in(make_person(police, "ig-officer"))
    assert partner.get(f"/initiatives/{mash.pk}/").status_code == 200
    assert partner.get(f"/initiatives/{mash.pk}/legal-basis/").status_code == 200
    assert mash.title in partner.get("/initiatives/").content.decode()
    assert partner.post(f"/initiatives/{mash.pk}/legal-basis/").status_code == 403
    assert (
        partner.post(
            f"/initiatives/{mash.pk}/describe/purposes/", {"purposes": ["education"]}
        ).status_code
        == 403
    )
    mash.refresh_from_db()
    assert "education" not in mash.content["purposes"]


def test_a_viewer_reads_but_cannot_change(
    mash: Initiative, council: Organisation, make_person: Callable[..., User]
) -> None:
    viewer = signed_in(make_person(council, "viewer"))
    page = viewer.get(f"/initiatives/{mash.pk}/legal-basis/").content.decode()
    assert "Can we share?" in page
    assert "Run the assessment again" not in page  # no buttons it cannot use
    assert (
        viewer.post(f"/initiatives/{mash.pk}/mechanism/", {"mechanism": "api"}).status_code == 403
    )
    assert viewer.post("/initiatives/start/", {"title": "Mine"}).status_code == 403
    mash.refresh_from_db()
    assert mash.mechanism == ""


def test_only_the_lead_dpo_gives_dpia_advice(
    mash: Initiative,
    council: Organisation,
    police: Organisation,
    ig_officer: User,
    make_person: Callable[..., User],
) -> None:
    services.dpia_screening_record(actor=ig_officer, initiative=mash, needed=True, reason="")
    partner_dpo = signed_in(make_person(police, "dpo"))
    url = f"/initiatives/{mash.pk}/fairness/dpia/advice/"
    assert partner_dpo.post(url, {"advice": "No"}).status_code == 403
    assert signed_in(make_person(council, "dpo")).post(url, {"advice": "Yes"}).status_code == 302


def test_organisation_pages_are_for_members_and_admins_manage_people(
    council: Organisation,
    unrelated: Organisation,
    make_person: Callable[..., User],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    outsider = signed_in(make_person(unrelated, "ig-officer"))
    assert outsider.get(f"/organisations/{council.pk}/").status_code == 404
    member = signed_in(make_person(council, "viewer"))
    assert member.get(f"/organisations/{council.pk}/").status_code == 200
    assert member.post(f"/organisations/{council.pk}/people/add/", {}).status_code == 403
    admin = make_person(council, "org-admin")
    with django_capture_on_commit_callbacks(execute=True):  # the e-mail goes after commit
        response = signed_in(admin, mfa=True).post(
            f"/organisations/{council.pk}/people/add/",
            {"full_name": "New Person", "email": "New@Example.gov.uk", "roles": ["dpo", "viewer"]},
        )
    assert response.status_code == 302
    new = User.objects.get(email="new@example.gov.uk")
    assert sorted(new.memberships.values_list("role", flat=True)) == ["dpo", "viewer"]
    assert len(mail.outbox) == 1
    assert "/account/password/reset/" in mail.outbox[0].body


def test_site_administrators_manage_organisations_with_mfa_and_every_change_is_audited(
    make_person: Callable[..., User],
) -> None:
    from accord.apps.audit.models import AuditEntry

    admin = make_person()
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client = signed_in(admin, mfa=True)
    response = client.post(
        "/site-admin/organisations/organisation/add/",
        {
            "name": "Southmoor NHS Trust",
            "type": "nhs-trust",
            "functions": "[]",
            "ico_registration": "Z1234567",
            "ods_code": "RSM",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    organisation = Organisation.objects.get(name="Southmoor NHS Trust")
    entry = AuditEntry.objects.get(verb="organisation.created-by-site-admin")
    assert entry.actor == admin
    assert entry.organisation == organisation
    bad = client.post(
        "/site-admin/organisations/organisation/add/",
        {
            "name": "A school",
            "type": "school",
            "functions": "[]",
            "ods_code": "ABC",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert "Only NHS bodies have an ODS code" in bad.content.decode()
    # The admin is not reachable without a second factor.
    assert signed_in(make_person(), mfa=False).get("/site-admin/").status_code == 302
