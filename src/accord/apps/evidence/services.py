"""Changing the security evidence library: permission, change and audit in one transaction.

A file is checked by its content (accord.core.filetypes), written under a random name with a
temporary file and an atomic rename, and only then recorded. If recording fails the file is
removed again, so there is never a row without its file nor a half-written file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accord.apps.audit.services import audit_record
from accord.apps.evidence.models import EvidenceItem
from accord.apps.evidence.selectors import evidence_dir
from accord.apps.organisations.selectors import roles_by_organisation
from accord.core.access import may_in_organisation
from accord.core.evidence import EVIDENCE_KINDS, date_problems
from accord.core.filetypes import Checked, FileRefused, check_upload, refuse_if_too_big
from accord.web.private_files import write_private

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from accord.apps.accounts.models import User
    from accord.apps.organisations.models import Organisation


def _require_manage(actor: User, organisation: Organisation) -> None:
    roles = roles_by_organisation(user=actor).get(organisation.pk, frozenset())
    if not may_in_organisation("evidence.manage", roles=roles):
        raise PermissionDenied(
            f"Only an IG officer, DPO, SIRO or administrator of {organisation.name} can change "
            "its security evidence"
        )


def _read_checked(upload: UploadedFile[bytes], max_bytes: int) -> tuple[bytes, Checked]:
    """The upload's bytes and real type; FileRefused before reading more than max_bytes + 1."""
    filename = upload.name or ""
    refuse_if_too_big(upload.size or 0, filename, max_bytes)
    upload.seek(0)
    data = upload.read(max_bytes + 1)
    return data, check_upload(data, filename, max_bytes)


def _store(data: bytes) -> tuple[str, Path]:
    """Write the file under a new random name: a temporary file, then an atomic rename."""
    stored_name = uuid.uuid4().hex
    path = evidence_dir() / stored_name
    write_private(path, data)
    return stored_name, path


def evidence_add(
    actor: User,
    organisation: Organisation,
    kind: str,
    reference: str,
    issued_on: dt.date,
    expires_on: dt.date | None,
    upload: UploadedFile[bytes],
    *,
    today: dt.date | None = None,
) -> EvidenceItem:
    """Add a piece of evidence to the organisation's library.

    Raises PermissionDenied for people who may not manage its evidence, and ValidationError
    with messages for people keyed by field ("kind", "reference", "issued_on", "expires_on",
    "file": the refusal from accord.core.filetypes) when anything is wrong.
    """
    _require_manage(actor, organisation)
    today = today or timezone.localdate()
    reference = reference.strip()
    errors: dict[str, str] = {}
    if kind not in EVIDENCE_KINDS:
        errors["kind"] = "Choose the kind of evidence"
    else:
        errors.update(date_problems(kind, issued_on, expires_on))
    if issued_on > today:
        errors["issued_on"] = "The issue date must be today or in the past"
    if len(reference) > 100:
        errors["reference"] = "The reference must be 100 characters or fewer"
    checked: Checked | None = None
    try:
        data, checked = _read_checked(upload, settings.ACCORD_EVIDENCE_MAX_BYTES)
    except FileRefused as refused:
        errors["file"] = refused.message
    if errors or checked is None:
        raise ValidationError(errors)

    stored_name, path = _store(data)
    try:
        with transaction.atomic():
            item = EvidenceItem(
                organisation=organisation,
                kind=kind,
                reference=reference,
                issued_on=issued_on,
                expires_on=expires_on,
                original_filename=checked.filename,
                stored_name=stored_name,
                content_type=checked.content_type,
                size=checked.size,
                sha256=hashlib.sha256(data).hexdigest(),
                uploaded_by=actor,
            )
            item.full_clean()
            item.save()
            audit_record(
                actor=actor,
                verb="evidence.added",
                target=item,
                organisation=organisation,
                summary=f"{EVIDENCE_KINDS[kind].label} added to the security evidence "
                f"({checked.filename})",
                data={
                    "kind": kind,
                    "reference": reference,
                    "issued_on": issued_on.isoformat(),
                    "expires_on": expires_on.isoformat() if expires_on else None,
                    "filename": checked.filename,
                    "content_type": checked.content_type,
                    "size": checked.size,
                    "sha256": item.sha256,
                },
            )
    except BaseException:
        # Nothing half-done: no row was committed, so the file goes too. (Called inside a
        # larger transaction that later rolls back, the file stays, unreferenced and unserved.)
        path.unlink(missing_ok=True)
        raise
    return item


def evidence_withdraw(actor: User, item: EvidenceItem) -> EvidenceItem:
    """Stop offering an item: it leaves the library and no longer counts. The file and the row
    stay, for the record of what agreements relied on. Withdrawing twice changes nothing."""
    _require_manage(actor, item.organisation)
    with transaction.atomic():
        locked = EvidenceItem.objects.select_for_update().get(pk=item.pk)
        if locked.withdrawn_at is None:
            locked.withdrawn_at = timezone.now()
            locked.save(update_fields=["withdrawn_at"])
            audit_record(
                actor=actor,
                verb="evidence.withdrawn",
                target=locked,
                organisation=item.organisation,
                summary=f"{locked.kind_label} withdrawn from the security evidence "
                f"({locked.original_filename})",
                data={"kind": locked.kind, "reference": locked.reference, "sha256": locked.sha256},
            )
    item.withdrawn_at = locked.withdrawn_at
    return locked
