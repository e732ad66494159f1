"""Per-process copies of configuration tables: reloaded after a change in this process at
once, after a change in another process within CHECK_EVERY, and never older than MAX_AGE."""

import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache

from fengqiao.cases import sla
from fengqiao.cases.models import Category, Level, SlaRule
from fengqiao.cases.selectors import category_by_code
from fengqiao.core import configcache

SH = ZoneInfo("Asia/Shanghai")


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def monotonic(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(time, "monotonic", clock)
    return clock


def test_copy_is_loaded_once_when_nothing_changes(monotonic):
    loads = []
    for _ in range(3):
        value = configcache.cached_config("probe", lambda: loads.append(1) or len(loads))
    assert value == 1 and len(loads) == 1


def test_copy_is_reloaded_when_another_process_bumps_the_shared_version(monotonic):
    loads = []

    def load():
        loads.append(1)
        return len(loads)

    assert configcache.cached_config("probe", load) == 1
    cache.set(configcache.VERSION_KEY, 12345, timeout=None)  # what another process does
    monotonic.now += configcache.CHECK_EVERY / 2
    assert configcache.cached_config("probe", load) == 1  # not looked at yet
    monotonic.now += configcache.CHECK_EVERY
    assert configcache.cached_config("probe", load) == 2


def test_copy_is_rebuilt_when_older_than_max_age(monotonic):
    loads = []
    configcache.cached_config("probe", lambda: loads.append(1))
    monotonic.now += configcache.MAX_AGE + 1
    configcache.cached_config("probe", lambda: loads.append(1))
    assert len(loads) == 2


def test_sla_rule_saved_in_this_process_applies_to_the_next_deadline(users):
    garbage = Category.objects.get(code="garbage")
    rule = sla.rule_for(garbage, Level.GRID)
    specific = SlaRule.objects.create(
        category=garbage,
        level=Level.GRID,
        unit=SlaRule.Unit.MINUTES,
        accept_within=7,
        claim_within=7,
        resolve_within=7,
    )
    assert rule is None or rule.pk != specific.pk
    assert sla.rule_for(garbage, Level.GRID).pk == specific.pk
    specific.delete()
    assert sla.rule_for(garbage, Level.GRID) == rule


def test_renamed_or_retired_category_is_seen_by_intake_when_saved(users):
    garbage = Category.objects.get(code="garbage")
    assert category_by_code("garbage").name == garbage.name
    garbage.name = "垃圾清运"
    garbage.save()
    assert category_by_code("garbage").name == "垃圾清运"
    garbage.is_active = False
    garbage.save()
    assert category_by_code("garbage") is None


def test_working_calendar_sees_an_override_when_saved(users):
    from fengqiao.core.calendar import working_calendar
    from fengqiao.core.models import WorkdayOverride

    saturday = datetime(2031, 3, 1, tzinfo=SH).date()
    assert not working_calendar().is_workday(saturday)
    WorkdayOverride.objects.create(date=saturday, is_workday=True)
    assert working_calendar().is_workday(saturday)
