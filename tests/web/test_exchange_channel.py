"""Going live, suspending, resuming and terminating: the channel opens and closes with the
agreement, and every change is audited. The disclosure log is a hash chain like the audit log."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accord.apps.agreements.models import Agreement
from accord.apps.audit.models import AuditEntry
from accord.apps.evidence.models import EvidenceItem
from accord.apps.evidence.services import evidence_withdraw
from accord.apps.exchange import services, store
from accord.apps.exchange.models import Channel, Dataset, DisclosureEntry
from accord.apps.exchange.selectors import channel_closures, dataset_terms
from accord.apps.initiatives import services as initiatives
from accord.apps.initiatives.selectors import journey
from accord.apps.organisations.services import organisation_create
from accord.core.exchange.decision import DisclosureRequest
from tests.web.agreement_helpers import give_evidence, person
from tests.web.conftest import signed_in
from tests.web.exchange_helpers import Sharing, live_agreement, loaded_dataset, signed_agreement

pytestmark = pytest.mark.django_db


def _page(sharing: Sharing, user_attr: str = "council_ig", path: str = "") -> str:
    client = signed_in(getattr(sharing, user_attr), mfa=True)
    return client.get(f"/agreements/{sharing.agreement.pk}/exchange/{path}").content.decode()


def test_the_lead_takes_a_signed_agreement_live_and_the_task_list_says_so() -> None:
    sharing = signed_agreement()
    client = signed_in(sharing.council_ig, mfa=True)
    overview = client.get(f"/agreements/{sharing.agreement.pk}/exchange/").content.decode()
    assert "Go live" in overview
    assert "not live" in overview
    response = client.post(f"/agreements/{sharing.agreement.pk}/exchange/go-live/")
    assert response.status_code == 302
    sharing.agreement.refresh_from_db()
    assert sharing.agreement.status == Agreement.LIVE
    assert sharing.agreement.live_at is not None
    assert len(bytes(Channel.objects.get(agreement=sharing.agreement).match_key)) == 32
    assert AuditEntry.objects.filter(verb="agreement.went-live").count() == 1
    tasks = {t.key: t.status for t in journey(initiative=sharing.agreement.initiative)}
    assert tasks["go-live"] == "Completed"
    assert "The channel is open" in _page(sharing)
    task_list = client.get(f"/initiatives/{sharing.agreement.initiative.pk}/").content.decode()
    assert f'href="/agreements/{sharing.agreement.pk}/exchange/"' in task_list
    # Going live again is refused, and nothing more is written.
    again = client.post(f"/agreements/{sharing.agreement.pk}/exchange/go-live/")
    assert again.status_code == 409
    assert "already live" in again.content.decode()
    assert AuditEntry.objects.filter(verb="agreement.went-live").count() == 1


def test_only_the_leads_ig_officer_or_siro_takes_it_live() -> None:
    sharing = signed_agreement()
    response = signed_in(sharing.school_ig, mfa=True).post(
        f"/agreements/{sharing.agreement.pk}/exchange/go-live/"
    )
    assert response.status_code == 403
    sharing.agreement.refresh_from_db()
    assert sharing.agreement.status == Agreement.SIGNED


def test_an_agreement_goes_live_on_its_start_date_and_not_before() -> None:
    start = timezone.localdate() + dt.timedelta(days=10)
    sharing = signed_agreement(values={"term": {"start_on": start.isoformat(), "end_on": None}})
    assert f"can go live on {start:%-d %B %Y}" in _page(sharing)
    with pytest.raises(services.ExchangeRefused, match="may not start before"):
        services.go_live(actor=sharing.council_ig, agreement=sharing.agreement)
    assert Agreement.objects.get(pk=sharing.agreement.pk).status == Agreement.SIGNED
    live = services.go_live(actor=sharing.council_ig, agreement=sharing.agreement, today=start)
    assert live.status == Agreement.LIVE


def test_lapsed_security_evidence_stops_go_live_and_closes_a_live_channel_until_renewed() -> None:
    sharing = live_agreement()
    for item in EvidenceItem.objects.filter(organisation=sharing.school, kind="cyber-essentials"):
        evidence_withdraw(sharing.school_ig, item)
    closed = channel_closures(sharing.agreement, today=timezone.localdate())
    assert [r.clause.key for r in closed] == ["mechanism"]
    assert "Brookfield Primary School" in closed[0].text
    assert "The channel is closed" in _page(sharing)
    give_evidence(sharing.school_ig, sharing.school)
    assert channel_closures(sharing.agreement, today=timezone.localdate()) == ()


def test_suspension_and_resumption_need_a_reason_and_are_audited() -> None:
    sharing = live_agreement()
    client = signed_in(sharing.council_ig, mfa=True)
    url = f"/agreements/{sharing.agreement.pk}/exchange/suspend/"
    empty = client.post(url, {"reason": ""})
    assert empty.status_code == 400
    assert "Error:" in empty.content.decode()
    assert client.post(url, {"reason": "A breach is being investigated"}).status_code == 302
    sharing.agreement.refresh_from_db()
    assert sharing.agreement.status == Agreement.SUSPENDED
    assert [
        r.clause.key for r in channel_closures(sharing.agreement, today=timezone.localdate())
    ] == ["termination"]
    assert "A breach is being investigated" in _page(sharing)
    resumed = client.post(
        f"/agreements/{sharing.agreement.pk}/exchange/resume/", {"reason": "Investigation closed"}
    )
    assert resumed.status_code == 302
    sharing.agreement.refresh_from_db()
    assert sharing.agreement.status == Agreement.LIVE
    verbs = list(AuditEntry.objects.values_list("verb", flat=True).order_by("sequence"))
    assert verbs[-2:] == ["agreement.suspended", "agreement.resumed"]


def test_termination_is_for_the_leads_siro_and_is_final() -> None:
    sharing = live_agreement()
    url = f"/agreements/{sharing.agreement.pk}/exchange/terminate/"
    assert signed_in(sharing.council_ig, mfa=True).get(url).status_code == 403
    siro = signed_in(sharing.council_siro, mfa=True)
    assert siro.post(url, {"reason": "The service has closed"}).status_code == 302
    sharing.agreement.refresh_from_db()
    assert sharing.agreement.status == Agreement.TERMINATED
    with pytest.raises(services.ExchangeRefused):
        services.resume(actor=sharing.council_ig, agreement=sharing.agreement, reason="Oops")
    tasks = {t.key: t.status for t in journey(initiative=sharing.agreement.initiative)}
    assert tasks["go-live"] == "Completed"


def test_an_unrelated_organisation_cannot_see_the_exchange() -> None:
    sharing = live_agreement()
    stranger_org = organisation_create(actor=None, name="Elsewhere Council", type="local-authority")
    stranger = person(stranger_org, "ig-officer", "siro", email="ig@elsewhere.example")
    client = signed_in(stranger, mfa=True)
    base = f"/agreements/{sharing.agreement.pk}/exchange/"
    assert client.get(base).status_code == 404
    for path in ("go-live/", "suspend/", "resume/", "terminate/"):
        assert client.post(base + path, {"reason": "x"}).status_code == 404
    sharing.agreement.refresh_from_db()
    assert sharing.agreement.status == Agreement.LIVE


def test_a_negotiating_agreement_has_no_exchange_yet() -> None:
    sharing = signed_agreement()
    Agreement.objects.filter(pk=sharing.agreement.pk).update(status=Agreement.NEGOTIATING)
    assert "Nothing can be shared until every party has signed" in _page(sharing)


def _dataset(sharing: Sharing) -> Dataset:
    return loaded_dataset(
        sharing,
        ["UPN", "Surname", "Religion"],
        [(f"A{i}", f"Pupil {i}", "secret") for i in range(30)],
        {"UPN": "unique pupil number", "Surname": "name"},
    )


def test_every_disclosure_and_refusal_is_chained_and_tampering_is_found() -> None:
    sharing = live_agreement()
    dataset = _dataset(sharing)

    def pull() -> services.Disclosure:
        return services.disclose(
            agreement_id=sharing.agreement.pk,
            request=DisclosureRequest(
                kind="records",
                party=str(sharing.council.pk),
                dataset=dataset_terms(dataset),
                records=10,
            ),
            party=sharing.council,
            fetch=lambda d: store.page(dataset, d.fields, offset=0, limit=d.records, fmt="ndjson"),
            dataset=dataset,
        )

    allowed = pull()
    assert allowed.count == 10
    assert b"secret" not in allowed.payload
    assert allowed.entry.fields == ["UPN", "Surname"]
    assert allowed.entry.record_count == 10
    services.suspend(actor=sharing.council_ig, agreement=sharing.agreement, reason="Checking")
    refused = pull()
    assert not refused.decision.allowed
    assert refused.payload == b""
    assert refused.entry.effect == "deny"
    assert "suspended" in refused.entry.reason
    assert services.disclosures_verify() == (2, None)
    # Edit an entry behind Accord's back: verification names it.
    DisclosureEntry.objects.filter(pk=allowed.entry.pk).update(record_count=1)
    _checked, problem = services.disclosures_verify()
    assert problem is not None
    assert problem.sequence == allowed.entry.sequence


def test_parties_cannot_change_once_every_party_has_signed() -> None:
    sharing = live_agreement()
    initiative = sharing.agreement.initiative
    rogue = organisation_create(actor=None, name="Rogue Academy", type="school")
    school_party = initiative.parties.get(organisation=sharing.school)
    attempts = [
        lambda: initiatives.party_add(
            actor=sharing.council_ig, initiative=initiative, organisation=rogue, role="discloses"
        ),
        lambda: initiatives.party_change_role(
            actor=sharing.council_ig, initiative=initiative, party=school_party, role="both"
        ),
        lambda: initiatives.party_remove(
            actor=sharing.council_ig, initiative=initiative, party=school_party
        ),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError, match="Every party has signed"):
            attempt()
    assert initiative.parties.count() == 2
    assert initiative.parties.get(organisation=sharing.school).role == "discloses"


def test_any_party_can_suspend_its_sharing_but_only_the_lead_resumes() -> None:
    sharing = live_agreement()
    school = signed_in(sharing.school_ig, mfa=True)
    url = f"/agreements/{sharing.agreement.pk}/exchange/"
    assert "Suspend sharing" in school.get(url).content.decode()
    done = school.post(url + "suspend/", {"reason": "Our MIS was breached"})
    assert done.status_code == 302
    sharing.agreement.refresh_from_db()
    assert sharing.agreement.status == Agreement.SUSPENDED
    assert school.post(url + "resume/", {"reason": "Fixed"}).status_code == 403
    council = signed_in(sharing.council_ig, mfa=True)
    assert (
        council.post(url + "resume/", {"reason": "Fixed, as the school confirmed"}).status_code
        == 302
    )
    entry = AuditEntry.objects.filter(verb="agreement.suspended").get()
    assert entry.organisation == sharing.school
