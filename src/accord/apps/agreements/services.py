"""Changes to agreements: drafting, invitations, negotiation, versions and signatures.

Every change runs in one transaction with its audit entry. Changes to an agreement lock its row
first (SELECT ... FOR UPDATE on PostgreSQL), so versions are numbered without gaps and two
signatories signing at the same moment both count, and the later one sees the earlier.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accord.apps.accounts.models import User
from accord.apps.agreements.models import (
    Agreement,
    AgreementVersion,
    Comment,
    Invitation,
    Proposal,
    Reminder,
    Signature,
)
from accord.apps.agreements.selectors import (
    evidence_blockers,
    invitation_by_token,
    signatories_required,
    signoff_of,
)
from accord.apps.audit.services import audit_record
from accord.apps.initiatives.models import ConclusionDecision, Initiative, InitiativeParty
from accord.apps.initiatives.selectors import (
    current_assessment,
    fairness_answers,
    journey,
    standing_of,
)
from accord.apps.notices.services import notice_queue
from accord.apps.organisations.models import Membership, Organisation
from accord.apps.organisations.selectors import roles_by_organisation
from accord.apps.organisations.services import membership_grant
from accord.core.access import JOINING_ROLES, NEGOTIATING_ROLES
from accord.core.agreement.drafting import DraftSources, Overarching, Party, draft
from accord.core.agreement.sections import BASELINE_KEYS, SECTION_BY_KEY
from accord.core.agreement.signoff import SignatureRefused, check_signature
from accord.core.agreement.versions import ChangeRefused, apply_change, content_hash
from accord.core.journey import CANNOT_START


def _require(actor: User, initiative: Initiative, action: str) -> None:
    if not standing_of(user=actor, initiative=initiative).may(action):
        raise PermissionDenied(f"You cannot do this ({action}) on this agreement")


def _audit(
    actor: User | None,
    agreement: Agreement,
    *,
    verb: str,
    target: Any,
    summary: str,
    data: dict[str, Any] | None = None,
) -> None:
    audit_record(
        actor=actor,
        verb=verb,
        target=target,
        organisation=agreement.initiative.lead,
        initiative=agreement.initiative,
        summary=summary,
        data=data,
    )


def _refuse_if_signed(agreement: Agreement) -> None:
    if agreement.is_signed:
        raise ValidationError(
            "This agreement has been signed by every party, so its wording cannot change. "
            "A change is made by varying it at a review."
        )


def acting_party(*, actor: User, initiative: Initiative, roles: Iterable[str]) -> Organisation:
    """The party organisation the person acts for: the lead if they may act for it."""
    held = roles_by_organisation(user=actor)
    wanted = set(roles)
    parties = list(initiative.parties.select_related("organisation"))
    parties.sort(key=lambda p: p.organisation_id != initiative.lead_id)
    for party in parties:
        if held.get(party.organisation_id, frozenset()) & wanted:
            return party.organisation
    raise PermissionDenied("You do not act for any party to this initiative")


# --- Drafting and versions --------------------------------------------------------------------


def _sources(initiative: Initiative, follows: Agreement | None) -> DraftSources:
    assessment = current_assessment(initiative=initiative)
    if assessment is None:
        raise ValidationError("Run the legal basis assessment before drafting the agreement.")
    overridden = frozenset(
        assessment.decisions.filter(decision=ConclusionDecision.OVERRIDDEN).values_list(
            "key", flat=True
        )
    )
    answers = fairness_answers(initiative=initiative)
    outcome = answers.get("necessity.outcome")
    parties = [
        Party(
            name=p.organisation.name,
            type=p.organisation.type,
            role=p.role,
            functions=tuple(p.functions or p.organisation.functions or ()),
            ico_registration=p.organisation.ico_registration,
            contact_name=p.contact_name,
            contact_email=p.contact_email,
        )
        for p in initiative.parties.select_related("organisation")
    ]
    overarching = None
    if follows is not None:
        version = follows.current_version()
        overarching = Overarching(
            title=follows.initiative.title,
            reference=follows.reference,
            version=version.number,
            content_hash=version.content_hash,
            sections={k: version.section(k) for k in BASELINE_KEYS},
        )
    return DraftSources(
        title=initiative.title,
        reference=f"DSA-{initiative.pk:04d}",
        initiative=initiative.format_data(),
        assessment=assessment.result,
        parties=parties,
        mechanism=initiative.mechanism,
        mechanism_reason=initiative.mechanism_reason,
        overridden=overridden,
        benefits=outcome.explanation if outcome else "",
        today=timezone.localdate(),
        overarching=overarching,
    )


def _ready(initiative: Initiative) -> None:
    task = next(t for t in journey(initiative=initiative) if t.key == "agreement")
    if task.status == CANNOT_START:
        raise ValidationError(f"The agreement cannot be drafted yet. {task.hint}")


def _check_follows(initiative: Initiative, follows: Agreement | None) -> None:
    if follows is None:
        return
    if not follows.is_overarching or not follows.is_signed:
        raise ValidationError("Only a signed overarching agreement can be followed.")
    theirs = set(follows.initiative.parties.values_list("organisation_id", flat=True))
    ours = set(initiative.parties.values_list("organisation_id", flat=True))
    if not ours <= theirs:
        raise ValidationError(
            "Every party must have signed the overarching agreement before this one can follow it."
        )


def agreement_draft(
    *,
    actor: User,
    initiative: Initiative,
    follows: Agreement | None = None,
    is_overarching: bool = False,
) -> Agreement:
    """The lead's IG officer drafts version 1 from the initiative and its assessment."""
    _require(actor, initiative, "agreement.draft")
    _ready(initiative)
    _check_follows(initiative, follows)
    with transaction.atomic():
        Initiative.objects.select_for_update().get(pk=initiative.pk)
        if Agreement.objects.filter(initiative=initiative).exists():
            raise ValidationError("This initiative already has an agreement.")
        lead_party = initiative.parties.filter(organisation=initiative.lead).first()
        if lead_party and not lead_party.contact_email:
            lead_party.contact_name, lead_party.contact_email = actor.full_name, actor.email
            lead_party.joined_at = timezone.now()
            lead_party.save(update_fields=["contact_name", "contact_email", "joined_at"])
        agreement = Agreement.objects.create(
            initiative=initiative,
            reference=f"DSA-{initiative.pk:04d}",
            follows=follows,
            is_overarching=is_overarching,
            created_by=actor,
        )
        content = draft(_sources(initiative, follows))
        _new_version(
            agreement, content, actor, "First draft, from the initiative and its assessment"
        )
    return agreement


def _new_version(
    agreement: Agreement, content: Mapping[str, Any], actor: User, reason: str
) -> AgreementVersion:
    """Write the next version and void every signature on earlier ones (caller holds the lock)."""
    previous = agreement.versions.order_by("-number").first()
    version = AgreementVersion.objects.create(
        agreement=agreement,
        number=(previous.number + 1) if previous else 1,
        content=dict(content),
        content_hash=content_hash(content),
        reason=reason[:300],
        created_by=actor,
    )
    voided = (
        Signature.objects.filter(agreement=agreement, voided_at__isnull=True)
        .exclude(version=version)
        .update(voided_at=timezone.now())
    )
    _audit(
        actor,
        agreement,
        verb="agreement.version-created",
        target=version,
        summary=f"{agreement.reference} version {version.number}: {reason}",
        data={"hash": version.content_hash, "signatures_voided": voided},
    )
    return version


def agreement_refresh(
    *, actor: User, agreement: Agreement, reason: str = ""
) -> AgreementVersion | None:
    """Rebuild the derived sections from the initiative as it stands; a new version if changed."""
    _require(actor, agreement.initiative, "agreement.draft")
    _ready(agreement.initiative)
    with transaction.atomic():
        agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
        _refuse_if_signed(agreement)
        return _refresh_locked(agreement, actor, reason or "Refreshed from the initiative")


def _refresh_locked(agreement: Agreement, actor: User, reason: str) -> AgreementVersion | None:
    current = agreement.current_version()
    content = draft(_sources(agreement.initiative, agreement.follows), previous=current.content)
    if content_hash(content) == current.content_hash:
        return None
    return _new_version(agreement, content, actor, reason)


# --- Negotiation ------------------------------------------------------------------------------


def _known_section(key: str) -> None:
    if key not in SECTION_BY_KEY:
        raise ValidationError(f"There is no section {key!r} in an agreement.")


def comment_add(*, actor: User, agreement: Agreement, section_key: str, text: str) -> Comment:
    _require(actor, agreement.initiative, "agreement.comment")
    _known_section(section_key)
    text = text.strip()
    if not text:
        raise ValidationError({"text": "Enter your comment."})
    organisation = acting_party(
        actor=actor, initiative=agreement.initiative, roles=NEGOTIATING_ROLES
    )
    with transaction.atomic():
        comment = Comment.objects.create(
            agreement=agreement,
            version=agreement.current_version(),
            section_key=section_key,
            text=text[:10_000],
            author=actor,
            organisation=organisation,
        )
        _audit(
            actor,
            agreement,
            verb="agreement.commented",
            target=comment,
            summary=f"{organisation.name} commented on {SECTION_BY_KEY[section_key].title}",
        )
    return comment


def proposal_make(
    *,
    actor: User,
    agreement: Agreement,
    section_key: str,
    text: str,
    values: Mapping[str, Any],
    reason: str,
) -> Proposal:
    _require(actor, agreement.initiative, "agreement.propose")
    _known_section(section_key)
    _refuse_if_signed(agreement)
    errors: dict[str, str] = {}
    try:
        clean = apply_change(agreement.current_version().content, section_key, text, values)
    except ChangeRefused as refused:
        errors.update(refused.errors)
        clean = None
    if not reason.strip():
        errors["reason"] = "Say why you propose this change."
    if errors:
        raise ValidationError(errors)
    assert clean is not None
    organisation = acting_party(
        actor=actor, initiative=agreement.initiative, roles=NEGOTIATING_ROLES
    )
    section = next(s for s in clean["sections"] if s["key"] == section_key)
    with transaction.atomic():
        proposal = Proposal.objects.create(
            agreement=agreement,
            version=agreement.current_version(),
            section_key=section_key,
            text=section["text"],
            values=section["values"],
            reason=reason.strip()[:5000],
            author=actor,
            organisation=organisation,
        )
        _audit(
            actor,
            agreement,
            verb="agreement.change-proposed",
            target=proposal,
            summary=f"{organisation.name} proposed a change to {SECTION_BY_KEY[section_key].title}",
        )
    return proposal


def proposal_decide(*, actor: User, proposal: Proposal, accept: bool, note: str = "") -> Proposal:
    """The lead accepts (a new version; earlier signatures void) or rejects (with a reason)."""
    agreement = proposal.agreement
    _require(actor, agreement.initiative, "agreement.decide-proposal")
    if not accept and not note.strip():
        raise ValidationError({"note": "Say why you reject this proposal."})
    with transaction.atomic():
        agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
        proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if proposal.status != Proposal.OPEN:
            raise ValidationError("This proposal has already been decided.")
        if accept:
            _refuse_if_signed(agreement)
            try:
                content = apply_change(
                    agreement.current_version().content,
                    proposal.section_key,
                    proposal.text,
                    proposal.values,
                )
            except ChangeRefused as refused:
                raise ValidationError(list(refused.errors.values())) from None
            title = SECTION_BY_KEY[proposal.section_key].title
            proposal.result = _new_version(
                agreement,
                content,
                actor,
                f"Accepted the change to {title} proposed by {proposal.organisation.name}",
            )
        proposal.status = Proposal.ACCEPTED if accept else Proposal.REJECTED
        proposal.decided_by, proposal.decided_at = actor, timezone.now()
        proposal.decision_note = note.strip()[:5000]
        proposal.save()
        _audit(
            actor,
            agreement,
            verb=f"agreement.change-{proposal.status}",
            target=proposal,
            summary=f"Proposal {proposal.pk} {proposal.status}",
        )
    return proposal


# --- Invitations ------------------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_send(
    *,
    actor: User,
    initiative: Initiative,
    organisation: Organisation,
    email: str,
    name: str,
    base_url: str,
) -> Invitation:
    """E-mail a link that lets the partner read the case for sharing and join. It expires."""
    _require(actor, initiative, "agreement.invite")
    if not initiative.parties.filter(organisation=organisation).exists():
        raise ValidationError({"organisation": "Only a party to the initiative can be invited."})
    if organisation.pk == initiative.lead_id:
        raise ValidationError(
            {"organisation": "The lead organisation does not need an invitation."}
        )
    token = secrets.token_urlsafe(32)
    days = settings.ACCORD_INVITATION_DAYS
    with transaction.atomic():
        invitation = Invitation.objects.create(
            initiative=initiative,
            organisation=organisation,
            email=email.strip().lower(),
            name=name.strip(),
            token_hash=_token_hash(token),
            expires_at=timezone.now() + dt.timedelta(days=days),
            invited_by=actor,
        )
        audit_record(
            actor=actor,
            verb="invitation.sent",
            target=invitation,
            organisation=initiative.lead,
            initiative=initiative,
            summary=f"Invited {organisation.name} ({invitation.email}) to join",
            data={"expires_at": invitation.expires_at.isoformat()},
        )
        link = base_url + reverse("agreements:join", kwargs={"token": token})
        transaction.on_commit(
            lambda: send_mail(
                f"{initiative.lead.name} invites {organisation.name} to share data: {initiative.title}",
                f"Dear {invitation.name},\n\n{actor.full_name} of {initiative.lead.name} invites "
                f"{organisation.name} to join a data sharing initiative on Accord: {initiative.title}.\n\n"
                f"Read why they propose it, the law that allows it and the safeguards, and join here "
                f"(the link works for {days} days):\n{link}\n",
                None,
                [invitation.email],
            )
        )
    return invitation


class InvitationProblem(Exception):
    """An invitation link that cannot be used, with the reason in plain English."""


def invitation_for_token(token: str) -> Invitation:
    invitation = invitation_by_token(token_hash=_token_hash(token))
    if invitation is None:
        raise InvitationProblem(
            "This invitation link is not valid. Check you copied the whole link."
        )
    if invitation.accepted_at is not None:
        raise InvitationProblem("This invitation has already been used. Sign in to continue.")
    if invitation.expires_at <= timezone.now():
        raise InvitationProblem(
            f"This invitation expired on {timezone.localtime(invitation.expires_at):%-d %B %Y}. "
            f"Ask {invitation.invited_by.full_name} to send a new one."
        )
    return invitation


def invitation_accept(
    *,
    token: str,
    user: User | None,
    full_name: str = "",
    password: str = "",
    roles: Iterable[str] = (),
) -> User:
    """Join: a signed-in member of the organisation, or a new person (a small partner can join
    with one person holding every role it needs)."""
    invitation = invitation_for_token(token)
    roles = [r for r in roles if r in JOINING_ROLES]
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.accepted_at is not None:
            raise InvitationProblem("This invitation has already been used. Sign in to continue.")
        if user is None:
            if Membership.objects.filter(organisation=invitation.organisation).exists():
                # Only a new organisation's first person chooses their own roles: otherwise
                # another organisation's invitation could make someone a SIRO of yours.
                raise InvitationProblem(
                    f"{invitation.organisation.name} already uses Accord. Ask its organisation "
                    "administrator to add you, then sign in and open this link again."
                )
            if User.objects.filter(email=invitation.email).exists():
                raise InvitationProblem(
                    "You already have an account: sign in, then open the link again."
                )
            if not roles:
                raise ValidationError({"roles": "Choose the roles you hold in your organisation."})
            user = User.objects.create_user(
                invitation.email, password=password, full_name=full_name.strip()
            )
            for role in roles:
                membership_grant(
                    actor=None, organisation=invitation.organisation, user=user, role=role
                )
        else:
            held = Membership.objects.filter(user=user, organisation=invitation.organisation)
            if not held.exists():
                raise PermissionDenied(
                    f"You are signed in as {user.email}, who is not a member of {invitation.organisation.name}."
                )
            # Joining names the person as the party's contact in the agreement: the roles a new
            # organisation's first person may take, not a viewer or a practitioner.
            if not held.filter(role__in=JOINING_ROLES).exists():
                raise PermissionDenied(
                    f"Only an IG officer, SIRO, DPO, Caldicott Guardian or organisation "
                    f"administrator of {invitation.organisation.name} can join for it."
                )
        invitation.accepted_at, invitation.accepted_by = timezone.now(), user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        party = InitiativeParty.objects.get(
            initiative=invitation.initiative, organisation=invitation.organisation
        )
        party.contact_name, party.contact_email = user.full_name, user.email
        party.joined_at = timezone.now()
        party.save(update_fields=["contact_name", "contact_email", "joined_at"])
        audit_record(
            actor=user,
            verb="invitation.accepted",
            target=invitation,
            organisation=invitation.organisation,
            initiative=invitation.initiative,
            summary=f"{invitation.organisation.name} joined {invitation.initiative.title}",
        )
        agreement = (
            Agreement.objects.select_for_update().filter(initiative=invitation.initiative).first()
        )
        if agreement is not None and agreement.status == Agreement.NEGOTIATING:
            task = next(t for t in journey(initiative=agreement.initiative) if t.key == "agreement")
            if task.status != CANNOT_START:
                _refresh_locked(
                    agreement, user, f"{invitation.organisation.name} joined and named its contact"
                )
    return user


# --- Signatures -------------------------------------------------------------------------------


class ReauthenticationFailed(Exception):
    pass


def _reauthenticate(actor: User, password: str, code: str) -> None:
    """A fresh proof of identity for this signature: the password and a code from the app."""
    devices = list(TOTPDevice.objects.filter(user=actor, confirmed=True))
    if not devices:
        raise ReauthenticationFailed("Set up an authenticator app before you sign (Your account).")
    if not actor.check_password(password):
        raise ReauthenticationFailed("The password is not correct.")
    if not any(device.verify_token(code.strip()) for device in devices):
        raise ReauthenticationFailed(
            "The code from your authenticator app is not correct or has been used."
        )


def signature_give(
    *,
    actor: User,
    agreement: Agreement,
    version_number: int,
    version_hash: str,
    role: str,
    password: str,
    code: str,
    comment: str = "",
) -> Signature:
    """Sign (or, as DPO, record consultation on) the exact version shown, after re-authenticating."""
    _require(actor, agreement.initiative, "agreement.sign")
    try:
        _reauthenticate(actor, password, code)
    except ReauthenticationFailed as failed:
        with transaction.atomic():
            _audit(
                actor,
                agreement,
                verb="agreement.sign-reauthentication-failed",
                target=agreement,
                summary=f"Re-authentication to sign {agreement.reference} failed",
            )
        raise ValidationError({"password": str(failed)}) from None
    held = roles_by_organisation(user=actor)
    with transaction.atomic():
        agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
        current = agreement.current_version()
        required = signatories_required(initiative=agreement.initiative)
        party_names = {
            p.organisation.name: p.organisation
            for p in agreement.initiative.parties.select_related("organisation")
        }
        signatory = next(
            (
                s
                for s in required
                if s.role == role and role in held.get(party_names[s.party].pk, frozenset())
            ),
            None,
        )
        organisation = party_names[signatory.party] if signatory else None
        already = (
            organisation is not None
            and Signature.objects.filter(
                version=current, organisation=organisation, role=role, voided_at__isnull=True
            ).exists()
        )
        try:
            if agreement.is_signed:
                raise SignatureRefused("This agreement is already signed by every party.")
            check_signature(
                signatory=signatory,
                signed_hash=version_hash if version_number == current.number else "",
                current_hash=current.content_hash,
                already_signed=already,
                evidence_blockers=evidence_blockers(initiative=agreement.initiative),
            )
        except SignatureRefused as refused:
            raise ValidationError(str(refused)) from None
        assert signatory is not None
        assert organisation is not None
        try:
            with transaction.atomic():
                signature = Signature.objects.create(
                    agreement=agreement,
                    version=current,
                    organisation=organisation,
                    role=role,
                    kind=signatory.kind,
                    signer=actor,
                    signer_name=actor.full_name,
                    version_hash=current.content_hash,
                    comment=comment.strip()[:5000],
                )
        except IntegrityError:
            raise ValidationError("This version already has that signature.") from None
        verb = "signed" if signatory.kind == "sign" else "recorded consultation on"
        _audit(
            actor,
            agreement,
            verb="agreement.signed",
            target=signature,
            summary=f"{actor.full_name} ({role}, {organisation.name}) {verb} version {current.number}",
            data={"hash": current.content_hash, "role": role, "kind": signatory.kind},
        )
        if signoff_of(agreement=agreement, version=current).complete:
            agreement.status, agreement.signed_at = Agreement.SIGNED, timezone.now()
            agreement.save(update_fields=["status", "signed_at"])
            # Reviews build on agreements: the review date is theirs to keep.
            from accord.apps.reviews.services import review_date_refresh

            review_date_refresh(agreement)
            _audit(
                actor,
                agreement,
                verb="agreement.fully-signed",
                target=agreement,
                summary=f"{agreement.reference} signed by every party (version {current.number})",
                data={"hash": current.content_hash},
            )
            _tell_parties_signed(agreement, current)
    return signature


def _tell_parties_signed(agreement: Agreement, version: AgreementVersion) -> None:
    emails = sorted(
        {p.contact_email for p in agreement.initiative.parties.all() if p.contact_email}
    )
    notice_queue(
        key=f"agreement-signed:{version.pk}",
        recipients=emails,
        subject=f"Signed by every party: {agreement.reference} {agreement.initiative.title}",
        body=f"Every party has signed version {version.number} of {agreement.reference} "
        f"(SHA-256 {version.content_hash}). Sharing can go live from its start date.\n",
    )


# --- Variation --------------------------------------------------------------------------------


def variation_open(*, actor: User, agreement: Agreement, reason: str) -> AgreementVersion:
    """Reopen a signed agreement for a variation agreed at a review.

    The wording becomes a new version that every party negotiates and signs again. Sharing
    pauses until then: the exchange opens only under a wording every party signed. Parties may
    join or leave while it is reopened.
    """
    _require(actor, agreement.initiative, "agreement.vary")
    if not reason.strip():
        raise ValidationError({"reason": "Say what is to be varied and why."})
    with transaction.atomic():
        agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
        if agreement.status not in (Agreement.SIGNED, Agreement.LIVE, Agreement.SUSPENDED):
            raise ValidationError(
                f"This agreement is {agreement.get_status_display().lower()}: only a signed "
                "agreement still in force can be varied."
            )
        was = agreement.status
        agreement.status = Agreement.NEGOTIATING
        agreement.status_reason = reason.strip()
        agreement.status_changed_at = timezone.now()
        agreement.next_review_on = None  # not in force while it is varied
        agreement.save(
            update_fields=["status", "status_reason", "status_changed_at", "next_review_on"]
        )
        version = _new_version(
            agreement,
            agreement.current_version().content,
            actor,
            f"Variation agreed at a review: {reason.strip()}",
        )
        _audit(
            actor,
            agreement,
            verb="agreement.variation-opened",
            target=agreement,
            summary=f"{agreement.reference} reopened for variation (was {was}): {reason.strip()[:200]}",
            data={"was": was, "version": version.number},
        )
    return version


# --- Reminders --------------------------------------------------------------------------------


def reminders_send(*, base_url: str, now: dt.datetime | None = None) -> list[Reminder]:
    """Remind signatories who have not signed after ACCORD_REMINDER_DAYS; after twice that,
    their deputies too. Each reminder is recorded, so it is never sent twice for one version."""
    now = now or timezone.now()
    after = dt.timedelta(days=settings.ACCORD_REMINDER_DAYS)
    sent: list[Reminder] = []
    for agreement in Agreement.objects.filter(status=Agreement.NEGOTIATING).select_related(
        "initiative"
    ):
        version = agreement.current_version()
        waited = now - version.created_at
        if waited < after:
            continue
        organisations = {
            p.organisation.name: p.organisation
            for p in agreement.initiative.parties.select_related("organisation")
        }
        for waiting in signoff_of(agreement=agreement, version=version).waiting:
            organisation = organisations[waiting.signatory.party]
            stages = [Reminder.SIGNATORY] + ([Reminder.DEPUTY] if waited >= 2 * after else [])
            for stage in stages:
                reminder = _remind(
                    agreement,
                    version,
                    organisation,
                    waiting.signatory.role,
                    stage,
                    waited,
                    base_url,
                )
                if reminder:
                    sent.append(reminder)
    return sent


def _remind(
    agreement: Agreement,
    version: AgreementVersion,
    organisation: Organisation,
    role: str,
    stage: str,
    waited: dt.timedelta,
    base_url: str,
) -> Reminder | None:
    people = Membership.objects.filter(
        organisation=organisation, role=role, deputy=(stage == Reminder.DEPUTY)
    ).select_related("user")
    emails = sorted({m.user.email for m in people if m.user.is_active})
    if not emails:
        return None
    try:
        with transaction.atomic():
            reminder = Reminder.objects.create(
                version=version,
                organisation=organisation,
                role=role,
                stage=stage,
                recipients=emails,
            )
            _audit(
                None,
                agreement,
                verb="agreement.reminder-sent",
                target=reminder,
                summary=f"Reminded the {role} of {organisation.name} ({stage}) to sign {agreement.reference}",
            )
            link = base_url + reverse("agreements:sign", kwargs={"pk": agreement.pk})
            deputy = " as a deputy" if stage == Reminder.DEPUTY else ""
            # Through the outbox, so a mail server that is down delays the reminder, not loses it.
            notice_queue(
                key=f"signature-reminder:{reminder.pk}",
                recipients=emails,
                subject=f"Waiting for your signature: {agreement.reference} {agreement.initiative.title}",
                body=f"Version {version.number} of {agreement.reference} has waited {waited.days} days "
                f"for the signature of {organisation.name}'s {role}. You are receiving this{deputy}.\n\n"
                f"Read and sign it here:\n{link}\n",
            )
    except IntegrityError:
        return None  # already sent for this version and stage
    return reminder
