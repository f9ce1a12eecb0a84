"""Incidents: a party reports one, every party is told at once, a review is raised, and the lead
can suspend the agreement from it.

Built through the real services (`live_agreement`: the council leads and receives, Brookfield
Primary School discloses). Notices are queued in the transaction and sent on commit: the tests
run the on-commit callbacks so the mail lands in Django's outbox, as the worker would send it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from accord.apps.agreements.models import Agreement
from accord.apps.agreements.selectors import contacts_of
from accord.apps.audit.models import AuditEntry
from accord.apps.exchange import services as exchange
from accord.apps.exchange.selectors import channel_closures
from accord.apps.incidents.models import Incident
from accord.apps.incidents.services import incident_report, incident_suspend
from accord.apps.organisations.services import organisation_create
from accord.apps.reviews.models import Review
from accord.core import review
from tests.web.agreement_helpers import person
from tests.web.conftest import signed_in
from tests.web.exchange_helpers import Sharing, live_agreement

pytestmark = pytest.mark.django_db

Capture = Callable[..., Any]


@pytest.fixture
def sharing() -> Sharing:
    return live_agreement()


def _url(sharing: Sharing, tail: str = "") -> str:
    return f"/agreements/{sharing.agreement.pk}/incidents/{tail}"


def _form(**changes: str) -> dict[str, str]:
    today = timezone.localdate()
    yesterday = today - dt.timedelta(days=1)
    form = {
        "kind": "personal-data-breach",
        "occurred_on_day": str(yesterday.day),
        "occurred_on_month": str(yesterday.month),
        "occurred_on_year": str(yesterday.year),
        "found_on_day": str(today.day),
        "found_on_month": str(today.month),
        "found_on_year": str(today.year),
        "description": "A laptop holding this term's attendance file was left on a train.",
        "data_affected": "Names, dates of birth and attendance of 30 pupils",
        "people_affected": "30",
        "reported_to_ico": "not-yet",
        "contained": "no",
        "actions_taken": "Reported to British Transport Police; the laptop is encrypted.",
    }
    form.update(changes)
    return form


def _mails(subject_start: str) -> list[mail.EmailMessage]:
    return [m for m in mail.outbox if m.subject.startswith(subject_start)]


def _report(sharing: Sharing, capture: Capture) -> Incident:
    with capture(execute=True):
        return incident_report(
            actor=sharing.school_ig,
            agreement=sharing.agreement,
            occurred_on=timezone.localdate() - dt.timedelta(days=1),
            found_on=timezone.localdate(),
            kind="personal-data-breach",
            description="A laptop was left on a train.",
            data_affected="Attendance of 30 pupils",
            people_affected=30,
            reported_to_ico="not-yet",
            contained=False,
        )


# --- Reporting ---------------------------------------------------------------------------------


def test_a_party_reports_and_every_partys_contacts_are_told_once(
    sharing: Sharing, django_capture_on_commit_callbacks: Capture
) -> None:
    school = signed_in(sharing.school_ig, mfa=True)
    form = school.get(_url(sharing, "new/"))
    assert form.status_code == 200
    page = form.content.decode()
    assert "within 72 hours" in page
    assert 'href="https://ico.org.uk/for-organisations/report-a-breach/"' in page
    assert 'href="https://www.legislation.gov.uk/eur/2016/679/article/33"' in page

    with django_capture_on_commit_callbacks(execute=True):
        response = school.post(_url(sharing, "new/"), _form())
    assert response.status_code == 302
    assert response["Location"] == _url(sharing, "1/")

    incident = Incident.objects.get(agreement=sharing.agreement)
    assert (incident.number, incident.organisation, incident.reported_by) == (
        1,
        sharing.school,
        sharing.school_ig,
    )
    assert incident.kind == "personal-data-breach"
    assert incident.people_affected == 30
    assert incident.contained is False

    (notice,) = _mails("Personal data breach reported")
    everyone = contacts_of(agreement=sharing.agreement)
    assert sorted(notice.to) == everyone
    assert {"head@brookfield.example", "dpo@brookfield.example"} <= set(notice.to)
    assert {"ig@northshire.example", "siro@northshire.example"} <= set(notice.to)
    assert "Incident 1" in notice.body
    assert _url(sharing, "1/") in notice.body
    assert "within 72 hours" in notice.body
    # The details stay in Accord: a breach's description may name the people it affected.
    for detail in ("laptop", "30 pupils", "British Transport Police"):
        assert detail not in notice.body

    detail = school.get(response["Location"])
    assert detail.status_code == 200
    assert "Incident 1 is reported. Every party has been told by e-mail." in (
        detail.content.decode()
    )


def test_a_report_raises_a_review_due_in_14_days_and_is_audited(
    sharing: Sharing, django_capture_on_commit_callbacks: Capture
) -> None:
    incident = _report(sharing, django_capture_on_commit_callbacks)
    (raised,) = Review.objects.filter(agreement=sharing.agreement, cause=review.INCIDENT)
    assert raised.cause_key == f"incident:{incident.pk}"
    assert raised.due_on == timezone.localdate() + dt.timedelta(days=14)
    assert raised.raised_by == sharing.school_ig
    entry = AuditEntry.objects.get(verb="incident.reported")
    assert entry.object_id == str(incident.pk)
    assert entry.organisation == sharing.school
    assert entry.data["kind"] == "personal-data-breach"
    assert AuditEntry.objects.filter(verb="review.raised").count() == 1


def test_reporting_twice_makes_two_incidents_each_told_once(
    sharing: Sharing, django_capture_on_commit_callbacks: Capture
) -> None:
    first = _report(sharing, django_capture_on_commit_callbacks)
    second = _report(sharing, django_capture_on_commit_callbacks)
    assert (first.number, second.number) == (1, 2)
    assert len(_mails("Personal data breach reported")) == 2
    assert Review.objects.filter(cause=review.INCIDENT).count() == 2


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"kind": ""}, "kind_0", "Select what kind of incident it is"),
        (
            {"occurred_on_day": "", "occurred_on_month": "", "occurred_on_year": ""},
            "occurred_on_0",
            "Enter the date the incident happened",
        ),
        (
            {"found_on_month": ""},
            "found_on_0",
            "The date the incident was found must include a month",
        ),
        ({"found_on_day": "31", "found_on_month": "2"}, "found_on_0", "must be a real date"),
        ({"found_on_year": "3000"}, "found_on_0", "must be today or in the past"),
        (
            {"occurred_on_year": str(timezone.localdate().year + 1)},
            "occurred_on_0",
            "The date the incident happened must be today or in the past",
        ),
        ({"description": ""}, "description", "Describe what happened"),
        ({"description": "x" * 5001}, "description", "5000 characters or fewer"),
        ({"data_affected": ""}, "data_affected", "Say which personal data the breach affected"),
        ({"people_affected": "thirty"}, "people_affected", "as a whole number, like 12"),
        ({"people_affected": "-3"}, "people_affected", "must be 0 or more"),
        ({"reported_to_ico": ""}, "reported_to_ico_0", "Select whether the incident has been"),
        ({"contained": ""}, "contained_0", "Select yes if the incident has been contained"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_nothing_is_stored(
    sharing: Sharing,
    django_capture_on_commit_callbacks: Capture,
    changes: dict[str, str],
    field: str,
    message: str,
) -> None:
    school = signed_in(sharing.school_ig, mfa=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = school.post(_url(sharing, "new/"), _form(**changes))
    assert response.status_code == 400
    page = response.content.decode()
    assert "<title>Error: Report an incident" in page
    assert "There is a problem" in page
    start = page.index("govuk-error-summary__list")
    summary = page[start : page.index("</ul>", start)]
    assert f'href="#id_{field}"' in summary
    assert message in summary
    assert f'id="id_{field}"' in page  # the link leads to the first input of the answer
    assert not Incident.objects.exists()
    assert not AuditEntry.objects.filter(verb="incident.reported").exists()
    assert not Review.objects.filter(cause=review.INCIDENT).exists()
    assert mail.outbox == []


def test_an_empty_report_lists_every_missing_answer_at_once(sharing: Sharing) -> None:
    response = signed_in(sharing.school_ig, mfa=True).post(_url(sharing, "new/"), {})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {
        "kind",
        "occurred_on",
        "found_on",
        "description",
        "reported_to_ico",
        "contained",
    }
    page = response.content.decode()
    assert page.count('class="govuk-input govuk-date-input__input') == 6
    assert "govuk-input--error" in page


def test_the_service_checks_the_rules_whoever_calls_it(sharing: Sharing) -> None:
    with pytest.raises(ValidationError) as refused:
        incident_report(
            actor=sharing.school_ig,
            agreement=sharing.agreement,
            occurred_on=timezone.localdate(),
            found_on=timezone.localdate() - dt.timedelta(days=1),
            kind="misuse",
            description="Data used for marketing.",
            reported_to_ico="not-needed",
            contained=True,
        )
    assert refused.value.message_dict == {
        "found_on": [
            "The date the incident was found must be the same as or after the date it happened"
        ]
    }
    practitioner = sharing.practitioner  # a practitioner looks people up; reporting is IG's
    with pytest.raises(PermissionDenied):
        incident_report(
            actor=practitioner,
            agreement=sharing.agreement,
            occurred_on=timezone.localdate(),
            found_on=timezone.localdate(),
            kind="other",
            description="Something.",
            reported_to_ico="not-needed",
            contained=True,
        )
    assert not Incident.objects.exists()


# --- Who sees what ------------------------------------------------------------------------------


def test_every_party_sees_incidents_and_nobody_else_does(
    sharing: Sharing, django_capture_on_commit_callbacks: Capture
) -> None:
    _report(sharing, django_capture_on_commit_callbacks)
    for user in (sharing.council_ig, sharing.practitioner, sharing.school_ig):
        client = signed_in(user, mfa=True)
        assert client.get(_url(sharing)).status_code == 200
        detail = client.get(_url(sharing, "1/"))
        assert detail.status_code == 200
        assert "A laptop was left on a train." in detail.content.decode()

    westmoor = organisation_create(
        actor=None, name="Westmoor District Council", type="local-authority"
    )
    outsider = signed_in(
        person(westmoor, "ig-officer", "siro", email="ig@westmoor.example"), mfa=True
    )
    for url in (_url(sharing), _url(sharing, "new/"), _url(sharing, "1/")):
        assert outsider.get(url).status_code == 404
    assert outsider.post(_url(sharing, "new/"), _form()).status_code == 404
    assert outsider.post(_url(sharing, "1/suspend/")).status_code == 404
    assert signed_in(sharing.council_ig, mfa=True).get(_url(sharing, "9/")).status_code == 404
    assert Incident.objects.count() == 1


def test_a_practitioner_sees_incidents_but_cannot_report_one(sharing: Sharing) -> None:
    officer = signed_in(sharing.practitioner, mfa=True)
    listing = officer.get(_url(sharing)).content.decode()
    assert "Report an incident" not in listing
    assert officer.get(_url(sharing, "new/")).status_code == 403
    assert officer.post(_url(sharing, "new/"), _form()).status_code == 403
    assert not Incident.objects.exists()


def test_the_exchange_overview_lists_incidents_with_the_leads_suspend_button(
    sharing: Sharing, django_capture_on_commit_callbacks: Capture
) -> None:
    overview = f"/agreements/{sharing.agreement.pk}/exchange/"
    school = signed_in(sharing.school_ig, mfa=True)
    page = school.get(overview).content.decode()
    assert 'id="incidents"' in page
    assert f'href="{_url(sharing, "new/")}">Report an incident</a>' in page
    assert "No incidents have been reported under this agreement." in page

    _report(sharing, django_capture_on_commit_callbacks)
    page = school.get(overview).content.decode()
    assert f'href="{_url(sharing, "1/")}">Incident 1</a>' in page
    assert "Suspend the agreement" not in page  # the school is not the lead

    lead = signed_in(sharing.council_ig, mfa=True).get(overview).content.decode()
    assert f'action="{_url(sharing, "1/suspend/")}"' in lead
    assert 'Suspend the agreement<span class="govuk-visually-hidden"> because of Incident 1' in lead


# --- The lead suspends --------------------------------------------------------------------------


def test_the_lead_suspends_from_the_incident_and_the_channel_closes(
    sharing: Sharing, django_capture_on_commit_callbacks: Capture
) -> None:
    _report(sharing, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    lead = signed_in(sharing.council_ig, mfa=True)
    detail = lead.get(_url(sharing, "1/")).content.decode()
    assert "As the lead, you can stop all sharing" in detail

    with django_capture_on_commit_callbacks(execute=True):
        response = lead.post(_url(sharing, "1/suspend/"), {"reason": "Until the laptop is found."})
    assert response.status_code == 302
    assert response["Location"] == _url(sharing, "1/")

    agreement = Agreement.objects.get(pk=sharing.agreement.pk)
    assert agreement.status == Agreement.SUSPENDED
    assert agreement.status_reason.startswith(
        "Incident 1 (personal data breach) reported by Brookfield Primary School."
    )
    assert agreement.status_reason.endswith("Until the laptop is found.")
    closed = channel_closures(agreement, today=timezone.localdate())
    assert any("suspended" in reason.text for reason in closed)

    incident = Incident.objects.get()
    assert incident.suspended_by == sharing.council_ig
    assert incident.suspended_at == agreement.status_changed_at
    assert AuditEntry.objects.filter(verb="agreement.suspended").count() == 1
    entry = AuditEntry.objects.get(verb="incident.agreement-suspended")
    assert entry.organisation == sharing.council
    (notice,) = _mails("Sharing suspended")
    assert sorted(notice.to) == contacts_of(agreement=agreement)
    assert "because of Incident 1" in notice.body

    page = lead.get(_url(sharing, "1/")).content.decode()
    assert "The agreement is suspended because of Incident 1." in page
    assert 'id="suspended"' in page
    assert "As the lead, you can stop all sharing" not in page


def test_a_party_that_is_not_the_lead_cannot_use_the_leads_suspension(
    sharing: Sharing, django_capture_on_commit_callbacks: Capture
) -> None:
    incident = _report(sharing, django_capture_on_commit_callbacks)
    school = signed_in(sharing.school_ig, mfa=True)
    assert "As the lead" not in school.get(_url(sharing, "1/")).content.decode()
    assert school.post(_url(sharing, "1/suspend/")).status_code == 403
    with pytest.raises(PermissionDenied):
        incident_suspend(actor=sharing.school_ig, incident=incident)
    # Nor can the lead's practitioner; the lead's SIRO can.
    assert (
        signed_in(sharing.practitioner, mfa=True).post(_url(sharing, "1/suspend/")).status_code
        == 403
    )
    assert Agreement.objects.get(pk=sharing.agreement.pk).status == Agreement.LIVE
    assert not AuditEntry.objects.filter(verb="incident.agreement-suspended").exists()
    # Any party may still stop the sharing from the exchange page.
    suspend = f"/agreements/{sharing.agreement.pk}/exchange/suspend/"
    assert school.get(suspend).status_code == 200


def test_suspending_an_agreement_no_longer_live_is_refused_with_the_reason(
    sharing: Sharing, django_capture_on_commit_callbacks: Capture
) -> None:
    _report(sharing, django_capture_on_commit_callbacks)
    exchange.suspend(
        actor=sharing.school_ig, agreement=sharing.agreement, reason="Stopped by the school."
    )
    response = signed_in(sharing.council_ig, mfa=True).post(_url(sharing, "1/suspend/"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    assert "This agreement is suspended, so it cannot be suspended now." in page
    assert Incident.objects.get().suspended_at is None
    assert not AuditEntry.objects.filter(verb="incident.agreement-suspended").exists()


def test_an_incident_after_termination_is_recorded_without_a_review(
    sharing: Sharing, django_capture_on_commit_callbacks: Capture
) -> None:
    exchange.terminate(actor=sharing.council_siro, agreement=sharing.agreement, reason="Ended.")
    sharing.agreement.refresh_from_db()
    incident = _report(sharing, django_capture_on_commit_callbacks)
    assert incident.number == 1
    assert not Review.objects.filter(cause=review.INCIDENT).exists()
    assert len(_mails("Personal data breach reported")) == 1
    page = signed_in(sharing.school_ig, mfa=True).get(_url(sharing, "1/")).content.decode()
    assert "As the lead" not in page
    assert "What happens next" not in page


def test_a_signed_in_person_is_needed(sharing: Sharing) -> None:
    for url in (_url(sharing), _url(sharing, "new/"), _url(sharing, "1/")):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/account/sign-in/")
