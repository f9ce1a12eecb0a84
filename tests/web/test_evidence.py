"""The security evidence library: who sees it, what is stored, what is refused, and the audit."""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from accord.apps.accounts.models import User
from accord.apps.audit.models import AuditEntry
from accord.apps.audit.services import audit_verify
from accord.apps.evidence import selectors, services
from accord.apps.evidence.models import EvidenceItem
from accord.apps.initiatives import services as initiative_services
from accord.apps.initiatives.models import Initiative
from accord.apps.organisations.models import Organisation
from accord.core.evidence import requirements_for

from .conftest import signed_in
from .multipart import post_file

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(200)
TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def data_dir(settings: Any, tmp_path: Path) -> Path:
    """Evidence files go under this test's own data directory."""
    settings.DATA_DIR = tmp_path / "data"
    return Path(settings.DATA_DIR)


def stored_files(data_dir: Path) -> list[Path]:
    """Every file under the data directory, temporary ones included."""
    return sorted(path for path in data_dir.rglob("*") if path.is_file())


@pytest.fixture
def partnership(council: Organisation, police: Organisation, ig_officer: User) -> Initiative:
    """Council and police are partners: both party to one initiative."""
    initiative = initiative_services.initiative_create(
        actor=ig_officer, lead=council, title="Northshire MASH"
    )
    initiative_services.party_add(
        actor=ig_officer, initiative=initiative, organisation=police, role="both"
    )
    return initiative


def _date(prefix: str, day: dt.date | None) -> dict[str, str]:
    if day is None:
        return {f"{prefix}-day": "", f"{prefix}-month": "", f"{prefix}-year": ""}
    return {
        f"{prefix}-day": str(day.day),
        f"{prefix}-month": str(day.month),
        f"{prefix}-year": str(day.year),
    }


def form_data(
    content: bytes = PDF,
    name: str = "cyber-essentials.pdf",
    kind: str = "cyber-essentials",
    issued: dt.date | None = TODAY - dt.timedelta(days=30),
    expires: dt.date | None = TODAY + dt.timedelta(days=335),
    reference: str = "CE-123456",
) -> dict[str, Any]:
    return {
        "kind": kind,
        "reference": reference,
        **_date("issued", issued),
        **_date("expires", expires),
        "file": SimpleUploadedFile(name, content, content_type="application/pdf"),
    }


def add_url(organisation: Organisation) -> str:
    return f"/evidence/organisations/{organisation.pk}/add/"


def library_url(organisation: Organisation) -> str:
    return f"/evidence/organisations/{organisation.pk}/"


def add(
    actor: User,
    organisation: Organisation,
    kind: str = "cyber-essentials",
    issued: dt.date = TODAY - dt.timedelta(days=30),
    expires: dt.date | None = TODAY + dt.timedelta(days=335),
    content: bytes = PDF,
    name: str = "evidence.pdf",
    **kwargs: Any,
) -> EvidenceItem:
    return services.evidence_add(
        actor,
        organisation,
        kind,
        "REF-1",
        issued,
        expires,
        SimpleUploadedFile(name, content),
        **kwargs,
    )


def test_an_ig_officer_uploads_lists_and_downloads_evidence(
    council: Organisation, ig_officer: User, data_dir: Path
) -> None:
    client = signed_in(ig_officer)
    assert "Add evidence" in client.get(library_url(council)).content.decode()
    page = client.get(add_url(council))
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.content.decode()

    response = client.post(add_url(council), form_data())
    assert response.status_code == 302
    assert response["Location"] == library_url(council)

    item = EvidenceItem.objects.get()
    assert (item.organisation, item.kind, item.reference) == (
        council,
        "cyber-essentials",
        "CE-123456",
    )
    assert item.issued_on == TODAY - dt.timedelta(days=30)
    assert item.expires_on == TODAY + dt.timedelta(days=335)
    assert (item.original_filename, item.content_type, item.size) == (
        "cyber-essentials.pdf",
        "application/pdf",
        len(PDF),
    )
    assert item.sha256 == hashlib.sha256(PDF).hexdigest()
    assert item.uploaded_by == ig_officer
    # Under the data directory by a random name, never under the static root.
    assert stored_files(data_dir) == [data_dir / "evidence" / item.stored_name]
    assert len(item.stored_name) == 32
    assert (data_dir / "evidence" / item.stored_name).read_bytes() == PDF

    library = client.get(library_url(council)).content.decode()
    assert "Cyber Essentials" in library
    assert "CE-123456" in library
    assert "Current" in library
    assert f"/evidence/{item.pk}/download/" in library

    download = client.get(f"/evidence/{item.pk}/download/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF  # type: ignore[attr-defined]
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == 'attachment; filename="cyber-essentials.pdf"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Cache-Control"] == "private, no-store"


def test_a_partner_reads_and_downloads_but_cannot_change(
    council: Organisation,
    police: Organisation,
    ig_officer: User,
    make_person: Callable[..., User],
    partnership: Initiative,
) -> None:
    item = add(ig_officer, council)
    partner = signed_in(make_person(police, "ig-officer", "dpo"))

    library = partner.get(library_url(council))
    assert library.status_code == 200
    page = library.content.decode()
    assert "Cyber Essentials" in page
    assert "partners in a data sharing initiative" in page
    assert "Add evidence" not in page
    assert "/withdraw/" not in page

    download = partner.get(f"/evidence/{item.pk}/download/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF  # type: ignore[attr-defined]

    assert partner.get(add_url(council)).status_code == 403
    assert partner.post(add_url(council), form_data()).status_code == 403
    assert partner.get(f"/evidence/{item.pk}/withdraw/").status_code == 403
    assert partner.post(f"/evidence/{item.pk}/withdraw/").status_code == 403
    assert EvidenceItem.objects.get().withdrawn_at is None
    assert EvidenceItem.objects.count() == 1

    # And the other way round: the council sees the police's library.
    police_item = add(make_person(police, "ig-officer"), police, kind="iso-27001")
    assert signed_in(ig_officer).get(library_url(police)).status_code == 200
    assert signed_in(ig_officer).get(f"/evidence/{police_item.pk}/download/").status_code == 200


def test_partners_stop_seeing_each_other_when_they_share_no_initiative(
    council: Organisation,
    police: Organisation,
    ig_officer: User,
    make_person: Callable[..., User],
) -> None:
    item = add(ig_officer, council)
    not_yet_partner = signed_in(make_person(police, "ig-officer"))
    assert not_yet_partner.get(library_url(council)).status_code == 404
    assert not_yet_partner.get(f"/evidence/{item.pk}/download/").status_code == 404


def test_an_unrelated_organisation_gets_404_everywhere(
    council: Organisation,
    unrelated: Organisation,
    ig_officer: User,
    make_person: Callable[..., User],
    partnership: Initiative,
    data_dir: Path,
) -> None:
    item = add(ig_officer, council)
    outsider = signed_in(make_person(unrelated, "ig-officer", "dpo", "viewer"))
    for url in (
        library_url(council),
        add_url(council),
        f"/evidence/{item.pk}/download/",
        f"/evidence/{item.pk}/withdraw/",
    ):
        assert outsider.get(url).status_code == 404, url
    assert outsider.post(add_url(council), form_data()).status_code == 404
    assert outsider.post(f"/evidence/{item.pk}/withdraw/").status_code == 404
    assert EvidenceItem.objects.count() == 1
    assert EvidenceItem.objects.get().withdrawn_at is None
    assert len(stored_files(data_dir)) == 1
    # Nor does a made-up number tell anything apart.
    assert outsider.get("/evidence/organisations/999999/").status_code == 404
    assert outsider.get("/evidence/999999/download/").status_code == 404


def test_signed_out_people_are_sent_to_sign_in(council: Organisation, ig_officer: User) -> None:
    item = add(ig_officer, council)
    response = Client().get(f"/evidence/{item.pk}/download/")
    assert response.status_code == 302
    assert "/account/" in response["Location"]


def test_a_viewer_sees_and_downloads_but_cannot_add_or_withdraw(
    council: Organisation, ig_officer: User, make_person: Callable[..., User]
) -> None:
    item = add(ig_officer, council)
    viewer = signed_in(make_person(council, "viewer"))
    page = viewer.get(library_url(council)).content.decode()
    assert "Cyber Essentials" in page
    assert "Add evidence" not in page
    assert "/withdraw/" not in page
    assert viewer.get(f"/evidence/{item.pk}/download/").status_code == 200
    assert viewer.get(add_url(council)).status_code == 403
    assert viewer.post(add_url(council), form_data()).status_code == 403
    assert viewer.post(f"/evidence/{item.pk}/withdraw/").status_code == 403
    assert EvidenceItem.objects.count() == 1
    with pytest.raises(PermissionDenied):
        add(User.objects.get(pk=viewer.session["_auth_user_id"]), council)


@pytest.mark.parametrize("role", ["ig-officer", "dpo", "siro", "org-admin"])
def test_the_managing_roles_may_add(
    council: Organisation, make_person: Callable[..., User], role: str
) -> None:
    person = make_person(council, role)
    client = signed_in(person, mfa=role in {"siro", "org-admin"})
    assert client.post(add_url(council), form_data()).status_code == 302
    assert EvidenceItem.objects.get().uploaded_by == person


def test_a_program_renamed_pdf_is_refused_and_nothing_is_stored(
    council: Organisation, ig_officer: User, data_dir: Path
) -> None:
    response = signed_in(ig_officer).post(
        add_url(council), form_data(content=EXE, name="report.pdf")
    )
    assert response.status_code == 400
    page = response.content.decode()
    message = "report.pdf is not a PDF: its content is a Windows program"
    assert page.count(message) == 2  # in the error summary and against the file field
    assert 'id="id_file-error"' in page
    assert 'href="#id_file"' in page
    assert "govuk-file-upload--error" in page
    assert not EvidenceItem.objects.exists()
    assert stored_files(data_dir) == []
    assert not AuditEntry.objects.filter(verb="evidence.added").exists()


def test_the_service_itself_refuses_a_disguised_program(
    council: Organisation, ig_officer: User, data_dir: Path
) -> None:
    with pytest.raises(ValidationError) as refused:
        add(ig_officer, council, content=EXE, name="report.pdf")
    assert refused.value.message_dict == {
        "file": ["report.pdf is not a PDF: its content is a Windows program"]
    }
    assert not EvidenceItem.objects.exists()
    assert stored_files(data_dir) == []


def test_every_problem_on_the_page_is_shown_at_once(
    council: Organisation, ig_officer: User
) -> None:
    response = signed_in(ig_officer).post(
        add_url(council), form_data(content=EXE, name="report.pdf", issued=None, kind="")
    )
    assert response.status_code == 400
    summary = response.content.decode().split('govuk-error-summary__list">')[1]
    summary = summary.split("</ul>")[0]
    assert re.findall(r"<a href=\"(#[^\"]+)\">", summary) == [
        "#id_kind_0",
        "#id_issued-day-input",
        "#id_file",
    ]
    assert "Choose the kind of evidence" in summary
    assert "Enter the date the evidence was issued" in summary
    assert "report.pdf is not a PDF: its content is a Windows program" in summary


def test_an_oversize_file_is_refused(
    council: Organisation, ig_officer: User, data_dir: Path, settings: Any
) -> None:
    settings.ACCORD_EVIDENCE_MAX_BYTES = 1000
    response = signed_in(ig_officer).post(
        add_url(council), form_data(content=PDF + bytes(1000), name="big.pdf")
    )
    assert response.status_code == 400
    assert "big.pdf is larger than 1000 bytes, the largest file Accord accepts" in (
        response.content.decode()
    )
    assert not EvidenceItem.objects.exists()
    assert stored_files(data_dir) == []


class _Unreadable(SimpleUploadedFile):
    def read(self, *args: Any, **kwargs: Any) -> bytes:
        raise AssertionError("an oversize upload must be refused before it is read")


def test_an_oversize_upload_is_refused_by_its_size_before_it_is_read(
    council: Organisation, ig_officer: User, settings: Any
) -> None:
    settings.ACCORD_EVIDENCE_MAX_BYTES = 10
    upload = _Unreadable("big.pdf", PDF)
    with pytest.raises(ValidationError) as refused:
        services.evidence_add(ig_officer, council, "policy", "", TODAY, None, upload)
    assert refused.value.message_dict == {
        "file": ["big.pdf is larger than 10 bytes, the largest file Accord accepts"]
    }


def test_a_zip_bomb_is_refused(council: Organisation, ig_officer: User, data_dir: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        archive.writestr("word/media/image1.png", bytes(20 * 1024 * 1024))
    bomb = buffer.getvalue()
    assert len(bomb) < 100_000
    response = signed_in(ig_officer).post(
        add_url(council), form_data(content=bomb, name="policy.docx", kind="policy")
    )
    assert response.status_code == 400
    assert "policy.docx is compressed more than 100 to 1" in response.content.decode()
    assert not EvidenceItem.objects.exists()
    assert stored_files(data_dir) == []


def test_a_hostile_filename_is_refused_and_an_ordinary_one_offered_plain(
    council: Organisation, ig_officer: User, data_dir: Path, tmp_path: Path
) -> None:
    client = signed_in(ig_officer)
    fields = {k: v for k, v in form_data().items() if k != "file"}
    response = post_file(client, add_url(council), fields, "../../etc/passwd.pdf", PDF)
    assert response.status_code == 400
    assert (
        "The file name “../../etc/passwd.pdf” contains “/”, which separates folders: rename the "
        "file and upload it again"
    ) in html.unescape(response.content.decode())
    assert not EvidenceItem.objects.exists()
    assert stored_files(data_dir) == []
    assert not any(tmp_path.rglob("passwd*"))
    # The service refuses it too, whatever calls it: the form is for the person.
    with pytest.raises(ValidationError) as refused:
        add(ig_officer, council, name="..\\..\\Windows\\system.ini.pdf")
    assert "contains “\\”, which separates folders" in refused.value.message_dict["file"][0]
    assert not EvidenceItem.objects.exists()

    # Punctuation, quotes and accents are ordinary: accepted, kept and offered made plain.
    client.post(add_url(council), form_data(name="Report (final) & \u2018v2\u2019;=.pdf"))
    quoted = EvidenceItem.objects.get()
    assert quoted.original_filename == "Report_final_v2.pdf"
    download = client.get(f"/evidence/{quoted.pk}/download/")
    assert download["Content-Disposition"] == 'attachment; filename="Report_final_v2.pdf"'


def test_dates_are_checked_against_the_kind_of_evidence(
    council: Organisation, ig_officer: User, data_dir: Path
) -> None:
    client = signed_in(ig_officer)
    no_expiry = client.post(add_url(council), form_data(kind="iso-27001", expires=None))
    assert no_expiry.status_code == 400
    assert (
        "Enter the expiry date: certificates, the DSPT and ICO registrations always have one"
        in (no_expiry.content.decode())
    )
    backwards = client.post(
        add_url(council), form_data(issued=TODAY, expires=TODAY - dt.timedelta(days=1))
    )
    assert "The expiry date must be the same as or after the issue date" in (
        backwards.content.decode()
    )
    future = client.post(add_url(council), form_data(issued=TODAY + dt.timedelta(days=2)))
    assert "The issue date must be today or in the past" in future.content.decode()
    missing = client.post(add_url(council), form_data(issued=None))
    assert "Enter the date the evidence was issued" in missing.content.decode()
    unreal = client.post(
        add_url(council),
        {**form_data(), "expires-day": "31", "expires-month": "2", "expires-year": "2027"},
    )
    assert "The date must be a real date" in unreal.content.decode()
    no_kind = client.post(add_url(council), {**form_data(), "kind": ""})
    assert "Choose the kind of evidence" in no_kind.content.decode()
    assert not EvidenceItem.objects.exists()
    assert stored_files(data_dir) == []

    # A policy need not expire.
    policy = client.post(add_url(council), form_data(kind="policy", expires=None))
    assert policy.status_code == 302
    assert EvidenceItem.objects.get().expires_on is None
    assert "Does not expire" in client.get(library_url(council)).content.decode()


def test_nothing_is_left_behind_when_recording_fails(
    council: Organisation, ig_officer: User, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_audit(**kwargs: Any) -> None:
        raise RuntimeError("the audit log is unavailable")

    monkeypatch.setattr(services, "audit_record", broken_audit)
    with pytest.raises(RuntimeError, match="audit log"):
        add(ig_officer, council)
    assert not EvidenceItem.objects.exists()
    assert stored_files(data_dir) == []


def test_the_library_shows_current_expiring_expired_and_missing(
    council: Organisation, ig_officer: User
) -> None:
    add(ig_officer, council, kind="cyber-essentials", expires=TODAY + dt.timedelta(days=10))
    add(
        ig_officer,
        council,
        kind="ico-registration",
        issued=TODAY - dt.timedelta(days=400),
        expires=TODAY - dt.timedelta(days=35),
    )
    add(ig_officer, council, kind="policy", expires=None)
    page = signed_in(ig_officer).get(library_url(council)).content.decode()
    items = page[page.index('id="evidence-items"') :]
    assert items.count("govuk-tag--yellow") == 1  # the Cyber Essentials expiring in 10 days
    assert items.count("govuk-tag--red") == 1  # the lapsed ICO registration
    assert items.count("govuk-tag--green") == 1  # the policy
    requirements = page[page.index('id="requirements"') : page.index('id="evidence-items"')]
    assert "Expiring soon" in requirements
    assert "Expired" in requirements
    assert "Missing" in requirements  # no training records
    assert "Nothing yet" in requirements


def test_evidence_status_reflects_the_current_items(
    council: Organisation, ig_officer: User
) -> None:
    requirements = requirements_for(council.type, council.functions, ["health"])
    assert [s.state for s in selectors.evidence_status(council, requirements, TODAY)] == [
        "missing"
    ] * 4

    ico = add(ig_officer, council, kind="ico-registration", expires=TODAY + dt.timedelta(days=20))
    add(ig_officer, council, kind="dspt", expires=TODAY + dt.timedelta(days=200))
    add(ig_officer, council, kind="ig-training", expires=None)
    add(ig_officer, council, kind="policy", expires=None)
    statuses = selectors.evidence_status(council, requirements, TODAY)
    assert [s.state for s in statuses] == ["expiring", "current", "current", "current"]
    assert statuses[0].fact == ico.fact()
    later = selectors.evidence_status(council, requirements, TODAY + dt.timedelta(days=21))
    assert [s.state for s in later] == ["expired", "current", "current", "current"]

    services.evidence_withdraw(ig_officer, ico)
    assert selectors.evidence_status(council, requirements, TODAY)[0].state == "missing"


def test_a_council_with_care_functions_is_told_about_the_dspt_for_health_data(
    make_organisation: Callable[..., Organisation], make_person: Callable[..., User]
) -> None:
    county = make_organisation("Southshire Council", functions=["adult-social-care"])
    district = make_organisation("Eastshire District Council", functions=["housing"])
    county_page = signed_in(make_person(county, "viewer")).get(library_url(county))
    assert 'id="health-note"' in county_page.content.decode()
    district_page = signed_in(make_person(district, "viewer")).get(library_url(district))
    assert 'id="health-note"' not in district_page.content.decode()


def test_withdrawing_asks_first_then_hides_the_item_and_is_audited(
    council: Organisation, ig_officer: User, data_dir: Path
) -> None:
    item = add(ig_officer, council)
    client = signed_in(ig_officer)
    confirm = client.get(f"/evidence/{item.pk}/withdraw/")
    assert confirm.status_code == 200
    assert "Are you sure you want to withdraw this evidence?" in confirm.content.decode()
    assert EvidenceItem.objects.get().withdrawn_at is None

    response = client.post(f"/evidence/{item.pk}/withdraw/")
    assert response.status_code == 302
    assert response["Location"] == library_url(council)
    assert EvidenceItem.objects.get().withdrawn_at is not None
    assert "No evidence has been added yet" in client.get(library_url(council)).content.decode()
    assert client.get(f"/evidence/{item.pk}/download/").status_code == 404
    assert client.post(f"/evidence/{item.pk}/withdraw/").status_code == 404
    assert not selectors.evidence_visible_to(ig_officer).exists()
    kept = selectors.evidence_visible_to(ig_officer, include_withdrawn=True)
    assert kept.get() == item  # kept for the record
    assert len(stored_files(data_dir)) == 1

    entry = AuditEntry.objects.get(verb="evidence.withdrawn")
    assert (entry.actor, entry.organisation, entry.object_id) == (
        ig_officer,
        council,
        str(item.pk),
    )
    # Withdrawing twice changes nothing and records nothing more.
    services.evidence_withdraw(ig_officer, EvidenceItem.objects.get())
    assert AuditEntry.objects.filter(verb="evidence.withdrawn").count() == 1


def test_adding_evidence_is_audited_in_the_chain(council: Organisation, ig_officer: User) -> None:
    item = add(ig_officer, council, name="ce.pdf")
    entry = AuditEntry.objects.get(verb="evidence.added")
    assert entry.actor == ig_officer
    assert entry.organisation == council
    assert (entry.object_type, entry.object_id) == ("evidenceitem", str(item.pk))
    assert entry.data["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert entry.data["filename"] == "ce.pdf"
    assert entry.data["kind"] == "cyber-essentials"
    assert "Cyber Essentials" in entry.summary
    checked, problem = audit_verify()
    assert problem is None
    assert checked == AuditEntry.objects.count()


def test_evidence_visible_to_covers_own_and_partner_organisations_only(
    council: Organisation,
    police: Organisation,
    unrelated: Organisation,
    ig_officer: User,
    make_person: Callable[..., User],
    partnership: Initiative,
) -> None:
    mine = add(ig_officer, council)
    partners = add(make_person(police, "ig-officer"), police)
    add(make_person(unrelated, "ig-officer"), unrelated)
    assert set(selectors.evidence_visible_to(ig_officer)) == {mine, partners}
    nobody = make_person()
    assert not selectors.evidence_visible_to(nobody).exists()
    assert list(selectors.evidence_for(council)) == [mine]


def test_the_organisation_page_links_to_its_security_evidence(
    council: Organisation, ig_officer: User
) -> None:
    page = signed_in(ig_officer).get(f"/organisations/{council.pk}/").content.decode()
    assert f'href="/evidence/organisations/{council.pk}/">Security evidence</a>' in page
