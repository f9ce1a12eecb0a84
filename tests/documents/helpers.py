"""Inputs for the document tests, and golden files.

Golden files live in tests/documents/golden/. A test that renders something compares it with its
golden file and fails when the output drifts; run with UPDATE_GOLDEN=1 to rewrite them, then
read the diff before committing it.
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import json
import os
import re
from pathlib import Path
from typing import Any

from accord.core.agreement.versions import content_hash
from accord.documents.model import DocumentInput, SignatureRecord

HERE = Path(__file__).parent
GOLDEN = HERE / "golden"
FIXTURE = HERE / "fixtures" / "agreement.json"
BASE_IRI = "https://accord.example/agreements/12/"
GENERATED_AT = dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC)
SCRIPT = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("x")'


def content() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(FIXTURE.read_text(encoding="utf-8"))
    return data


def section(data: dict[str, Any], key: str) -> dict[str, Any]:
    return next(s for s in data["sections"] if s["key"] == key)


def document(
    data: dict[str, Any] | None = None,
    *,
    status: str = "Draft",
    signed_by_all: bool = False,
    signatures: tuple[SignatureRecord, ...] = (),
    version: int = 3,
) -> DocumentInput:
    data = content() if data is None else data
    return DocumentInput(
        content=data,
        version=version,
        content_hash=content_hash(data),
        status=status,
        signed_by_all=signed_by_all,
        signatures=signatures,
        generated_at=GENERATED_AT,
        base_iri=BASE_IRI,
    )


def draft() -> DocumentInput:
    return document()


def signed() -> DocumentInput:
    data = content()
    digest = content_hash(data)
    return document(
        data,
        status="Signed",
        signed_by_all=True,
        signatures=(
            SignatureRecord(
                party="Riverside University Hospitals NHS Foundation Trust",
                role="siro",
                kind="sign",
                name="Dr Amara Okafor",
                signed_at=dt.datetime(2026, 11, 26, 9, 30, tzinfo=dt.UTC),
                version_hash=digest,
            ),
            SignatureRecord(
                party="Riverside City Council",
                role="dpo",
                kind="consult",
                name="Sam Jones",
                # British Summer Time does not apply in November: shown as 11:00 UTC.
                signed_at=dt.datetime(2026, 11, 26, 11, 0, tzinfo=dt.UTC),
                version_hash=digest,
            ),
        ),
    )


def hostile() -> DocumentInput:
    """Markup and a spreadsheet formula typed into the agreement, where people type."""
    data = copy.deepcopy(content())
    data["title"] = f"Discharge {SCRIPT} {FORMULA}"
    purpose = section(data, "purpose")
    purpose["text"] += f'\n\n{SCRIPT}\n- {FORMULA}\n- <img src="http://evil.example/x.png">'
    section(data, "parties")["values"]["parties"][1]["name"] = f"Council {SCRIPT}"
    return document(data)


def following() -> DocumentInput:
    """Baseline sections that follow an overarching agreement."""
    data = copy.deepcopy(content())
    data["overarching"] = {
        "title": "Riverside Health and Care Overarching Sharing Agreement",
        "reference": "OSA-0001",
        "version": 2,
        "hash": "ab" * 32,
    }
    for key in ("accuracy", "rights", "breaches", "termination"):
        section(data, key)["follows"] = {"reference": "OSA-0001", "version": 2, "hash": "ab" * 32}
    return document(data)


def check_golden(name: str, actual: str, *, ignore_whitespace: bool = False) -> None:
    """Compare with golden/<name>; UPDATE_GOLDEN=1 rewrites it instead.

    `ignore_whitespace` compares without any whitespace (for text whose line breaks depend on
    the fonts installed), but still shows a readable diff when the words differ.
    """
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    assert path.exists(), f"No golden file {path}: run with UPDATE_GOLDEN=1 to create it."
    expected = path.read_text(encoding="utf-8")
    if ignore_whitespace:
        same = re.sub(r"\s", "", actual) == re.sub(r"\s", "", expected)
    else:
        same = actual == expected
    if not same:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                actual.splitlines(keepends=True),
                fromfile=f"golden/{name}",
                tofile="rendered",
                n=2,
            )
        )
        raise AssertionError(
            f"{name} drifted from its golden file (UPDATE_GOLDEN=1 to accept):\n{diff[:6000]}"
        )
