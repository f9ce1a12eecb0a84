"""Each party's disclosure log: its own entries only, volumes against the limit, CSV export."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accord.apps.exchange import files, lookups, services
from accord.apps.exchange.models import Dataset, DisclosureEntry
from accord.apps.organisations.models import Organisation
from accord.core.exchange.decision import Decision, Reason
from accord.core.exchange.terms import clause
from tests.web.agreement_helpers import person
from tests.web.conftest import signed_in
from tests.web.exchange_helpers import Sharing, live_agreement
from tests.web.test_exchange_lookup import UPN, pupils_dataset

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


@pytest.fixture
def sharing() -> Sharing:
    return live_agreement()


@pytest.fixture
def pupils(sharing: Sharing) -> Dataset:
    return pupils_dataset(sharing)


def look_up(sharing: Sharing, dataset: Dataset, reason: str = "Attendance below 90%") -> None:
    lookups.lookup(
        actor=sharing.practitioner,
        agreement=sharing.agreement,
        dataset=dataset,
        identifier=UPN,
        reason=reason,
    )


def log_page(client: Client, sharing: Sharing, query: str = ""):  # type: ignore[no-untyped-def]
    return client.get(reverse("exchange:log", args=[sharing.agreement.pk]) + query)


def sequences(html: str) -> list[int]:
    return [int(n) for n in re.findall(r"<td class=\"govuk-table__cell\">#(\d+)<br>", html)]


def test_each_party_sees_the_entries_it_received_asked_or_provided_with_volumes(
    sharing: Sharing, pupils: Dataset
) -> None:
    look_up(sharing, pupils)
    look_up(sharing, pupils, reason="")  # refused: no reason
    shared = files.file_share(
        actor=sharing.school_ig,
        agreement=sharing.agreement,
        upload=SimpleUploadedFile("pupils.pdf", PDF),
        recipient_people=[sharing.practitioner],
        expires_on=timezone.localdate() + dt.timedelta(days=7),
    )
    files.file_download(actor=sharing.practitioner, shared_file=shared)
    every = list(DisclosureEntry.objects.order_by("-sequence").values_list("sequence", flat=True))
    assert len(every) == 4

    for user in (sharing.council_ig, sharing.practitioner, sharing.school_ig):
        response = log_page(signed_in(user, mfa=True), sharing)
        assert response.status_code == 200
        html = response.content.decode()
        # Newest first; the school sees the download of the file it shared, too.
        assert sequences(html) == every
        assert "Look-up of one person" in html
        assert "File downloaded" in html
        assert "Attendance below 90%" in html
        assert "A look-up needs the reason it is made." in html
        assert "5 (What recipients may do with the data)" in html
        # The volumes: one record looked up, against 10,000 a day.
        volumes = html[html.index('id="volumes"') : html.index("</table>")]
        assert "Northshire County Council" in volumes
        assert re.search(r">1</td>.*10000 per day", volumes, re.S)


def test_another_organisations_entries_are_never_shown_and_non_parties_get_404(
    sharing: Sharing, pupils: Dataset, unrelated: Organisation
) -> None:
    look_up(sharing, pupils)
    # An entry concerning neither party (as one under another agreement would).
    with transaction.atomic():
        services.disclosure_record(
            agreement=sharing.agreement,
            kind=DisclosureEntry.RECORDS,
            decision=Decision("deny", (Reason("Not a party.", clause("parties")),)),
            party=unrelated,
            provider=unrelated,
            reason="WESTMOOR-ONLY",
        )
    mine = DisclosureEntry.objects.get(kind=DisclosureEntry.LOOKUP).sequence

    for user in (sharing.council_ig, sharing.school_ig):
        client = signed_in(user, mfa=True)
        html = log_page(client, sharing).content.decode()
        assert sequences(html) == [mine]
        assert "WESTMOOR-ONLY" not in html
        assert (
            "WESTMOOR-ONLY"
            not in b"".join(
                log_page(client, sharing, "?format=csv").streaming_content  # type: ignore[arg-type]
            ).decode()
        )

    outsider = signed_in(person(unrelated, "ig-officer", email="ig@westmoor.example"))
    assert log_page(outsider, sharing).status_code == 404
    assert log_page(outsider, sharing, "?format=csv").status_code == 404


def test_the_log_filters_by_kind_and_outcome_and_pages_by_50(
    sharing: Sharing, pupils: Dataset
) -> None:
    for _ in range(55):
        look_up(sharing, pupils, reason="")  # refused
    look_up(sharing, pupils)  # allowed
    client = signed_in(sharing.council_ig, mfa=True)

    first = log_page(client, sharing, "?kind=lookup&effect=deny").content.decode()
    assert len(sequences(first)) == 50
    assert 'href="?kind=lookup&amp;effect=deny&amp;page=2"' in first
    second = log_page(client, sharing, "?kind=lookup&effect=deny&page=2").content.decode()
    assert len(sequences(second)) == 5
    allowed = log_page(client, sharing, "?effect=allow").content.decode()
    assert len(sequences(allowed)) == 1
    assert "No entries match." in log_page(client, sharing, "?kind=match").content.decode()

    wrong = log_page(client, sharing, "?kind=everything")
    assert wrong.status_code == 400
    assert "Choose a kind from the list" in wrong.content.decode()


def test_the_csv_export_gives_the_chain_position_and_defuses_formula_cells(
    sharing: Sharing, pupils: Dataset
) -> None:
    for reason in ('=HYPERLINK("http://evil.example")', "+1", "-2", "@SUM(A1)", "Plain"):
        look_up(sharing, pupils, reason=reason)
    client = signed_in(sharing.school_ig, mfa=True)

    response = log_page(client, sharing, "?format=csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    text = b"".join(response.streaming_content).decode()  # type: ignore[arg-type]
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["reason"] for r in rows] == [
        "Plain",
        "'@SUM(A1)",
        "'-2",
        "'+1",
        '\'=HYPERLINK("http://evil.example")',
    ]
    for row, entry in zip(rows, DisclosureEntry.objects.order_by("-sequence"), strict=True):
        assert (int(row["sequence"]), row["hash"], row["previous_hash"]) == (
            entry.sequence,
            entry.hash,
            entry.previous_hash,
        )
        assert row["payload_hash"] == entry.payload_hash
        assert row["actor"] == sharing.practitioner.email
        assert row["fields"] == "UPN; Name; Date of birth; Attendance"
    # The chain the rows point into verifies, as `accord verify-audit` checks it.
    assert services.disclosures_verify() == (5, None)

    only_allowed = b"".join(
        log_page(client, sharing, "?format=csv&effect=deny").streaming_content  # type: ignore[arg-type]
    ).decode()
    assert len(list(csv.DictReader(io.StringIO(only_allowed)))) == 0


def test_the_log_links_from_the_overview_and_is_empty_before_anything_is_shared(
    sharing: Sharing,
) -> None:
    client = signed_in(sharing.practitioner, mfa=True)
    overview = client.get(reverse("exchange:overview", args=[sharing.agreement.pk]))
    assert reverse("exchange:log", args=[sharing.agreement.pk]) in overview.content.decode()
    html = log_page(client, sharing).content.decode()
    assert "Nothing has been shared or refused yet." in html
