"""Queueing and delivering notices.

`notice_queue` writes a notice in the caller's transaction, so a notice exists exactly when its
cause was committed; once committed, the `deliver` task is queued for the background worker.
`notice_deliver` claims a notice with one UPDATE before sending, so two workers never both send
it, and records the send afterwards. A send that fails is kept, with its error, and tried again
after a growing wait by `notices_retry`, which the sweep runs.

Delivery is at most once per successful claim. Only a worker that dies after the mail server
accepted a message but before recording it can cause a repeat, after the claim has timed out.
"""

from __future__ import annotations

import datetime as dt
import smtplib
from collections.abc import Iterable

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.tasks import task
from django.utils import timezone

from accord.apps.notices.models import Notice

# How long a claimed notice is left to its worker before another may try it.
CLAIM_SECONDS = 300
# Waits after the 1st, 2nd, 3rd... failure; the last repeats.
RETRY_AFTER = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
)


def notice_queue(*, key: str, recipients: Iterable[str], subject: str, body: str) -> Notice | None:
    """Queue one notice for this cause; None if it was queued before or has no one to go to."""
    to = sorted({r.strip().lower() for r in recipients if r and r.strip()})
    if not to:
        return None
    try:
        with transaction.atomic():
            notice = Notice.objects.create(
                key=key[:200],
                subject=subject[:300],
                body=body,
                recipients=to,
                next_attempt_at=timezone.now(),
            )
    except IntegrityError:
        return None  # this cause has been told already
    transaction.on_commit(lambda: deliver.enqueue(notice.pk))
    return notice


def notice_deliver(notice_id: int, *, now: dt.datetime | None = None) -> bool:
    """Send one due notice; True if this call sent it."""
    now = now or timezone.now()
    claimed = Notice.objects.filter(
        pk=notice_id, sent_at__isnull=True, next_attempt_at__lte=now
    ).update(next_attempt_at=now + dt.timedelta(seconds=CLAIM_SECONDS))
    if not claimed:
        return False  # sent already, or another worker holds it, or it waits for a retry
    notice = Notice.objects.get(pk=notice_id)
    try:
        send_mail(notice.subject, notice.body, None, notice.recipients)
    except (OSError, smtplib.SMTPException) as error:
        wait = RETRY_AFTER[min(notice.attempts, len(RETRY_AFTER) - 1)]
        Notice.objects.filter(pk=notice_id).update(
            attempts=notice.attempts + 1,
            last_error=f"{type(error).__name__}: {error}"[:1000],
            next_attempt_at=timezone.now() + wait,
        )
        return False
    Notice.objects.filter(pk=notice_id).update(
        sent_at=timezone.now(), attempts=notice.attempts + 1, last_error=""
    )
    return True


def notices_retry(*, now: dt.datetime | None = None) -> int:
    """Queue delivery of every unsent notice whose wait is over; how many were queued."""
    now = now or timezone.now()
    due = list(
        Notice.objects.filter(sent_at__isnull=True, next_attempt_at__lte=now).values_list(
            "pk", flat=True
        )
    )
    for notice_id in due:
        deliver.enqueue(notice_id)
    return len(due)


@task()
def deliver(notice_id: int) -> bool:
    """The background worker's task: send one notice."""
    return notice_deliver(notice_id)
