"""Secure file exchange (encrypted at rest, named recipients, expiry, logged downloads) and
sharing outside Accord recorded with the engine's guard-rails."""

from __future__ import annotations

import datetime as dt
import hashlib
import stat
from pathlib import Path
from typing import Any

import pyrage
import pytest
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accord.apps.accounts.models import User
from accord.apps.agreements.models import Agreement
from accord.apps.audit.models import AuditEntry
from accord.apps.exchange import crypto, files, services
from accord.apps.exchange.models import DisclosureEntry, ExternalMechanism, SharedFile
from accord.apps.organisations.models import Organisation
from accord.core.exchange.terms import clause
from tests.web.agreement_helpers import (
    ATTENDANCE,
    person,
)
from tests.web.conftest import signed_in
from tests.web.exchange_helpers import Sharing, live_agreement

pytestmark = pytest.mark.django_db

MARKER = b"PUPILS-BELOW-90-PERCENT-7f3a"
PDF = b"%PDF-1.7\n% " + MARKER + b"\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(100)
TODAY = timezone.localdate()


@pytest.fixture
def data_dir(settings: Any) -> Path:
    """The test's own data directory (conftest points DATA_DIR at tmp_path)."""
    return Path(settings.DATA_DIR)


@pytest.fixture
def sharing() -> Sharing:
    return live_agreement()


@pytest.fixture
def council_dpo(sharing: Sharing) -> User:
    """A member of the council who was not named as a recipient."""
    return User.objects.get(email="dpo@northshire.example")


def expiry(day: dt.date | None) -> dict[str, str]:
    if day is None:
        return {"expires-day": "", "expires-month": "", "expires-year": ""}
    return {
        "expires-day": str(day.day),
        "expires-month": str(day.month),
        "expires-year": str(day.year),
    }


def share(  # type: ignore[no-untyped-def]
    client: Client,
    sharing: Sharing,
    *,
    content: bytes = PDF,
    name: str = "pupils-below-90.pdf",
    recipients: list[User] | None = None,
    expires: dt.date | None = TODAY + dt.timedelta(days=30),
):
    data: dict[str, Any] = {
        "file": SimpleUploadedFile(name, content, content_type="application/octet-stream"),
        "recipients": [p.pk for p in (recipients if recipients is not None else [])],
        **expiry(expires),
    }
    return client.post(reverse("exchange:file-new", args=[sharing.agreement.pk]), data)


def shared_by_the_school(sharing: Sharing, **kwargs: Any) -> SharedFile:
    client = signed_in(sharing.school_ig, mfa=True)
    response = share(client, sharing, recipients=[sharing.practitioner], **kwargs)
    assert response.status_code == 302, response.content.decode()
    return SharedFile.objects.get()


def download_url(shared: SharedFile) -> str:
    return reverse("exchange:file-download", args=[shared.agreement_id, shared.pk])


def stored_files(data_dir: Path) -> list[Path]:
    return sorted(p for p in (data_dir / "exchange").rglob("*") if p.is_file())


# --- Sharing a file ---------------------------------------------------------------------------


def test_a_shared_file_is_encrypted_at_rest_and_decrypts_only_with_the_identity(
    sharing: Sharing, data_dir: Path
) -> None:
    shared = shared_by_the_school(sharing)

    assert (shared.provider, shared.recipient) == (sharing.school, sharing.council)
    assert list(shared.recipients.all()) == [sharing.practitioner]
    assert shared.filename == "pupils-below-90.pdf"
    assert shared.content_type == "application/pdf"
    assert (shared.size, shared.sha256) == (len(PDF), hashlib.sha256(PDF).hexdigest())
    assert timezone.localtime(shared.expires_at).date() == TODAY + dt.timedelta(days=30)

    [stored] = stored_files(data_dir)
    assert stored.name == shared.stored_name
    ciphertext = stored.read_bytes()
    assert ciphertext.startswith(b"age-encryption.org/v1")
    assert MARKER not in ciphertext
    # The plaintext was never written anywhere under the data directory.
    for path in data_dir.rglob("*"):
        assert not path.is_file() or MARKER not in path.read_bytes()
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600

    key_file = data_dir / "keys" / "exchange.agekey"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    secret = next(line for line in key_file.read_text().splitlines() if line.startswith("AGE-"))
    identity = pyrage.x25519.Identity.from_str(secret)
    assert pyrage.decrypt(ciphertext, [identity]) == PDF
    with pytest.raises(pyrage.DecryptError):
        pyrage.decrypt(ciphertext, [pyrage.x25519.Identity.generate()])

    entry = DisclosureEntry.objects.get()
    assert (entry.kind, entry.effect) == (DisclosureEntry.FILE_SHARED, "allow")
    assert (entry.party, entry.provider, entry.person) == (
        sharing.council,
        sharing.school,
        sharing.school_ig,
    )
    assert entry.payload_hash == shared.sha256
    audit = AuditEntry.objects.get(verb="file.shared")
    assert audit.actor == sharing.school_ig
    assert audit.data["sha256"] == shared.sha256


def test_the_key_file_can_be_kept_elsewhere_named_by_the_environment(
    sharing: Sharing, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "secrets" / "accord.agekey"
    monkeypatch.setenv(crypto.KEY_FILE_ENV, str(elsewhere))

    shared = shared_by_the_school(sharing)

    assert stat.S_IMODE(elsewhere.stat().st_mode) == 0o600
    assert not (data_dir / "keys").exists()
    assert crypto.decrypt_from_store(shared.stored_name) == PDF


def test_only_the_named_recipients_download_and_every_download_is_logged(
    sharing: Sharing, council_dpo: User, unrelated: Organisation
) -> None:
    shared = shared_by_the_school(sharing, name="Pupils below 90%.pdf")
    client = signed_in(sharing.practitioner, mfa=True)

    overview = client.get(reverse("exchange:overview", args=[sharing.agreement.pk]))
    assert download_url(shared) in overview.content.decode()
    for _ in range(2):
        response = client.get(download_url(shared))
        assert response.status_code == 200
        assert response.content == PDF
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == 'attachment; filename="Pupils_below_90.pdf"'
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in response["Cache-Control"]

    downloads = DisclosureEntry.objects.filter(kind=DisclosureEntry.FILE_DOWNLOAD)
    assert downloads.count() == 2
    for entry in downloads:
        assert (entry.effect, entry.person, entry.party) == (
            "allow",
            sharing.practitioner,
            sharing.council,
        )
        assert entry.payload_hash == hashlib.sha256(PDF).hexdigest()
        assert entry.record_count == 1

    outsider = person(unrelated, "ig-officer", email="ig@westmoor.example")
    for user in (council_dpo, sharing.council_ig, sharing.school_ig, outsider):
        assert signed_in(user, mfa=True).get(download_url(shared)).status_code == 404
    assert downloads.count() == 2
    with pytest.raises(PermissionDenied):
        files.file_download(actor=council_dpo, shared_file=shared)


def test_an_expired_file_is_refused_with_a_clear_page_and_the_refusal_is_logged(
    sharing: Sharing,
) -> None:
    shared = shared_by_the_school(sharing)
    yesterday = timezone.now() - dt.timedelta(days=1)
    SharedFile.objects.filter(pk=shared.pk).update(expires_at=yesterday)

    response = signed_in(sharing.practitioner, mfa=True).get(download_url(shared))

    assert response.status_code == 410
    html = response.content.decode()
    assert f"This file expired on {timezone.localtime(yesterday):%-d %B %Y}." in html
    assert MARKER.decode() not in html
    entry = DisclosureEntry.objects.get(kind=DisclosureEntry.FILE_DOWNLOAD)
    assert (entry.effect, entry.person, entry.payload_hash) == ("deny", sharing.practitioner, "")
    assert entry.provider == sharing.school
    assert entry.clauses == [clause("retention").number]
    assert entry.reason.startswith("The file expired on")


def test_a_download_while_sharing_is_suspended_is_refused_naming_the_clause(
    sharing: Sharing,
) -> None:
    shared = shared_by_the_school(sharing)
    services.suspend(actor=sharing.council_ig, agreement=sharing.agreement, reason="Audit")

    response = signed_in(sharing.practitioner, mfa=True).get(download_url(shared))

    assert response.status_code == 403
    html = response.content.decode()
    assert "The agreement is suspended." in html
    assert str(clause("termination")) in html
    assert response.get("Content-Disposition") is None
    entry = DisclosureEntry.objects.get(kind=DisclosureEntry.FILE_DOWNLOAD)
    assert (entry.effect, entry.payload_hash) == ("deny", "")
    assert entry.clauses == [clause("termination").number]


def test_a_share_while_sharing_is_suspended_is_refused_logged_and_nothing_is_kept(
    sharing: Sharing, data_dir: Path
) -> None:
    services.suspend(actor=sharing.council_ig, agreement=sharing.agreement, reason="Audit")
    page = signed_in(sharing.school_ig, mfa=True).get(
        reverse("exchange:file-new", args=[sharing.agreement.pk])
    )
    assert "Sharing is closed: no file can be shared now" in page.content.decode()

    with pytest.raises(services.ExchangeRefused, match=r"suspended.*clause 17 \(Termination\)"):
        files.file_share(
            actor=sharing.school_ig,
            agreement=sharing.agreement,
            upload=SimpleUploadedFile("pupils.pdf", PDF),
            recipient_people=[sharing.practitioner],
            expires_on=TODAY + dt.timedelta(days=7),
        )

    assert not SharedFile.objects.exists()
    assert stored_files(data_dir) == []
    entry = DisclosureEntry.objects.get()
    assert (entry.kind, entry.effect) == (DisclosureEntry.FILE_SHARED, "deny")
    assert entry.clauses == [clause("termination").number]
    assert not AuditEntry.objects.filter(verb="file.shared").exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("pupils.pdf", PDF + bytes(200), "pupils.pdf is larger than 200 bytes"),
        ("pupils.pdf", EXE, "pupils.pdf is not a PDF: its content is a Windows program"),
        ("pupils.exe", EXE, "pupils.exe is not a type of file that can be shared"),
        ("pupils.csv", b"upn,name\n\xff\xfe\n", "not a CSV file in UTF-8"),
        ("pupils.csv", b"<html><script>alert(1)</script>", "pupils.csv is not a CSV file"),
        ("pupils.pdf", b"", "pupils.pdf is empty"),
    ],
)
def test_oversized_and_wrongly_typed_files_are_refused_with_errors_and_nothing_is_kept(
    sharing: Sharing, data_dir: Path, settings: Any, name: str, content: bytes, message: str
) -> None:
    settings.ACCORD_SHARED_FILE_MAX_BYTES = 200
    client = signed_in(sharing.school_ig, mfa=True)

    response = share(client, sharing, name=name, content=content, recipients=[sharing.practitioner])

    assert response.status_code == 400
    html = response.content.decode()
    assert "<title>Error: Share a file" in html
    assert "There is a problem" in html
    assert message in html
    assert not SharedFile.objects.exists()
    assert not DisclosureEntry.objects.exists()
    assert stored_files(data_dir) == []


def test_a_csv_in_utf8_is_shared_as_text(sharing: Sharing) -> None:
    csv = "upn,name\nA123456789012,Zoë Pond\n".encode()
    shared = shared_by_the_school(sharing, name="pupils.csv", content=csv)
    assert (shared.content_type, shared.size) == ("text/csv", len(csv))
    response = signed_in(sharing.practitioner, mfa=True).get(download_url(shared))
    assert response.content == csv


@pytest.mark.parametrize(
    ("expires", "message"),
    [
        (None, "Enter the date the file expires"),
        (TODAY - dt.timedelta(days=1), "The expiry date must be today or in the future"),
        (TODAY + dt.timedelta(days=91), "The expiry date must be within 90 days"),
    ],
)
def test_the_expiry_date_is_required_and_within_90_days(
    sharing: Sharing, expires: dt.date | None, message: str
) -> None:
    client = signed_in(sharing.school_ig, mfa=True)
    response = share(client, sharing, recipients=[sharing.practitioner], expires=expires)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not SharedFile.objects.exists()


def test_the_last_day_allowed_is_90_days_ahead(sharing: Sharing) -> None:
    shared = shared_by_the_school(sharing, expires=TODAY + dt.timedelta(days=90))
    assert timezone.localtime(shared.expires_at).date() == TODAY + dt.timedelta(days=90)


def test_recipients_are_named_people_of_one_receiving_party(sharing: Sharing) -> None:
    client = signed_in(sharing.school_ig, mfa=True)
    response = share(client, sharing, recipients=[])
    assert response.status_code == 400
    assert "Choose at least one person who may download the file" in response.content.decode()

    # The school's own people are not offered, and the service refuses them too.
    page = client.get(reverse("exchange:file-new", args=[sharing.agreement.pk])).content.decode()
    assert sharing.practitioner.email in page
    assert sharing.school_ig.email not in page
    with pytest.raises(ValidationError) as refused:
        files.file_share(
            actor=sharing.school_ig,
            agreement=sharing.agreement,
            upload=SimpleUploadedFile("pupils.pdf", PDF),
            recipient_people=[sharing.practitioner, sharing.school_ig],
            expires_on=TODAY + dt.timedelta(days=7),
        )
    assert "cannot receive this file" in refused.value.message_dict["recipients"][0]
    assert not SharedFile.objects.exists()


def test_only_an_ig_officer_of_a_disclosing_party_shares_files(sharing: Sharing) -> None:
    url = reverse("exchange:file-new", args=[sharing.agreement.pk])
    assert signed_in(sharing.school_ig, mfa=True).get(url).status_code == 200
    for user in (sharing.council_ig, sharing.practitioner, sharing.council_siro):
        client = signed_in(user, mfa=True)
        assert client.get(url).status_code == 403
        assert share(client, sharing, recipients=[sharing.practitioner]).status_code == 403
    assert not SharedFile.objects.exists()


# --- Sharing outside Accord -------------------------------------------------------------------


def test_secure_email_is_recorded_with_the_engine_cautions_logged_and_audited(
    sharing: Sharing,
) -> None:
    client = signed_in(sharing.council_ig, mfa=True)
    url = reverse("exchange:external-new", args=[sharing.agreement.pk])
    page = client.get(url).content.decode()
    # The engine's judgement for this data: regular sharing by e-mail is discouraged.
    assert "Regular sharing by email is manual and hard to audit" in page
    assert "Secure e-mail (discouraged)" in page

    response = client.post(
        url, {"mechanism": "secure-email", "description": "NHSmail to the named EWO lead"}
    )

    assert response.status_code == 302
    record = ExternalMechanism.objects.get()
    assert (record.mechanism, record.organisation, record.recorded_by) == (
        "secure-email",
        sharing.council,
        sharing.council_ig,
    )
    audit = AuditEntry.objects.get(verb="external.recorded")
    assert audit.data["status"] == "discouraged"
    entry = DisclosureEntry.objects.get()
    assert (entry.kind, entry.effect) == (DisclosureEntry.EXTERNAL, "allow")
    assert (entry.party, entry.provider) == (sharing.council, sharing.school)
    assert entry.reason == "Secure e-mail: NHSmail to the named EWO lead"
    assert entry.clauses == [clause("mechanism").number]
    overview = client.get(reverse("exchange:overview", args=[sharing.agreement.pk]))
    assert "NHSmail to the named EWO lead" in overview.content.decode()


def test_a_description_and_a_known_mechanism_are_required(sharing: Sharing) -> None:
    client = signed_in(sharing.school_ig, mfa=True)
    url = reverse("exchange:external-new", args=[sharing.agreement.pk])
    response = client.post(url, {"mechanism": "carrier-pigeon", "description": " "})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choose how the data is shared outside Accord" in html
    assert "Describe where the data is shared and how it is protected" in html
    assert not ExternalMechanism.objects.exists()
    # A practitioner does not record sharing routes.
    assert signed_in(sharing.practitioner, mfa=True).get(url).status_code == 403


def live_bulk_agreement() -> tuple[Agreement, User]:
    """The attendance agreement, but for bulk personal data: signed and live."""
    sharing = live_agreement(initiative_text=ATTENDANCE.replace("volume: cohort", "volume: bulk"))
    return sharing.agreement, sharing.council_ig


def test_plain_email_is_refused_for_bulk_personal_data_with_the_engine_reason() -> None:
    agreement, ig = live_bulk_agreement()
    client = signed_in(ig, mfa=True)
    url = reverse("exchange:external-new", args=[agreement.pk])
    assert "Plain e-mail (not allowed)" in client.get(url).content.decode()

    response = client.post(url, {"mechanism": "email", "description": "Outlook to the school"})

    assert response.status_code == 400
    html = response.content.decode()
    assert "<title>Error: " in html
    assert "Plain e-mail is not allowed for the data in this agreement" in html
    assert "Plain email is never used for bulk personal data." in html
    assert not ExternalMechanism.objects.exists()
    assert not DisclosureEntry.objects.exists()
    assert not AuditEntry.objects.filter(verb="external.recorded").exists()

    # A collaboration site is acceptable for this data, so it is recorded.
    files.external_record(
        actor=ig, agreement=agreement, mechanism="external-site", description="MASH SharePoint"
    )
    assert ExternalMechanism.objects.get().mechanism == "external-site"


def test_plain_email_is_recorded_with_its_caution_for_a_cohort_of_ordinary_data(
    sharing: Sharing,
) -> None:
    judgement = files.mechanism_judgements(sharing.agreement)["email"]
    assert judgement.status == "discouraged"
    record = files.external_record(
        actor=sharing.school_ig,
        agreement=sharing.agreement,
        mechanism="email",
        description="Termly summary to the EWO",
    )
    entry = DisclosureEntry.objects.get()
    assert (entry.party, entry.provider) == (sharing.council, sharing.school)
    assert record.organisation == sharing.school


def test_nothing_is_recorded_while_sharing_is_suspended(sharing: Sharing) -> None:
    services.suspend(actor=sharing.council_ig, agreement=sharing.agreement, reason="Audit")
    client = signed_in(sharing.council_ig, mfa=True)

    response = client.post(
        reverse("exchange:external-new", args=[sharing.agreement.pk]),
        {"mechanism": "secure-email", "description": "NHSmail to the named EWO lead"},
    )

    assert response.status_code == 400
    assert "The agreement is suspended. (clause 17 (Termination))" in response.content.decode()
    assert not ExternalMechanism.objects.exists()
    assert not DisclosureEntry.objects.exists()


def test_a_large_shared_file_never_reaches_the_disk_unencrypted(
    sharing: Sharing, data_dir: Path, settings: Any, tmp_path: Path
) -> None:
    # Django would spool a big upload to a temporary file here: a directory that does not
    # exist, so that any attempt to write one fails the request.
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "no-such-directory")
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    content = "UPN,Attendance\n" + "".join(f"A{i:012d},{i % 100}\n" for i in range(5000))
    assert len(content) > 50 * settings.FILE_UPLOAD_MAX_MEMORY_SIZE
    shared = shared_by_the_school(sharing, content=content.encode(), name="pupils.csv")
    assert shared.size == len(content)
    assert not any(b"A000000004999" in path.read_bytes() for path in stored_files(data_dir))


def test_a_file_over_the_limit_is_refused_before_it_is_read(
    sharing: Sharing, settings: Any
) -> None:
    settings.ACCORD_SHARED_FILE_MAX_BYTES = 1000
    response = share(
        signed_in(sharing.school_ig, mfa=True),
        sharing,
        content=b"x" * 200_000,
        recipients=[sharing.practitioner],
    )
    assert response.status_code == 400
    assert "or smaller" in response.content.decode()
    assert not SharedFile.objects.exists()


def test_a_key_file_others_can_read_is_refused(sharing: Sharing, data_dir: Path) -> None:
    shared_by_the_school(sharing)  # makes the key
    key = crypto.key_file()
    key.chmod(0o644)
    with pytest.raises(ImproperlyConfigured, match="chmod 600"):
        crypto.encrypt_to_store("0" * 32, b"data")
    key.chmod(0o600)


def test_the_recipients_offered_are_this_agreements_alone_whatever_was_shown_before(
    make_organisation: Any, make_person: Any
) -> None:
    """A share form lists the receiving parties' people of its own agreement only: earlier forms
    (another agreement, another organisation) leave nothing behind in the process."""
    from accord.apps.exchange.views.files import FileShareForm

    police = make_organisation("Northshire Police", "police")
    trust = make_organisation("Northshire NHS Trust", "nhs-trust")
    officer = make_person(police, "practitioner", email="officer@police.example")
    nurse = make_person(trust, "practitioner", email="nurse@trust.example")

    first = FileShareForm(receiving={police.pk: police.name}, max_bytes=1000)
    assert list(first.fields["recipients"].queryset) == [officer]  # type: ignore[attr-defined]
    second = FileShareForm(receiving={trust.pk: trust.name}, max_bytes=1000)
    assert list(second.fields["recipients"].queryset) == [nurse]  # type: ignore[attr-defined]
    assert "police" not in second.as_div()
