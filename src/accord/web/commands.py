"""The `accord` commands that need the web application: serve, demo, verify-audit, manage.

Kept apart from cli.py so that `accord assess` and `accord law` never load Django.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType
from typing import Any

# How long the background worker waits before trying a database that did not answer again,
# and production mode before starting a worker that stopped.
RETRY_SECONDS = 5


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


def serve_production(*, host: str, port: int, workers: int | None, allow_sqlite: bool) -> int:
    """gunicorn's processes and, beside them, the background worker, on PostgreSQL.

    Static files are collected at every start (hashed, compressed). Migrations are not applied:
    several machines may start at once, so `accord manage migrate` is a release step run once,
    and a database that still needs it is refused here. A database that cannot be reached is
    not: the site starts, answers 503 and recovers when the database is back.
    """
    os.environ["ACCORD_PRODUCTION"] = "1"  # read by the settings, here and in every child
    setup_django()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql" and not allow_sqlite:
        print(
            "accord: production mode runs on PostgreSQL: set DATABASE_URL=postgres://... "
            "(or, for a trial on one machine, add --allow-sqlite)",
            file=sys.stderr,
        )
        return 2
    if waiting := _migrations_waiting():
        print(
            f"accord: the database needs {len(waiting)} migration(s) first ({waiting[0]}...): "
            "run `accord manage migrate` once, then start again",
            file=sys.stderr,
        )
        return 2
    call_command("collectstatic", interactive=False, verbosity=0)
    connection.close()

    workers = workers or settings.ACCORD_WORKERS
    threads = settings.ACCORD_THREADS
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    web = subprocess.Popen(  # noqa: S603 - our own interpreter, our own arguments
        [
            *(sys.executable, "-m", "gunicorn", "accord.web.wsgi:application"),
            *("--bind", bind, "--workers", str(workers)),
            # Threads: a long export stream holds a thread, not the whole process, and the
            # process keeps answering gunicorn's heartbeat meanwhile.
            *("--worker-class", "gthread", "--threads", str(threads)),
            *("--access-logfile", "-", "--graceful-timeout", "30"),
            # This process supervises gunicorn; a control socket, one per user, would be shared
            # by every Accord on the machine.
            "--no-control-socket",
        ]
    )
    background = _start_worker()
    print(
        f"Accord is running in production mode at http://{bind}/: gunicorn (pid {web.pid}) with "
        f"{workers} processes of {threads} threads, and the background worker "
        f"(pid {background.pid}). Stop with Ctrl+C or SIGTERM.",
        flush=True,
    )
    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        while not stopping:
            if web.poll() is not None:
                print(f"accord: gunicorn stopped (exit {web.returncode})", file=sys.stderr)
                return web.returncode or 1
            if background.poll() is not None:
                print(
                    f"accord: the background worker stopped (exit {background.returncode}); "
                    f"starting another in {RETRY_SECONDS} s",
                    file=sys.stderr,
                    flush=True,
                )
                time.sleep(RETRY_SECONDS)
                background = _start_worker()
            time.sleep(0.2)
    finally:
        for child in (web, background):
            if child.poll() is None:
                child.terminate()
        for child in (web, background):
            try:
                child.wait(timeout=40)
            except subprocess.TimeoutExpired:
                child.kill()
    return 0


def _start_worker() -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "accord", "worker"])


def needs_migrating() -> bool:
    """True, having said what to do, when the database lacks migrations this code needs.

    For the commands that work on the database (verify-audit, checkpoint, sweep, remind,
    worker): after an upgrade they would otherwise fail on a missing table.
    """
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if not plan:
        return False
    first = plan[0][0]
    print(
        f"accord: the database needs {len(plan)} migration(s) first "
        f"({first.app_label}.{first.name}...): run `accord manage migrate`, then try again",
        file=sys.stderr,
    )
    return True


def _migrations_waiting() -> list[str]:
    """The migrations not yet applied; none when the database cannot be reached to ask."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from accord.web.errors import DATABASE_UNAVAILABLE

    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DATABASE_UNAVAILABLE as error:
        print(
            f"accord: cannot reach the database ({str(error).strip()}): starting anyway; pages "
            "answer 503 until it is back. Check that it needs no migrations.",
            file=sys.stderr,
            flush=True,
        )
        return []
    return [f"{migration.app_label}.{migration.name}" for migration, _ in plan]


def worker(*, sweep_seconds: int | None = None) -> int:
    """Run queued tasks (notices, the sweep, checkpoints) and queue the periodic ones.

    One process runs both: threads queue the sweep every ACCORD_SWEEP_SECONDS and a checkpoint
    every ACCORD_CHECKPOINT_SECONDS, unless one is already waiting, and django-tasks-db's worker
    runs whatever is queued. Several workers may run at once (on PostgreSQL): each task is
    claimed by one, every notice is claimed before it is sent, and a checkpoint is signed once.
    """
    setup_django()
    import threading

    from django.conf import settings
    from django.core.management import call_command
    from django.db import close_old_connections, connections
    from django_tasks_db.models import DBTaskResult

    from accord.apps.audit.tasks import checkpoint
    from accord.apps.reviews.tasks import sweep
    from accord.web.errors import DATABASE_UNAVAILABLE

    every = sweep_seconds or settings.ACCORD_SWEEP_SECONDS
    stop = threading.Event()

    def queue_every(task: Any, seconds: int, what: str) -> None:
        while not stop.is_set():
            try:
                waiting = DBTaskResult.objects.ready().filter(task_path=task.module_path)
                if not waiting.exists():
                    task.enqueue()
            except Exception as error:  # a worker keeps going: it says why and tries again
                print(f"accord worker: could not queue {what}: {error}", file=sys.stderr)
            finally:
                close_old_connections()
            stop.wait(seconds)

    for task, seconds, what in (
        (sweep, every, "the sweep"),
        (checkpoint, settings.ACCORD_CHECKPOINT_SECONDS, "a checkpoint"),
    ):
        threading.Thread(
            target=queue_every, args=(task, seconds, what), name=f"{task.name}-queuer", daemon=True
        ).start()
    print(
        f"Accord's worker is running: the sweep every {every} s, "
        f"checkpoints every {settings.ACCORD_CHECKPOINT_SECONDS} s.",
        flush=True,
    )
    try:
        while True:
            try:
                call_command("db_worker", interval=1, verbosity=1)
                return 0
            except DATABASE_UNAVAILABLE as error:
                # Back to waiting rather than dying: the queue is in the database, so nothing
                # is lost meanwhile, and the work carries on once it answers again.
                print(
                    f"accord worker: the database is unavailable ({str(error).strip()}); "
                    f"trying again in {RETRY_SECONDS} s",
                    file=sys.stderr,
                    flush=True,
                )
                with contextlib.suppress(*DATABASE_UNAVAILABLE):  # gone already
                    connections.close_all()
                time.sleep(RETRY_SECONDS)
    finally:
        stop.set()


def sweep_once() -> int:
    """Run the sweep now, in this process; the notices it queues go to the worker."""
    setup_django()
    if needs_migrating():
        return 2
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


SHOWN_PROBLEMS = 6  # a rewrite can fail hundreds of checkpoints: the first few say enough


def verify_audit(*, checkpoints: Path | None = None) -> int:
    """Check both hash chains and every signed checkpoint of them; name the first problem.

    `checkpoints`: a file of checkpoints downloaded earlier from the transparency register
    (/api/v1/transparency/checkpoints), or a copy of the checkpoint log, to compare as well.
    """
    setup_django()
    if needs_migrating():
        return 2
    from accord.apps.audit.keys import key_file, verifying_key
    from accord.apps.audit.services import chains_verify

    published, key, note = _published(checkpoints) if checkpoints else ([], None, "")
    if note:
        print(note)
    verification = chains_verify(published=published, public_key=key)
    if (
        key is None
        and verifying_key() is None
        and any(r.checkpoints for _, r in verification.chains)
    ):
        print(
            f"accord: there are signed checkpoints but no key file at {key_file()} to check them "
            "with: restore it from its backup (or set ACCORD_CHECKPOINT_KEY_FILE).",
            file=sys.stderr,
        )
    for line in verification.unreadable:
        print(f"accord: {line}.", file=sys.stderr)
    for chain, report in verification.chains:
        name = chain.label
        if report.broken is not None:
            problem = report.broken
            print(
                f"accord: the {name} does NOT verify: entry #{problem.sequence} {problem.reason}. "
                f"Entries before #{problem.sequence} verify.",
                file=sys.stderr,
            )
        if report.problems:
            first = report.problems[0]
            size = first.checkpoint.statement.size
            print(
                f"accord: the {name} does NOT match {first.checkpoint.label}: {first.reason}.",
                file=sys.stderr,
            )
            good = report.last_good
            if good is not None and good.statement.size < size:
                print(
                    f"  T{good.label[1:]} holds: the first {good.statement.size:,} "
                    f"entries are as signed, so the change is among entries "
                    f"#{good.statement.size + 1} to #{size}.",
                    file=sys.stderr,
                )
            for other in report.problems[1:SHOWN_PROBLEMS]:
                print(f"  Also {other.checkpoint.label}: {other.reason}.", file=sys.stderr)
            if (more := len(report.problems) - SHOWN_PROBLEMS) > 0:
                print(f"  ...and {more} more problems with its checkpoints.", file=sys.stderr)
        if report.ok:
            holding = report.checkpoints
            good = report.last_good
            latest = (
                f"; {holding} signed checkpoint{'s' if holding != 1 else ''} "
                f"hold{'s' if holding == 1 else ''}, the latest at {good.statement.size:,} "
                f"entries, signed {good.signed}"
                if good is not None
                else "; no checkpoint signed yet"
            )
            print(f"The {name} verifies: {report.checked} entries, chain intact{latest}.")
    return 0 if verification.ok else 1


def _published(path: Path) -> tuple[list[Any], Any, str]:
    """Checkpoints from a downloaded file: (checkpoints, the key it names if we have none, a note).

    Either the register's JSON ({"public_key": ..., "checkpoints": [...]}) or JSON lines, as in
    the checkpoint log.
    """
    from accord.apps.audit.keys import from_data, public_key_from_pem, verifying_key
    from accord.cli import UserError
    from accord.core.checkpoint import InvalidCheckpoint
    from accord.core.checkpoint import key_id as key_id_of

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise UserError(f"{path}: cannot read it ({error})") from None
    try:
        data = json.loads(text)
        items = data.get("checkpoints") if isinstance(data, dict) else data
        given_pem = ((data.get("public_key") or {}).get("pem")) if isinstance(data, dict) else None
    except ValueError:
        try:
            items = [json.loads(line) for line in text.splitlines() if line.strip()]
        except ValueError:
            raise UserError(
                f"{path} is neither the register's checkpoints JSON nor a checkpoint log"
            ) from None
        given_pem = None
    if not isinstance(items, list):
        raise UserError(f"{path} has no list of checkpoints")
    try:
        checkpoints = [from_data(item) for item in items]
    except InvalidCheckpoint as error:
        raise UserError(f"{path} holds something that is not a checkpoint: {error}") from None
    ours = verifying_key()
    if not isinstance(given_pem, str):
        return checkpoints, None, ""
    try:
        given = public_key_from_pem(given_pem)
    except ValueError:
        raise UserError(f"{path}: its public key is not an Ed25519 key in PEM") from None
    if ours is None:
        note = (
            f"No signing key here: checking signatures under the key in {path} "
            f"({key_id_of(given)[:16]}…)."
        )
        return checkpoints, given, note
    if key_id_of(given) != key_id_of(ours):
        raise UserError(
            f"{path} was published under key {key_id_of(given)[:16]}…, not this server's key "
            f"{key_id_of(ours)[:16]}…: the key was replaced, or the file is not from this server"
        )
    return checkpoints, None, ""


def checkpoint() -> int:
    """Sign a checkpoint of each chain that has grown since its last one (the worker does too)."""
    setup_django()
    if needs_migrating():
        return 2
    from accord.apps.audit.services import ChainBroken, checkpoint_issue

    try:
        issued = checkpoint_issue()
    except ChainBroken as error:
        print(f"accord: {error}", file=sys.stderr)
        return 1
    for row in issued:
        print(
            f"Signed a checkpoint of the {row.chain} log at {row.size:,} entries: root {row.root}."
        )
    if not issued:
        print("Nothing to sign: neither log has grown since its last checkpoint.")
    return 0


def remind() -> int:
    """Send the reminders that are due (late signatories, then deputies); run it daily."""
    setup_django()
    if needs_migrating():
        return 2
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
