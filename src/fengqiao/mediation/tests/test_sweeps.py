"""Follow-up reminders and petition limit warnings: sent when due, once, to the right people."""

from datetime import timedelta

import pytest

from fengqiao.cases.models import Notification
from fengqiao.core import clock
from fengqiao.core.sweeping import run_all_sweeps
from fengqiao.mediation import petitions, sweeps
from fengqiao.mediation import services as mediation
from fengqiao.mediation.models import FollowUp
from fengqiao.mediation.tests.test_flows import START, _register, _session, _to_mediation


@pytest.fixture
def at_start():
    clock.freeze(START)
    yield START
    clock.freeze(None)


def test_follow_up_reminder_goes_to_the_mediator_once_when_due(world, at_start):
    dispute = _register(world, world["village_centre"])
    _to_mediation(world, dispute)
    _session(world, dispute)
    mediation.dispute_conclude(
        actor=world["mediator_a"],
        dispute_id=dispute.pk,
        outcome="agreement",
        result="达成协议",
        facts="漏水",
        terms=["赔偿2000元"],
        performance="当场",
    )
    assert sweeps.sweep_follow_up_reminders() == 0  # not due for 30 days
    clock.freeze(START + timedelta(days=30))
    assert sweeps.sweep_follow_up_reminders() == 1
    assert sweeps.sweep_follow_up_reminders() == 0  # a second pass (or worker) adds nothing
    reminders = Notification.objects.filter(kind="follow_up_due")
    assert [n.recipient for n in reminders] == [world["mediator_a"]]
    assert FollowUp.objects.get(dispute=dispute).reminded_at is not None


def test_petition_warned_before_and_after_its_limit_once_each(world, at_start):
    petition = petitions.petition_register(
        actor=world["county_centre"],
        form="letter",
        category_code="petition_other",
        title="来信",
        matter="反映问题",
        petitioner_name="赵某",
        **world["point"],
    )
    assert sweeps.sweep_petition_warnings() == 0
    clock.freeze(START + timedelta(days=12, hours=1))  # three days before the 15-day limit
    assert sweeps.sweep_petition_warnings() == 1
    assert sweeps.sweep_petition_warnings() == 0
    clock.freeze(START + timedelta(days=15, hours=1))
    counts = run_all_sweeps()
    assert counts["petition_warnings"] == 1 and counts["follow_up_reminders"] == 0
    petition.refresh_from_db()
    assert petition.warned_for == "ack_overdue"
    kinds = set(Notification.objects.filter(case_id=petition.pk).values_list("kind", flat=True))
    assert {"petition_ack_soon", "petition_ack_overdue"} <= kinds
