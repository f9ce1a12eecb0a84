"""The `accord` commands that need the web application: serve, demo, verify-audit, manage.

Kept apart from cli.py so that `accord assess` and `accord law` never load Django.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.web.settings")
    import django

    django.setup()


def prepare(*, demo: bool) -> None:
    """Migrate the database and, on an empty one, load the demo."""
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    if demo:
        from accord.apps.organisations.models import Organisation
        from accord.web.demo import demo_load

        if not Organisation.objects.exists():
            print("Loading the demo data...", flush=True)
            demo_load(today=dt.date.today())


def print_demo_sign_ins(host: str, port: int) -> None:
    from accord.apps.organisations.models import Membership
    from accord.web.demo import PASSWORD, PEOPLE, demo_is_loaded

    if not demo_is_loaded():
        return
    print(f"\nAccord is running at http://{host}:{port}/\n")
    print(f"Demo sign-ins (password for all: {PASSWORD}):")
    for person in PEOPLE:
        roles = ", ".join(
            Membership.objects.filter(user__email=person.email)
            .order_by("role")
            .values_list("role", flat=True)
        )
        what = "site administrator" if person.site_admin else roles
        print(f"  {person.email:34} {what:28} {person.organisation}")
    print(
        "\nSignatories (SIRO, Caldicott Guardian) and administrators set up an authenticator app "
        "at first sign-in.\nStart with ig@northshire.example. Stop with Ctrl+C.\n",
        flush=True,
    )


def serve(*, host: str, port: int, demo: bool) -> int:
    """The site and, beside it, the background worker that sends notices and runs the sweep."""
    setup_django()
    prepare(demo=demo)
    from django.core.management import call_command

    worker_process = subprocess.Popen([sys.executable, "-m", "accord", "worker"])
    try:
        print_demo_sign_ins(host, port)
        call_command("runserver", f"{host}:{port}", use_reloader=False, verbosity=0)
    finally:
        worker_process.terminate()
        worker_process.wait(timeout=30)
    return 0


def worker(*, sweep_seconds: int | None = None) -> int:
    """Run queued tasks (notices, the sweep) and queue the sweep every ACCORD_SWEEP_SECONDS.

    One process runs both: a thread queues the sweep, unless one is already waiting, and
    django-tasks-db's worker runs whatever is queued. Several workers may run at once (on
    PostgreSQL): each task is claimed by one, and every notice is claimed before it is sent.
    """
    setup_django()
    import threading

    from django.conf import settings
    from django.core.management import call_command
    from django.db import close_old_connections
    from django_tasks_db.models import DBTaskResult

    from accord.apps.reviews.tasks import sweep

    every = sweep_seconds or settings.ACCORD_SWEEP_SECONDS
    stop = threading.Event()

    def queue_sweeps() -> None:
        while not stop.is_set():
            try:
                waiting = DBTaskResult.objects.ready().filter(task_path=sweep.module_path)
                if not waiting.exists():
                    sweep.enqueue()
            except Exception as error:  # a worker keeps going: it says why and tries again
                print(f"accord worker: could not queue the sweep: {error}", file=sys.stderr)
            finally:
                close_old_connections()
            stop.wait(every)

    thread = threading.Thread(target=queue_sweeps, name="sweep-queuer", daemon=True)
    thread.start()
    print(f"Accord's worker is running: the sweep every {every} s.", flush=True)
    try:
        call_command("db_worker", interval=1, verbosity=1)
    finally:
        stop.set()
    return 0


def sweep_once() -> int:
    """Run the sweep now, in this process; the notices it queues go to the worker."""
    setup_django()
    from accord.apps.reviews.tasks import sweep

    result = sweep.call()
    for name, count in result.items():
        print(f"{name.replace('_', ' ')}: {count}")
    return 0


def demo_command() -> int:
    setup_django()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from accord.web.demo import demo_is_loaded, demo_load

    if demo_is_loaded():
        print("accord: the demo is already loaded", file=sys.stderr)
        return 2
    demo_load(today=dt.date.today())
    print("Demo loaded.")
    return 0


def verify_audit() -> int:
    """Check both hash chains: the audit log and the disclosure log."""
    setup_django()
    from accord.apps.audit.services import audit_verify
    from accord.apps.exchange.services import disclosures_verify

    failed = False
    for name, verify in (("audit log", audit_verify), ("disclosure log", disclosures_verify)):
        checked, problem = verify()
        if problem is None:
            print(f"The {name} verifies: {checked} entries, chain intact.")
            continue
        failed = True
        print(
            f"accord: the {name} does NOT verify: entry #{problem.sequence} {problem.reason}. "
            f"Entries before #{problem.sequence} verify.",
            file=sys.stderr,
        )
    return 1 if failed else 0


def remind() -> int:
    """Send the reminders that are due (late signatories, then deputies); run it daily."""
    setup_django()
    from django.conf import settings

    from accord.apps.agreements.services import reminders_send

    sent = reminders_send(base_url=settings.ACCORD_BASE_URL)
    for reminder in sent:
        print(f"Reminded {', '.join(reminder.recipients)} ({reminder.role}, {reminder.stage})")
    print(f"{len(sent)} reminders sent.")
    return 0


def manage(argv: list[str]) -> int:
    setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["accord manage", *argv])
    return 0
