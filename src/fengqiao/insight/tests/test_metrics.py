"""Each case figure's two forms agree: for random cases and logs, the Python form (what the
rollup sweep computes) and the database expression (what the rebuild and the GROUP BY
reference compute) give the same answer case by case."""

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from fengqiao.cases.defaults import ensure_default_categories
from fengqiao.cases.models import LEVEL_ORDER, Case, CaseEvent, Category, Status
from fengqiao.insight import metrics
from fengqiao.regions.models import Region

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2025, 6, 30, 23, 30, tzinfo=ZONE)


@pytest.fixture
def village(db):
    county = Region.objects.create(code="431202000000", name="c", level="county", kind="county")
    town = Region.objects.create(
        code="431202100000", name="t", level="township", kind="town", parent=county
    )
    ensure_default_categories()
    return Region.objects.create(
        code="431202100201", name="v", level="village", kind="village", parent=town
    )


def _moment(rng: random.Random, around: datetime) -> datetime:
    # Minutes either side of local and UTC midnight, and exact ties with `around`, are common.
    return around + rng.choice(
        [
            timedelta(0),
            timedelta(minutes=rng.randint(-900, 900)),
            timedelta(days=rng.randint(-9, 9)),
        ]
    )


def _random_cases(rng: random.Random, village: Region, count: int) -> dict[int, list]:
    """Random cases and logs; returns each case's log as (from_status, to_status, at)."""
    categories = list(Category.objects.all())
    statuses = [status.value for status in Status]
    cases = []
    for n in range(count):
        reported_at = NOW - timedelta(days=rng.randint(0, 60), minutes=rng.randint(0, 1439))
        status = rng.choice(statuses)
        cases.append(
            Case(
                code=f"M{n:08d}",
                channel="grid_app",
                title="t",
                version=1,
                village=village,
                region_code=village.code,
                category=rng.choice(categories),
                level=rng.choice(LEVEL_ORDER).value,
                status=status,
                reported_at=reported_at,
                stage_started_at=reported_at,
                resolve_due_at=None if rng.random() < 0.25 else _moment(rng, reported_at),
                closed_at=None if rng.random() < 0.3 else _moment(rng, reported_at),
            )
        )
    Case.objects.bulk_create(cases)
    logs: dict[int, list] = {}
    events = []
    for case in Case.objects.filter(code__startswith="M"):
        log = []
        for seq in range(1, rng.randint(1, 6) + 1):
            # Steps into and out of `resolved`, notes on a resolved case, other steps.
            to_status = rng.choice([Status.RESOLVED, Status.RESOLVED, rng.choice(statuses)])
            from_status = rng.choice([Status.RESOLVED, Status.CLAIMED, rng.choice(statuses)])
            at = _moment(rng, case.resolve_due_at or case.reported_at)
            log.append((from_status, to_status, at))
            events.append(
                CaseEvent(
                    case=case,
                    seq=seq,
                    action="step",
                    actor_label="test",
                    at=at,
                    from_status=from_status,
                    to_status=to_status,
                    from_level=case.level,
                    to_level=case.level,
                    region_code=case.region_code,
                    prev_hash="",
                    hash="",
                )
            )
        logs[case.pk] = log
    CaseEvent.objects.bulk_create(events)
    return logs


def _python_resolution(log: list) -> datetime | None:
    steps = [
        at
        for from_status, to_status, at in log
        if metrics.is_resolution_step(from_status, to_status)
    ]
    return max(steps, default=None)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_python_and_database_forms_agree_when_cases_are_random(village, seed):
    rng = random.Random(seed)
    logs = _random_cases(rng, village, 150)
    groups = metrics.category_groups()
    times = metrics.resolution_times(logs)
    rows = metrics.with_resolution(Case.objects.all()).annotate(
        m_day=metrics.reported_day_expression(),
        m_group=metrics.category_group_expression(),
        m_on_time=metrics.on_time_expression(),
        m_closed=metrics.closed_day_expression(),
    )
    resolved = set(Case.objects.filter(metrics.resolved_q()).values_list("pk", flat=True))
    closed = set(Case.objects.filter(metrics.closed_q()).values_list("pk", flat=True))
    on_time = set(
        metrics.with_resolution(Case.objects.all())
        .filter(metrics.on_time_q())
        .values_list("pk", flat=True)
    )
    seen = {"on time": 0, "late": 0, "no deadline": 0}
    for case in rows:
        resolution = _python_resolution(logs[case.pk])
        assert times.get(case.pk) == resolution
        assert getattr(case, metrics.RESOLUTION) == resolution
        assert case.m_day == metrics.reported_day(case.reported_at)
        assert case.m_group == groups[case.category_id]
        assert (case.pk in resolved) == metrics.is_resolved(case.status)
        expected_on_time = metrics.is_on_time(case.status, resolution, case.resolve_due_at)
        assert case.m_on_time == expected_on_time == (case.pk in on_time)
        assert case.m_closed == metrics.closed_day(case.status, case.closed_at)
        assert (case.pk in closed) == (case.m_closed is not None)
        if metrics.is_resolved(case.status) and resolution is not None:
            if case.resolve_due_at is None:
                seen["no deadline"] += 1
            else:
                seen["on time" if expected_on_time else "late"] += 1
    assert all(seen.values()), seen  # the random cases reached every branch
