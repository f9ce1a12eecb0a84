"""The initiative journey through the views, as an IG officer and a DPO would take it."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from accord.apps.accounts.models import User
from accord.apps.audit.models import AuditEntry
from accord.apps.initiatives.models import Initiative
from accord.apps.organisations.models import Organisation

from .conftest import signed_in

pytestmark = pytest.mark.django_db


def _statuses(html: str) -> dict[str, str]:
    """Task name -> status, read off the task list page."""
    names = re.findall(r'govuk-task-list__(?:link|name-and-hint">\s*<div)[^>]*>([^<]+)<', html)
    statuses = re.findall(r'id="task-[a-z-]+-status">\s*(?:<strong[^>]*>)?([^<]+?)\s*<', html)
    return dict(zip([n.strip() for n in names], statuses, strict=True))


def test_an_ig_officer_takes_an_initiative_from_description_to_a_mechanism(
    council: Organisation, police: Organisation, ig_officer: User, dpo: User
) -> None:
    client = signed_in(ig_officer)
    response = client.post(
        "/initiatives/start/", {"title": "Children at risk: MASH", "lead": council.pk}
    )
    initiative = Initiative.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/initiatives/{initiative.pk}/"
    base = f"/initiatives/{initiative.pk}"

    statuses = _statuses(client.get(f"{base}/").content.decode())
    assert statuses == {
        "Describe the initiative": "In progress",
        "Legal basis": "Cannot start yet",
        "Fairness": "Cannot start yet",
        "Mechanism": "Cannot start yet",
        "Agreement": "Cannot start yet",
        "Go live": "Cannot start yet",
    }

    # Describe, one thing per page.
    assert (
        client.post(
            f"{base}/describe/purposes/", {"purposes": ["safeguarding-children"]}
        ).status_code
        == 302
    )
    assert (
        client.post(
            f"{base}/describe/parties/", {"organisation": police.pk, "role": "both"}
        ).status_code
        == 302
    )
    assert (
        client.post(
            f"{base}/describe/people/", {"data_subjects": ["children", "parents-carers"]}
        ).status_code
        == 302
    )
    assert (
        client.post(
            f"{base}/describe/data/",
            {"category": "identifiers", "field_names": "name\ndate of birth"},
        ).status_code
        == 302
    )
    assert (
        client.post(
            f"{base}/describe/data/", {"category": "health", "field_names": "A&E attendances"}
        ).status_code
        == 302
    )
    assert (
        client.post(
            f"{base}/describe/handling/",
            {
                "consent": "none",
                "volume": "case-by-case",
                "frequency": "continuous",
                "pseudonymised": "no",
                "law_enforcement": "no",
            },
        ).status_code
        == 302
    )
    response = client.post(f"{base}/describe/check/")
    assert response.status_code == 302
    statuses = _statuses(client.get(f"{base}/").content.decode())
    assert statuses["Describe the initiative"] == "Completed"
    assert statuses["Legal basis"] == "Not started"

    # Legal basis: run, read, decide.
    assert client.post(f"{base}/legal-basis/").status_code == 302
    page = client.get(f"{base}/legal-basis/").content.decode()
    assert "Can we share? Yes, if" in page
    assert "https://www.legislation.gov.uk/eur/2016/679/article/6" in page
    assert "Replaying it now gives the same result" in page
    keys = re.findall(rf'href="{base}/legal-basis/([^"]+)/"', page)
    assert keys, "there are conclusions to decide"
    override = client.post(f"{base}/legal-basis/{keys[0]}/", {"decision": "overridden"})
    assert override.status_code == 400
    assert "Give the reason for overriding this conclusion" in override.content.decode()
    for index, key in enumerate(keys):
        data = (
            {"decision": "accepted"}
            if index
            else {"decision": "overridden", "reason": "We rely on s.11 only."}
        )
        assert client.post(f"{base}/legal-basis/{key}/", data).status_code == 302
    statuses = _statuses(client.get(f"{base}/").content.decode())
    assert statuses["Legal basis"] == "Completed"
    assert statuses["Fairness"] == "Not started"

    # Fairness: every question answered, DPIA with a risk, the DPO's advice and the response.
    page = client.get(f"{base}/fairness/").content.decode()
    questions = re.findall(rf'href="{base}/fairness/questions/([^"]+)/"', page)
    assert "fairness.ethical" in questions
    assert "necessity.outcome" in questions
    for question in questions:
        answer = {"fairness.intrusive": "no", "necessity.without-sharing": "no"}.get(
            question, "yes"
        )
        response = client.post(
            f"{base}/fairness/questions/{question}/",
            {"answer": answer, "explanation": "Discussed at the MASH board."},
        )
        assert response.status_code == 302, response.content.decode()
    skip = client.post(f"{base}/fairness/dpia/screening/", {"needed": "no"})
    assert skip.status_code == 400
    assert client.post(f"{base}/fairness/dpia/screening/", {"needed": "yes"}).status_code == 302
    assert (
        client.post(
            f"{base}/fairness/dpia/risks/add/",
            {
                "description": "Wrong recipient",
                "likelihood": "possible",
                "severity": "severe",
                "measures": "Secure mail only",
                "residual_likelihood": "remote",
                "residual_severity": "severe",
            },
        ).status_code
        == 302
    )
    # The IG officer cannot give the DPO's advice; the DPO can.
    assert client.post(f"{base}/fairness/dpia/advice/", {"advice": "Go ahead"}).status_code == 403
    assert (
        signed_in(dpo).post(f"{base}/fairness/dpia/advice/", {"advice": "Go ahead"}).status_code
        == 302
    )
    not_followed = client.post(f"{base}/fairness/dpia/response/", {"followed": "no"})
    assert not_followed.status_code == 400
    assert client.post(f"{base}/fairness/dpia/response/", {"followed": "yes"}).status_code == 302
    statuses = _statuses(client.get(f"{base}/").content.decode())
    assert statuses["Fairness"] == "Completed"

    # Mechanism: plain e-mail is refused with the reason; a secure one is recorded.
    refused = client.post(f"{base}/mechanism/", {"mechanism": "email"})
    assert refused.status_code == 400
    assert "Plain e-mail is not allowed for this initiative" in refused.content.decode()
    assert (
        client.post(
            f"{base}/mechanism/", {"mechanism": "shared-view", "reason": "No copies"}
        ).status_code
        == 302
    )
    page = client.get(f"{base}/").content.decode()
    statuses = _statuses(page)
    assert statuses["Mechanism"] == "Completed"
    assert statuses["Agreement"] == "Not started"
    assert "Ready for an agreement" in page

    # Every step is in the history, each entry carrying its request's correlation id.
    history = client.get(f"{base}/history/").content.decode()
    assert "Mechanism chosen: Shared view without transfer" in history
    verbs = list(AuditEntry.objects.filter(initiative=initiative).values_list("verb", flat=True))
    for verb in [
        "initiative.created",
        "initiative.assessed",
        "conclusion.overridden",
        "dpia.advised",
        "mechanism.chosen",
    ]:
        assert verb in verbs
    assert all(
        AuditEntry.objects.filter(initiative=initiative).values_list("correlation_id", flat=True)
    )
    assert not mail.outbox


def test_changing_the_description_makes_the_assessment_stale(
    council: Organisation, police: Organisation, ig_officer: User
) -> None:
    client = signed_in(ig_officer)
    text = (
        "title: Attendance\npurposes: [education]\n"
        "parties:\n  - {name: Northshire County Council, type: local-authority, functions: [education], role: both}\n"
        "  - {name: Northshire Police, type: police, role: receives}\n"
        "data_subjects: [pupils]\ndata:\n  - {category: identifiers, fields: [name]}\n"
        "consent: none\nvolume: cohort\nfrequency: regular\n"
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        "/initiatives/import/",
        {"file": SimpleUploadedFile("a.yaml", text.encode()), "lead": council.pk},
    )
    assert response.status_code == 302
    initiative = Initiative.objects.get()
    base = f"/initiatives/{initiative.pk}"
    client.post(f"{base}/legal-basis/")
    assert _statuses(client.get(f"{base}/").content.decode())["Legal basis"] == "In progress"
    client.post(f"{base}/describe/purposes/", {"purposes": ["education", "safeguarding-children"]})
    client.post(f"{base}/describe/check/")
    page = client.get(f"{base}/").content.decode()
    assert "The description has changed since the assessment" in page
    assert _statuses(page)["Fairness"] == "Cannot start yet"


def test_the_law_of_another_day_can_be_chosen_and_is_validated(
    council: Organisation, ig_officer: User
) -> None:
    client = signed_in(ig_officer)
    client.post("/initiatives/start/", {"title": "Past decision", "lead": council.pk})
    initiative = Initiative.objects.get()
    url = f"/initiatives/{initiative.pk}/describe/assess-on/"
    assert client.get(url).status_code == 200
    bad = client.post(url, {"day": "31", "month": "2", "year": "2025"})
    assert bad.status_code == 400
    assert "The date must be a real date" in bad.content.decode()
    partial = client.post(url, {"day": "3", "year": "2025"})
    assert "must include a day, month and year" in partial.content.decode()
    assert client.post(url, {"day": "27", "month": "3", "year": "2025"}).status_code == 302
    initiative.refresh_from_db()
    assert initiative.content["assess_on"] == "2025-03-27"
    assert client.post(url, {"day": "", "month": "", "year": ""}).status_code == 302
    initiative.refresh_from_db()
    assert "assess_on" not in initiative.content
