"""The usual mediation set-up of a county: the court, procuratorate and petition office as
handling units, a people's mediation committee per village and township, the county's sector
committees and its expert pool (admin-editable after)."""

from django.db import transaction

from fengqiao.cases.models import HandlingUnit
from fengqiao.mediation.models import DisputeType, MediationCommittee
from fengqiao.regions.models import Region

# (key, name suffix, unit kind) at county level.
COUNTY_UNITS = [
    ("court", "人民法院", "court"),
    ("procuratorate", "人民检察院", "procuratorate"),
    ("petition", "信访局", "petition_office"),
]
# (key, name, dispute types) of the county's sector (professional) committees.
SECTOR_COMMITTEES = [
    ("traffic", "交通事故纠纷人民调解委员会", [DisputeType.TRAFFIC]),
    ("medical", "医疗纠纷人民调解委员会", [DisputeType.MEDICAL]),
    ("labour", "劳动争议人民调解委员会", [DisputeType.LABOUR]),
    ("property", "物业纠纷人民调解委员会", [DisputeType.PROPERTY]),
]


def _prefix(region: Region) -> str:
    """The code prefix a unit of this region serves (county 6, township 9, village 12)."""
    return region.prefix


def _unit(code: str, name: str, kind: str, region: Region) -> HandlingUnit:
    unit, _made = HandlingUnit.objects.get_or_create(
        code=code,
        defaults={
            "name": name[:80],
            "kind": kind,
            "region": region,
            "region_code": _prefix(region),
        },
    )
    return unit


def _committee(
    key: str, name: str, kind: str, region: Region, specialities=()
) -> MediationCommittee:
    found = MediationCommittee.objects.filter(unit__code=f"med-{key}").first()
    if found is not None:
        return found
    unit = _unit(f"med-{key}", name, "mediation", region)
    return MediationCommittee.objects.create(
        name=name[:80],
        kind=kind,
        region=region,
        region_code=_prefix(region),
        unit=unit,
        specialities=list(specialities),
    )


@transaction.atomic
def ensure_county_mediation(county: Region) -> dict[str, int]:
    """Create what is missing; returns counts of units and committees in the county."""
    code = _prefix(county)
    for key, suffix, kind in COUNTY_UNITS:
        _unit(f"{code}-{key}", f"{county.name}{suffix}", kind, county)
    for key, name, types in SECTOR_COMMITTEES:
        _committee(
            f"{code}-{key}", f"{county.name}{name}", MediationCommittee.Kind.SECTOR, county, types
        )
    _committee(
        f"{code}-experts",
        f"{county.name}矛盾纠纷调解专家库",
        MediationCommittee.Kind.EXPERT_POOL,
        county,
    )
    for township in Region.objects.filter(parent=county).order_by("code"):
        _committee(
            _prefix(township),
            f"{township.name}人民调解委员会",
            MediationCommittee.Kind.TOWNSHIP,
            township,
        )
        for village in Region.objects.filter(parent=township).order_by("code"):
            _committee(
                _prefix(village),
                f"{village.name}人民调解委员会",
                MediationCommittee.Kind.VILLAGE,
                village,
            )
    return {
        "units": HandlingUnit.objects.filter(region_code__startswith=code).count(),
        "committees": MediationCommittee.objects.filter(region_code__startswith=code).count(),
    }
