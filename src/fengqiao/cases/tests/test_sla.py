"""SLA deadlines: working days over holidays and make-up days, working hours, minutes, rules."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from fengqiao.cases import services, sla
from fengqiao.cases.models import Case, Category, Level, SlaRule, Status
from fengqiao.core import clock
from fengqiao.core.models import WorkdayOverride
from fengqiao.core.workcalendar import WorkCalendar

SH = ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


def report(world, category, when, title="小区门口垃圾堆放无人清理"):
    clock.freeze(when)
    return services.case_report(
        actor=world["grid_worker"], category=category, title=title, **world["point"]
    )


# -- working days: National Day 2024 (Oct 1–7 off; Sun Sep 29 and Sat Oct 12 worked) ------


def test_accept_is_due_after_the_holiday_when_reported_the_day_before_national_day(world):
    case = report(world, world["garbage"], at(2024, 9, 30, 15, 0))
    # garbage at grid level: the default rule, 1 working day to accept
    assert case.due_at == at(2024, 10, 8, 15, 0)
    # 0.75 of a day = 5.25 office hours: 2.5 h left on Sep 30, then 2.75 h on Oct 8
    assert case.warn_at == at(2024, 10, 8, 11, 45)
    stored = Case.objects.get(pk=case.pk)
    assert (stored.due_at, stored.warn_at) == (case.due_at, case.warn_at)


def test_clock_starts_on_the_make_up_day_when_reported_on_a_saturday(world):
    case = report(world, world["garbage"], at(2024, 9, 28, 10, 0))
    # Sat Sep 28 is off; Sun Sep 29 is a make-up working day, so the clock starts there at
    # 9:00 and one working day later is Mon Sep 30 9:00 — not after the holiday.
    assert case.due_at == at(2024, 9, 30, 9, 0)
    assert at(2024, 9, 29, 9, 0) < case.warn_at < case.due_at


def test_resolve_is_counted_in_working_days_when_a_case_is_claimed_before_the_holiday(world):
    case = report(world, world["garbage"], at(2024, 9, 29, 10, 0))
    case = services.case_accept(actor=world["grid_chief"], case_id=case.pk)
    case = services.case_dispatch(
        actor=world["grid_chief"], case_id=case.pk, unit_id=world["police"].pk
    )
    clock.freeze(at(2024, 9, 30, 16, 0))
    case = services.case_claim(actor=world["handler"], case_id=case.pk)
    # grid level resolves within 3 working days: Oct 8, 9, 10
    assert case.due_at == case.resolve_due_at == at(2024, 10, 10, 16, 0)


def test_admin_override_moves_the_deadline_when_a_day_is_declared_off(world):
    WorkdayOverride.objects.create(date=at(2024, 10, 8, 0, 0).date(), is_workday=False)
    case = report(world, world["garbage"], at(2024, 9, 30, 15, 0))
    assert case.due_at == at(2024, 10, 9, 15, 0)


def test_fractional_days_run_on_in_office_hours_when_a_rule_gives_half_a_day():
    calendar = WorkCalendar()
    due = sla.add(at(2024, 9, 30, 15, 0), 1.5, SlaRule.Unit.WORKDAYS, calendar)
    # one day → Oct 8 15:00, then 3.5 office hours: 2.5 h to 17:30 and 1 h on Oct 9
    assert due == at(2024, 10, 9, 10, 0)


# -- working hours: lunch, evenings, weekends and make-up Saturdays --------------------------


@pytest.fixture
def hourly(world):
    """Street lights (grid level) get an hourly rule: accept 1 h, claim 2 h, resolve 4 h."""
    category = Category.objects.get(code="streetlight")
    SlaRule.objects.create(
        category=category,
        level=Level.GRID,
        unit=SlaRule.Unit.WORKHOURS,
        accept_within=1,
        claim_within=2,
        resolve_within=4,
    )
    return category


@pytest.mark.parametrize(
    ("reported", "due"),
    [
        (at(2024, 10, 9, 10, 0), at(2024, 10, 9, 11, 0)),  # inside the morning
        (at(2024, 10, 9, 11, 30), at(2024, 10, 9, 14, 0)),  # across lunch (12:00–13:30)
        (at(2024, 10, 9, 12, 30), at(2024, 10, 9, 14, 30)),  # during lunch: from 13:30
        (at(2024, 10, 9, 17, 0), at(2024, 10, 10, 9, 30)),  # overnight
        (at(2024, 10, 9, 22, 0), at(2024, 10, 10, 10, 0)),  # after hours: from 9:00
        (at(2024, 10, 11, 17, 0), at(2024, 10, 12, 9, 30)),  # Fri → Sat Oct 12, a make-up day
        (at(2024, 10, 18, 17, 0), at(2024, 10, 21, 9, 30)),  # Fri → Mon, a normal weekend
        (at(2024, 9, 30, 17, 0), at(2024, 10, 8, 9, 30)),  # over the National Day holiday
    ],
)
def test_working_hours_skip_breaks_nights_and_holidays_when_the_rule_is_hourly(
    world, hourly, reported, due
):
    case = report(world, hourly, reported, title="路灯不亮")
    assert case.due_at == due
    assert case.warn_at < case.due_at


def test_claim_and_resolve_use_their_own_hours_when_the_case_moves_on(world, hourly):
    case = report(world, hourly, at(2024, 10, 9, 9, 0), title="路灯不亮")
    clock.freeze(at(2024, 10, 9, 9, 30))
    case = services.case_accept(actor=world["grid_chief"], case_id=case.pk)
    assert case.due_at == at(2024, 10, 9, 10, 30)  # accept again from acceptance
    case = services.case_dispatch(
        actor=world["grid_chief"], case_id=case.pk, unit_id=world["police"].pk
    )
    assert case.due_at == at(2024, 10, 9, 11, 30)  # claim within 2 h
    clock.freeze(at(2024, 10, 9, 11, 0))
    case = services.case_claim(actor=world["handler"], case_id=case.pk)
    assert case.due_at == case.resolve_due_at == at(2024, 10, 9, 16, 30)  # 1 h + lunch + 3 h


# -- minutes: the police pattern for urgent security work -----------------------------------


def test_minute_rules_run_round_the_clock_when_the_category_is_urgent(world):
    night = at(2024, 10, 1, 3, 0, 0)  # a holiday, at night
    case = report(world, world["security"], night, title="有人聚众赌博")
    assert case.level == Level.VILLAGE
    assert case.due_at == night + timedelta(minutes=1)
    assert case.warn_at == night + timedelta(seconds=45)

    clock.freeze(night + timedelta(seconds=40))
    case = services.case_accept(actor=world["village_centre"], case_id=case.pk)
    assert case.due_at == night + timedelta(seconds=100)
    case = services.case_dispatch(
        actor=world["village_centre"], case_id=case.pk, unit_id=world["police"].pk
    )
    assert case.due_at == night + timedelta(seconds=40, minutes=2)
    clock.freeze(night + timedelta(minutes=2))
    case = services.case_claim(actor=world["handler"], case_id=case.pk)
    assert case.due_at == night + timedelta(minutes=32)


def test_no_deadline_runs_when_the_case_waits_for_a_check(world):
    case = report(world, world["security"], at(2024, 10, 9, 10, 0), title="有人聚众赌博")
    case = services.case_accept(actor=world["village_centre"], case_id=case.pk)
    case = services.case_dispatch(
        actor=world["village_centre"], case_id=case.pk, unit_id=world["police"].pk
    )
    case = services.case_claim(actor=world["handler"], case_id=case.pk)
    resolve_due = case.resolve_due_at
    case = services.case_resolve(actor=world["handler"], case_id=case.pk, result="已驱散")
    assert case.status == Status.RESOLVED
    assert (case.due_at, case.warn_at) == (None, None)
    assert case.resolve_due_at == resolve_due  # kept, for the on-time rate


# -- warnings and rule lookup ---------------------------------------------------------------


@pytest.mark.parametrize(
    "start",
    [at(2024, 9, 30, 15, 0), at(2024, 9, 28, 23, 0), at(2024, 10, 9, 11, 59), at(2025, 1, 27, 9)],
)
def test_warning_comes_before_the_deadline_when_any_rule_applies(world, start):
    calendar = WorkCalendar()
    for rule in SlaRule.objects.select_related("category"):
        category = rule.category or world["garbage"]
        for status in sla.STAGE_OF_STATUS:
            case = Case(category=category, level=rule.level, status=status)
            deadline = sla.deadline_for(case, start, calendar=calendar)
            assert start < deadline.warn_at < deadline.due_at, (rule, status)


def test_rule_lookup_prefers_category_then_group_then_default_when_several_exist(world):
    garbage = world["garbage"]
    default = SlaRule.objects.get(category=None, level=Level.GRID)
    assert sla.rule_for(garbage, Level.GRID) == default

    group = SlaRule.objects.create(
        category=garbage.parent,
        level=Level.GRID,
        unit=SlaRule.Unit.WORKHOURS,
        accept_within=2,
        claim_within=2,
        resolve_within=8,
    )
    assert sla.rule_for(garbage, Level.GRID) == group
    assert sla.rule_for(Category.objects.get(code="sanitation"), Level.GRID) == group
    assert sla.rule_for(Category.objects.get(code="streetlight"), Level.GRID) == default

    own = SlaRule.objects.create(
        category=garbage,
        level=Level.GRID,
        unit=SlaRule.Unit.MINUTES,
        accept_within=30,
        claim_within=30,
        resolve_within=240,
    )
    assert sla.rule_for(garbage, Level.GRID) == own
    assert sla.rule_for(garbage, Level.VILLAGE) == SlaRule.objects.get(
        category=None, level=Level.VILLAGE
    )

    case = report(world, garbage, at(2024, 10, 9, 10, 0))
    assert case.due_at == at(2024, 10, 9, 10, 30)


def test_no_deadline_is_set_when_no_rule_applies(world):
    SlaRule.objects.filter(level=Level.GRID, category=None).delete()
    case = report(world, world["garbage"], at(2024, 10, 9, 10, 0))
    assert (case.due_at, case.warn_at) == (None, None)


def _rule(category, level):
    return SlaRule.objects.create(
        category=category,
        level=level,
        unit=SlaRule.Unit.WORKDAYS,
        accept_within=1,
        claim_within=2,
        resolve_within=5,
    )


def test_database_refuses_a_second_default_rule_for_a_level(world):
    from django.db import IntegrityError, transaction

    SlaRule.objects.filter(category=None, level=Level.TOWNSHIP).delete()
    _rule(None, Level.TOWNSHIP)
    with pytest.raises(IntegrityError), transaction.atomic():
        _rule(None, Level.TOWNSHIP)  # refused on SQLite as on PostgreSQL
    streetlight = Category.objects.get(code="streetlight")
    SlaRule.objects.filter(category=streetlight).delete()
    _rule(streetlight, Level.TOWNSHIP)  # a category's own rule beside the default is fine
    with pytest.raises(IntegrityError), transaction.atomic():
        _rule(streetlight, Level.TOWNSHIP)
    assert SlaRule.objects.filter(level=Level.TOWNSHIP, category=None).count() == 1
