"""Shared fixtures: the knowledge base is loaded once per test session."""

from __future__ import annotations

import datetime as dt

import pytest

from accord.core.assessment.engine import assess
from accord.core.assessment.initiative import Initiative, read_initiative
from accord.core.assessment.outcome import Assessment
from accord.core.law import Catalogue, default_law

TODAY = dt.date(2026, 11, 25)


@pytest.fixture(scope="session")
def law() -> Catalogue:
    return default_law()


def initiative(text: str) -> Initiative:
    return read_initiative(text, "test.yaml")


def assess_text(text: str, law: Catalogue) -> Assessment:
    return assess(initiative(text), law, today=TODAY)
