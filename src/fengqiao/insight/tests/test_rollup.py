"""The rollups always equal the plain GROUP BY over the case table, through changes and reruns."""

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from fengqiao.cases.defaults import ensure_default_categories
from fengqiao.cases.models import LEVEL_ORDER, Case, CaseEvent, Category, Status
from fengqiao.insight.models import CaseCategoryRollup, CaseDailyRollup, CaseRollupEntry
from fengqiao.insight.rebuild import rollup_rebuild_all_system
from fengqiao.insight.rollup import RESOLVED_STATUSES
from fengqiao.insight.selectors import figures_from_cases, figures_from_rollups
from fengqiao.insight.sweeps import sweep_rollups, watermark_row
from fengqiao.regions.models import Region

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2025, 6, 30, 23, 30, tzinfo=ZONE)
TODAY = NOW.date()
# Every scale: all (city rows), a province and cities (city rows), a 5-digit prefix and
# counties (county rows), a township and a village (village rows), a grid (the case table).
SCOPES = ["", "43", "4312", "4331", "43120", "431202", "431203", "433101", "431202100"]
SCOPES += ["431202100201", "431202100201001"]
PERIODS = [(TODAY - timedelta(days=89), TODAY), (TODAY - timedelta(days=6), TODAY)]
PERIODS += [(TODAY - timedelta(days=40), TODAY - timedelta(days=20)), (TODAY, TODAY)]
PERIODS += [(TODAY - timedelta(days=400), TODAY - timedelta(days=80))]


@pytest.fixture
def villages(db):
    codes = []
    for county in ("431202", "431203", "433101"):  # two cities
        parent = Region.objects.create(
            code=f"{county}000000", name=county, level="county", kind="county"
        )
        for township in ("100", "101"):
            town = Region.objects.create(
                code=f"{county}{township}000",
                name=township,
                level="township",
                kind="town",
                parent=parent,
            )
            for village in ("201", "202", "203"):
                code = f"{county}{township}{village}"
                Region.objects.create(
                    code=code, name=code, level="village", kind="village", parent=town
                )
                codes.append(code)
    ensure_default_categories()
    return list(Region.objects.filter(code__in=codes))


def _event(case: Case, seq: int, at, to_status: str, from_status: str = "") -> CaseEvent:
    return CaseEvent(
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


def _randomise(rng: random.Random, case: Case, leaves: list[Category], villages) -> None:
    village = rng.choice(villages)
    case.village = village
    case.region_code = village.code + (rng.choice(["", "001", "002"]))
    case.category = rng.choice(leaves)
    case.level = rng.choice(LEVEL_ORDER).value
    case.status = rng.choice(list(Status)).value
    # Late evening times put some cases on the next day in UTC: the day is the local one.
    case.reported_at = NOW - timedelta(days=rng.randint(0, 95), minutes=rng.randint(0, 1439))
    case.resolve_due_at = (
        None if rng.random() < 0.2 else case.reported_at + timedelta(days=rng.randint(1, 10))
    )
    case.closed_at = (
        case.reported_at + timedelta(hours=rng.randint(1, 400))
        if case.status in (Status.CLOSED, Status.REJECTED, Status.MERGED)
        else None
    )
    case.stage_started_at = case.reported_at


def _resolution(rng: random.Random, case: Case, seq: int) -> list[CaseEvent]:
    """A step into `resolved` for most resolved cases, before or after the deadline, and a
    note on the resolved case (which is not a resolution)."""
    if case.status not in RESOLVED_STATUSES or rng.random() < 0.1:
        return []
    at = case.reported_at + timedelta(hours=rng.randint(1, 300))
    return [
        _event(case, seq, at, Status.RESOLVED, Status.CLAIMED),
        _event(case, seq + 1, at + timedelta(days=30), Status.RESOLVED, Status.RESOLVED),
    ]


def _make_cases(rng, villages, count: int, start: int) -> list[Case]:
    leaves = list(Category.objects.filter(parent__isnull=False))
    cases = []
    for n in range(start, start + count):
        case = Case(code=f"T{n:08d}", channel="grid_app", title="t", version=1)
        _randomise(rng, case, leaves, villages)
        cases.append(case)
    Case.objects.bulk_create(cases)
    cases = list(Case.objects.filter(code__in=[c.code for c in cases]))
    events = []
    for case in cases:
        events.append(_event(case, 1, case.reported_at, Status.REPORTED))
        events += _resolution(rng, case, 2)
    CaseEvent.objects.bulk_create(events)
    return cases


def _change(rng, villages, cases: list[Case]) -> None:
    """What the services do: change the row, bump the version, append to the log."""
    leaves = list(Category.objects.filter(parent__isnull=False))
    events = []
    for case in cases:
        _randomise(rng, case, leaves, villages)
        case.version += 1
        case.save()
        seq = case.events.count() + 1
        events.append(_event(case, seq, NOW, case.status))
        events += _resolution(rng, case, seq + 1)
    CaseEvent.objects.bulk_create(events)


def _assert_equal() -> None:
    for scope in SCOPES:
        for start, end in PERIODS:
            from_rollups = figures_from_rollups([scope], start, end).comparable()
            from_cases = figures_from_cases([scope], start, end).comparable()
            assert from_rollups == from_cases, (scope, start, end)


def _rollup_rows() -> tuple:
    daily = sorted(
        tuple(v for k, v in row.items() if k != "id")
        for row in CaseDailyRollup.objects.values()
        if any(v for k, v in row.items() if k not in ("id", "scale", "region_code", "day"))
    )
    category = sorted(
        (r.scale, r.region_code, r.day, r.group_id, r.reported)
        for r in CaseCategoryRollup.objects.all()
        if r.reported
    )
    return daily, category


def test_rollups_equal_group_by_when_cases_change_and_sweep_reruns(villages):
    rng = random.Random(6)
    cases = _make_cases(rng, villages, 400, 0)
    assert sweep_rollups(NOW) == 400
    assert figures_from_cases([""], *PERIODS[0]).comparable()["on_time"] > 0
    _assert_equal()
    assert sweep_rollups(NOW) == 0  # a rerun finds nothing to do

    _change(rng, villages, rng.sample(cases, 120))
    _make_cases(rng, villages, 50, 1000)
    sweep_rollups(NOW)
    _assert_equal()
    assert sweep_rollups(NOW) == 0
    _assert_equal()

    # A rebuild from nothing gives the same rows as the incremental passes.
    incremental = _rollup_rows()
    CaseRollupEntry.objects.all().delete()
    CaseDailyRollup.objects.all().delete()
    CaseCategoryRollup.objects.all().delete()
    assert rollup_rebuild_all_system() == 450
    assert _rollup_rows() == incremental
    assert sweep_rollups(NOW) == 0
    # A repair over existing rollups replaces them: the same rows again, nothing counted twice.
    assert rollup_rebuild_all_system() == 450
    assert _rollup_rows() == incremental


def test_set_based_build_equals_incremental_sweeps_when_cases_are_random(villages):
    rng = random.Random(9)
    cases = _make_cases(rng, villages, 300, 0)
    _change(rng, villages, rng.sample(cases, 90))
    assert rollup_rebuild_all_system() == 300
    built = _rollup_rows()
    _assert_equal()
    CaseRollupEntry.objects.all().delete()
    CaseDailyRollup.objects.all().delete()
    CaseCategoryRollup.objects.all().delete()
    watermark_row(lock=False).delete()
    assert sweep_rollups(NOW) == 300
    assert _rollup_rows() == built
    entries = sorted(CaseRollupEntry.objects.values_list(*ENTRY_FIELDS))
    rollup_rebuild_all_system()
    assert sorted(CaseRollupEntry.objects.values_list(*ENTRY_FIELDS)) == entries


ENTRY_FIELDS = ["case_id", "version", "day", "region_code", "group_id", "level", "status"]
ENTRY_FIELDS += ["is_on_time", "closed_day"]


def test_rollups_count_a_case_once_when_jurisdiction_prefixes_overlap(villages):
    _make_cases(random.Random(7), villages, 60, 0)
    sweep_rollups(NOW)
    start, end = PERIODS[0]
    both = figures_from_rollups(["4312", "431202", "431202100201"], start, end).comparable()
    assert both == figures_from_cases(["4312"], start, end).comparable()


def test_late_commit_below_watermark_is_picked_up_when_its_id_was_a_gap(villages):
    rng = random.Random(8)
    cases = _make_cases(rng, villages, 20, 0)
    sweep_rollups(NOW)
    top = watermark_row(lock=False).last_event_id
    late, other = cases[0], cases[1]
    for case in (other, late):
        case.status, case.closed_at = Status.CLOSED, NOW - timedelta(days=1)
        case.version += 1
        case.save()
    # `other` commits first with a higher id; `late` (id top + 1) is still open at the sweep.
    event = _event(other, 9, NOW, Status.CLOSED)
    event.pk = top + 3
    event.save(force_insert=True)
    sweep_rollups(NOW)
    assert _gaps_above(top) == {top + 1, top + 2}
    event = _event(late, 9, NOW, Status.CLOSED)
    event.pk = top + 1
    event.save(force_insert=True)
    sweep_rollups(NOW)
    assert _gaps_above(top) == {top + 2}
    _assert_equal()
    # A gap that never fills is forgotten after an hour.
    sweep_rollups(NOW + timedelta(hours=2))
    assert watermark_row(lock=False).gaps == {}


def _gaps_above(top: int) -> set[int]:
    return {int(key) for key in watermark_row(lock=False).gaps if int(key) > top}


def test_dashboard_reads_rollups_in_one_query_names_groups_in_another_and_counts_open_now(
    villages, django_assert_max_num_queries
):
    from fengqiao.accounts.models import User
    from fengqiao.insight.selectors import dashboard_get

    _make_cases(random.Random(10), villages, 80, 0)
    sweep_rollups(NOW)
    admin = User.objects.create(username="dash_admin", role="admin", is_superuser=True)
    for scope in ("4312", "431202", "431202100201"):
        with django_assert_max_num_queries(3):  # rollups, group names, open cases now
            body = dashboard_get(actor=admin, scope=scope, days=90, end=TODAY)
        expected = figures_from_cases([scope], TODAY - timedelta(days=89), TODAY)
        assert body["reported"] == sum(expected.by_status.values())
        codes = dict(Category.objects.values_list("code", "pk"))
        shown = {codes[row["key"]]: row["count"] for row in body["by_group"]}
        assert shown == {k: v for k, v in expected.by_group.items() if v}
