"""PostgreSQL tables and views a provider registers, read in place through a read-only connection."""
# TO BE WRITTEN by the datasets helper: read_page(dataset, names, *, offset, limit).

from __future__ import annotations

from collections.abc import Sequence

from accord.apps.exchange.models import Dataset


def read_page(
    dataset: Dataset, names: Sequence[str], *, offset: int, limit: int
) -> list[tuple[object, ...]]:
    raise NotImplementedError
