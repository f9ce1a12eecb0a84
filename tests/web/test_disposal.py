"""The end of an agreement: every receiving party is asked to confirm deletion or return, each
confirms once, and the register shows who has and who has not.

Built through the real services. `live_agreement` has the school disclosing to the council;
`both_receive` makes the school a party that also receives, so two parties owe a confirmation.
Notices are sent on commit: the tests run the on-commit callbacks, as the worker would.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accord.apps.accounts.models import User
from accord.apps.agreements import services as agreements
from accord.apps.agreements.models import Agreement
from accord.apps.agreements.selectors import contacts_of
from accord.apps.audit.models import AuditEntry
from accord.apps.disposal.models import DisposalConfirmation, DisposalRequest
from accord.apps.disposal.selectors import awaiting_disposal, disposal_states
from accord.apps.disposal.services import disposal_confirm, disposal_request
from accord.apps.exchange import services as exchange
from accord.apps.organisations.services import organisation_create
from accord.core import disposal as rules
from tests.web.agreement_helpers import ATTENDANCE, ready_initiative
from tests.web.conftest import signed_in
from tests.web.exchange_helpers import Sharing, live_agreement

pytestmark = pytest.mark.django_db

Capture = Callable[..., Any]
SCHOOL = "Brookfield Primary School"
COUNCIL = "Northshire County Council"
# The school shares attendance and also receives the council's notes back.
BOTH_RECEIVE = ATTENDANCE.replace("type: school, role: discloses", "type: school, role: both")


@pytest.fixture
def sharing() -> Sharing:
    return live_agreement()


@pytest.fixture
def both_receive() -> Sharing:
    return live_agreement(initiative_text=BOTH_RECEIVE)


def _terminate(sharing: Sharing, capture: Capture) -> Agreement:
    with capture(execute=True):
        sharing.agreement = exchange.terminate(
            actor=sharing.council_siro,
            agreement=sharing.agreement,
            reason="The attendance pilot has ended.",
        )
    return sharing.agreement


def _url(sharing: Sharing) -> str:
    return f"/agreements/{sharing.agreement.pk}/disposal/"


def _form(**changes: str) -> dict[str, str]:
    today = timezone.localdate()
    form = {
        "method": "deleted",
        "law": "",
        "details": "Attendance files deleted from the case system and the shared drive.",
        "confirmed_on_day": str(today.day),
        "confirmed_on_month": str(today.month),
        "confirmed_on_year": str(today.year),
    }
    form.update(changes)
    return form


def _asked() -> list[mail.EmailMessage]:
    return [m for m in mail.outbox if m.subject.startswith("Confirm deletion or return")]


# --- Asking at termination ----------------------------------------------------------------------


def test_termination_asks_each_receiving_party_exactly_once(
    both_receive: Sharing, django_capture_on_commit_callbacks: Capture
) -> None:
    agreement = _terminate(both_receive, django_capture_on_commit_callbacks)
    asked = DisposalRequest.objects.filter(agreement=agreement)
    assert {r.organisation.name for r in asked} == {COUNCIL, SCHOOL}
    messages = _asked()
    assert len(messages) == 2
    by_party = {
        both_receive.council.pk: contacts_of(
            agreement=agreement, organisation_ids=[both_receive.council.pk]
        ),
        both_receive.school.pk: contacts_of(
            agreement=agreement, organisation_ids=[both_receive.school.pk]
        ),
    }
    assert sorted(sorted(m.to) for m in messages) == sorted(by_party.values())
    for message in messages:
        assert "The attendance pilot has ended." in message.body
        assert _url(both_receive) in message.body
    entry = AuditEntry.objects.get(verb="agreement.disposal-asked")
    assert sorted(entry.data["organisations"]) == sorted(by_party)

    # Asking again (a retry, say) tells nobody twice.
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        disposal_request(agreement=agreement)
    assert len(_asked()) == 2
    assert DisposalRequest.objects.filter(agreement=agreement).count() == 2


def test_a_party_that_only_disclosed_is_not_asked(
    sharing: Sharing, django_capture_on_commit_callbacks: Capture
) -> None:
    _terminate(sharing, django_capture_on_commit_callbacks)
    (request,) = DisposalRequest.objects.all()
    assert request.organisation == sharing.council
    (message,) = _asked()
    assert "head@brookfield.example" not in message.to
    assert "siro@northshire.example" in message.to


@pytest.mark.django_db(transaction=True)  # outside any transaction, as a caller would be
def test_asking_runs_in_the_terminating_transaction_or_not_at_all(sharing: Sharing) -> None:
    with pytest.raises(RuntimeError):
        disposal_request(agreement=sharing.agreement)
    # A termination refused (no reason) asks nobody.
    with pytest.raises(ValidationError):
        exchange.terminate(actor=sharing.council_siro, agreement=sharing.agreement, reason=" ")
    assert not DisposalRequest.objects.exists()


# --- Confirming -----------------------------------------------------------------------------------


def test_a_receiving_party_confirms_once_and_every_party_is_told(
    sharing: Sharing, django_capture_on_commit_callbacks: Capture
) -> None:
    _terminate(sharing, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    council = signed_in(sharing.council_ig, mfa=True)
    page = council.get(_url(sharing))
    assert page.status_code == 200
    assert "Confirm for Northshire County Council" in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = council.post(_url(sharing), _form())
    assert response.status_code == 302
    confirmation = DisposalConfirmation.objects.get()
    assert (confirmation.organisation, confirmation.method, confirmation.confirmed_by) == (
        sharing.council,
        rules.DELETED,
        sharing.council_ig,
    )
    assert confirmation.confirmed_on == timezone.localdate()
    entry = AuditEntry.objects.get(verb="agreement.disposal-confirmed")
    assert entry.organisation == sharing.council
    assert entry.data["method"] == "deleted"
    (notice,) = mail.outbox
    assert notice.subject.startswith("Northshire County Council confirmed the data is deleted")
    assert sorted(notice.to) == contacts_of(agreement=sharing.agreement)
    assert "head@brookfield.example" in notice.to

    after = council.get(_url(sharing)).content.decode()
    assert "Confirm for" not in after
    assert 'data-state="confirmed"' in after
    assert "Attendance files deleted from the case system" in after

    # A second attempt (another tab) is a clear error, and changes nothing.
    again = council.post(_url(sharing), _form(method="returned"))
    assert again.status_code == 400
    assert "Northshire County Council confirmed this already" in again.content.decode()
    with pytest.raises(ValidationError, match="confirmed this already"):
        disposal_confirm(
            actor=sharing.council_siro,
            agreement=sharing.agreement,
            method=rules.RETURNED,
            details="Returned.",
            confirmed_on=timezone.localdate(),
        )
    assert DisposalConfirmation.objects.get().method == rules.DELETED
    assert AuditEntry.objects.filter(verb="agreement.disposal-confirmed").count() == 1


def test_nothing_is_confirmed_before_the_agreement_ends(sharing: Sharing) -> None:
    council = signed_in(sharing.council_ig, mfa=True)
    page = council.get(_url(sharing)).content.decode()
    assert 'id="not-ended"' in page
    assert "Confirm for" not in page
    response = council.post(_url(sharing), _form())
    assert response.status_code == 400
    assert "once the agreement has ended. This one is live." in response.content.decode()
    with pytest.raises(ValidationError, match="once the agreement has ended"):
        disposal_confirm(
            actor=sharing.council_ig,
            agreement=sharing.agreement,
            method=rules.DELETED,
            details="Deleted.",
            confirmed_on=timezone.localdate(),
        )
    assert not DisposalConfirmation.objects.exists()


def test_only_a_receiving_partys_ig_officer_dpo_or_siro_confirms(
    sharing: Sharing, django_capture_on_commit_callbacks: Capture
) -> None:
    _terminate(sharing, django_capture_on_commit_callbacks)
    school = signed_in(sharing.school_ig, mfa=True)  # the school only disclosed
    page = school.get(_url(sharing))
    assert page.status_code == 200
    assert "Confirm for" not in page.content.decode()
    assert school.post(_url(sharing), _form()).status_code == 403
    with pytest.raises(PermissionDenied):
        disposal_confirm(
            actor=sharing.school_ig,
            agreement=sharing.agreement,
            method=rules.DELETED,
            details="Deleted.",
            confirmed_on=timezone.localdate(),
        )
    officer = signed_in(sharing.practitioner, mfa=True)  # the council's, but not IG
    assert officer.post(_url(sharing), _form()).status_code == 403
    outsider = Client()
    assert outsider.get(_url(sharing)).status_code == 302  # to sign in
    assert not DisposalConfirmation.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"method": ""}, "method_0", "Select whether your organisation deleted, returned or kept"),
        ({"method": "retained"}, "law", "Enter the law that requires your organisation to keep"),
        ({"details": ""}, "details", "Say what your organisation deleted, returned or kept"),
        ({"confirmed_on_day": ""}, "confirmed_on_0", "The date it was done must include a day"),
        ({"confirmed_on_year": "3000"}, "confirmed_on_0", "must be today or in the past"),
        ({"confirmed_on_year": "2020"}, "confirmed_on_0", "when the agreement ended"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_nothing_is_stored(
    sharing: Sharing,
    django_capture_on_commit_callbacks: Capture,
    changes: dict[str, str],
    field: str,
    message: str,
) -> None:
    _terminate(sharing, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    response = signed_in(sharing.council_ig, mfa=True).post(_url(sharing), _form(**changes))
    assert response.status_code == 400
    page = response.content.decode()
    assert "<title>Error: Deletion or return of the data" in page
    start = page.index("govuk-error-summary__list")
    summary = page[start : page.index("</ul>", start)]
    assert f'href="#id_{field}"' in summary
    assert message in summary
    assert f'id="id_{field}"' in page  # the link leads to the first input of the answer
    assert not DisposalConfirmation.objects.exists()
    assert mail.outbox == []


def test_keeping_the_data_under_a_law_names_the_law(
    sharing: Sharing, django_capture_on_commit_callbacks: Capture
) -> None:
    _terminate(sharing, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        confirmation = disposal_confirm(
            actor=sharing.council_siro,
            agreement=sharing.agreement,
            method=rules.RETAINED,
            law="Children Act 1989, section 47",
            details="Two case files kept for open child protection enquiries.",
            confirmed_on=timezone.localdate(),
        )
    assert confirmation.law == "Children Act 1989, section 47"
    page = signed_in(sharing.school_ig, mfa=True).get(_url(sharing)).content.decode()
    assert "Kept because a law requires it under Children Act 1989, section 47" in page


def test_a_non_party_gets_404(sharing: Sharing, make_person: Callable[..., Any]) -> None:
    westmoor = organisation_create(actor=None, name="Westmoor District Council", type="police")
    outsider = signed_in(make_person(westmoor, "ig-officer"))
    assert outsider.get(_url(sharing)).status_code == 404
    assert outsider.post(_url(sharing), _form()).status_code == 404


# --- Who has and who has not: the overview, the register, the dashboard -------------------------


def test_the_exchange_overview_shows_each_receiving_party_after_termination(
    both_receive: Sharing, django_capture_on_commit_callbacks: Capture
) -> None:
    overview = f"/agreements/{both_receive.agreement.pk}/exchange/"
    school = signed_in(both_receive.school_ig, mfa=True)
    assert 'id="disposal"' not in school.get(overview).content.decode()  # not ended yet
    _terminate(both_receive, django_capture_on_commit_callbacks)
    page = school.get(overview).content.decode()
    assert 'id="disposal"' in page
    assert "0 of 2 receiving parties have confirmed" in page
    assert "Confirm what Brookfield Primary School did with the data" in page


def test_the_register_and_dashboard_show_who_has_and_who_has_not(
    both_receive: Sharing, django_capture_on_commit_callbacks: Capture
) -> None:
    agreement = _terminate(both_receive, django_capture_on_commit_callbacks)
    council = signed_in(both_receive.council_ig, mfa=True)

    register = council.get("/register/").content.decode()
    assert (
        "Deletion or return confirmed: 0 of 2 (Brookfield Primary School, Northshire County "
        "Council outstanding)" in register
    )
    dashboard = council.get("/register/dashboard/")
    assert dashboard.context["awaiting_deletion_count"] == 1
    page = dashboard.content.decode()
    assert "Ended agreements awaiting deletion or return confirmation" in page
    assert agreement.reference in page[page.index('id="awaiting-deletion"') :]

    with django_capture_on_commit_callbacks(execute=True):
        council.post(_url(both_receive), _form())
    register = council.get("/register/").content.decode()
    assert "Deletion or return confirmed: 1 of 2 (Brookfield Primary School outstanding)" in (
        register
    )
    row = _csv(council)[agreement.initiative.title]
    assert row["Deletion or return confirmed"] == "1 of 2 (Brookfield Primary School outstanding)"
    # The school sees the same, from its side.
    school = signed_in(both_receive.school_ig, mfa=True)
    assert "1 of 2 (Brookfield Primary School outstanding)" in (
        school.get("/register/").content.decode()
    )

    with django_capture_on_commit_callbacks(execute=True):
        school.post(_url(both_receive), _form(method="returned"))
    assert "Deletion or return confirmed: 2 of 2<" in council.get("/register/").content.decode()
    assert _csv(council)[agreement.initiative.title]["Deletion or return confirmed"] == "2 of 2"
    dashboard = council.get("/register/dashboard/")
    assert dashboard.context["awaiting_deletion_count"] == 0
    assert 'id="no-awaiting-deletion"' in dashboard.content.decode()


def _csv(client: Client) -> dict[str, dict[str, str]]:
    response = client.get("/register/export.csv")
    body = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    return {row["Initiative"]: row for row in csv.DictReader(io.StringIO(body))}


def test_an_agreement_not_terminated_has_an_empty_csv_cell(sharing: Sharing) -> None:
    row = _csv(signed_in(sharing.council_ig, mfa=True))[sharing.agreement.initiative.title]
    assert row["Status"] == "Live"
    assert row["Deletion or return confirmed"] == ""


def _ended_agreement(sharing: Sharing, number: int) -> Agreement:
    """Another agreement of the council's, ended: drafted by the service, its termination
    recorded directly (signing it through every service is what the main fixture does), then
    its receiving party asked as `exchange.terminate` would."""
    initiative = ready_initiative(
        ig=sharing.council_ig,
        dpo=User.objects.get(email="dpo@northshire.example"),
        lead=sharing.council,
        text=ATTENDANCE.replace(
            "title: Pupils at risk of missing education", f"title: Ended pilot {number}"
        ),
    )
    agreement = agreements.agreement_draft(actor=sharing.council_ig, initiative=initiative)
    Agreement.objects.filter(pk=agreement.pk).update(
        status=Agreement.TERMINATED, status_changed_at=timezone.now()
    )
    agreement.refresh_from_db()
    with transaction.atomic():
        disposal_request(agreement=agreement)
    return agreement


def test_the_register_needs_the_same_number_of_queries_for_1_or_4_ended_agreements(
    sharing: Sharing, django_capture_on_commit_callbacks: Capture
) -> None:
    _terminate(sharing, django_capture_on_commit_callbacks)
    council = signed_in(sharing.council_ig, mfa=True)

    def queries(url: str) -> int:
        council.get(url)  # once first: a request may renew the session
        with CaptureQueriesContext(connection) as captured:
            response = council.get(url)
            if url.endswith(".csv"):
                b"".join(response.streaming_content)  # type: ignore[attr-defined]
        assert response.status_code == 200
        return len(captured)

    few = {url: queries(url) for url in ("/register/", "/register/export.csv")}
    ended = [_ended_agreement(sharing, number) for number in range(3)]
    disposal_confirm(
        actor=sharing.council_ig,
        agreement=ended[0],
        method=rules.DELETED,
        details="Deleted.",
        confirmed_on=timezone.localdate(),
    )
    states = disposal_states([sharing.agreement.pk, *(a.pk for a in ended)])
    assert len(states) == 4
    assert str(states[ended[0].pk]) == "1 of 1"
    assert str(states[ended[1].pk]) == f"0 of 1 ({COUNCIL} outstanding)"
    assert {url: queries(url) for url in few} == few
    assert awaiting_disposal(user=sharing.council_ig).count() == 3


def test_confirmations_are_dated_from_the_end(
    sharing: Sharing, django_capture_on_commit_callbacks: Capture
) -> None:
    agreement = _terminate(sharing, django_capture_on_commit_callbacks)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        disposal_confirm(
            actor=sharing.council_ig,
            agreement=agreement,
            method=rules.DELETED,
            details="Deleted.",
            confirmed_on=yesterday,
        )
    assert list(refused.value.message_dict) == ["confirmed_on"]
