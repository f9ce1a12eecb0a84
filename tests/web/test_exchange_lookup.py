"""The shared view: one pupil looked up by a council practitioner, with a reason, and logged."""

from __future__ import annotations

import hashlib

import orjson
import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.test import Client
from django.urls import reverse

from accord.apps.exchange import lookups, services, store
from accord.apps.exchange.models import Dataset, DisclosureEntry, VolumeUsage
from accord.apps.organisations.models import Organisation
from accord.core.exchange.terms import clause
from tests.web.agreement_helpers import person
from tests.web.conftest import signed_in
from tests.web.exchange_helpers import Sharing, live_agreement

pytestmark = pytest.mark.django_db

UPN = "A123456789012"
# "Free school meals" is in the school's file but not in the agreement: it must never be shown.
HEADERS = ["UPN", "Name", "Date of birth", "Attendance", "Free school meals"]
MAPPING = {
    "UPN": "unique pupil number",
    "Name": "name",
    "Date of birth": "date of birth",
    "Attendance": "attendance percentage",
    "Free school meals": "",
}
ROWS = [
    [UPN, "Amy Pond", "2015-03-02", "84.5", "FSM-ELIGIBLE-SECRET"],
    ["B987654321098", "Rory Williams", "2015-07-19", "97.0", "FSM-ELIGIBLE-SECRET"],
]
AGREED = ["UPN", "Name", "Date of birth", "Attendance"]


def pupils_dataset(
    sharing: Sharing, *, name: str = "Pupils", key_column: str = "UPN", rows: list[list[str]] = ROWS
) -> Dataset:
    """The school's pupil records, loaded into the store and mapped to the agreed data items."""
    with transaction.atomic():
        dataset = Dataset.objects.create(
            agreement=sharing.agreement,
            provider=sharing.school,
            name=name,
            source=Dataset.UPLOAD,
            key_column=key_column,
            created_by=sharing.school_ig,
        )
        for column in store.create_store(dataset, HEADERS):
            column.data_item = MAPPING[column.name]
            column.save(update_fields=["data_item"])
        store.insert_rows(dataset, rows)
    return dataset


@pytest.fixture
def sharing() -> Sharing:
    return live_agreement()


@pytest.fixture
def pupils(sharing: Sharing) -> Dataset:
    return pupils_dataset(sharing)


def look_up(client: Client, sharing: Sharing, dataset: Dataset, identifier: str, reason: str):  # type: ignore[no-untyped-def]
    return client.post(
        reverse("exchange:lookup", args=[sharing.agreement.pk]),
        {"dataset": dataset.pk, "identifier": identifier, "reason": reason},
    )


def test_a_practitioner_sees_only_the_agreed_fields_and_the_look_up_is_logged_with_the_reason(
    sharing: Sharing, pupils: Dataset
) -> None:
    client = signed_in(sharing.practitioner, mfa=True)
    page = client.get(reverse("exchange:lookup", args=[sharing.agreement.pk]))
    assert page.status_code == 200
    assert "Pupils from Brookfield Primary School" in page.content.decode()

    # Spaces and capital letters in the identifier do not matter.
    response = look_up(client, sharing, pupils, " a1234 5678 9012 ", "Attendance below 90%")

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert "Record found" in html
    for shown in ("Amy Pond", "2015-03-02", "84.5", UPN):
        assert shown in html
    assert "FSM-ELIGIBLE-SECRET" not in html
    assert "Free school meals" not in html

    entry = DisclosureEntry.objects.get()
    assert (entry.kind, entry.effect) == (DisclosureEntry.LOOKUP, "allow")
    assert entry.person == sharing.practitioner
    assert entry.actor_label == sharing.practitioner.email
    assert entry.party == sharing.council
    assert entry.provider == sharing.school
    assert entry.dataset == pupils
    assert entry.reason == "Attendance below 90%"
    assert entry.fields == AGREED
    assert entry.record_count == 1
    shown = dict(zip(AGREED, ROWS[0][:4], strict=True))
    assert entry.payload_hash == hashlib.sha256(orjson.dumps(shown)).hexdigest()
    assert clause("permitted-uses").number in entry.clauses
    # Who looked, why and what they saw are logged; whom they looked for is not, in clear.
    assert "a1234 5678 9012" not in entry.reason
    assert VolumeUsage.objects.get(organisation=sharing.council).records == 1


def test_no_match_says_no_record_found_and_is_logged_with_no_records(
    sharing: Sharing, pupils: Dataset
) -> None:
    client = signed_in(sharing.practitioner, mfa=True)

    response = look_up(client, sharing, pupils, "Z000000000000", "Referral from the GP")

    assert response.status_code == 200
    assert "No record found" in response.content.decode()
    entry = DisclosureEntry.objects.get()
    assert (entry.effect, entry.record_count, entry.payload_hash) == ("allow", 0, "")
    assert not VolumeUsage.objects.filter(organisation=sharing.council, records__gt=0).exists()


def test_a_look_up_without_a_reason_is_refused_by_the_agreement_and_logged(
    sharing: Sharing, pupils: Dataset
) -> None:
    # The page asks for the reason before anything is looked up...
    client = signed_in(sharing.practitioner, mfa=True)
    response = look_up(client, sharing, pupils, UPN, "")
    assert response.status_code == 400
    html = response.content.decode()
    assert "<title>Error: " in html
    assert "Enter the reason for this look-up" in html
    assert not DisclosureEntry.objects.exists()

    # ...and the agreement itself refuses a look-up without one, logging the refusal.
    disclosure, record = lookups.lookup(
        actor=sharing.practitioner,
        agreement=sharing.agreement,
        dataset=pupils,
        identifier=UPN,
        reason="   ",
    )

    assert record is None
    assert not disclosure.decision.allowed
    entry = DisclosureEntry.objects.get()
    assert (entry.kind, entry.effect, entry.record_count) == ("lookup", "deny", 0)
    assert entry.person == sharing.practitioner
    assert entry.reason == "A look-up needs the reason it is made."
    assert entry.clauses == [clause("permitted-uses").number]


def test_a_look_up_while_sharing_is_suspended_is_refused_naming_the_clause(
    sharing: Sharing, pupils: Dataset
) -> None:
    services.suspend(
        actor=sharing.council_ig, agreement=sharing.agreement, reason="Breach under review"
    )
    client = signed_in(sharing.practitioner, mfa=True)

    response = look_up(client, sharing, pupils, UPN, "Attendance below 90%")

    assert response.status_code == 403
    html = response.content.decode()
    assert "Look-up refused" in html
    assert "The agreement is suspended." in html
    assert str(clause("termination")) in html
    assert "Amy Pond" not in html
    entry = DisclosureEntry.objects.get()
    assert (entry.effect, entry.record_count) == ("deny", 0)
    assert entry.clauses == [clause("termination").number]


def test_only_people_of_a_receiving_party_in_the_right_roles_may_look_up(
    sharing: Sharing, pupils: Dataset, unrelated: Organisation
) -> None:
    url = reverse("exchange:lookup", args=[sharing.agreement.pk])
    school_practitioner = person(sharing.school, "practitioner", email="teacher@brookfield.example")
    outsider = person(unrelated, "practitioner", email="ewo@westmoor.example")

    for user, status in (
        (school_practitioner, 403),  # the school discloses: it does not look its pupils up
        (sharing.council_siro, 403),  # a SIRO is not among those who look people up
        (outsider, 404),  # not a party: the agreement does not exist for them
    ):
        client = signed_in(user, mfa=True)
        assert client.get(url).status_code == status
        assert look_up(client, sharing, pupils, UPN, "Curious").status_code == status

    assert not DisclosureEntry.objects.exists()
    with pytest.raises(PermissionDenied):
        lookups.lookup(
            actor=school_practitioner,
            agreement=sharing.agreement,
            dataset=pupils,
            identifier=UPN,
            reason="Curious",
        )


def test_only_datasets_that_identify_people_can_be_searched(sharing: Sharing) -> None:
    pupils_dataset(sharing, name="Attendance summary", key_column="")
    client = signed_in(sharing.council_ig, mfa=True)
    url = reverse("exchange:lookup", args=[sharing.agreement.pk])

    page = client.get(url)
    assert "There are no records to search yet" in page.content.decode()

    searchable = pupils_dataset(sharing, name="Pupils")
    unsearchable = Dataset.objects.get(name="Attendance summary")
    html = client.get(url).content.decode()
    assert "Pupils from Brookfield Primary School" in html
    assert "Attendance summary" not in html

    response = client.post(
        url, {"dataset": unsearchable.pk, "identifier": UPN, "reason": "Checking"}
    )
    assert response.status_code == 400
    assert "Choose the records to search from the list" in response.content.decode()
    assert not DisclosureEntry.objects.exists()
    assert look_up(client, sharing, searchable, UPN, "Checking").status_code == 200


def test_a_look_up_is_shown_on_the_overview_only_to_those_who_may(sharing: Sharing) -> None:
    url = reverse("exchange:overview", args=[sharing.agreement.pk])
    link = reverse("exchange:lookup", args=[sharing.agreement.pk])
    assert link in signed_in(sharing.practitioner, mfa=True).get(url).content.decode()
    assert link not in signed_in(sharing.school_ig, mfa=True).get(url).content.decode()
