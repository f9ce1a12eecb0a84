"""The demo that `make run` loads reaches every stage, a live exchange included."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from accord.apps.agreements.models import Agreement
from accord.apps.audit.services import audit_verify
from accord.apps.exchange.models import Dataset
from accord.apps.exchange.selectors import channel_closures
from accord.web.demo import demo_load

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_live_agreement_with_a_mapped_dataset_and_an_intact_audit_chain() -> None:
    demo_load(today=timezone.localdate())
    statuses = set(Agreement.objects.values_list("status", flat=True))
    assert statuses == {Agreement.NEGOTIATING, Agreement.LIVE}
    live = Agreement.objects.get(status=Agreement.LIVE)
    assert channel_closures(live, today=timezone.localdate()) == ()
    dataset = Dataset.objects.get(agreement=live)
    assert dataset.row_count == 40
    assert dataset.key_column == "UPN"
    shared = {c.name for c in dataset.columns.all() if c.data_item}
    assert "FSM" not in shared
    assert len(shared) == 6
    assert audit_verify()[1] is None
    # Both parties agreed to publish it, so the public register shows it without signing in.
    page = Client().get("/transparency/").content.decode()
    assert live.initiative.title in page
