"""The register page under 50 concurrent clients, with 100,000 agreements stored and with 1,000.

Run by bench/run.py in a process of its own; it runs itself once more per size (`--seed`), since
Django is configured once per process and each size has a PostgreSQL database of its own:

  - seed: a fresh database `bench_register_<size>`, migrated; one real two-party agreement made
          through the services (tests/web/exchange_helpers.py: imported, assessed, negotiated
          and signed), whose initiative content and agreement wording are then copied, with the
          reference changed, into every other agreement; 3,000 organisations (at both sizes),
          3 people in each; `size` initiatives, each with an agreement (negotiating, signed,
          live, suspended or terminated, with next review dates for those that have one) and
          its current version, and 2 or 3 parties, loaded with COPY. The signed-in person is an
          IG officer (no MFA) of the council, which is party to 300 initiatives at both sizes;
          partners are drawn with a skewed (Zipf-like) popularity, as a few police forces,
          trusts and councils are party to far more agreements than a school. Then VACUUM
          ANALYZE, as autovacuum would after a load. The same process counts the SQL queries
          of each page in the mix, in process (Django's test client), and makes one session per
          client.
  - load: Accord under gunicorn against each database, the servers up together, with cores + 1
          sync workers (3 on 2 cores; see WORKERS for why not gunicorn's 2 x cores + 1). 50 client
          threads in this process, each with its own connection and session cookie, request the
          register with the mix of pages below, back to back with no pause (a closed loop: 50
          requests always in flight). Beside them, the floor: a static page (the accessibility
          statement) through the same server, sessions and load. Warm-up; each page's own time
          with one client at a time; then rounds rotating the sizes and the static page, so that
          all see the same machine.

It prints one JSON object (last line); bench/run.py turns it into a section of
docs/benchmarks.md. On its own: `python bench/register.py [--quick] [--keep] [--think S]`
(PostgreSQL must be running: scripts/start-postgresql). `--think S` has each client pause a
random 0 to 2S seconds after each page, as people reading it would: not part of `make bench`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from exchange import free_port, wait_for  # bench/exchange.py: this script's own directory

ROOT = Path(__file__).resolve().parents[1]
ADMIN_URL = os.environ.get(
    "ACCORD_BENCH_DATABASE_URL", "postgres://accord:accord@127.0.0.1:5432/accord"
)
DATABASE_PREFIX = "bench_register"
LARGE, SMALL = 100_000, 1_000
ORGANISATIONS = 3_000
PEOPLE_PER_ORGANISATION = 3
# The signed-in person's organisation is party to the same number of initiatives at both sizes
# (12 pages of 25): what grows is what others store, which is what the ratio is about.
# (Party to 1.5% of each, it saw 1,500 against 15, less than a page: the page itself differed.)
VISIBLE = 300
CLIENTS = 50
ALONE = 130  # requests with one client at a time, per size (ten times through the mix)
STATIC_PAGE = "/accessibility/"
UNCACHED = "uncached"  # the large store's server with the register's results cache off
# Sync workers, one more than the cores: each takes the next connection waiting when it is
# free, so requests are served in turn. Measured on 2 cores, with PostgreSQL and the clients on
# the same machine and pages that keep the CPU busy: gunicorn's starting point of
# (2 x cores) + 1 = 5 sync workers gave p95 461 ms at 200 pages/s, the processes crowding the
# cores so that a request was often set aside mid-way (p95 twice the median, the static page's
# too); 5 gthread workers of 4 threads 572 ms at 227/s (each client's connection stays with the
# worker that accepted it); cores + 1 = 3 sync workers 204 ms at 262/s.
WORKER_CLASS, WORKERS = "sync", (os.cpu_count() or 2) + 1
TARGET_P95_MS, TARGET_RATIO = 300.0, 1.5
SEED = 20261125
# Agreement statuses and how common each is among stored agreements.
STATUS_MIX = (
    ("negotiating", 0.20),
    ("signed", 0.10),
    ("live", 0.55),
    ("suspended", 0.05),
    ("terminated", 0.10),
)
# Initiatives' titles and their content's purposes and data categories, in turn.
KINDS = (
    (
        "Pupils at risk of missing education",
        ["education", "safeguarding-children"],
        ["identifiers", "contact", "education"],
    ),
    (
        "Multi-agency safeguarding hub referrals",
        ["safeguarding-children", "safeguarding-adults"],
        ["identifiers", "contact", "social-care", "health"],
    ),
    (
        "Domestic abuse risk assessment conference",
        ["domestic-abuse", "crime-prevention"],
        ["identifiers", "contact", "criminal-offence", "health"],
    ),
    (
        "Supporting families outcomes",
        ["supporting-families", "service-planning"],
        ["identifiers", "education", "employment", "housing"],
    ),
    (
        "Hospital discharge to social care",
        ["direct-care", "safeguarding-adults"],
        ["identifiers", "health", "social-care"],
    ),
    (
        "Anti-social behaviour case panel",
        ["anti-social-behaviour", "crime-prevention"],
        ["identifiers", "contact", "criminal-offence", "housing"],
    ),
    (
        "Youth offending team referrals",
        ["youth-justice", "offender-management"],
        ["identifiers", "criminal-offence", "education"],
    ),
    (
        "Public health needs analysis",
        ["public-health", "research-statistics"],
        ["demographics", "health"],
    ),
)
TYPE_MIX = (
    ("school", 35),
    ("gp-practice", 20),
    ("charity", 10),
    ("housing-provider", 8),
    ("nhs-trust", 5),
    ("local-authority", 5),
    ("further-education", 4),
    ("private-company", 4),
    ("police", 2),
    ("icb", 2),
    ("fire-and-rescue", 1),
    ("probation", 1),
    ("youth-offending-team", 2),
    ("other-public-body", 1),
)


def mix(partner: str) -> list[tuple[str, str]]:
    """The pages requested, in turn: (label, path). Page numbers past the end show the last."""
    return [
        ("page 1 (newest first)", "/register/"),
        ("page 1 (newest first)", "/register/"),
        ("page 1 (newest first)", "/register/"),
        ("page 2", "/register/?page=2"),
        ("page 30", "/register/?page=30"),
        ("page 60 (the last at 100,000)", "/register/?page=60"),
        ("sorted by next review", "/register/?sort=review"),
        ("reviews due within 90 days", "/register/?review=90"),
        ("live only", "/register/?status=live"),
        ("sorted by title", "/register/?sort=title"),
        ("sorted by status, descending", "/register/?sort=status&order=desc"),
        ("one partner, by name", f"/register/?partner={urllib.parse.quote(partner)}"),
        ("search in titles", "/register/?q=referrals"),
    ]


# --- Seeding (in a process of its own per size) ------------------------------------------------


def fresh_database(name: str) -> str:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {name}")
    parts = urllib.parse.urlsplit(ADMIN_URL)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


def drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def environment(database_url: str, data_dir: Path) -> dict[str, str]:
    env = dict(
        os.environ,
        DATABASE_URL=database_url,
        ACCORD_DATA_DIR=str(data_dir),
        ACCORD_STATIC_ROOT=str(data_dir / "static"),
        DJANGO_SETTINGS_MODULE="accord.web.settings",
    )
    for name in ("ACCORD_DEBUG", "ACCORD_SECRET_KEY", "ACCORD_ALLOWED_HOSTS"):
        env.pop(name, None)
    return env


def copy_rows(model: Any, rows: Iterable[dict[str, Any]]) -> int:
    """COPY rows (attname -> value) into the model's table; fields left out take their default.
    JSON values may be given already serialised. Returns the number of rows."""
    from django.db import connection
    from django.db.models import JSONField

    fields = list(model._meta.concrete_fields)
    defaults: dict[str, Any] = {}
    for field in fields:
        default = field.get_default()  # "" for a text field without one, as Django saves it
        defaults[field.attname] = json.dumps(default) if isinstance(field, JSONField) else default
    json_fields = {f.attname for f in fields if isinstance(f, JSONField)}
    columns = ", ".join(f'"{f.column}"' for f in fields)
    count = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f'COPY "{model._meta.db_table}" ({columns}) FROM STDIN') as copy:
            for row in rows:
                values = []
                for field in fields:
                    value = row.get(field.attname, defaults[field.attname])
                    if field.attname in json_fields and not isinstance(value, str):
                        value = json.dumps(value)
                    values.append(value)
                copy.write_row(values)
                count += 1
    return count


def next_id(model: Any) -> int:
    from django.db.models import Max

    return int(model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1


def reset_sequences(*models: Any) -> None:
    from django.core.management.color import no_style
    from django.db import connection

    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), list(models)):
            cursor.execute(statement)


def seed(size: int) -> dict[str, Any]:
    """Fill the configured (migrated, empty) database. Returns what the load and report need."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone
    from tests.web.exchange_helpers import signed_agreement

    from accord.apps.accounts.models import User
    from accord.apps.agreements.models import Agreement, AgreementVersion
    from accord.apps.initiatives.models import Initiative, InitiativeParty
    from accord.apps.organisations.models import Membership, Organisation
    from accord.core import codes
    from accord.core.agreement.versions import canonical_json

    rng = random.Random(SEED)
    now = timezone.now()
    today = timezone.localdate()

    # One agreement made through the services: its wording is what every other one carries.
    sharing = signed_agreement(prefix="sample-")
    sample = sharing.agreement
    council, school = sharing.council, sharing.school
    version = sample.current_version()
    marker = sample.reference
    wording = canonical_json(version.content).decode()
    if wording.count(f'"{marker}"') + wording.count(f"{marker} ") < 1:
        raise RuntimeError(f"the sample wording does not name {marker}")
    author = sharing.council_ig

    user = User.objects.create_user(
        "bench.ig@northshire.example", "correct horse battery staple", full_name="Bench IG Officer"
    )
    Membership.objects.create(user=user, organisation=council, role="ig-officer")

    with transaction.atomic():
        # Organisations: the council and the school already exist; 2,998 more.
        types = [t for t, _ in TYPE_MIX]
        weights = [w for _, w in TYPE_MIX]
        first = next_id(Organisation)
        organisation_rows = []
        for i in range(ORGANISATIONS - 2):
            type_ = rng.choices(types, weights)[0]
            organisation_rows.append(
                {
                    "id": first + i,
                    "name": f"{codes.label(type_)} {i + 1:04d}",
                    "type": type_,
                    "functions": ["education", "childrens-services"]
                    if type_ == "local-authority"
                    else [],
                    "created_at": now,
                }
            )
        copy_rows(Organisation, organisation_rows)
        others = [school.pk, *(row["id"] for row in organisation_rows)]
        functions = {row["id"]: row["functions"] for row in organisation_rows}
        functions[school.pk] = []
        functions[council.pk] = list(council.functions)

        # Three people in each organisation (IG officer, DPO, SIRO), none able to sign in.
        unusable = make_password(None)
        first_user = next_id(User)
        all_organisations = [council.pk, *others]
        user_rows = []
        membership_rows = []
        for n, organisation_id in enumerate(all_organisations):
            for k, role in enumerate(("ig-officer", "dpo", "siro")):
                uid = first_user + n * PEOPLE_PER_ORGANISATION + k
                user_rows.append(
                    {
                        "id": uid,
                        "email": f"{role}.{organisation_id}@bench.example",
                        "full_name": f"Person {uid}",
                        "password": unusable,
                        "date_joined": now,
                    }
                )
                membership_rows.append(
                    {
                        "user_id": uid,
                        "organisation_id": organisation_id,
                        "role": role,
                        "created_at": now,
                    }
                )
        copy_rows(User, user_rows)
        first_membership = next_id(Membership)
        membership_rows = [
            {"id": first_membership + i, **row} for i, row in enumerate(membership_rows)
        ]
        copy_rows(Membership, membership_rows)

        # Popularity: a few partners are party to many agreements, most to a handful.
        shuffled = others[:]
        rng.shuffle(shuffled)
        cumulative: list[float] = []
        total = 0.0
        for rank in range(len(shuffled)):
            total += 1 / (rank + 10)
            cumulative.append(total)

        def partners(count: int, exclude: set[int]) -> list[int]:
            chosen: list[int] = []
            while len(chosen) < count:
                pick = rng.choices(shuffled, cum_weights=cumulative)[0]
                if pick not in exclude and pick not in chosen:
                    chosen.append(pick)
            return chosen

        # Initiatives (the sample is one), each with an agreement, its version and its parties.
        stored = size - 1
        statuses = [s for s, _ in STATUS_MIX]
        status_weights = [w for _, w in STATUS_MIX]
        council_party = set(rng.sample(range(stored), VISIBLE - 1))
        # The council's newest five show every status on the first page at both sizes, so that
        # the queries a page makes only for some statuses are counted at both.
        newest = dict(zip(sorted(council_party)[:5], statuses, strict=True))
        contents = []
        for _title, purposes, categories in KINDS:
            content = dict(sample.initiative.content)
            content["purposes"] = purposes
            content["data"] = [
                {"category": c, "fields": [f"{codes.label(c).lower()} details"]} for c in categories
            ]
            contents.append(json.dumps(content))
        first_initiative = next_id(Initiative)
        first_agreement = next_id(Agreement)
        first_version = next_id(AgreementVersion)
        first_party = next_id(InitiativeParty)
        initiatives, agreements, versions, parties = [], [], [], []
        for i in range(stored):
            pk = first_initiative + i
            kind = i % len(KINDS)
            updated = now - dt.timedelta(seconds=rng.randrange(3 * 365 * 86400))
            if i in newest:
                updated = now - dt.timedelta(minutes=10 + list(newest).index(i))
            created = updated - dt.timedelta(seconds=rng.randrange(120 * 86400))
            members = partners(rng.choice((2, 3)) - (i in council_party), {council.pk})
            if i in council_party:
                members.insert(rng.randrange(3), council.pk)
            lead = members[0]
            initiatives.append(
                {
                    "id": pk,
                    "title": f"{KINDS[kind][0]} {pk:06d}",
                    "lead_id": lead,
                    "content": contents[kind],
                    "description_confirmed": True,
                    "mechanism": "secure-file-transfer",
                    "created_by_id": author.pk,
                    "created_at": created,
                    "updated_at": updated,
                }
            )
            for organisation_id in members:
                role = "both" if organisation_id == lead else rng.choice(("discloses", "receives"))
                parties.append(
                    {
                        "id": first_party + len(parties),
                        "initiative_id": pk,
                        "organisation_id": organisation_id,
                        "role": role,
                        "functions": functions[organisation_id],
                        "joined_at": created,
                    }
                )
            status = newest.get(i) or rng.choices(statuses, status_weights)[0]
            signed_at = live_at = changed_at = None
            last_review = next_review = None
            if status != "negotiating":
                signed_at = created + dt.timedelta(days=rng.randrange(20, 120))
            if status in ("live", "suspended", "terminated"):
                live_at = signed_at + dt.timedelta(days=rng.randrange(1, 30))  # type: ignore[operator]
            if status in ("suspended", "terminated"):
                changed_at = live_at + dt.timedelta(days=rng.randrange(30, 300))  # type: ignore[operator]
            if status in ("signed", "live", "suspended"):
                # Mostly ahead, some overdue: a year after signing or after the last review.
                next_review = today + dt.timedelta(days=rng.randrange(-60, 366))
                if rng.random() < 0.4:
                    last_review = next_review - dt.timedelta(days=365)
            reference = f"DSA-{pk:04d}"
            text = wording.replace(marker, reference)
            agreement_pk = first_agreement + i
            agreements.append(
                {
                    "id": agreement_pk,
                    "initiative_id": pk,
                    "reference": reference,
                    "status": status,
                    "signed_at": signed_at,
                    "live_at": live_at,
                    "status_reason": "Agreed at the partnership board." if changed_at else "",
                    "status_changed_at": changed_at,
                    "last_reviewed_on": last_review,
                    "next_review_on": next_review,
                    "created_by_id": author.pk,
                    "created_at": created,
                }
            )
            versions.append(
                {
                    "id": first_version + i,
                    "agreement_id": agreement_pk,
                    "number": 1,
                    "content": text,
                    "content_hash": hashlib.sha256(text.encode()).hexdigest(),
                    "reason": version.reason,
                    "created_by_id": author.pk,
                    "created_at": created,
                }
            )
        copy_rows(Initiative, initiatives)
        copy_rows(InitiativeParty, parties)
        copy_rows(Agreement, agreements)
        copy_rows(AgreementVersion, versions)
        reset_sequences(Organisation, User, Membership, Initiative, InitiativeParty)
        reset_sequences(Agreement, AgreementVersion)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    visible = Initiative.objects.filter(parties__organisation=council).count()
    partner_count = (
        InitiativeParty.objects.filter(initiative__parties__organisation=council)
        .exclude(organisation=council)
        .values("organisation")
        .distinct()
        .count()
    )
    top_partner = (
        InitiativeParty.objects.filter(initiative__parties__organisation=council)
        .exclude(organisation=council)
        .values_list("organisation", flat=True)
        .order_by("organisation")
    )
    counted: dict[int, int] = {}
    for organisation_id in top_partner:
        counted[organisation_id] = counted.get(organisation_id, 0) + 1
    partner = max(counted, key=lambda k: (counted[k], -k))
    return {
        "user": user.pk,
        "visible": visible,
        "partners": partner_count,
        "partner": Organisation.objects.get(pk=partner).name,
        "partner_rows": counted[partner],
        "stored": Initiative.objects.count(),
        "agreements": Agreement.objects.count(),
        "versions": AgreementVersion.objects.count(),
        "parties": InitiativeParty.objects.count(),
        "organisations": Organisation.objects.count(),
        "people": User.objects.count(),
        "wording_bytes": len(wording),
    }


def sessions(user_pk: int, count: int) -> list[str]:
    """Session keys for `count` browsers signed in as this person, as the sign-in page leaves them."""
    from django.conf import settings
    from django.test import Client

    from accord.apps.accounts.middleware import SIGNED_IN_AT
    from accord.apps.accounts.models import User

    user = User.objects.get(pk=user_pk)
    keys = []
    for _ in range(count):
        client = Client()
        client.force_login(user)
        session = client.session
        session[SIGNED_IN_AT] = time.time()
        session.save()
        keys.append(client.cookies[settings.SESSION_COOKIE_NAME].value)
    return keys


def count_queries(user_pk: int, paths: Iterable[str]) -> dict[str, int]:
    """SQL queries of each page, signed in, through the whole middleware stack (test client)."""
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    from accord.apps.accounts.middleware import SIGNED_IN_AT
    from accord.apps.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(pk=user_pk))
    session = client.session
    session[SIGNED_IN_AT] = time.time()
    session.save()
    counts = {}
    for path in paths:
        client.get(path)  # once first: the same state as the measured requests
        # The page's own work, not a page kept in the cache (which makes fewer still).
        with (
            override_settings(ACCORD_REGISTER_CACHE_SECONDS=0),
            CaptureQueriesContext(connection) as captured,
        ):
            response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path} answered {response.status_code}")
        counts[path] = len(captured.captured_queries)
    return counts


def seed_main(size: int, name: str, data_dir: Path) -> int:
    started = time.perf_counter()
    database_url = fresh_database(name)
    os.environ.update(environment(database_url, data_dir))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", verbosity=0, interactive=False)
    migrated = time.perf_counter()
    facts = seed(size)
    seeded = time.perf_counter()
    paths = [path for _, path in mix(facts["partner"])]
    queries = count_queries(facts["user"], dict.fromkeys(paths))
    keys = sessions(facts["user"], CLIENTS)
    connections.close_all()
    print(
        json.dumps(
            {
                **facts,
                "size": size,
                "database": name,
                "database_url": database_url,
                "migrate_seconds": migrated - started,
                "seed_seconds": seeded - migrated,
                "queries": queries,
                "sessions": keys,
            }
        )
    )
    return 0


# --- Load (this process) -------------------------------------------------------------------------


def gunicorn(port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "accord.web.wsgi:application",
            f"--workers={WORKERS}",
            f"--worker-class={WORKER_CLASS}",
            "--backlog=2048",
            "--timeout=120",
            f"--bind=127.0.0.1:{port}",
            "--log-level=warning",
        ],
        env=dict(env, ACCORD_ALLOWED_HOSTS="127.0.0.1,localhost"),
        cwd=ROOT,
    )


class Server:
    """One size's gunicorn and what its clients need."""

    def __init__(self, world: dict[str, Any], port: int) -> None:
        self.world = world
        self.port = port
        self.paths = [path for _, path in mix(world["partner"])]

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)

    def get(self, connection: http.client.HTTPConnection, session: str, path: str) -> bytes:
        connection.request("GET", path, headers={"Cookie": f"sessionid={session}"})
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"GET {path} answered {response.status}: {body[:300]!r}")
        return body


def load(
    server: Server, requests: int, offset: int, think: float = 0.0
) -> tuple[list[float], float]:
    """`requests` requests from CLIENTS threads, back to back unless each client pauses a
    random 0 to 2 x `think` seconds after each; (latencies in ms, wall seconds)."""
    latencies: list[float] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    issued = [0]
    paths = server.paths
    ready = threading.Barrier(CLIENTS + 1)

    def client(number: int) -> None:
        connection = server.connection()
        session = server.world["sessions"][number]
        mine: list[float] = []
        ready.wait()
        if think:  # people do not all arrive at once
            time.sleep(random.uniform(0, 2 * think))
        try:
            while True:
                with lock:
                    if issued[0] >= requests:
                        break
                    n = issued[0]
                    issued[0] += 1
                path = paths[(offset + n) % len(paths)]
                start = time.perf_counter()
                server.get(connection, session, path)
                mine.append((time.perf_counter() - start) * 1000)
                if think:
                    time.sleep(random.uniform(0, 2 * think))
        except BaseException as error:  # reported below, whatever it was
            errors.append(error)
        finally:
            connection.close()
            with lock:
                latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    ready.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    if errors:
        raise RuntimeError(f"{len(errors)} clients failed; the first: {errors[0]!r}")
    return latencies, wall


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, round(len(ordered) * p / 100) - 1)]


def seed_world(size: int, data_dir: Path) -> dict[str, Any]:
    name = f"{DATABASE_PREFIX}_{size // 1000}k"
    done = subprocess.run(
        [
            sys.executable,
            __file__,
            "--seed",
            str(size),
            "--database",
            name,
            "--data-dir",
            str(data_dir),
        ],
        check=False,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if done.returncode != 0:
        raise RuntimeError(f"seeding {size} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def summary(samples: list[float], wall: float) -> dict[str, float]:
    return {
        "p50": statistics.median(samples),
        "p95": percentile(samples, 95),
        "p99": percentile(samples, 99),
        "max": max(samples),
        "rate": len(samples) / wall,
    }


def alone(server: Server, requests: int) -> float:
    """The median time of the mix with one client at a time: the page's own time, no queue."""
    connection = server.connection()
    times = []
    for n in range(requests):
        start = time.perf_counter()
        server.get(connection, server.world["sessions"][0], server.paths[n % len(server.paths)])
        times.append((time.perf_counter() - start) * 1000)
    connection.close()
    return statistics.median(times)


def run(
    requests: int, warmup: int, rounds: int, keep: bool = False, think: float = 0.0
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="accord-bench-register-") as tmp:
        worlds = {}
        for size in (SMALL, LARGE):
            data_dir = Path(tmp) / str(size)
            world = seed_world(size, data_dir)
            world["env"] = environment(world["database_url"], data_dir)
            worlds[size] = world
        servers: dict[str, Server] = {}
        processes = []
        try:
            for size, world in worlds.items():
                port = free_port()
                processes.append(gunicorn(port, world["env"]))
                servers[str(size)] = Server(world, port)
            # The floor: a static page, signed in, through the same server, clients and load.
            servers["static"] = Server(worlds[LARGE], servers[str(LARGE)].port)
            servers["static"].paths = [STATIC_PAGE]
            # The large store again, with the register's cache of results turned off: what each
            # page costs when something changed since it was last shown.
            port = free_port()
            processes.append(
                gunicorn(port, dict(worlds[LARGE]["env"], ACCORD_REGISTER_CACHE_SECONDS="0"))
            )
            servers[UNCACHED] = Server(worlds[LARGE], port)
            for key in (str(SMALL), str(LARGE), UNCACHED):
                server = servers[key]
                wait_for(server.port)
                first = server.get(server.connection(), server.world["sessions"][0], "/register/")
                expected = f"{server.world['visible']} initiatives"
                if expected.encode() not in first:
                    raise RuntimeError(f"the register does not say {expected!r}")
            for server in servers.values():
                load(server, warmup, 0)
            single = {key: alone(servers[key], ALONE) for key in servers}
            samples: dict[str, list[float]] = {key: [] for key in servers}
            walls = dict.fromkeys(servers, 0.0)
            per_round = requests // rounds
            keys = list(servers)
            for n in range(rounds):
                for key in keys[n % len(keys) :] + keys[: n % len(keys)]:
                    latencies, wall = load(servers[key], per_round, n * per_round, think)
                    samples[key].extend(latencies)
                    walls[key] += wall
        finally:
            for process in processes:
                process.terminate()
                process.wait(timeout=30)
            if not keep:
                for world in worlds.values():
                    drop_database(world["database"])
    results: dict[str, Any] = {
        "clients": CLIENTS,
        "workers": WORKERS,
        "worker_class": WORKER_CLASS,
        "warmup": warmup,
        "rounds": rounds,
        "requests": per_round * rounds,
        "alone_requests": ALONE,
        "think": think,
        "paths": [label for label, _ in mix("")],
        "static": summary(samples["static"], walls["static"]) | {"alone": single["static"]},
        UNCACHED: summary(samples[UNCACHED], walls[UNCACHED]) | {"alone": single[UNCACHED]},
    }
    for size, world in worlds.items():
        results[str(size)] = (
            {
                key: world[key]
                for key in (
                    "stored",
                    "agreements",
                    "versions",
                    "parties",
                    "organisations",
                    "people",
                    "visible",
                    "partners",
                    "partner_rows",
                    "wording_bytes",
                    "migrate_seconds",
                    "seed_seconds",
                )
            }
            | {
                "queries": sorted(set(world["queries"].values())),
                "queries_by_path": {
                    label: world["queries"][path] for label, path in mix(world["partner"])
                },
                "alone": single[str(size)],
            }
            | summary(samples[str(size)], walls[str(size)])
        )
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer requests")
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    parser.add_argument(
        "--think", type=float, default=0.0, help="mean pause of each client between pages (s)"
    )
    parser.add_argument("--seed", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed:
        return seed_main(args.seed, args.database, args.data_dir)
    if args.quick:
        results = run(requests=400, warmup=100, rounds=2, keep=args.keep, think=args.think)
    else:
        results = run(requests=2000, warmup=250, rounds=4, keep=args.keep, think=args.think)
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
