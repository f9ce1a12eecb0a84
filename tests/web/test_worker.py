"""The background worker for real: notices queued in the database, run by django-tasks-db's
worker, sent by SMTP to a local sink; a mail server that is down delays a notice, never loses
it or sends it twice; and `accord worker` as a process sweeps and sends on its own.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accord.apps.notices.models import Notice
from accord.apps.notices.services import RETRY_AFTER, notice_queue, notices_retry
from tests.web.exchange_helpers import live_agreement
from tests.web.test_smtp import smtp_sink  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db(transaction=True)
DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def smtp_to(port: int) -> dict[str, object]:
    return {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }


def run_worker() -> None:
    """django-tasks-db's worker, until the queue is empty."""
    call_command("db_worker", batch=True, interval=0, verbosity=0)


def test_notices_wait_in_the_database_until_the_worker_sends_them_by_smtp(
    settings: pytest.FixtureRequest,
    smtp_sink: tuple[int, list[str]],  # noqa: F811
) -> None:
    port, received = smtp_sink
    settings.TASKS = DATABASE_QUEUE  # type: ignore[attr-defined]
    settings.MAILERS = smtp_to(port)  # type: ignore[attr-defined]
    sharing = live_agreement()
    notice = notice_queue(
        key="test:one",
        recipients=[
            "Head@Brookfield.example",
            "head@brookfield.example",
            "siro@northshire.example",
        ],
        subject=f"Review needed: {sharing.agreement.reference}",
        body="Please review.",
    )
    assert notice is not None
    assert notice.recipients == [
        "head@brookfield.example",
        "siro@northshire.example",
    ]
    assert DBTaskResult.objects.ready().exists()
    assert not any("Please review." in m for m in received)  # nothing sent before the worker

    run_worker()
    assert sum("Please review." in m for m in received) == 1
    notice.refresh_from_db()
    assert notice.sent_at is not None
    assert notice.attempts == 1
    assert not DBTaskResult.objects.ready().exists()

    # The same cause again queues nothing; the worker and a retry sweep send nothing more.
    assert (
        notice_queue(key="test:one", recipients=["x@example.gov.uk"], subject="s", body="b") is None
    )
    assert notices_retry() == 0
    run_worker()
    assert sum("Please review." in m for m in received) == 1


def test_a_mail_server_that_is_down_delays_a_notice_which_is_sent_once_when_it_is_back(
    settings: pytest.FixtureRequest,
    smtp_sink: tuple[int, list[str]],  # noqa: F811
) -> None:
    port, received = smtp_sink
    settings.TASKS = DATABASE_QUEUE  # type: ignore[attr-defined]
    settings.MAILERS = smtp_to(1)  # nothing listens on port 1: connection refused
    notice = notice_queue(
        key="test:down", recipients=["ig@northshire.example"], subject="Overdue", body="Late."
    )
    assert notice is not None
    run_worker()
    notice.refresh_from_db()
    assert notice.sent_at is None
    assert notice.attempts == 1
    assert "ConnectionRefusedError" in notice.last_error
    assert notice.next_attempt_at > timezone.now()  # waits before trying again
    assert notices_retry() == 0  # not yet

    settings.MAILERS = smtp_to(port)  # the mail server is back
    later = timezone.now() + RETRY_AFTER[0] + dt.timedelta(seconds=1)
    Notice.objects.filter(pk=notice.pk).update(next_attempt_at=timezone.now())  # time passes
    assert notices_retry(now=later) == 1
    assert notices_retry(now=later) == 1  # queued twice by two sweeps...
    run_worker()
    assert sum("Late." in m for m in received) == 1  # ...sent once: each send is claimed
    notice.refresh_from_db()
    assert notice.sent_at is not None
    assert notice.attempts == 2
    assert notice.last_error == ""


@pytest.mark.django_db(transaction=True)
def test_accord_worker_sweeps_and_sends_on_its_own(
    tmp_path: Path,
    smtp_sink: tuple[int, list[str]],  # noqa: F811
) -> None:
    """`accord worker` as `make run` starts it, on a database of its own (a SQLite file)."""
    port, received = smtp_sink
    env = {
        **os.environ,
        "ACCORD_DATA_DIR": str(tmp_path),
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(port),
        "DJANGO_SETTINGS_MODULE": "accord.web.settings",
    }
    env.pop("DATABASE_URL", None)
    accord = [sys.executable, "-m", "accord"]
    subprocess.run([*accord, "manage", "migrate", "-v", "0"], env=env, check=True, timeout=120)
    # Queue a notice the way a service does, from another process.
    queue = (
        "from django.db import transaction\n"
        "from accord.apps.notices.services import notice_queue\n"
        "with transaction.atomic():\n"
        "    notice_queue(key='cli:1', recipients=['ig@northshire.example'],"
        " subject='From the worker', body='Sent by accord worker.')\n"
    )
    subprocess.run([*accord, "manage", "shell", "-c", queue], env=env, check=True, timeout=120)
    worker = subprocess.Popen(
        [*accord, "worker", "--sweep-seconds", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any(
            "Sent by accord worker." in m for m in received
        ):
            time.sleep(0.2)
        time.sleep(2)  # a few more sweeps: nothing is sent twice
    finally:
        worker.terminate()
        output, _ = worker.communicate(timeout=30)
    assert sum("Sent by accord worker." in m for m in received) == 1, output
    assert "Accord's worker is running" in output
    assert "accord.apps.reviews.tasks.sweep" in output  # the sweep ran on its schedule
