"""Building blocks for agreement tests: a two-party initiative ready for an agreement, evidence,
authenticator codes. Shared by the web tests, the PostgreSQL concurrency test and the e2e test."""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accord.apps.accounts.models import User
from accord.apps.evidence.services import evidence_add
from accord.apps.initiatives import services as initiatives
from accord.apps.initiatives.models import Initiative
from accord.apps.organisations.models import Organisation
from accord.apps.organisations.services import membership_grant
from accord.web.demo import complete_journey

PASSWORD = "correct horse battery staple"
SCHOOL = "Brookfield Primary School"
# A council and one school: the school discloses attendance to the council's education service.
ATTENDANCE = f"""\
title: Pupils at risk of missing education
summary: >-
  The school tells the council's education welfare service when a pupil's attendance falls
  below 90%, so that the family can be offered support early.
purposes: [education, safeguarding-children]
parties:
  - {{name: {SCHOOL}, type: school, role: discloses}}
  - {{name: Northshire County Council, type: local-authority, functions: [education], role: receives}}
data_subjects: [pupils, parents-carers]
data:
  - {{category: identifiers, fields: [name, date of birth, unique pupil number]}}
  - {{category: contact, fields: [parent or carer address]}}
  - {{category: education, fields: [attendance percentage, absence codes]}}
consent: none
volume: cohort
frequency: regular
mechanism: secure-file-transfer
"""
MINIMAL_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def ready_initiative(
    *, ig: User, dpo: User, lead: Organisation, text: str = ATTENDANCE
) -> Initiative:
    initiative, _notes = initiatives.initiative_import(
        actor=ig, lead=lead, text=text, filename="attendance.yaml"
    )
    complete_journey(ig=ig, dpo=dpo, initiative=initiative, today=timezone.localdate())
    return initiative


def person(organisation: Organisation, *roles: str, email: str, name: str = "") -> User:
    user = User.objects.create_user(email, PASSWORD, full_name=name or email.split("@")[0])
    for role in roles:
        membership_grant(actor=None, organisation=organisation, user=user, role=role)
    return user


def authenticator(user: User) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, confirmed=True, name="Authenticator app")
    return device


def code_for(user: User) -> str:
    """The authenticator's current code, as the person's phone would show it."""
    device = authenticator(user)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return str(totp.token()).zfill(device.digits)


def give_evidence(
    actor: User,
    organisation: Organisation,
    *,
    expires_on: dt.date | None = None,
    security: str = "cyber-essentials",
) -> None:
    """Every piece of evidence a party is asked for, current unless `expires_on` says otherwise."""
    today = timezone.localdate()
    expiry = expires_on or today + dt.timedelta(days=365)
    for kind in ("ico-registration", security, "ig-training", "policy"):
        evidence_add(
            actor,
            organisation,
            kind,
            f"{kind}-ref",
            min(today - dt.timedelta(days=30), expiry - dt.timedelta(days=1)),
            expiry,
            SimpleUploadedFile(f"{kind}.pdf", MINIMAL_PDF, content_type="application/pdf"),
        )
