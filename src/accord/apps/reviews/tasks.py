"""The sweep as a task for the background worker, which queues it every ACCORD_SWEEP_SECONDS."""

from __future__ import annotations

from django.conf import settings
from django.tasks import task

from accord.apps.agreements.services import reminders_send
from accord.apps.reviews.services import reviews_sweep


@task()
def sweep() -> dict[str, int]:
    """Raise the reviews due, send the reminders owed (reviews and signatures), retry notices."""
    swept = reviews_sweep()
    signatures = reminders_send(base_url=settings.ACCORD_BASE_URL)
    return {
        "reviews_raised": len(swept.raised),
        "review_reminders": swept.reminders,
        "signature_reminders": len(signatures),
        "law_changed": len(swept.law_changed),
        "notices_retried": swept.retried,
    }
