"""Initiatives and the work recorded on them: assessments, decisions, fairness, DPIA, mechanism.

Persistence only: the rules live in accord.core, the changes in services.py.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.conf import settings
from django.db import models

from accord.core import codes
from accord.core.dpia import LIKELIHOODS, SEVERITIES, risk_level

USER = settings.AUTH_USER_MODEL


class Initiative(models.Model):
    """A proposal to share personal data, led by one organisation with its partners."""

    title = models.CharField(max_length=300)
    lead = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="led_initiatives"
    )
    # The initiative file's fields (format 1) other than title and parties.
    content = models.JSONField(default=dict)
    description_confirmed = models.BooleanField(default=False)
    # Chosen in the Mechanism task; the file's `mechanism` is only a proposal.
    mechanism = models.CharField(max_length=40, blank=True)
    mechanism_reason = models.TextField(blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        indexes = [models.Index(fields=["-updated_at"])]

    def __str__(self) -> str:
        return self.title

    def format_data(self) -> dict[str, Any]:
        """The initiative in the file format (format 1), ready to check, assess or export."""
        data: dict[str, Any] = {"format": 1, "title": self.title}
        data.update(self.content)
        parties = self.parties.select_related("organisation")
        data["parties"] = [party.format_data() for party in parties]
        if self.mechanism:
            data["mechanism"] = self.mechanism
        return data

    def description_hash(self) -> str:
        """Changes when anything the assessment depends on changes (not the chosen mechanism)."""
        data = self.format_data()
        data.pop("mechanism", None)
        data["mechanism"] = self.content.get("mechanism")
        canonical = json.dumps(data, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


class InitiativeParty(models.Model):
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="parties")
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="party_to"
    )
    role = models.CharField(max_length=20, choices=[(r, codes.label(r)) for r in codes.ROLES])
    # A local authority's functions engaged by this sharing: they decide which gateways fit.
    functions = models.JSONField(default=list, blank=True)
    # The party's contact for the agreement, named when it joins (the lead's when it drafts).
    contact_name = models.CharField(max_length=200, blank=True)
    contact_email = models.EmailField(blank=True)
    joined_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["initiative", "organisation"], name="organisation_is_party_once"
            )
        ]
        # Who sees what starts from a person's organisations: their initiatives are read from
        # this index alone, without visiting each party row (bench/register.py).
        indexes = [
            models.Index(fields=["organisation", "initiative"], name="party_organisation_first")
        ]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.role})"

    def format_data(self) -> dict[str, Any]:
        organisation = self.organisation
        data: dict[str, Any] = {
            "name": organisation.name,
            "type": organisation.type,
            "role": self.role,
        }
        if self.functions:
            data["functions"] = list(self.functions)
        return data


class Assessment(models.Model):
    """One run of the engine, kept whole so the decision can be replayed and explained."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="assessments")
    assessed_on = models.DateField()
    law_version = models.CharField(max_length=40)
    description_hash = models.CharField(max_length=64)
    initiative_snapshot = models.JSONField()  # the format-1 data that was assessed
    result = models.JSONField()  # accord.assessment/1
    verdict = models.CharField(max_length=10)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        get_latest_by = "id"

    def __str__(self) -> str:
        return f"Assessment {self.pk} of {self.initiative}"


class ConclusionDecision(models.Model):
    ACCEPTED, OVERRIDDEN = "accepted", "overridden"

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="decisions")
    key = models.CharField(max_length=200)
    decision = models.CharField(
        max_length=10, choices=[(ACCEPTED, "Accepted"), (OVERRIDDEN, "Overridden")]
    )
    reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "key"], name="one_decision_per_conclusion"
            )
        ]

    def __str__(self) -> str:
        return f"{self.key}: {self.decision}"


class FairnessAnswer(models.Model):
    """An answer to a necessity or fairness question, kept across re-assessments."""

    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="fairness_answers"
    )
    question_id = models.CharField(max_length=100)
    answer = models.CharField(max_length=3, blank=True)  # yes | no | "" for open questions
    explanation = models.TextField()
    answered_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["initiative", "question_id"], name="one_answer_per_question"
            )
        ]

    def __str__(self) -> str:
        return f"{self.question_id}: {self.answer}"


class Dpia(models.Model):
    """The DPIA screening outcome and, where one is needed, the DPIA itself (ICO template)."""

    initiative = models.OneToOneField(Initiative, on_delete=models.CASCADE, related_name="dpia")
    needed = models.BooleanField(null=True)
    screening_reason = models.TextField(blank=True)
    screened_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    dpo_advice = models.TextField(blank=True)
    dpo_advised_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    dpo_advised_at = models.DateTimeField(null=True, blank=True)
    advice_followed = models.BooleanField(null=True)
    advice_response = models.TextField(blank=True)
    responded_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"DPIA for {self.initiative}"


class DpiaRisk(models.Model):
    dpia = models.ForeignKey(Dpia, on_delete=models.CASCADE, related_name="risks")
    description = models.TextField()
    likelihood = models.CharField(max_length=10, choices=[(v, v.capitalize()) for v in LIKELIHOODS])
    severity = models.CharField(max_length=12, choices=[(v, v.capitalize()) for v in SEVERITIES])
    measures = models.TextField()
    residual_likelihood = models.CharField(
        max_length=10, choices=[(v, v.capitalize()) for v in LIKELIHOODS]
    )
    residual_severity = models.CharField(
        max_length=12, choices=[(v, v.capitalize()) for v in SEVERITIES]
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.description[:60]

    @property
    def level(self) -> str:
        return risk_level(self.likelihood, self.severity)

    @property
    def residual_level(self) -> str:
        return risk_level(self.residual_likelihood, self.residual_severity)
