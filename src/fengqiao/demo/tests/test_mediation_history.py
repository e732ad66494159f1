"""The demo mediation history: made by the services, every log verifies, Huaihua-like rates.

Disputes, screening and petitions are made by the mediation services beside the case
history; they end in every state a demo needs, with rates like Huaihua's (97.6 % settled by
deadline)."""

from collections import Counter
from datetime import datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.db.models import Count
from django.test import override_settings
from django.utils import timezone

from fengqiao.accounts.models import User
from fengqiao.cases import services
from fengqiao.cases.models import OPEN_STATUSES, Case, CaseEvent, Kind, Status
from fengqiao.core import clock
from fengqiao.demo.cases import history as case_history
from fengqiao.demo.mediation.history import MEDIATION_HISTORY, generate_mediation_history
from fengqiao.demo.mediation.planning import SOURCE_WEIGHTS
from fengqiao.demo.seed import seed
from fengqiao.mediation import metrics
from fengqiao.mediation.models import (
    Dispute,
    FollowUp,
    MediationAgreement,
    MediationSession,
    Petition,
    Referral,
    ScreeningReport,
    ScreeningRound,
)
from fengqiao.regions.locator import grids_changed
from fengqiao.regions.models import Grid, Region

pytestmark = pytest.mark.django_db

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]
HISTORY_NOW = datetime(2026, 12, 2, 6, 50, tzinfo=ZoneInfo("Asia/Shanghai"))
DISPUTES, PETITIONS = MEDIATION_HISTORY["small"]


@pytest.fixture(scope="module")
def history(django_db_setup, django_db_blocker):
    """seed("small") with its history once for the module (rolled back at the end); the
    mediation history's summary."""
    results = []
    real = case_history.generate_case_history

    def spy(**kwargs):
        results.append(real(**kwargs))
        return results[-1]

    with (
        django_db_blocker.unblock(),
        override_settings(
            PASSWORD_HASHERS=FAST_HASHER,
            FENGQIAO_DEMO_CASE_HISTORY=True,
            FENGQIAO_DEMO_FIELDWORK=True,  # everything, as `make demo` seeds it
        ),
        mock.patch("fengqiao.demo.cases.setup.generate_case_history", spy),
        transaction.atomic(),
    ):
        # A fixed "now", as the case-history test has: the generated year depends on the day
        # it ends on, and a history ending at the real time varied its mix by the date.
        clock.freeze(HISTORY_NOW)
        try:
            seed("small")
        finally:
            clock.freeze(None)
        yield results[0]["mediation"]
        transaction.set_rollback(True)
    grids_changed()


def _county_centre() -> User:
    return User.objects.get(username="county_centre")


def test_small_seed_makes_the_mediation_history_without_refusals(history):
    assert history["failures"] == []
    assert history["disputes"] == DISPUTES == Dispute.objects.count()
    assert history["petitions"] == PETITIONS == Petition.objects.count()
    assert history["unverified_logs"] == []
    kinds = Counter(Case.objects.values_list("kind", flat=True))
    assert (kinds[Kind.DISPUTE], kinds[Kind.PETITION]) == (DISPUTES, PETITIONS)


def test_every_dispute_and_petition_log_verifies(history):
    cases = Case.objects.exclude(kind=Kind.GENERAL)
    assert cases.count() == DISPUTES + PETITIONS
    for case in cases:
        assert services.verify_log(case) == [], case.code


def test_disputes_come_from_every_source_and_end_in_several_states(history):
    disputes = Dispute.objects.select_related("case")
    sources = set(disputes.values_list("source", flat=True))
    assert set(SOURCE_WEIGHTS) <= sources
    statuses = Counter(disputes.values_list("case__status", flat=True))
    assert statuses[Status.CLOSED] > DISPUTES // 2
    assert statuses[Status.REJECTED] >= 1  # a party would not be mediated
    assert sum(statuses[s] for s in OPEN_STATUSES) >= 1  # still in mediation at "now"
    outcomes = set(disputes.values_list("outcome", flat=True))
    assert {"agreement", "withdrawn"} <= outcomes
    assert len(set(disputes.values_list("dispute_type", flat=True))) >= 4
    # Mostly neighbour, family and land disputes; mostly of general risk.
    types = Counter(disputes.values_list("dispute_type", flat=True))
    local = types["neighbour_dispute"] + types["family_dispute"] + types["land_dispute"]
    assert local > DISPUTES // 2
    risks = Counter(disputes.values_list("risk_grade", flat=True))
    assert risks["general"] > DISPUTES // 2
    for dispute in disputes.exclude(case__status=Status.REJECTED):
        assert dispute.consent_at is not None
        # Accepted and waiting at "now" for a mediator (the seed runs at today's date, so
        # some days one is caught between the two steps); past that, every one has one.
        if dispute.case.status != Status.ACCEPTED:
            assert dispute.mediator_id is not None, dispute.case.code
            assert dispute.case.region_code.startswith(dispute.committee.region_code)
        assert dispute.parties.filter(side="applicant").exists()
        assert dispute.parties.filter(side="respondent").exists()


def test_sessions_agreements_court_confirmation_and_follow_ups(history):
    held = MediationSession.objects.filter(is_held=True)
    assert held.count() >= DISPUTES // 2
    assert all(s.record and s.participants and s.place for s in held)
    agreements = MediationAgreement.objects.select_related("dispute")
    assert agreements.count() >= DISPUTES // 2
    for agreement in agreements:
        assert agreement.terms and agreement.facts and agreement.performance
        assert "调字第" in agreement.number
    court = Referral.objects.filter(purpose=Referral.Purpose.HANDLE)
    assert court.filter(state=Referral.State.RETURNED, is_settled__isnull=False).exists()
    confirmation = Referral.objects.filter(purpose=Referral.Purpose.CONFIRMATION)
    assert confirmation.filter(state=Referral.State.RETURNED).exists()
    assert CaseEvent.objects.filter(actor__username="court").exists()
    done = FollowUp.objects.filter(done_at__isnull=False)
    assert done.filter(result=FollowUp.Result.STABLE).exists()
    relapsed = done.filter(result=FollowUp.Result.RELAPSED)
    assert relapsed.count() == history["relapses"] >= 1
    for follow_up in relapsed:  # mediated again after the relapse
        events = list(follow_up.dispute.case.events.values_list("action", flat=True))
        assert events[events.index("relapse") + 1] == "claim"
    for follow_up in done:  # a month after settlement, not before
        assert timezone.localtime(follow_up.done_at).date() >= follow_up.due_on


def test_screening_rounds_every_month_with_a_report_from_each_grid(history):
    villages = Region.objects.filter(level=Region.Level.VILLAGE)
    rounds = Counter(ScreeningRound.objects.values_list("village_id", flat=True))
    assert set(rounds) == set(villages.values_list("pk", flat=True))
    assert set(rounds.values()) <= {11, 12}
    reports = ScreeningReport.objects.all()
    grids = Grid.objects.filter(parent__isnull=True).count()
    assert reports.count() >= grids * 10  # the current month may still be reporting
    assert reports.filter(nothing_found=True).count() > reports.count() * 0.8
    findings = reports.filter(nothing_found=False)
    assert findings.exists() and findings.count() == history["screening_findings"]
    for report in findings.annotate(n=Count("findings")):
        assert report.n >= 1
        for dispute in report.findings.select_related("case"):
            assert dispute.source == "screening"
            assert dispute.region_code.startswith(report.grid.code)
            assert dispute.case.reported_at < report.reported_at


def test_settled_by_deadline_and_relapse_rates_are_like_huaihuas(history):
    now = timezone.now()
    figures = metrics.dispute_metrics(
        actor=_county_centre(), start=now - timedelta(days=365), end=now
    )
    assert 0.85 <= figures["settled_by_deadline_rate"] <= 1.0
    assert figures["relapse_rate"] < 0.2
    assert figures["settled"] >= DISPUTES // 2
    assert figures["settled_by_deadline_rate"] == history["settled_by_deadline_rate"]


def test_petitions_acknowledged_in_time_routed_and_replied(history):
    now = timezone.now()
    figures = metrics.petition_metrics(
        actor=_county_centre(), start=now - timedelta(days=365), end=now
    )
    assert figures["registered"] == PETITIONS
    assert figures["acknowledged_on_time_rate"] == 1.0
    assert figures["overdue_now"] >= 1  # a reply past its 60 days
    assert figures["replied"] >= 1
    petitions = Petition.objects.select_related("case")
    for petition in petitions.filter(acknowledged_at__isnull=False):
        assert petition.acknowledged_at <= petition.acknowledge_due_at
    assert petitions.filter(dispute__isnull=False).exists()  # handed to mediation
    repeat = (
        petitions.exclude(petitioner_id_hash="")
        .values("petitioner_id_hash")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
    )
    assert repeat.exists() and repeat.count() == history["repeat_petitioners"]
    assert CaseEvent.objects.filter(
        actor__username="petition_office", action="acknowledge"
    ).exists()


def test_rerun_of_the_seed_adds_nothing(history):
    def counts():
        return (
            Case.objects.count(),
            CaseEvent.objects.count(),
            ScreeningReport.objects.count(),
            FollowUp.objects.count(),
            User.objects.count(),
        )

    before = counts()
    with override_settings(FENGQIAO_DEMO_CASE_HISTORY=True):
        again = seed("small")
    assert again.already_seeded
    assert counts() == before


def test_same_seed_same_mediation_history(history):
    """Twice the same generation (each rolled back), two years back so its screening rounds
    are new: the same disputes and petitions, and no refusals."""
    now = timezone.now().replace(microsecond=0) - timedelta(days=730)
    last = Case.objects.order_by("-pk").values_list("pk", flat=True).first()

    def run():
        with transaction.atomic():
            result = generate_mediation_history(disputes=6, petitions=3, seed=7, now=now)
            rows = list(
                Case.objects.filter(pk__gt=last)
                .order_by("code")
                .values_list("code", "kind", "title", "status", "reported_at")
            )
            transaction.set_rollback(True)
        return result, rows

    first, rows = run()
    second, again = run()
    assert first["failures"] == [] and first["unverified_logs"] == []
    assert first["disputes"] == 6 and first["petitions"] == 3
    assert rows == again and len(rows) == 9
    assert second["by_status"] == first["by_status"]


def test_the_demo_seeds_the_first_village_fieldwork_beside_the_histories(history):
    """`make demo`'s fieldwork, made through the services: patrols and teams, care records
    with help, two campaigns (one finished), help plans with a T+1 returnee, elections, a
    group head's account and broadcasts."""
    from fengqiao.accounts.models import User as Account
    from fengqiao.campaigns.models import Campaign
    from fengqiao.fieldwork.models import (
        Broadcast,
        CareHelp,
        GroupElection,
        HelpPlan,
        Patrol,
        PatrolTeam,
        Visit,
    )

    assert Visit.objects.count() > 50
    assert Patrol.objects.count() > 50 and PatrolTeam.objects.count() == 2
    assert CareHelp.objects.exists()
    campaigns = list(Campaign.objects.exclude(kind="screening").order_by("pk"))
    assert len(campaigns) == 2
    # Every screening round is a campaign of the same engine.
    assert Campaign.objects.filter(kind="screening").count() == ScreeningRound.objects.count()
    finished = [c for c in campaigns if not c.items.filter(status="pending").exists()]
    assert len(finished) == 1
    assert HelpPlan.objects.count() >= 3
    assert GroupElection.objects.exists() and Broadcast.objects.count() == 2
    assert Account.objects.filter(username="unit_head", role="unit_head").exists()
