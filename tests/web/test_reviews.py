"""Reviews of signed agreements: raised by the schedule and by events, recorded with an outcome
that takes effect, reminded by e-mail once per cause and stage, and an overdue one closing the
channel.

The tests commit for real (transaction=True), so the notices queued in a transaction are
delivered on commit by the immediate task backend and land in Django's mail outbox; the real
database queue and worker are tested in test_worker.py.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accord.apps.agreements import services as agreements
from accord.apps.agreements.models import Agreement, Signature
from accord.apps.audit.models import AuditEntry
from accord.apps.exchange import services as exchange
from accord.apps.exchange.selectors import channel_closures, terms_of
from accord.apps.notices.models import Notice
from accord.apps.organisations.services import organisation_create
from accord.apps.reviews import services
from accord.apps.reviews.models import LawBaseline, Review
from accord.core import review as rules
from accord.core.agreement.drafting import add_months
from accord.core.law import Catalogue, default_law
from tests.web.agreement_helpers import PASSWORD, code_for, give_evidence, person
from tests.web.conftest import signed_in
from tests.web.exchange_helpers import Sharing, live_agreement, signed_agreement

pytestmark = pytest.mark.django_db(transaction=True)

CONTINUE = rules.Finding(True, True, rules.CONTINUE, "Attendance improved; still needed.")


def mails_about(reference: str) -> list[mail.EmailMessage]:
    return [m for m in mail.outbox if reference in m.subject]


def evidence_outlasting_the_test(sharing: Sharing) -> None:
    """Evidence current for years, so sweeping a year ahead finds only the review date."""
    far = timezone.localdate() + dt.timedelta(days=1500)
    give_evidence(sharing.council_siro, sharing.council, expires_on=far)
    give_evidence(sharing.school_ig, sharing.school, expires_on=far)


def sweep(on: dt.date, law: Catalogue | None = None) -> services.Swept:
    return services.reviews_sweep(today=on, law=law or default_law())


def test_a_scheduled_review_is_raised_a_month_ahead_and_reminded_once_per_stage() -> None:
    sharing = live_agreement()
    agreement = sharing.agreement
    due = services.scheduled_review_on(agreement)
    assert due is not None
    assert agreement.next_review_on == due  # stored at signing, for the register
    evidence_outlasting_the_test(sharing)
    mail.outbox.clear()  # the news of signing

    assert sweep(due - dt.timedelta(days=31)).raised == []  # not yet within reach
    first = sweep(due - dt.timedelta(days=30))
    (review,) = first.raised
    assert (review.cause, review.due_on) == (rules.SCHEDULED, due)
    raised = mails_about(agreement.reference)
    # The raising notice and the 30-day reminder, each to every party's answering people.
    assert [m.subject.split(":")[0] for m in raised] == [
        f"Review needed by {due:%-d %B %Y}",
        "Review due",
    ]
    for message in raised:
        assert "head@brookfield.example" in message.to
        assert "siro@northshire.example" in message.to
        assert f"/agreements/{agreement.pk}/reviews/" in message.body

    # Sweeping again, however often, raises and sends nothing more for the same causes.
    for _ in range(3):
        again = sweep(due - dt.timedelta(days=29))
        assert (again.raised, again.reminders) == ([], 0)
    assert len(mails_about(agreement.reference)) == 2

    assert sweep(due - dt.timedelta(days=7)).reminders == 1
    assert sweep(due).reminders == 0  # the 7-day stage was sent; due today is not overdue
    assert sweep(due + dt.timedelta(days=1)).reminders == 1
    assert sweep(due + dt.timedelta(days=5)).reminders == 0
    subjects = [m.subject for m in mails_about(agreement.reference)]
    assert len(subjects) == 4
    assert subjects[-1].startswith("Review overdue")
    assert Notice.objects.filter(sent_at__isnull=True).count() == 0
    assert AuditEntry.objects.filter(verb="review.reminder-sent").count() == 3


def test_an_overdue_review_closes_the_channel_and_recording_it_reopens_it() -> None:
    sharing = live_agreement()
    agreement = sharing.agreement
    due = services.scheduled_review_on(agreement)
    assert due is not None
    evidence_outlasting_the_test(sharing)
    sweep(due - dt.timedelta(days=30))
    late = due + dt.timedelta(days=1)
    assert any("review" in r.text for r in channel_closures(agreement, today=late))

    review = Review.objects.get(agreement=agreement)
    recorded = services.review_record(actor=sharing.council_ig, review=review, finding=CONTINUE)
    agreement.refresh_from_db()
    assert recorded.outcome == rules.CONTINUE
    assert recorded.completed_by == sharing.council_ig
    today = timezone.localdate()
    assert agreement.last_reviewed_on == today
    every = terms_of(agreement).review_every_months
    assert every
    # The schedule restarts from the day of the review.
    assert agreement.next_review_on == services.scheduled_review_on(agreement)
    assert agreement.next_review_on == add_months(today, every)
    assert channel_closures(agreement, today=today) == ()
    assert AuditEntry.objects.filter(verb="review.recorded").count() == 1
    assert mails_about(agreement.reference)[-1].subject.startswith("Review recorded")


def test_a_raised_review_left_overdue_closes_the_channel_too() -> None:
    sharing = live_agreement()
    agreement = sharing.agreement
    review = services.review_request(
        actor=sharing.school_ig, agreement=agreement, reason="Pupils moved schools."
    )
    assert review.due_on == timezone.localdate() + dt.timedelta(days=30)
    agreement.refresh_from_db()
    assert agreement.next_review_on == review.due_on  # earlier than the scheduled one
    reasons = channel_closures(agreement, today=review.due_on + dt.timedelta(days=1))
    assert [r.text for r in reasons] == [f"The review due on {review.due_on:%-d %B %Y} is overdue."]


def test_a_finding_that_does_not_hold_together_is_refused_and_nothing_is_recorded() -> None:
    sharing = live_agreement()
    review = services.review_request(
        actor=sharing.council_ig, agreement=sharing.agreement, reason="Annual check."
    )
    unnecessary = rules.Finding(True, False, rules.CONTINUE, "No longer needed.")
    with pytest.raises(ValidationError) as refused:
        services.review_record(actor=sharing.council_ig, review=review, finding=unnecessary)
    assert "cannot continue as agreed" in refused.value.message_dict["outcome"][0]
    with pytest.raises(ValidationError) as refused:
        services.review_record(
            actor=sharing.council_ig,
            review=review,
            finding=dataclasses.replace(CONTINUE, notes=" "),
        )
    assert "notes" in refused.value.message_dict
    review.refresh_from_db()
    assert review.is_open
    assert not AuditEntry.objects.filter(verb="review.recorded").exists()


def test_only_the_leads_ig_officer_or_siro_records_and_only_its_siro_ends() -> None:
    sharing = live_agreement()
    review = services.review_request(
        actor=sharing.school_ig, agreement=sharing.agreement, reason="Check."
    )
    with pytest.raises(PermissionDenied):
        services.review_record(actor=sharing.school_ig, review=review, finding=CONTINUE)
    end = rules.Finding(False, False, rules.END, "The project has finished.")
    with pytest.raises(ValidationError) as refused:
        services.review_record(actor=sharing.council_ig, review=review, finding=end)
    assert refused.value.message_dict["outcome"] == ["Only the lead's SIRO can end the agreement."]
    services.review_record(actor=sharing.council_siro, review=review, finding=end)
    sharing.agreement.refresh_from_db()
    assert sharing.agreement.status == Agreement.TERMINATED
    assert sharing.agreement.next_review_on is None


def test_a_review_can_suspend_the_sharing() -> None:
    sharing = live_agreement()
    review = services.review_request(
        actor=sharing.council_ig, agreement=sharing.agreement, reason="A complaint."
    )
    finding = rules.Finding(True, True, rules.SUSPEND, "Stop until the complaint is resolved.")
    services.review_record(actor=sharing.council_ig, review=review, finding=finding)
    sharing.agreement.refresh_from_db()
    assert sharing.agreement.status == Agreement.SUSPENDED
    assert "Stop until the complaint is resolved." in sharing.agreement.status_reason


def test_a_variation_reopens_the_wording_for_every_party_to_sign_again_then_goes_live() -> None:
    sharing = live_agreement()
    agreement = sharing.agreement
    before = agreement.current_version()
    review = services.party_joining(
        actor=sharing.council_ig,
        agreement=agreement,
        organisation=organisation_create(
            actor=None, name="Northshire Police", type="police", functions=[]
        ),
        reason="The police would receive attendance for missing children.",
    )
    assert review is not None
    assert review.cause == rules.PARTY_JOINED
    vary = rules.Finding(True, True, rules.VARY, "Bring the police in.")
    services.review_record(actor=sharing.council_ig, review=review, finding=vary)
    agreement.refresh_from_db()
    assert agreement.status == Agreement.NEGOTIATING
    after = agreement.current_version()
    assert after.number == before.number + 1
    assert not Signature.objects.filter(version=before, voided_at__isnull=True).exists()
    assert channel_closures(agreement, today=timezone.localdate())  # nothing flows meanwhile

    # Everyone signs the new version; it goes live again on the channel it had. (The
    # authenticator codes of the first signing are still in their 30 seconds: let them pass.)
    TOTPDevice.objects.update(last_t=-1)
    siro, head = sharing.council_siro, sharing.school_ig
    dpo = agreement.initiative.lead.memberships.get(role="dpo").user
    school_dpo = sharing.school.memberships.get(role="dpo").user
    for user, role in ((siro, "siro"), (dpo, "dpo"), (head, "siro"), (school_dpo, "dpo")):
        agreements.signature_give(
            actor=user,
            agreement=agreement,
            version_number=after.number,
            version_hash=after.content_hash,
            role=role,
            password=PASSWORD,
            code=code_for(user),
        )
    agreement.refresh_from_db()
    assert agreement.status == Agreement.SIGNED
    exchange.go_live(actor=sharing.council_ig, agreement=agreement)
    agreement.refresh_from_db()
    assert agreement.status == Agreement.LIVE


def test_a_party_leaving_raises_one_review_and_the_lead_cannot_leave() -> None:
    sharing = live_agreement()
    leaving = services.party_leaving(
        actor=sharing.school_ig, agreement=sharing.agreement, reason="The school is closing."
    )
    assert leaving is not None
    assert leaving.cause == rules.PARTY_LEFT
    assert "Brookfield Primary School gave notice" in leaving.summary
    again = services.party_leaving(
        actor=sharing.school_ig, agreement=sharing.agreement, reason="Still closing."
    )
    assert again is None  # one notice of leaving, one review
    with pytest.raises(ValidationError):
        services.party_leaving(
            actor=sharing.council_siro, agreement=sharing.agreement, reason="No."
        )


def test_lapsed_evidence_raises_a_review_once_per_lapse() -> None:
    sharing = live_agreement()
    expiry = timezone.localdate() + dt.timedelta(days=365)  # as the helpers give it
    assert [r for r in sweep(expiry).raised if r.cause == rules.EVIDENCE_LAPSED] == []
    # The day after it expires, each party's lapsed evidence raises a review, once.
    lapsed = [
        r for r in sweep(expiry + dt.timedelta(days=1)).raised if r.cause == rules.EVIDENCE_LAPSED
    ]
    assert {r.summary.split("'s ")[0] for r in lapsed} == {
        "Northshire County Council",
        "Brookfield Primary School",
    }
    assert all("expired" in r.summary for r in lapsed)
    again = sweep(expiry + dt.timedelta(days=2)).raised
    assert [r for r in again if r.cause == rules.EVIDENCE_LAPSED] == []
    # The channel is closed meanwhile.
    assert channel_closures(sharing.agreement, today=expiry + dt.timedelta(days=1))


def test_a_change_in_the_law_an_agreement_relies_on_raises_a_review_of_it_only() -> None:
    sharing = live_agreement()
    law = default_law()
    assert sweep(timezone.localdate(), law).law_changed == []  # the first sweep records digests
    assert LawBaseline.objects.count() == len(law.everything) + 1
    assert sweep(timezone.localdate(), law).law_changed == []  # nothing changed

    relied = rules.relied_on_provisions(
        sharing.agreement.current_version().section("legal-basis")["values"]
    )
    assert relied
    provision_id = sorted(relied)[0]
    not_relied = next(p.id for p in law.everything if p.id not in relied)
    changed = Catalogue(
        [
            dataclasses.replace(p, summary=p.summary + " Amended.")
            if p.id in (provision_id, not_relied)
            else p
            for p in law.everything
        ],
        version=law.version + "-amended",
    )
    swept = sweep(timezone.localdate(), changed)
    assert swept.law_changed == sorted([provision_id, not_relied])
    (review,) = [r for r in swept.raised if r.cause == rules.LAW_CHANGED]
    assert review.agreement == sharing.agreement
    assert provision_id.split("/")[-1] in review.cause_key
    assert sweep(timezone.localdate(), changed).raised == []  # the same change, seen again


def test_the_review_pages_answer_only_to_parties_and_record_in_the_browser_form() -> None:
    sharing = live_agreement()
    agreement = sharing.agreement
    review = services.review_request(
        actor=sharing.school_ig, agreement=agreement, reason="Numbers have doubled."
    )
    outsider_org = organisation_create(actor=None, name="Eastshire Council", type="local-authority")
    outsider = person(outsider_org, "ig-officer", email="ig@eastshire.example")
    url = f"/agreements/{agreement.pk}/reviews/"
    assert signed_in(outsider).get(url).status_code == 404
    assert signed_in(outsider).get(f"{url}{review.pk}/record/").status_code == 404

    school = signed_in(sharing.school_ig, mfa=True)
    page = school.get(url).content.decode()
    assert "Numbers have doubled." in page
    assert "Record the review" not in page  # only the lead records
    assert "Give notice that your organisation will leave" in page
    assert school.get(f"{url}{review.pk}/record/").status_code == 403

    council = signed_in(sharing.council_ig, mfa=True)
    lead_page = council.get(url).content.decode()
    assert "Give notice that your organisation will leave" not in lead_page
    bad = council.post(f"{url}{review.pk}/record/", {"outcome": "continue"})
    assert bad.status_code == 400
    text = bad.content.decode()
    assert "Select yes if the sharing still achieves its purpose" in text
    assert "Say what the review found" in text
    good = council.post(
        f"{url}{review.pk}/record/",
        {
            "achieves_purpose": "yes",
            "still_necessary": "yes",
            "outcome": "continue",
            "notes": "Doubling explained by the new estate; sharing still needed.",
        },
    )
    assert good.status_code == 302
    review.refresh_from_db()
    assert not review.is_open
    assert review.outcome == rules.CONTINUE
    assert "Doubling explained" in council.get(url).content.decode()


def test_a_negotiating_agreement_owes_no_review(make_person: object) -> None:
    sharing: Sharing = signed_agreement()
    agreement = sharing.agreement
    Agreement.objects.filter(pk=agreement.pk).update(status=Agreement.NEGOTIATING)
    agreement.refresh_from_db()
    with pytest.raises(ValidationError):
        services.review_request(actor=sharing.council_ig, agreement=agreement, reason="Why not.")
    assert services.review_date_refresh(agreement) is None


def test_giving_notice_twice_in_the_browser_form_says_it_was_raised_already() -> None:
    sharing = live_agreement()
    school = signed_in(sharing.school_ig, mfa=True)
    url = f"/agreements/{sharing.agreement.pk}/reviews/leave/"
    assert school.post(url, {"reason": ""}).status_code == 400
    first = school.post(url, {"reason": "The school is closing."}, follow=True)
    assert "Notice given: every party has been told" in first.content.decode()
    again = school.post(url, {"reason": "Still closing."}, follow=True)
    assert "A review for this was raised already" in again.content.decode()
    assert Review.objects.filter(agreement=sharing.agreement, cause=rules.PARTY_LEFT).count() == 1
    # The council is the lead: it cannot give notice, not even by posting the form.
    council = signed_in(sharing.council_siro, mfa=True)
    refused = council.post(url, {"reason": "No."})
    assert refused.status_code == 400
    assert "The lead cannot leave its own agreement" in refused.content.decode()
