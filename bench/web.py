"""Benchmarks for the web pages: the initiative list and an initiative's task list, with 10,000
initiatives visible to the person signed in (and 2,000 more they cannot see).

Each page is requested through Django's test client, in this process, through the whole
middleware stack (sessions, authentication, MFA, CSP...), signed in as an IG officer. There is no
HTTP server: the figures are Django's own time, database included. The baseline is a trivial page
measured with the same client in the same run, interleaved with the pages measured:
  - `/accessibility/`, a static template page rendered by a one-line view.

The database is a throwaway SQLite file in a temporary directory, migrated and filled with
bulk_create (the services would take minutes for 10,000 initiatives). The initiative whose task
list is measured is imported and assessed through the services, so that its page is real.

Run with `make bench` (bench/run.py writes the figures into docs/benchmarks.md), or on its own:
`python bench/web.py [--quick]`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "src" / "accord" / "examples" / "mash-children.yaml"
VISIBLE = 10_000
INVISIBLE = 2_000
OTHER_ORGANISATIONS = 60
TODAY = dt.date(2026, 11, 25)
# The example's parties, so that importing it matches them by name.
EXAMPLE_ORGANISATIONS = (
    ("Northshire County Council", "local-authority", ["childrens-services", "education"]),
    ("Northshire Police", "police", []),
    ("Northshire Integrated Care Board", "icb", []),
    ("Northshire Community Health NHS Trust", "nhs-trust", []),
    ("Ashgrove Academy", "school", []),
)
OTHER_TYPES = ("local-authority", "police", "nhs-trust", "icb", "school", "housing-provider")


@dataclass(frozen=True, slots=True)
class Page:
    key: str
    label: str
    path: str
    samples: list[float]
    queries: int


@dataclass(frozen=True, slots=True)
class Results:
    pages: list[Page]
    baseline: Page
    repeat: int
    warmup: int
    setup_seconds: float
    stored: int
    visible: int


@contextmanager
def django_in(directory: Path) -> Iterator[None]:
    """Configure Django on a fresh SQLite database in `directory`, whatever the environment says."""
    os.environ["ACCORD_DATA_DIR"] = str(directory)
    os.environ["ACCORD_STATIC_ROOT"] = str(directory / "static")
    os.environ["DATABASE_URL"] = f"sqlite:///{directory / 'bench.sqlite3'}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "accord.web.settings"
    for name in ("ACCORD_DEBUG", "ACCORD_SECRET_KEY"):
        os.environ.pop(name, None)
    import django
    from django.core.management import call_command
    from django.db import connections

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    try:
        yield
    finally:
        connections.close_all()


def populate() -> tuple[Any, int]:
    """Organisations, people, 12,000 initiatives; returns the IG officer and the assessed one."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from accord.apps.accounts.models import User
    from accord.apps.initiatives import services
    from accord.apps.initiatives.models import Initiative, InitiativeParty
    from accord.apps.organisations.models import Membership, Organisation

    rng = random.Random(20261125)
    organisations = [
        Organisation(name=name, type=type_, functions=functions)
        for name, type_, functions in EXAMPLE_ORGANISATIONS
    ] + [
        Organisation(
            name=f"Bench Organisation {i:03d}",
            type=OTHER_TYPES[i % len(OTHER_TYPES)],
            functions=["adult-social-care", "housing"] if i % len(OTHER_TYPES) == 0 else [],
        )
        for i in range(OTHER_ORGANISATIONS)
    ]
    Organisation.objects.bulk_create(organisations)
    organisations = list(Organisation.objects.order_by("pk"))
    council, others = organisations[0], organisations[1:]

    user = User.objects.create_user(
        "ig.officer@northshire.example", "correct horse battery staple", full_name="Ig Officer"
    )
    Membership.objects.create(user=user, organisation=council, role="ig-officer")
    # Three other people in every organisation, so that memberships are not trivially small.
    unusable = make_password(None)
    people = User.objects.bulk_create(
        User(email=f"person{i}@bench.example", full_name=f"Person {i}", password=unusable)
        for i in range(3 * len(organisations))
    )
    Membership.objects.bulk_create(
        Membership(user=person, organisation=organisations[i // 3], role=role)
        for i, (person, role) in enumerate(
            zip(people, ["ig-officer", "dpo", "siro"] * len(organisations), strict=True)
        )
    )

    # The initiative whose task list is measured: imported and assessed like a real one.
    initiative, _ = services.initiative_import(
        actor=user, lead=council, text=EXAMPLE.read_text(encoding="utf-8"), filename=EXAMPLE.name
    )
    services.initiative_assess(actor=user, initiative=initiative, today=TODAY)
    content = dict(initiative.content)

    def make(count: int, *, visible: bool) -> None:
        rows = []
        for i in range(count):
            lead = council if visible and i % 3 == 0 else rng.choice(others)
            rows.append(
                Initiative(
                    title=f"{'Shared' if visible else 'Private'} initiative {i:05d}",
                    lead=lead,
                    content=content,
                    created_by=user,
                    description_confirmed=i % 2 == 0,
                )
            )
        with transaction.atomic():
            Initiative.objects.bulk_create(rows, batch_size=1000)
            parties = []
            for row in rows:
                members = {row.lead, *rng.sample(others, rng.randint(1, 3))}
                members.discard(council)
                if visible:
                    members.add(council)
                for organisation in members:
                    parties.append(
                        InitiativeParty(
                            initiative=row,
                            organisation=organisation,
                            role="both" if organisation == row.lead else "discloses",
                            functions=list(organisation.functions),
                        )
                    )
            InitiativeParty.objects.bulk_create(parties, batch_size=2000)

    make(INVISIBLE, visible=False)
    make(VISIBLE - 1, visible=True)  # and the imported one
    # Stored in an order unrelated to the list's (most recently changed first).
    assert Initiative.objects.count() == VISIBLE + INVISIBLE
    return user, initiative.pk


def signed_in(user: Any) -> Any:
    """A client signed in as `user`, as the sign-in page would leave it."""
    from django.test import Client

    from accord.apps.accounts.middleware import SIGNED_IN_AT

    client = Client()
    client.force_login(user)
    session = client.session
    session[SIGNED_IN_AT] = time.time()
    session.save()
    return client


def get(client: Any, path: str) -> float:
    start = time.perf_counter()
    response = client.get(path)
    elapsed = (time.perf_counter() - start) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"GET {path} answered {response.status_code}, not 200")
    return elapsed


def count_queries(client: Any, path: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        get(client, path)
    return len(captured.captured_queries)


def run(repeat: int = 200, warmup: int = 20) -> Results:
    started = time.perf_counter()
    with (
        tempfile.TemporaryDirectory(prefix="accord-bench-") as directory,
        django_in(Path(directory)),
    ):
        user, pk = populate()
        setup_seconds = time.perf_counter() - started
        client = signed_in(user)
        targets = [
            ("list", "/initiatives/"),
            ("list-last", f"/initiatives/?page={VISIBLE // 25}"),
            ("tasks", f"/initiatives/{pk}/"),
            ("baseline", "/accessibility/"),
        ]
        list_page = client.get("/initiatives/").content.decode()
        if f"{VISIBLE} initiatives" not in list_page:
            raise RuntimeError(f"the list does not show {VISIBLE} initiatives")
        for _ in range(warmup):
            for _, path in targets:
                get(client, path)
        samples: dict[str, list[float]] = {key: [] for key, _ in targets}
        # Interleaved, so that the pages and the baseline see the same machine.
        for _ in range(repeat):
            for key, path in targets:
                samples[key].append(get(client, path))
        queries = {key: count_queries(client, path) for key, path in targets}
    labels = {
        "list": f"initiative list `/initiatives/`, page 1 of {VISIBLE // 25}",
        "list-last": f"initiative list, last page (`?page={VISIBLE // 25}`)",
        "tasks": "task list `/initiatives/<pk>/` (MASH example, assessed)",
        "baseline": "`/accessibility/`: static template, same client and middleware",
    }
    pages = {key: Page(key, labels[key], path, samples[key], queries[key]) for key, path in targets}
    return Results(
        pages=[pages["list"], pages["list-last"], pages["tasks"]],
        baseline=pages["baseline"],
        repeat=repeat,
        warmup=warmup,
        setup_seconds=setup_seconds,
        stored=VISIBLE + INVISIBLE,
        visible=VISIBLE,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer requests")
    args = parser.parse_args()
    started = time.perf_counter()
    results = run(repeat=20 if args.quick else 200)
    for page in [*results.pages, results.baseline]:
        ordered = sorted(page.samples)
        print(
            f"{page.label}: median {statistics.median(ordered):.2f} ms, "
            f"p95 {ordered[int(len(ordered) * 0.95) - 1]:.2f} ms, {page.queries} SQL queries"
        )
    print(
        f"\n{results.stored} initiatives stored, {results.visible} visible; "
        f"{results.repeat} requests per page; set-up {results.setup_seconds:.1f} s, "
        f"total {time.perf_counter() - started:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
