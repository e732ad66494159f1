"""Organisations, key places and fixed facilities of a demo village, at random spots in its
micro-grids, with well-formed unified social credit codes (GB 32100)."""

from __future__ import annotations

import random

from faker import Faker

from fengqiao.demo.county import BATCH, geometry
from fengqiao.regions.models import Region
from fengqiao.registry import sealing
from fengqiao.registry.models import Facility, Organization, Place

__all__ = ["credit_code", "village_things"]

_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code(rng: random.Random, region6: str, category: str = "91") -> str:
    """A well-formed unified social credit code (GB 32100): category, region, organisation
    code with its GB 11714 check digit, then the MOD 31 check character."""
    org = "".join(rng.choice("0123456789") for _ in range(8))
    org_check = (
        11 - sum(int(c) * w for c, w in zip(org, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    )
    body = category + region6 + org + {10: "X", 11: "0"}.get(org_check, str(org_check))
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(body, _USCC_WEIGHTS, strict=True))
    return body + _USCC_CHARS[(31 - total % 31) % 31]


def village_things(
    rng: random.Random,
    fake: Faker,
    *,
    county: Region,
    village: Region,
    micro_cells,
    prefix: str,
    cameras: tuple[int, int],
) -> tuple[int, int, int]:
    """Organisations, key places and fixed facilities at random spots in the village, saved;
    returns how many of each were made."""
    community = village.kind == Region.Kind.COMMUNITY
    root = village.name[:-2] if community else village.name[:-1]
    county6 = county.code[:6]

    def spot(model, contact_phone: str = "", **fields):
        micro, mgeom = rng.choice(micro_cells)
        ((x, y),) = geometry.sample_points(rng, mgeom, 1, inset=1e-5)
        thing = model(
            region_code=micro.code,
            village=village,
            grid=micro,
            lat=y,
            lng=x,
            address=f"{prefix}{micro.name}",
            **fields,
        )
        if contact_phone:
            sealing.seal_phone(thing, contact_phone, prefix="contact_phone")
        return thing

    K = Organization.Kind
    committee = "居民委员会" if community else "村民委员会"
    orgs = [
        spot(
            Organization,
            name=village.name + committee,
            kind=K.GOVERNMENT,
            credit_code=credit_code(rng, county6, "54"),
            contact_name=fake.name(),
            contact_phone=fake.phone_number(),
            employees=rng.randint(5, 12),
        ),
        spot(
            Organization,
            name=village.name + ("卫生服务站" if community else "卫生室"),
            kind=K.HOSPITAL,
            contact_name=fake.name(),
            contact_phone=fake.phone_number(),
            employees=rng.randint(2, 8),
        ),
    ]
    shops = ("超市", "便利店", "餐馆", "五金店", "农资店", "理发店", "药店", "快递驿站")
    trades = ("农业开发", "茶叶", "竹木加工", "建材", "食品", "物流", "生态养殖", "旅游开发")
    for _ in range(rng.randint(2, 5) if community else rng.randint(1, 3)):
        orgs.append(
            spot(
                Organization,
                name=f"{fake.last_name()}记{rng.choice(shops)}",
                kind=K.SOLE_TRADER,
                credit_code=credit_code(rng, county6, "92"),
                contact_name=fake.name(),
                contact_phone=fake.phone_number(),
                employees=rng.randint(1, 6),
            )
        )
    for _ in range(rng.randint(1, 3) if community else rng.randint(0, 2)):
        company = f"{county.name[:-1]}{root}{rng.choice(trades)}有限公司"
        orgs.append(
            spot(
                Organization,
                name=company,
                kind=K.COMPANY,
                credit_code=credit_code(rng, county6, "91"),
                contact_name=fake.name(),
                contact_phone=fake.phone_number(),
                employees=rng.randint(5, 120),
            )
        )
    if not community and rng.random() < 0.6:
        orgs.append(
            spot(
                Organization,
                name=f"{root}种养专业合作社",
                kind=K.COOPERATIVE,
                credit_code=credit_code(rng, county6, "93"),
                contact_name=fake.name(),
                contact_phone=fake.phone_number(),
                employees=rng.randint(3, 30),
            )
        )
    school = None
    if rng.random() < (0.5 if community else 0.4):
        school = spot(
            Organization,
            name=f"{root}{'小学' if rng.random() < 0.7 else '幼儿园'}",
            kind=K.SCHOOL,
            credit_code=credit_code(rng, county6, "12"),
            contact_name=fake.name(),
            contact_phone=fake.phone_number(),
            employees=rng.randint(8, 60),
        )
        orgs.append(school)
    if rng.random() < 0.1:
        orgs.append(
            spot(
                Organization,
                name=f"{root}{rng.choice(('庙', '寺', '观'))}",
                kind=K.RELIGIOUS,
                contact_name=fake.name(),
            )
        )
    Organization.objects.bulk_create(orgs, batch_size=BATCH)

    P = Place.Kind
    places = []
    if school is not None:
        places.append(
            Place(
                name=school.name,
                kind=P.SCHOOL,
                risk=Place.Risk.MEDIUM,
                organization=school,
                region_code=school.region_code,
                village=village,
                grid=school.grid,
                lat=school.lat,
                lng=school.lng,
                address=school.address,
            )
        )
    for kind, name, chance, risks in (
        (P.MARKET, f"{root}农贸市场", 0.6 if community else 0.1, ("medium",)),
        (P.SQUARE, f"{root}文化广场", 0.7, ("low",)),
        (
            P.RESERVOIR,
            f"{root}{rng.choice(('水库', '山塘'))}",
            0.05 if community else 0.5,
            ("medium", "high"),
        ),
        (P.INTERNET_CAFE, f"{root}网吧", 0.3 if community else 0.03, ("medium",)),
        (P.HOTEL, f"{root}宾馆", 0.4 if community else 0.05, ("low", "medium")),
        (P.CONSTRUCTION, f"{root}安置房建设工地", 0.1, ("high",)),
        (P.ENTERTAINMENT, f"{root}KTV", 0.2 if community else 0.0, ("medium",)),
    ):
        if rng.random() < chance:
            places.append(spot(Place, name=name, kind=kind, risk=rng.choice(risks)))
    Place.objects.bulk_create(places, batch_size=BATCH)

    F = Facility.Kind
    facilities = []
    for kind, tag, label, low, high in (
        (F.CAMERA, "CAM", "号监控点", *cameras),
        (F.HYDRANT, "HYD", "号消防栓", *((3, 8) if community else (0, 2))),
        (F.STREETLIGHT, "LGT", "号路灯", *((0, 0) if community else (5, 15))),
        (F.MANHOLE, "MHC", "号井盖", *((2, 6) if community else (0, 0))),
        (F.BROADCAST, "BRD", "号应急广播", 1, 2),
        (F.AED, "AED", "号AED", *((0, 1) if community else (0, 0))),
    ):
        for n in range(1, rng.randint(low, high) + 1):
            facilities.append(
                spot(
                    Facility,
                    code=f"{village.code}-{tag}{n:03d}",
                    name=f"{village.name}{n}{label}",
                    kind=kind,
                    status=Facility.Status.FAULTY
                    if rng.random() < 0.05
                    else Facility.Status.WORKING,
                )
            )
    Facility.objects.bulk_create(facilities, batch_size=BATCH)
    return len(orgs), len(places), len(facilities)
