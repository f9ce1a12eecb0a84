"""E-mail notices waiting to go, or gone: an outbox written in the same transaction as their cause.

A notice's key names its cause (the review, the reminder stage, the incident), and the key is
unique: one cause gives one notice, however often the sweep that finds causes runs. The worker
sends a notice and records when; a failed send is kept with its error and tried again later.
"""

from __future__ import annotations

from django.db import models


class Notice(models.Model):
    key = models.CharField(max_length=200, unique=True)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    recipients = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    # When an unsent notice may next be tried: now for a new one, later after a failure.
    next_attempt_at = models.DateTimeField()
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(sent_at__isnull=True),
                name="notice_unsent_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.key}: {self.subject}"
