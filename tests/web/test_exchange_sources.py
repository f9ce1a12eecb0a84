"""Datasets read in place from a PostgreSQL data source the operator configured.

The tests that read a real source run only on PostgreSQL (.ci/run runs the suite again with
DATABASE_URL set): a schema with a table and a view is made in the test database through a
separate psycopg connection, and ACCORD_DATA_SOURCES points at that same database. The tests
about sources that are unreachable or not offered run on SQLite too.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode

import orjson
import psycopg
import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse

from accord.apps.audit.models import AuditEntry
from accord.apps.exchange import credentials, datasets, sources, store
from accord.apps.exchange.models import Dataset, DatasetColumn, DisclosureEntry
from tests.web.agreement_helpers import SCHOOL
from tests.web.exchange_helpers import Sharing, live_agreement, signed_agreement

from .conftest import signed_in

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL to be the data source; .ci/run runs this file again with "
    "DATABASE_URL set to PostgreSQL",
)
# The source is read through connections of its own, so the test data must be committed.
committed = pytest.mark.django_db(transaction=True)
UNREACHABLE = "postgresql://reader:s3cret-password@127.0.0.1:1/mis"


def page_text(response: Any) -> str:
    text = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(html.unescape(text).split())


def new_url(sharing: Sharing, how: str = "") -> str:
    url = reverse("exchange:dataset-new", kwargs={"pk": sharing.agreement.pk})
    return f"{url}?how={how}" if how else url


def detail_url(dataset: Dataset) -> str:
    return reverse(
        "exchange:dataset", kwargs={"pk": dataset.agreement_id, "dataset_pk": dataset.pk}
    )


def columns_url(dataset: Dataset) -> str:
    return reverse(
        "exchange:dataset-columns", kwargs={"pk": dataset.agreement_id, "dataset_pk": dataset.pk}
    )


def database_url() -> str:
    """The test database as a data source URL: the same server, user and database."""
    db = connection.settings_dict
    user = quote(str(db["USER"] or ""), safe="")
    password = quote(str(db["PASSWORD"] or ""), safe="")
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    return f"postgresql://{user}:{password}@{host}:{port}/{db['NAME']}"


@pytest.fixture
def school_mis(settings: Any) -> Iterator[str]:
    """A school information system's schema: a table of pupils and a view over it."""
    url = database_url()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS school_mis CASCADE")
        conn.execute("CREATE SCHEMA school_mis")
        conn.execute(
            "CREATE TABLE school_mis.pupils (upn text PRIMARY KEY, name text, dob date, "
            "attendance numeric(4, 1), ethnicity text)"
        )
        conn.execute(
            "INSERT INTO school_mis.pupils VALUES "
            "('C123', 'Cara', '2016-01-02', 91.2, NULL), "
            "('A123', 'Ann', '2015-03-01', 97.5, 'White British'), "
            "('B123', 'Bob', '2015-07-19', 88.0, 'Mixed')"
        )
        conn.execute(
            "CREATE VIEW school_mis.low_attendance AS "
            "SELECT upn, attendance FROM school_mis.pupils WHERE attendance < 90"
        )
    settings.ACCORD_DATA_SOURCES = {
        "school-mis": {"url": url, "organisations": [SCHOOL]},
        "police-records": {"url": url, "organisations": ["Northshire Police"]},
    }
    yield url
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS school_mis CASCADE")


@pytest.fixture
def sharing() -> Sharing:
    return signed_agreement()


@pytest.fixture
def head(sharing: Sharing) -> Client:
    return signed_in(sharing.school_ig, mfa=True)


def register(head: Client, sharing: Sharing, table: str = "school_mis.pupils") -> Dataset:
    response = head.post(
        new_url(sharing, "source"), {"name": "Pupils", "table": f"school-mis/{table}"}
    )
    assert response.status_code == 302, page_text(response)
    return Dataset.objects.get(agreement=sharing.agreement, name="Pupils")


MAPPING = {
    "column_1": "unique pupil number",
    "column_2": "name",
    "column_3": "date of birth",
    "column_4": "attendance percentage",
    "column_5": "",
    "key_column": "upn",
}


@on_postgresql
@committed
@pytest.mark.usefixtures("school_mis")
def test_a_provider_registers_a_table_of_its_source_maps_it_and_pages_hold_only_mapped_columns(
    sharing: Sharing, head: Client
) -> None:
    choose = head.get(new_url(sharing))
    assert choose.status_code == 200
    assert "How will you provide the records?" in page_text(choose)

    form = head.get(new_url(sharing, "source"))
    assert form.status_code == 200
    body = form.content.decode()
    assert '<option value="school-mis/school_mis.pupils">' in body
    assert '<option value="school-mis/school_mis.low_attendance">' in body
    assert "police-records" not in body  # offered to another organisation only
    assert "information_schema." not in body
    assert "pg_catalog." not in body

    dataset = register(head, sharing)
    assert (dataset.source, dataset.source_name, dataset.source_table) == (
        Dataset.POSTGRESQL,
        "school-mis",
        "school_mis.pupils",
    )
    assert dataset.provider == sharing.school
    assert dataset.row_count == 3
    assert [(c.name, c.sql_name) for c in dataset.columns.all()] == [
        ("upn", "upn"),
        ("name", "name"),
        ("dob", "dob"),
        ("attendance", "attendance"),
        ("ethnicity", "ethnicity"),
    ]
    assert dataset.key_column == "upn"
    registered = AuditEntry.objects.get(verb="dataset.registered")
    assert registered.data["table"] == "school_mis.pupils"
    assert "postgresql://" not in orjson.dumps(registered.data).decode()

    assert head.post(columns_url(dataset), MAPPING).status_code == 302
    dataset.refresh_from_db()
    shared = datasets.shared_columns(dataset)
    assert shared == ["upn", "name", "dob", "attendance"]

    first, count = store.page(dataset, shared, offset=0, limit=2, fmt="ndjson")
    assert count == 2
    assert [orjson.loads(line) for line in first.splitlines()] == [
        {"upn": "A123", "name": "Ann", "dob": "2015-03-01", "attendance": "97.5"},
        {"upn": "B123", "name": "Bob", "dob": "2015-07-19", "attendance": "88.0"},
    ]
    rest, count = store.page(dataset, shared, offset=2, limit=2, fmt="csv", header=True)
    assert (rest, count) == (b"upn,name,dob,attendance\nC123,Cara,2016-01-02,91.2\n", 1)
    assert store.find(dataset, ["name"], " c123 ") == {"name": "Cara"}
    assert list(store.identifiers(dataset)) == ["A123", "B123", "C123"]

    detail = page_text(head.get(detail_url(dataset)))
    assert "Read in place from school_mis.pupils in the data source school-mis" in detail
    assert "ethnicity None Never shared" in detail


@on_postgresql
@committed
@pytest.mark.usefixtures("school_mis")
def test_a_view_is_registered_like_a_table() -> None:
    sharing = signed_agreement()
    dataset = register(signed_in(sharing.school_ig, mfa=True), sharing, "school_mis.low_attendance")
    assert dataset.row_count == 1
    assert [c.name for c in dataset.columns.all()] == ["upn", "attendance"]
    payload, _ = store.page(dataset, ["upn", "attendance"], offset=0, limit=10, fmt="csv")
    assert payload == b"B123,88.0\n"


@on_postgresql
@committed
@pytest.mark.usefixtures("school_mis")
def test_the_source_connection_is_read_only_twice_over_and_has_timeouts() -> None:
    with sources.connect("school-mis") as conn:
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            conn.execute("INSERT INTO school_mis.pupils (upn) VALUES ('X999')")
        conn.rollback()
        # Even without psycopg's READ ONLY transactions, the session's default refuses writes.
        conn.read_only = None
        assert conn.execute("SHOW default_transaction_read_only").fetchone() == ("on",)
        assert conn.execute("SHOW statement_timeout").fetchone() == ("30s",)
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            conn.execute("DELETE FROM school_mis.pupils")
    with psycopg.connect(database_url()) as check:
        assert check.execute("SELECT count(*) FROM school_mis.pupils").fetchone() == (3,)


@on_postgresql
@committed
@pytest.mark.usefixtures("school_mis")
def test_only_a_source_offered_to_the_provider_and_a_table_it_lists_can_be_registered(
    sharing: Sharing, head: Client
) -> None:
    def attempt(source_name: str, table: str) -> dict[str, list[str]]:
        with pytest.raises(ValidationError) as refused:
            datasets.dataset_from_source(
                actor=sharing.school_ig,
                agreement=sharing.agreement,
                name="Pupils",
                source_name=source_name,
                table=table,
            )
        return refused.value.message_dict

    assert attempt("police-records", "school_mis.pupils") == {
        "source_name": [
            f"Choose a data source offered to {SCHOOL}: there is none called “police-records”"
        ]
    }
    assert attempt("school-mis", "school_mis.missing")["table"] == [
        "The data source “school-mis” has no table or view called “school_mis.missing” that "
        "Accord may read"
    ]
    assert "table" in attempt("school-mis", 'school_mis.pupils"; DROP TABLE school_mis.pupils; --')
    # A value the form never offered is refused by the form itself.
    response = head.post(
        new_url(sharing, "source"), {"name": "Pupils", "table": "police-records/school_mis.pupils"}
    )
    assert response.status_code == 400
    assert "Choose one of the tables or views listed" in page_text(response)
    assert not Dataset.objects.exists()


@on_postgresql
@committed
def test_a_table_that_has_gone_gives_a_clear_error_not_a_traceback(
    school_mis: str, sharing: Sharing, head: Client
) -> None:
    dataset = register(head, sharing)
    with psycopg.connect(school_mis, autocommit=True) as conn:
        conn.execute("DROP TABLE school_mis.pupils CASCADE")
    with pytest.raises(sources.SourceUnavailable) as unavailable:
        store.page(dataset, ["upn"], offset=0, limit=10, fmt="ndjson")
    assert "is no longer in the data source “school-mis”" in unavailable.value.message
    assert head.get(detail_url(dataset)).status_code == 200


@pytest.mark.django_db
def test_an_unreachable_source_is_reported_in_words_without_its_address_or_password(
    sharing: Sharing, head: Client, settings: Any
) -> None:
    settings.ACCORD_DATA_SOURCES = {"mis": {"url": UNREACHABLE, "organisations": [SCHOOL]}}
    choose = head.get(new_url(sharing))
    assert choose.status_code == 200
    assert "How will you provide the records?" in page_text(choose)
    unanswered = head.get(new_url(sharing, "somehow"))
    assert unanswered.status_code == 400
    assert "Choose how you will provide the records" in page_text(unanswered)

    page = head.get(new_url(sharing, "source"))
    assert page.status_code == 200
    text = page_text(page)
    assert "Accord cannot reach the data source “mis” just now" in text
    assert "No table or view can be listed" in text
    assert "s3cret" not in page.content.decode()
    assert "127.0.0.1" not in page.content.decode()

    with pytest.raises(ValidationError) as refused:
        datasets.dataset_from_source(
            actor=sharing.school_ig,
            agreement=sharing.agreement,
            name="Pupils",
            source_name="mis",
            table="public.pupils",
        )
    assert "Accord cannot reach the data source “mis” just now" in refused.value.messages[0]
    assert not Dataset.objects.exists()


@pytest.mark.django_db
def test_a_source_for_other_organisations_only_leaves_just_the_upload(
    sharing: Sharing, head: Client, settings: Any
) -> None:
    settings.ACCORD_DATA_SOURCES = {
        "police-records": {"url": UNREACHABLE, "organisations": ["Northshire Police"]}
    }
    page = head.get(new_url(sharing, "source"))  # asking for a source gets the upload form
    assert page.status_code == 200
    text = page_text(page)
    assert "Upload a dataset" in text
    assert "No data source is set up for Brookfield Primary School" in text
    assert sources.offered_to(sharing.school) == []


@pytest.mark.django_db
def test_a_source_that_has_gone_away_gives_503_to_pulls_and_look_ups_and_logs_nothing(
    settings: Any,
) -> None:
    settings.ACCORD_DATA_SOURCES = {"mis": {"url": UNREACHABLE, "organisations": [SCHOOL]}}
    sharing = live_agreement()
    dataset = Dataset.objects.create(
        agreement=sharing.agreement,
        provider=sharing.school,
        name="Pupils",
        source=Dataset.POSTGRESQL,
        source_name="mis",
        source_table="public.pupils",
        key_column="upn",
        created_by=sharing.school_ig,
    )
    DatasetColumn.objects.create(
        dataset=dataset, position=1, name="upn", sql_name="upn", data_item="unique pupil number"
    )
    client, secret = credentials.client_create(
        actor=sharing.council_ig, agreement=sharing.agreement, name="Case system"
    )
    token = Client().post(
        "/api/v1/oauth/token",
        data=urlencode(
            {
                "grant_type": "client_credentials",
                "client_id": client.client_id,
                "client_secret": secret,
            }
        ),
        content_type="application/x-www-form-urlencoded",
    )
    assert token.status_code == 200, token.content
    bearer = token.json()["access_token"]
    pull = Client(headers={"Authorization": f"Bearer {bearer}"}).get(
        f"/api/v1/datasets/{dataset.pk}/records?limit=10"
    )
    assert pull.status_code == 503
    assert "cannot reach the data source" in pull.json()["detail"]
    assert "s3cret" not in pull.content.decode()
    look_up = signed_in(sharing.practitioner, mfa=True).post(
        f"/agreements/{sharing.agreement.pk}/exchange/lookup/",
        {"dataset": dataset.pk, "identifier": "U1", "reason": "Home visit"},
    )
    assert look_up.status_code == 503
    assert "cannot reach the data source" in look_up.content.decode()
    assert not DisclosureEntry.objects.exists()
