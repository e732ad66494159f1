"""A petition is overdue by one rule: the model's checks and the query agree on random rows."""

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from fengqiao.cases.defaults import ensure_default_categories
from fengqiao.cases.models import Case, Category
from fengqiao.mediation.models import Petition, petition_overdue_q
from fengqiao.regions.models import Region

NOW = datetime(2025, 6, 30, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _moment(rng: random.Random) -> datetime:
    return rng.choice(
        [NOW, NOW - timedelta(seconds=1), NOW + timedelta(hours=rng.randint(-99, 99))]
    )


def test_overdue_query_and_petition_agree_when_petitions_are_random(db):
    rng = random.Random(5)
    village = Region.objects.create(code="431202100201", name="v", level="village", kind="village")
    ensure_default_categories()
    category = Category.objects.first()
    cases = Case.objects.bulk_create(
        Case(
            code=f"P{n:08d}",
            kind="petition",
            channel="visit",
            title="t",
            version=1,
            village=village,
            region_code=village.code,
            category=category,
            level="village",
            status="reported",
            reported_at=NOW - timedelta(days=20),
            stage_started_at=NOW - timedelta(days=20),
        )
        for n in range(200)
    )
    petitions = []
    for case in Case.objects.filter(pk__in=[c.pk for c in cases]):
        acknowledged = rng.random() < 0.6
        petitions.append(
            Petition(
                case=case,
                form="visit",
                petitioner_name="某",
                region_code=village.code,
                acknowledge_due_at=_moment(rng),
                acknowledged_at=_moment(rng) if acknowledged else None,
                is_accepted=rng.choice([None, True, False]) if acknowledged else None,
                reply_due_at=rng.choice([None, _moment(rng)]),
                replied_at=rng.choice([None, _moment(rng)]),
            )
        )
    Petition.objects.bulk_create(petitions)
    expected = {
        p.pk for p in Petition.objects.all() if p.acknowledge_overdue(NOW) or p.reply_overdue(NOW)
    }
    assert 0 < len(expected) < len(petitions)
    found = Petition.objects.filter(petition_overdue_q(NOW)).values_list("pk", flat=True)
    assert set(found) == expected
