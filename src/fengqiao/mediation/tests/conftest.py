"""Fixtures for mediation tests: the small demo county with its mediation set-up, a village
mediator, the township's demo mediator, a court clerk and a petition-office clerk."""

import pytest

from fengqiao.accounts.services import user_create
from fengqiao.cases.models import HandlingUnit
from fengqiao.demo import COUNTY_CODE
from fengqiao.mediation.committees import mediator_add
from fengqiao.mediation.defaults import ensure_county_mediation
from fengqiao.mediation.models import MediationCommittee, Mediator
from fengqiao.regions.models import Region


def _staff(username: str, role: str, code: str, name: str):
    return user_create(
        username=username,
        password="fengqiao-demo",  # noqa: S106 - the public demo password
        role=role,
        jurisdiction=[code],
        display_name=name,
        check_password=False,
    )


@pytest.fixture
def world(users):
    """Users by username plus committees, units and the village-A point."""
    county = Region.objects.get(code=COUNTY_CODE)
    ensure_county_mediation(county)
    admin = users["admin"]
    village_code = users["village_centre"].bindings.get().code
    village_committee = MediationCommittee.objects.get(region_code=village_code)
    township_code = users["town_centre"].bindings.get().code[:9]
    township_committee = MediationCommittee.objects.get(
        region_code=township_code, kind=MediationCommittee.Kind.TOWNSHIP
    )
    found = dict(users)
    found["mediator_a"] = _staff("mediator_a", "mediator", village_code, "甲村调解员 王调解")
    village_mediator = mediator_add(
        actor=admin,
        committee=village_committee,
        user=found["mediator_a"],
        specialities=["neighbour_dispute"],
    )
    township_mediator = Mediator.objects.filter(user=users["mediator"]).first() or mediator_add(
        actor=admin, committee=township_committee, user=users["mediator"]
    )
    court = HandlingUnit.objects.get(kind="court", region_code=COUNTY_CODE[:6])
    found["court_clerk"] = _staff("court_clerk", "handler", COUNTY_CODE, "县法院 立案庭")
    court.members.add(found["court_clerk"])
    petition_office = HandlingUnit.objects.get(kind="petition_office")
    found["petition_clerk"] = _staff("petition_clerk", "handler", COUNTY_CODE, "县信访局 办信员")
    petition_office.members.add(found["petition_clerk"])
    micro = users["grid_worker"].bindings.get().grid
    return {
        **found,
        "village_committee": village_committee,
        "township_committee": township_committee,
        "village_mediator": village_mediator,
        "township_mediator": township_mediator,
        "court": court,
        "petition_office": petition_office,
        "police": HandlingUnit.objects.get(members=users["handler"]),
        "micro": micro,
        "point": {"lat": micro.centroid_lat, "lng": micro.centroid_lng},
    }
