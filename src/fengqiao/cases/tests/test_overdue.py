"""Overdue, and done by the deadline: each one rule, whose Python form and query form agree
on random cases."""

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from fengqiao.cases.defaults import ensure_default_categories
from fengqiao.cases.models import Case, CaseEvent, Category, Status, case_overdue_q
from fengqiao.cases.sla import within_deadline, within_deadline_q
from fengqiao.regions.models import Region

NOW = datetime(2025, 6, 30, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _random_cases(rng: random.Random, count: int) -> list[Case]:
    village = Region.objects.create(code="431202100201", name="v", level="village", kind="village")
    ensure_default_categories()
    category = Category.objects.first()
    nearby = [None, NOW, NOW - timedelta(seconds=1), NOW + timedelta(seconds=1)]
    cases = []
    for n in range(count):
        reported_at = NOW - timedelta(days=rng.randint(0, 30))
        cases.append(
            Case(
                code=f"O{n:08d}",
                channel="grid_app",
                title="t",
                version=1,
                village=village,
                region_code=village.code,
                category=category,
                level="village",
                status=rng.choice(list(Status)).value,
                reported_at=reported_at,
                stage_started_at=rng.choice([NOW, NOW + timedelta(hours=rng.randint(-99, 99))]),
                due_at=rng.choice([*nearby, NOW + timedelta(hours=rng.randint(-99, 99))]),
                resolve_due_at=rng.choice([*nearby, NOW + timedelta(hours=rng.randint(-99, 99))]),
            )
        )
    Case.objects.bulk_create(cases)
    cases = list(Case.objects.all())
    CaseEvent.objects.bulk_create(
        CaseEvent(
            case=case,
            seq=1,
            action="report",
            actor_label="test",
            at=case.reported_at,
            to_status=Status.REPORTED,
            to_level=case.level,
            region_code=case.region_code,
            prev_hash="",
            hash="",
        )
        for case in cases
    )
    return cases


def test_overdue_query_and_case_agree_when_cases_are_random(db):
    cases = _random_cases(random.Random(3), 200)
    expected = {case.pk for case in cases if case.is_overdue(NOW)}
    assert 0 < len(expected) < len(cases)
    assert set(Case.objects.filter(case_overdue_q(NOW)).values_list("pk", flat=True)) == expected
    through_log = CaseEvent.objects.filter(case_overdue_q(NOW, prefix="case__"))
    assert set(through_log.values_list("case_id", flat=True)) == expected


def test_within_deadline_query_and_python_agree_when_cases_are_random(db):
    cases = _random_cases(random.Random(4), 200)
    expected = {c.pk for c in cases if within_deadline(c.stage_started_at, c.resolve_due_at)}
    assert 0 < len(expected) < len(cases)
    found = Case.objects.filter(within_deadline_q("stage_started_at", "resolve_due_at"))
    assert set(found.values_list("pk", flat=True)) == expected
