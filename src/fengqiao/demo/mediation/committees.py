"""Mediation set-up of the demo counties: committees, mediators, a named room, demo desks.

Everything goes through `fengqiao.mediation` (ensure_county_mediation, committee_create,
mediator_add) acting as the demo `admin`; only the mediators' sign-ins are made directly,
with `accounts.services.user_create` and unusable passwords, named `med_<unit>_<n>` (the unit
code of their committee without its `med-` prefix). The demo account `mediator` joins the
first township's committee, `court` the county court and `petition_office` the county's
petition office.
"""

from __future__ import annotations

import random

from django.db import transaction
from faker import Faker

from fengqiao.accounts.models import User
from fengqiao.accounts.services import user_create
from fengqiao.cases.models import HandlingUnit
from fengqiao.core.roles import Role
from fengqiao.core.scoping import prefix_q
from fengqiao.demo import CITY_CODE, COUNTY_CODE, DEFAULT_SEED
from fengqiao.mediation.committees import committee_create, mediator_add
from fengqiao.mediation.defaults import ensure_county_mediation
from fengqiao.mediation.models import DisputeType, MediationCommittee, Mediator
from fengqiao.regions.models import Region

__all__ = ["ROOM_SURNAMES", "setup_mediation"]

_K = MediationCommittee.Kind
_B = Mediator.Background
_T = DisputeType

# Mediators per committee (low, high). Village and township mediators take every kind of
# dispute (no specialities): the suggestions then rank the nearest committee first.
MEDIATORS_PER_COMMITTEE = {_K.VILLAGE: (1, 2), _K.TOWNSHIP: (2, 3), _K.SECTOR: (2, 2)}
VILLAGE_BACKGROUNDS = ((_B.CADRE, 5), (_B.PEOPLES, 4), (_B.TEACHER, 1))
TOWNSHIP_BACKGROUNDS = ((_B.PEOPLES, 4), (_B.CADRE, 3), (_B.POLICE, 1), (_B.LAWYER, 1))
# The backgrounds of a sector committee's two mediators, by the committee's dispute type.
SECTOR_BACKGROUNDS = {
    _T.TRAFFIC: (_B.POLICE, _B.PEOPLES),
    _T.MEDICAL: (_B.DOCTOR, _B.LAWYER),
    _T.LABOUR: (_B.LAWYER, _B.CADRE),
    _T.PROPERTY: (_B.PEOPLES, _B.LAWYER),
}
# The county's expert pool (Youyang's "retired judges, prosecutors and lawyers"):
# background, specialities, title shown after the name.
EXPERTS = (
    (_B.RETIRED_JUDGE, [_T.LAND, _T.CONTRACT], "退休法官"),
    (_B.RETIRED_JUDGE, [_T.FAMILY, _T.LAND], "退休法官"),
    (_B.LAWYER, [_T.LABOUR, _T.CONTRACT], "律师"),
    (_B.LAWYER, [_T.TRAFFIC, _T.PROPERTY], "律师"),
    (_B.POLICE, [_T.NEIGHBOUR, _T.TRAFFIC], "退休民警"),
    (_B.DOCTOR, [_T.MEDICAL], "医生"),
    (_B.TEACHER, [_T.FAMILY, _T.NEIGHBOUR], "退休教师"),
    (_B.PSYCHOLOGIST, [_T.FAMILY], "心理咨询师"),
)
# A named mediation room (个人品牌调解室, like Youyang's 老彭调解室) carries its mediator's
# surname; the mediator is a retired village cadre known for neighbour and family matters.
ROOM_SURNAMES = "彭谭龙向冉田石"
ROOM_SPECIALITIES = [_T.NEIGHBOUR, _T.FAMILY]


class _Setup:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(seed + 2)
        self.admin = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
        self.mediators = 0
        self.accounts = 0

    def name(self) -> str:
        return self.fake.last_name() + self.fake.first_name()

    def add(
        self,
        committee: MediationCommittee,
        serial: int,
        *,
        name: str,
        background: str,
        specialities=(),
        title: str = "",
    ) -> Mediator:
        username = f"med_{committee.unit.code.removeprefix('med-')}_{serial}"
        user = User.objects.filter(username=username).first()
        if user is None:
            user = user_create(
                username=username,
                password=None,  # unusable: the demo signs in as `mediator`
                role=Role.MEDIATOR,
                jurisdiction=[committee.region.code],
                display_name=f"{committee.name} {name}" + (f"（{title}）" if title else ""),
                check_password=False,
            )
            self.accounts += 1
        self.mediators += 1
        return mediator_add(
            actor=self.admin,
            committee=committee,
            user=user,
            name=name,
            background=background,
            specialities=list(specialities),
        )

    def staff(self, committee: MediationCommittee) -> None:
        """Mediators for a committee that has none yet."""
        if committee.mediators.exists():
            return
        if committee.kind == _K.EXPERT_POOL:
            for serial, (background, specialities, title) in enumerate(EXPERTS, start=1):
                self.add(
                    committee,
                    serial,
                    name=self.name(),
                    background=background,
                    specialities=specialities,
                    title=title,
                )
            return
        low, high = MEDIATORS_PER_COMMITTEE.get(committee.kind, (1, 1))
        if committee.kind == _K.SECTOR:
            kind = committee.specialities[0] if committee.specialities else ""
            backgrounds = SECTOR_BACKGROUNDS.get(kind, (_B.PEOPLES,) * high)
        else:
            pool = VILLAGE_BACKGROUNDS if committee.kind == _K.VILLAGE else TOWNSHIP_BACKGROUNDS
            names, weights = zip(*pool, strict=True)
            backgrounds = self.rng.choices(names, weights, k=high)
        for serial in range(1, self.rng.randint(low, high) + 1):
            self.add(committee, serial, name=self.name(), background=backgrounds[serial - 1])

    def room(self, township: Region) -> MediationCommittee | None:
        """The named room of the first township, with its one mediator. It sits in the
        township's second village: committee_create binds a committee to its region's full
        code, so a room at the township itself would serve no dispute, and the first village
        keeps its own committee's mediators first in the suggestions."""
        villages = list(township.children.order_by("code")[:2])
        if not villages:
            return None
        village = villages[-1]
        found = MediationCommittee.objects.filter(region=village, kind=_K.ROOM).first()
        if found is not None:
            return found
        surname = self.rng.choice(ROOM_SURNAMES)
        committee = committee_create(
            actor=self.admin,
            name=f"老{surname}调解室",
            kind=_K.ROOM,
            region=village,
            specialities=ROOM_SPECIALITIES,
            address=f"{township.name}{village.name}党群服务中心一楼",
        )
        self.add(
            committee,
            1,
            name=surname + self.fake.first_name_male(),
            background=_B.CADRE,
            title="退休村干部",
        )
        return committee

    def demo_desks(self, county: Region) -> None:
        """`mediator` joins the first township's committee (beside its own mediators), `court`
        the county court and `petition_office` the county's petition office."""
        township = Region.objects.filter(parent=county).order_by("code").first()
        mediator = User.objects.filter(username="mediator").first()
        if township is not None and mediator is not None:
            committee = MediationCommittee.objects.filter(region=township, kind=_K.TOWNSHIP).first()
            if committee is not None and not Mediator.objects.filter(user=mediator).exists():
                mediator_add(
                    actor=self.admin,
                    committee=committee,
                    user=mediator,
                    name=mediator.label.rsplit(" ", 1)[-1],
                    background=_B.PEOPLES,
                )
                self.mediators += 1
        for username, kind in (("court", "court"), ("petition_office", "petition_office")):
            user = User.objects.filter(username=username).first()
            unit = HandlingUnit.objects.filter(kind=kind, region_code=county.prefix).first()
            if user is not None and unit is not None:
                unit.members.add(user)


def setup_mediation(*, seed: int = DEFAULT_SEED) -> dict[str, int]:
    """The usual mediation set-up of every demo county, with mediators on every committee.

    Returns counts: committees (in the demo counties), mediators and accounts (made by this
    call)."""
    setup = _Setup(seed)
    if setup.admin is None:
        raise LookupError("The demo accounts are not loaded; the admin manages committees.")
    counties = list(
        Region.objects.filter(level=Region.Level.COUNTY, code__startswith=CITY_CODE[:4]).order_by(
            "code"
        )
    )
    with transaction.atomic():
        for county in counties:
            ensure_county_mediation(county)
            township = Region.objects.filter(parent=county).order_by("code").first()
            if county.code == COUNTY_CODE and township is not None:
                setup.room(township)
            committees = MediationCommittee.objects.filter(
                region_code__startswith=county.prefix
            ).select_related("unit", "region")
            for committee in committees.order_by("region_code", "unit__code"):
                setup.staff(committee)
            if county.code == COUNTY_CODE:
                setup.demo_desks(county)
    committees = MediationCommittee.objects.filter(prefix_q([c.prefix for c in counties]))
    return {
        "committees": committees.count(),
        "mediators": setup.mediators,
        "accounts": setup.accounts,
    }
