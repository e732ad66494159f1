"""Every API endpoint and page, called by a user of another village, returns 404 or nothing."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from fengqiao.api.router import api
from fengqiao.regions.models import Grid, Region
from fengqiao.registry.models import (
    Dwelling,
    Facility,
    Household,
    HouseholdGroup,
    Organization,
    Person,
    Place,
)

# Endpoints that are not about jurisdiction-bound data.
NOT_SCOPED_API = {
    "/api/v1/auth/token",
    "/api/v1/auth/revoke",
    "/api/v1/auth/revoke-all",
    "/api/v1/me",
}
NOT_SCOPED_PAGES = {
    "accounts:",
    "admin:",
    "set_language",
    "health",
    "ready",
    "api-v1:",
    "open311:",
    "mobile:sw",
}
# Administrators only (core/tests/test_audit_page.py checks their scoping): others get 403.
ADMIN_ONLY_API = {"/api/v1/audit", "/api/v1/audit/access"}
ADMIN_ONLY_PAGES = ("audit:",)
CASE_PAGES = ("cases/", "m/", "h5/")
# Pages whose `<str:code>` is a dispute's or a petition's case code (checked before CASE_PAGES).
DISPUTE_PAGES = ("mediation/", "h5/mediation/")
PETITION_PAGES = ("mediation/petitions/",)
# API paths whose `{code}` is a case code of that kind (any other `{code}` is a region's).
CODE_OF_API_PATH = {
    "/api/v1/cases/": "case_code",
    "/api/v1/disputes/": "dispute_code",
    "/api/v1/petitions/": "petition_code",
}
# Multipart uploads: path suffix → the form field of the file.
UPLOADS = {"/attachments": "files", "/agreement/signed": "file", "/photos": "photos"}
# `{photo_id}` of an API path (and `<int:photo_id>` of a page) by the path's first part.
PHOTO_OF_PATH = {
    "/api/v1/patrols/": "check_in_photo_id",
    "/fieldwork/patrols/": "check_in_photo_id",
}


# Every staff role, bound inside village B; each must see and touch nothing of village A.
OUTSIDER_ROLES = [
    "centre_staff",
    "grid_chief",
    "grid_worker",
    "handler",
    "mediator",
    "leader",
    "legal_advisor",
    "unit_head",
    "admin",
]


@pytest.fixture(params=OUTSIDER_ROLES)
def outsider(request, users):
    """A user of the role in `request.param`, bound to village B (grid roles to a grid or
    micro-grid of it); centre staff is the demo's `village_centre_b`."""
    from fengqiao.accounts.services import user_create

    role = request.param
    village_b = users["village_centre_b"].bindings.get().code
    if role == "centre_staff":
        return users["village_centre_b"]
    grids = Grid.objects.filter(code__startswith=village_b).order_by("code")
    code = {
        "grid_chief": grids.filter(parent__isnull=True).first(),
        "grid_worker": grids.filter(parent__isnull=False).first(),
        "unit_head": grids.filter(parent__isnull=False).first(),
    }.get(role)
    return user_create(
        username=f"outsider_{role}",
        password="fengqiao-demo",  # noqa: S106 - the public demo password
        role=role,
        jurisdiction=[code.code if code is not None else village_b],
        display_name=f"乙村{role}",
        check_password=False,
    )


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def village_a_objects(users):
    """One object of each kind inside village A (the demo village_centre's village)."""
    code = users["village_centre"].bindings.get().code
    inside = {"region_code__startswith": code}
    return {
        "village_code": code,
        "person_id": Person.objects.filter(**inside).first().pk,
        "household_id": Household.objects.filter(**inside).first().pk,
        "dwelling_id": Dwelling.objects.filter(**inside).first().pk,
        "address": Dwelling.objects.filter(**inside).exclude(address="").first().address,
        "group_id": HouseholdGroup.objects.filter(**inside).first().pk,
        "organization_id": Organization.objects.filter(**inside).first().pk,
        "place_id": Place.objects.filter(**inside).first().pk,
        "facility_id": Facility.objects.filter(**inside).first().pk,
        "region_code": code,
        "grid_code": Grid.objects.filter(code__startswith=code).first().code,
        "case_code": _village_case(code),
        "field": "id_number",
        "action": "note",
        "attachment_id": 1,
        "notification_id": 1,
        **_village_mediation(code),
        "notice_id": _village_notice(code),
        **_village_visit(code),
        "plan_id": _village_help_plan(code, users["grid_worker"]),
        "worker_id": users["grid_worker"].pk,
        "own_user_id": users["village_centre_b"].pk,
        **_village_care(code),
        **_village_campaign(code),
        **_village_patrol(code),
        **_village_broadcast(code),
    }


def _village_care(village_code: str) -> dict:
    """A care record with a need, and a service offer, in the village by its own centre."""
    from fengqiao.accounts.models import User
    from fengqiao.fieldwork import care

    centre = User.objects.filter(role="centre_staff", bindings__code=village_code).first()
    household = Household.objects.filter(region_code__startswith=village_code).first()
    record = care.record_open(actor=centre, household_id=household.pk)
    need = care.need_raise(actor=centre, record_id=record.pk, kind="care", detail="助餐")
    offer = care.offer_save(
        actor=centre, region_code=village_code, name="助餐", kind="care", provider="食堂"
    )
    return {"record_id": record.pk, "need_id": need.pk, "offer_id": offer.pk}


def _village_visit(village_code: str) -> dict:
    """A household visit with a photo in the village by its own centre (fieldwork services)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from fengqiao.accounts.models import User
    from fengqiao.fieldwork.services import visit_record

    centre = User.objects.filter(role="centre_staff", bindings__code=village_code).first()
    household = Household.objects.filter(region_code__startswith=village_code).first()
    photo = SimpleUploadedFile("a.png", b"\x89PNG\r\n\x1a\n", "image/png")
    visit = visit_record(actor=centre, target="household", target_id=household.pk, photos=[photo])
    return {"visit_id": visit.pk, "photo_id": visit.photos.get().pk}


def _village_help_plan(village_code: str, worker) -> int:
    """A help plan in the village by its own centre, naming its grid worker."""
    from fengqiao.accounts.models import User
    from fengqiao.fieldwork.helpplans import helpplan_create

    centre = User.objects.filter(role="centre_staff", bindings__code=village_code).first()
    person = Person.objects.visible_to(worker).first()
    return helpplan_create(
        actor=centre, person_id=person.pk, kind="correction", members=[(worker.pk, "网格员")]
    ).pk


def _village_campaign(village_code: str) -> dict:
    """A campaign over the village's dwellings by its own centre, through the services."""
    from datetime import timedelta

    from fengqiao.accounts.models import User
    from fengqiao.campaigns.services import CampaignSpec, campaign_create
    from fengqiao.core import clock

    centre = User.objects.filter(role="centre_staff", bindings__code=village_code).first()
    spec = CampaignSpec("甲村排查", village_code, clock.localdate() + timedelta(days=3), ["x"])
    campaign = campaign_create(actor=centre, kind="dwelling", spec=spec)
    return {"campaign_id": campaign.pk, "item_id": campaign.items.first().pk}


def _village_patrol(village_code: str) -> dict:
    """A 红袖标 team of the village with a member and a shift, and a patrol on that shift with
    a check-in (with a photo) at a place, made by the village's own centre through the patrol
    services."""
    from datetime import time

    from django.core.files.uploadedfile import SimpleUploadedFile

    from fengqiao.accounts.models import User
    from fengqiao.core import clock
    from fengqiao.fieldwork import patrols
    from fengqiao.fieldwork.photos import check_in_photos_add

    centre = User.objects.filter(role="centre_staff", bindings__code=village_code).first()
    team = patrols.team_save(actor=centre, name="甲村红袖标", region_code=village_code)
    member = patrols.member_save(
        actor=centre, team_id=team.pk, name="甲村队员", phone="13900001111"
    )
    shift = patrols.shift_save(
        actor=centre,
        team_id=team.pk,
        on=clock.localdate(),
        starts_at=time(8),
        ends_at=time(10),
        members=[member.pk],
    )
    place = Place.objects.filter(region_code__startswith=village_code).exclude(lat=None).first()
    ended = clock.now() - timedelta(minutes=1)
    patrol = patrols.patrol_record(
        actor=centre,
        started_at=ended - timedelta(minutes=30),
        ended_at=ended,
        points=[[place.lat, place.lng, 0, 10]],
        check_ins=[
            patrols.CheckIn(at=ended - timedelta(minutes=5), target="place", target_id=place.pk)
        ],
        shift_id=shift.pk,
    )
    photo = check_in_photos_add(
        actor=centre,
        patrol_id=patrol.pk,
        files=[SimpleUploadedFile("a.png", b"\x89PNG\r\n\x1a\n", "image/png")],
        check_ins=[0],
    )[0]
    return {
        "check_in_photo_id": photo.pk,
        "patrol_id": patrol.pk,
        "team_id": team.pk,
        "member_id": member.pk,
        "shift_id": shift.pk,
    }


def _village_broadcast(village_code: str) -> dict:
    """A broadcast to the village's group heads by its own centre (fieldwork services)."""
    from fengqiao.accounts.models import User
    from fengqiao.fieldwork.broadcasts import broadcast_send

    centre = User.objects.filter(role="centre_staff", bindings__code=village_code).first()
    sent = broadcast_send(actor=centre, region_code=village_code, title="通知", body="x")
    return {
        "broadcast_id": sent.pk,
        "receipt_id": sent.receipts.first().pk,
        "contact_id": _village_party_contact(village_code, centre),
    }


def _village_party_contact(village_code: str, centre) -> int:
    """A party member of the village with 10 of its households, set by its own centre."""
    from fengqiao.fieldwork.party_contacts import contact_set

    inside = {"region_code__startswith": village_code}
    homes = Household.objects.filter(**inside).order_by("pk").values_list("pk", flat=True)[:10]
    member = Person.objects.filter(**inside).order_by("pk").first()
    return contact_set(actor=centre, member_id=member.pk, household_ids=list(homes)).pk


def _village_notice(village_code: str) -> int:
    """A published notice for the village, made by its own centre through the services."""
    from fengqiao.accounts.models import User
    from fengqiao.participation.services import notice_create, notice_publish

    centre = User.objects.filter(role="centre_staff", bindings__code=village_code).first()
    notice = notice_create(
        actor=centre, region_code=village_code, category="village", title="修路公告", body="x"
    )
    return notice_publish(actor=centre, notice_id=notice.pk).pk


def _village_case(village_code: str) -> str:
    """A case inside the village, reported by its own grid chief through the services."""
    from fengqiao.accounts.models import User
    from fengqiao.cases.defaults import ensure_default_categories
    from fengqiao.cases.models import Category
    from fengqiao.cases.services import case_report

    ensure_default_categories()
    grid = Grid.objects.filter(code__startswith=village_code, parent__isnull=True).first()
    chief = User.objects.filter(bindings__code=grid.code).first() or User.objects.get(
        username="admin"
    )
    case = case_report(
        actor=chief,
        category=Category.objects.get(code="garbage"),
        title="垃圾堆放",
        lat=grid.centroid_lat,
        lng=grid.centroid_lng,
    )
    return case.code


def _village_mediation(village_code: str) -> dict:
    """A dispute taken through mediation to an agreement (so it has a follow-up) with a
    confirmation request to the court (a referral), a petition and a screening round, all in
    the village, made through the mediation services."""
    from fengqiao.accounts.models import User
    from fengqiao.accounts.services import user_create
    from fengqiao.cases.models import HandlingUnit
    from fengqiao.cases.services import case_claim
    from fengqiao.core import clock
    from fengqiao.mediation import petitions, referrals, screening, services, sessions
    from fengqiao.mediation.committees import mediator_add
    from fengqiao.mediation.defaults import ensure_county_mediation
    from fengqiao.mediation.models import MediationCommittee

    village = Region.objects.get(code=village_code)
    ensure_county_mediation(village.parent.parent)
    admin = User.objects.get(username="admin")
    centre = User.objects.filter(role="centre_staff", bindings__code=village_code).first()
    mediator_user = user_create(
        username="mediator_sweep",
        password="fengqiao-demo",  # the public demo password
        role="mediator",
        jurisdiction=[village_code],
        display_name="甲村调解员",
        check_password=False,
    )
    mediator = mediator_add(
        actor=admin,
        committee=MediationCommittee.objects.get(region_code=village_code),
        user=mediator_user,
    )
    court = HandlingUnit.objects.get(kind="court", region_code=village_code[:6])
    grid = Grid.objects.filter(code__startswith=village_code, parent__isnull=True).first()
    point = {"lat": grid.centroid_lat, "lng": grid.centroid_lng}
    applicant, respondent = Person.objects.filter(region_code__startswith=village_code)[:2]
    dispute = services.dispute_register(
        actor=centre,
        dispute_type="neighbour_dispute",
        title="邻里漏水纠纷",
        source="walk_in",
        parties=[
            services.PartyIn(side="applicant", person_id=applicant.pk),
            services.PartyIn(side="respondent", person_id=respondent.pk),
        ],
        **point,
    )
    services.dispute_accept(actor=centre, dispute_id=dispute.pk, consent=True)
    services.dispute_assign(actor=centre, dispute_id=dispute.pk, mediator_id=mediator.pk)
    case_claim(actor=mediator_user, case_id=dispute.pk)
    sessions.session_record(
        actor=mediator_user,
        dispute_id=dispute.pk,
        held_at=clock.now() - timedelta(hours=1),
        place="村调解室",
        participants="双方当事人",
        record="双方同意赔偿",
    )
    services.dispute_conclude(
        actor=mediator_user,
        dispute_id=dispute.pk,
        outcome="agreement",
        result="达成协议",
        facts="漏水",
        terms=["赔偿2000元"],
        performance="当场履行",
    )
    referral = referrals.confirmation_request(
        actor=mediator_user, dispute_id=dispute.pk, to_unit_id=court.pk
    )
    petition = petitions.petition_register(
        actor=centre,
        form="visit",
        category_code="petition_other",
        title="来访反映问题",
        matter="要求解决",
        petitioner_name="李某",
        **point,
    )
    (screening_round,) = screening.screening_rounds_open(
        actor=centre,
        region=village,
        starts_on=clock.localdate(),
        ends_on=clock.localdate() + timedelta(days=14),
    )
    from fengqiao.registry.models import ImportJob

    # An import job of village A's centre: its pages belong to whoever started it.
    job = ImportJob.objects.create(filename="people.csv", file_hash="0" * 64, actor=centre)
    from fengqiao.registry.models import CorrectionRequest

    # A resident's correction request in village A (made here: the demo resident lives elsewhere).
    correction = CorrectionRequest.objects.create(
        person=applicant,
        field=CorrectionRequest.Field.values[0],
        requested_value="x",
        region_code=applicant.region_code,
        requested_by=admin,
        requested_at=clock.now(),
    )
    return {
        "request_id": correction.pk,
        "job_id": job.pk,
        "dispute_code": dispute.case.code,
        "petition_code": petition.case.code,
        "referral_id": referral.pk,
        "follow_up_id": dispute.follow_ups.get().pk,
        "round_id": screening_round.pk,
        "mediator_id": mediator.pk,
        "court_id": court.pk,
    }


def _fill(path: str, objects: dict) -> str:
    def value(match):
        name = match.group(1)
        if name == "code":
            for prefix, key in CODE_OF_API_PATH.items():
                if path.startswith(prefix):
                    return objects[key]
            return objects["region_code"]
        if name == "photo_id":
            for prefix, key in PHOTO_OF_PATH.items():
                if path.startswith(prefix):
                    return str(objects[key])
        return str(objects[name])

    return re.sub(r"\{(\w+)\}", value, path)


def _body(objects: dict) -> dict:
    """One body every POST endpoint accepts (each reads its own fields), aimed at village A: a
    refusal must come from jurisdiction, not from a malformed request."""
    from fengqiao.core import clock

    now = clock.now()
    return {
        "field": "id_number",
        "note": "x",
        "reason": "x",
        "result": "x",
        "reply": "x",
        "record": "x",
        "place": "x",
        "participants": "x",
        "consent": True,
        "side": "third_party",
        "name": "x",
        "accepted": True,
        "settled": True,
        "nothing_found": True,
        "outcome": "failed",
        "way": "court",
        "days": 5,
        "starts_at": (now + timedelta(days=1)).isoformat(),
        "held_at": (now - timedelta(hours=1)).isoformat(),
        "mediator_id": objects["mediator_id"],
        "to_unit_id": objects["court_id"],
        "unit_id": objects["court_id"],
        "dispute": objects["dispute_code"],
        "grid": objects["grid_code"],
        "kind": "care",
        "detail": "x",
        "what": "x",
        "date": clock.localdate().isoformat(),
        "time_from": "19:00",
        "time_until": "21:00",
        "households": [objects["household_id"]],
        "household_id": objects["household_id"],
        "other": objects["group_id"],
        "held_on": now.date().isoformat(),
        "turnout": 1,
        "candidates": [{"person_id": objects["person_id"], "votes": 1, "elected_as": "head"}],
        "category": "garbage",
        "title": "x",
        "topic": "x",
    }


def _items(body) -> list:
    return body["items"] if isinstance(body, dict) and "items" in body else body


def _leaks(body, village_code: str) -> bool:
    text = repr(body)
    return village_code in text


def test_api_returns_nothing_of_village_a_when_caller_is_in_village_b(outsider, village_a_objects):
    client = Client()
    client.force_login(outsider)
    schema = api.get_openapi_schema()
    body = _body(village_a_objects)
    checked = 0
    for path, methods in schema["paths"].items():
        # Exports and imports are files, not JSON; their scoping is tested with the registry.
        if path in NOT_SCOPED_API or path.endswith("/locate") or re.search(r"/(ex|im)port", path):
            continue
        url = _fill(path, village_a_objects)
        if "get" in methods:
            if "{code}" in path and "/grids/" in path:
                url = _fill(path.replace("{code}", village_a_objects["grid_code"]), {})
            response = client.get(url, _list_query(path, village_a_objects))
            if path in ADMIN_ONLY_API and outsider.role != "admin":
                assert response.status_code == 403, (url, response.status_code)
            elif "{" in path:
                assert response.status_code == 404, (url, response.status_code)
            else:
                # A role may be refused a list outright (403); what it is given leaks nothing.
                assert response.status_code in (200, 403), (url, response.status_code)
                if response.status_code == 200:
                    items = _items(response.json())
                    assert not _leaks(items, village_a_objects["village_code"]), url
                    assert village_a_objects["address"] not in response.content.decode(), url
            checked += 1
        if "post" in methods and "{" in path:
            upload = next((f for suffix, f in UPLOADS.items() if path.endswith(suffix)), None)
            if upload:
                from django.core.files.uploadedfile import SimpleUploadedFile

                photo = SimpleUploadedFile("a.png", b"\x89PNG\r\n\x1a\n", "image/png")
                response = client.post(url, {upload: photo})
            else:
                response = client.post(url, body, content_type="application/json")
            assert response.status_code in (403, 404), (url, response.status_code)
            checked += 1
    located = client.get("/api/v1/grids/locate", _point_in(village_a_objects["grid_code"]))
    assert located.status_code == 404
    assert checked >= 50


def _list_query(path: str, objects: dict) -> dict:
    """The query a search or map endpoint needs, aimed at village A's first dwelling."""
    dwelling = Dwelling.objects.get(pk=objects["dwelling_id"])
    box = [dwelling.lng - 0.01, dwelling.lat - 0.01, dwelling.lng + 0.01, dwelling.lat + 0.01]
    return {
        "/api/v1/gazetteer": {"q": dwelling.address},
        "/api/v1/basemap": {"bbox": ",".join(f"{v:.5f}" for v in box), "zoom": "17"},
    }.get(path, {})


def _point_in(grid_code: str) -> dict:
    grid = Grid.objects.get(code=grid_code)
    return {"lat": grid.centroid_lat, "lng": grid.centroid_lng}


def test_api_lists_are_empty_when_caller_is_a_resident(users):
    client = Client()
    client.force_login(users["resident"])
    for path in [
        "/api/v1/dwellings",
        "/api/v1/organizations",
        "/api/v1/places",
        "/api/v1/facilities",
        "/api/v1/household-groups",
        "/api/v1/regions",
        "/api/v1/grids",
    ]:
        assert client.get(path).json()["count"] == 0, path
    people = client.get("/api/v1/people").json()
    assert [p["id"] for p in people["items"]] == [users["resident"].person_id]


def _page_patterns(resolver=None, prefix="", namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or namespace
            yield from _page_patterns(entry, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace else (entry.name or "")
            yield prefix + str(entry.pattern), name


def test_pages_return_404_or_nothing_when_caller_is_in_village_b(outsider, village_a_objects):
    client = Client()
    client.force_login(outsider)
    params = {
        "<str:code>": village_a_objects["region_code"],
        "<int:person_id>": village_a_objects["person_id"],
        "<int:household_id>": village_a_objects["household_id"],
        "<int:dwelling_id>": village_a_objects["dwelling_id"],
        "<str:field>": "id_number",
        "<str:action>": "note",
        "<int:attachment_id>": 1,
        "<int:round_id>": village_a_objects["round_id"],
        "<int:referral_id>": village_a_objects["referral_id"],
        "<int:follow_up_id>": village_a_objects["follow_up_id"],
        "<int:job_id>": village_a_objects["job_id"],
        "<int:notice_id>": village_a_objects["notice_id"],
        "<int:request_id>": village_a_objects["request_id"],
        "<int:organization_id>": village_a_objects["organization_id"],
        "<int:place_id>": village_a_objects["place_id"],
        "<int:facility_id>": village_a_objects["facility_id"],
        "<int:patrol_id>": village_a_objects["patrol_id"],
        "<int:group_id>": village_a_objects["group_id"],
        "<int:broadcast_id>": village_a_objects["broadcast_id"],
        "<str:target>": "household",
        "<int:target_id>": village_a_objects["household_id"],
        "<int:plan_id>": village_a_objects["plan_id"],
        "<int:record_id>": village_a_objects["record_id"],
        "<int:campaign_id>": village_a_objects["campaign_id"],
        "<int:item_id>": village_a_objects["item_id"],
        "<int:visit_id>": village_a_objects["visit_id"],
    }
    person = Person.objects.get(pk=village_a_objects["person_id"])
    checked = 0
    for pattern, name in _page_patterns():
        if any(name.startswith(skip) for skip in NOT_SCOPED_PAGES) or pattern.startswith("api/"):
            continue
        url = "/" + pattern.lstrip("^").rstrip("$")
        if "grid/<str:code>" in url:
            url = url.replace("<str:code>", village_a_objects["grid_code"])
        if pattern.startswith(PETITION_PAGES):
            url = url.replace("<str:code>", village_a_objects["petition_code"])
        if pattern.startswith(DISPUTE_PAGES):
            url = url.replace("<str:code>", village_a_objects["dispute_code"])
        if pattern.startswith(CASE_PAGES):
            url = url.replace("<str:code>", village_a_objects["case_code"])
        photo_key = next((k for p, k in PHOTO_OF_PATH.items() if url.startswith(p)), "photo_id")
        url = url.replace("<int:photo_id>", str(village_a_objects[photo_key]))
        for key, value in params.items():
            url = url.replace(key, str(value))
        assert "<" not in url, url
        method = (
            client.post
            if name.endswith(("reveal", "reveal_phone", "act", "rate", "run", "resolve"))
            else client.get
        )
        if name == "cases:bulk":  # a bulk step on village A's case: refused row by row
            body = {"action": "dispatch", "codes": [village_a_objects["case_code"]]}
            response = client.post(url, body)
        else:
            response = method(url)
        if name.startswith(ADMIN_ONLY_PAGES) and outsider.role != "admin":
            assert response.status_code == 403, (url, response.status_code)
        elif any(key in pattern for key in params):
            # Not found; or refused to the role whatever the id (which tells nothing either).
            assert response.status_code in (403, 404), (url, response.status_code)
        else:
            raw = b"".join(response.streaming_content) if response.streaming else response.content
            body = raw.decode(errors="ignore")
            assert response.status_code in (200, 302, 403, 404), url
            assert person.name not in body or person.id_number_masked not in body, url
            assert village_a_objects["village_code"] not in body, url
        checked += 1
    assert checked >= 10


def test_village_a_data_visible_when_caller_is_in_village_a(users, village_a_objects):
    """The control: the same requests succeed for the village's own centre."""
    client = Client()
    client.force_login(users["village_centre"])
    assert client.get(f"/api/v1/people/{village_a_objects['person_id']}").status_code == 200
    assert client.get(f"/registry/people/{village_a_objects['person_id']}/").status_code == 200
    assert client.get(f"/regions/{village_a_objects['region_code']}/").status_code == 200
    assert client.get(f"/regions/grid/{village_a_objects['grid_code']}/").status_code == 200
    for path in (
        f"/api/v1/disputes/{village_a_objects['dispute_code']}",
        f"/api/v1/disputes/{village_a_objects['dispute_code']}/agreement.docx",
        f"/api/v1/petitions/{village_a_objects['petition_code']}",
        f"/api/v1/campaigns/{village_a_objects['campaign_id']}/progress",
        f"/fieldwork/campaigns/{village_a_objects['campaign_id']}/",
        f"/api/v1/visits/{village_a_objects['visit_id']}/photos/{village_a_objects['photo_id']}",
        f"/fieldwork/visits/{village_a_objects['visit_id']}/",
        f"/fieldwork/visits/{village_a_objects['visit_id']}/photos/{village_a_objects['photo_id']}/",
        f"/api/v1/patrols/{village_a_objects['patrol_id']}/photos/"
        f"{village_a_objects['check_in_photo_id']}",
        f"/fieldwork/patrols/{village_a_objects['patrol_id']}/photos/"
        f"{village_a_objects['check_in_photo_id']}/",
    ):
        assert client.get(path).status_code == 200, path
    region = Region.objects.get(code=village_a_objects["region_code"])
    body = client.get("/api/v1/grids", {"village": region.code}).json()
    assert body["count"] >= 1


# Log tables record attempts; every other table with a region_code holds data of that place.
LOG_MODELS = {"core.accesslog", "core.auditentry"}


def _rows_inside(village_code: str) -> dict[str, int]:
    from django.apps import apps

    counts = {}
    for model in apps.get_models():
        label = model._meta.label_lower
        names = {f.name for f in model._meta.get_fields()}
        if label in LOG_MODELS or "region_code" not in names:
            continue
        counts[label] = model.objects.filter(region_code__startswith=village_code).count()
    return counts


def _place(village_code: str) -> dict:
    grid = Grid.objects.filter(code__startswith=village_code, parent__isnull=True).first()
    return {"village": village_code, "lat": grid.centroid_lat, "lng": grid.centroid_lng}


def _variants(base_a: dict, base_own: dict, references: dict) -> list[dict]:
    """The body placed in village A, then placed at home with one reference into village A
    each, so that every field is checked on its own (not only the first one refused)."""
    return [base_a] + [{**base_own, name: value} for name, value in references.items()]


def _collection_bodies(objects: dict, own_village: str) -> dict[str, list[dict]]:
    """Bodies for every collection POST, every place and reference field aimed at village A."""
    from fengqiao.cases.models import Channel
    from fengqiao.core import clock
    from fengqiao.registry.models import Dwelling, Household, Person

    here, home = _place(objects["village_code"]), _place(own_village)
    person_ids = list(
        Person.objects.filter(region_code__startswith=objects["village_code"]).values_list(
            "pk", flat=True
        )[:2]
    )
    own_dwelling = Dwelling.objects.filter(region_code__startswith=own_village).first()
    own_household = Household.objects.filter(region_code__startswith=own_village).first()
    own_person = Person.objects.filter(region_code__startswith=own_village).first()
    today = clock.localdate()
    case = {"category": "garbage", "title": "外村上报"}
    dispute = {
        "dispute_type": "neighbour_dispute",
        "title": "外村纠纷",
        "source": "walk_in",
        "parties": [{"side": "applicant", "name": "张某"}, {"side": "respondent", "name": "李某"}],
    }
    petition = {
        "form": "visit",
        "category": "petition_other",
        "title": "外村信访",
        "matter": "x",
        "petitioner_name": "王某",
    }
    person = {"name": "外村人", "id_number": "43990119900307001X"}
    ended = clock.now() - timedelta(minutes=1)
    patrol = {
        "started_at": (ended - timedelta(minutes=30)).isoformat(),
        "ended_at": ended.isoformat(),
    }
    check_in = {"at": (ended - timedelta(minutes=10)).isoformat()}
    a_parties = [
        {"side": "applicant", "person_id": person_ids[0]},
        {"side": "respondent", "person_id": person_ids[1]},
    ]
    a_households = list(
        Household.objects.filter(region_code__startswith=objects["village_code"]).values_list(
            "pk", flat=True
        )[:5]
    )
    own_households = list(
        Household.objects.filter(region_code__startswith=own_village).values_list("pk", flat=True)[
            :4
        ]
    )
    return {
        "/api/v1/household-groups": [
            {"name": "外村联户", "households": a_households},
            {"name": "外村联户", "households": [*own_households, a_households[0]]},
        ],
        "/api/v1/broadcasts": [
            {"region_code": objects["village_code"], "title": "外村通知", "body": "x"}
        ],
        "/api/v1/people": [
            {**person, "dwelling_id": objects["dwelling_id"]},
            {**person, "household_id": objects["household_id"]},
            {**person, "dwelling_id": own_dwelling.pk, "household_id": objects["household_id"]},
            {**person, "household_id": own_household.pk, "dwelling_id": objects["dwelling_id"]},
        ],
        "/api/v1/dwellings": [
            {"code": "SWEEP-1", "address": "甲村1号", "village_code": objects["village_code"]},
            {"code": "SWEEP-2", "address": "甲村2号", "lat": here["lat"], "lng": here["lng"]},
        ],
        "/api/v1/organizations": [
            {"name": "外村单位", "kind": "company", "village_code": objects["village_code"]},
            {"name": "外村单位", "kind": "company", "lat": here["lat"], "lng": here["lng"]},
        ],
        "/api/v1/places": [
            {"name": "外村场所", "kind": "market", "village_code": objects["village_code"]},
            {"name": "外村场所", "kind": "market", "lat": here["lat"], "lng": here["lng"]},
        ],
        "/api/v1/facilities": [
            {
                "code": "SWEEP-F1",
                "name": "外村部件",
                "kind": "camera",
                "lat": here["lat"],
                "lng": here["lng"],
            },
            {
                "code": "SWEEP-F2",
                "name": "外村部件",
                "kind": "camera",
                "village_code": objects["village_code"],
            },
        ],
        "/api/v1/cases": [
            body
            for channel in Channel.values
            for body in _variants(
                {**case, **here, "channel": channel},
                {**case, **home, "channel": channel},
                {"person_ids": person_ids, "dwelling_ids": [objects["dwelling_id"]]},
            )
        ],
        "/api/v1/disputes": _variants(
            {**dispute, **here},
            {**dispute, **home},
            {"origin_case": objects["case_code"], "parties": a_parties},
        ),
        "/api/v1/screening/rounds": [
            {
                "region": objects["village_code"],
                "starts_on": today.isoformat(),
                "ends_on": (today + timedelta(days=7)).isoformat(),
            }
        ],
        "/api/v1/petitions": _variants(
            {**petition, **here},
            {**petition, **home},
            {"petitioner_id": person_ids[0], "dispute": objects["dispute_code"]},
        ),
        "/api/v1/notices": [
            {
                "region_code": objects["village_code"],
                "category": "village",
                "title": "外村公告",
                "body": "x",
            }
        ],
        "/api/v1/help-plans": [
            {"person_id": person_ids[0], "kind": kind, "members": [{"user_id": uid, "duty": "x"}]}
            for kind in ("correction", "drug_rehab")
            for uid in (objects["worker_id"], objects["own_user_id"])
        ]
        + [
            {
                "person_id": own_person.pk,
                "kind": "correction",
                "members": [{"user_id": objects["worker_id"], "duty": "网格员"}],
            }
        ],
        "/api/v1/visits": [
            {"target": target, "target_id": objects[f"{target}_id"], "findings": "x"}
            for target in ("household", "dwelling", "place", "organization")
        ]
        + [
            {"target": "household", "target_id": own_household.pk, "people": person_ids},
            {
                "target": "household",
                "target_id": own_household.pk,
                "case_category": "garbage",
                "case_title": "x",
                **here,
            },
            {
                "target": "household",
                "target_id": objects["household_id"],
                "need_kind": "care",
                "need_detail": "x",
            },
        ],
        "/api/v1/care-records": [{"household_id": objects["household_id"]}],
        "/api/v1/care-services": [
            {"region_code": objects["village_code"], "name": "x", "kind": "care", "provider": "y"}
        ],
        "/api/v1/campaigns": [
            {
                "title": "外村排查",
                "kind": kind,
                "region_code": objects["village_code"],
                "deadline": (today + timedelta(days=7)).isoformat(),
                "checklist": ["是否有租户"],
            }
            for kind in ("household", "dwelling", "place", "facility")
        ],
        "/api/v1/patrols": [
            {**patrol, "check_ins": [{**check_in, "target": target, "target_id": objects[key]}]}
            for target, key in (("place", "place_id"), ("facility", "facility_id"))
        ]
        + [
            {
                **patrol,
                "check_ins": [
                    {**check_in, **here, "result": "problem", "case_category": "garbage"}
                    | {"case_title": "外村巡查发现"}
                ],
            }
        ],
        "/api/v1/patrol-teams": [{"name": "外村红袖标", "region_code": objects["village_code"]}],
    }


def test_collection_posts_write_nothing_in_village_a_when_caller_is_in_village_b(
    users, outsider, village_a_objects
):
    """Every collection POST of the API, aimed at village A by village B's centre, is refused
    with a clear 4xx and leaves every table of village A as it was. A new collection endpoint
    fails this test until it has a body here (and so a scoping check)."""
    client = Client()
    client.force_login(outsider)
    own_village = users["village_centre_b"].bindings.get().code
    bodies = _collection_bodies(village_a_objects, own_village)
    schema = api.get_openapi_schema()
    collections = {
        path
        for path, methods in schema["paths"].items()
        if "post" in methods and "{" not in path and path not in NOT_SCOPED_API
    }
    files = {path for path in collections if re.search(r"/import$", path)}
    assert collections - files == set(bodies), "a collection POST has no sweep body"
    before = _rows_inside(village_a_objects["village_code"])
    for path in sorted(collections - files):
        for body in bodies[path]:
            response = client.post(path, body, content_type="application/json")
            print(
                "SWEEP", path, body.get("channel", ""), response.status_code, response.content[:150]
            )
            assert 400 <= response.status_code < 500, (path, body, response.status_code)
            assert "code" in response.json() or "detail" in response.json(), path
    assert _rows_inside(village_a_objects["village_code"]) == before
    if outsider.role not in ("centre_staff", "admin"):
        return
    # The control: the same bodies placed at home, without references, are taken.
    home = _place(own_village)
    response = client.post(
        "/api/v1/cases",
        {"category": "garbage", "title": "本村上报", **home},
        content_type="application/json",
    )
    assert response.status_code in (200, 201), response.content


def test_write_targets_in_village_a_refused_when_caller_works_in_village_b(
    users, village_a_objects
):
    """Every "to whom" field of a write (assignee, unit, master case, mediator, referral
    target, linked dispute) aimed at village A from a record of village B is refused, and
    the record stays as it was."""
    from fengqiao.cases import services as case_services
    from fengqiao.cases.models import Case, Category, HandlingUnit

    centre_b = users["village_centre_b"]
    own_village = centre_b.bindings.get().code
    home = _place(own_village)
    own = case_services.case_report(
        actor=centre_b,
        category=Category.objects.get(code="garbage"),
        title="乙村事件",
        lat=home["lat"],
        lng=home["lng"],
    )
    case_services.case_accept(actor=centre_b, case_id=own.pk)
    foreign_unit = HandlingUnit.objects.exclude(region_code__in=[own_village[:6], own_village[:9]])
    foreign_unit = foreign_unit.exclude(kind="mediation").first()
    client = Client()
    client.force_login(centre_b)
    attempts = [
        ("dispatch", {"assignee": "grid_worker"}),
        ("dispatch", {"assignee": "mediator_sweep"}),
        ("dispatch", {"unit_id": foreign_unit.pk}),
        ("merge", {"master": village_a_objects["case_code"]}),
    ]
    before = Case.objects.values().get(pk=own.pk)
    for action, body in attempts:
        response = client.post(
            f"/api/v1/cases/{own.code}/actions/{action}", body, content_type="application/json"
        )
        assert response.status_code in (400, 403, 404), (action, body, response.status_code)
    assert Case.objects.values().get(pk=own.pk) == before

    from fengqiao.mediation import services as mediation_services

    dispute = mediation_services.dispute_register(
        actor=centre_b,
        dispute_type="neighbour_dispute",
        title="乙村纠纷",
        source="walk_in",
        parties=[
            mediation_services.PartyIn(side="applicant", name="张某"),
            mediation_services.PartyIn(side="respondent", name="李某"),
        ],
        lat=home["lat"],
        lng=home["lng"],
    )
    mediation_services.dispute_accept(actor=centre_b, dispute_id=dispute.pk, consent=True)
    code = dispute.case.code
    before = Case.objects.values().get(pk=dispute.pk)
    response = client.post(
        f"/api/v1/disputes/{code}/actions/assign",
        {"mediator_id": village_a_objects["mediator_id"]},
        content_type="application/json",
    )
    assert response.status_code in (400, 403, 404), response.status_code
    assert Case.objects.values().get(pk=dispute.pk) == before
    dispute.refresh_from_db()
    assert dispute.mediator_id is None and dispute.committee_id is None

    # Referred by the village B mediator who holds it (a step of the claimed dispute only).
    from fengqiao.accounts.models import User
    from fengqiao.accounts.services import user_create
    from fengqiao.mediation.committees import mediator_add
    from fengqiao.mediation.models import MediationCommittee

    mediator_b = user_create(
        username="mediator_b_sweep",
        password="fengqiao-demo",  # noqa: S106 - the public demo password
        role="mediator",
        jurisdiction=[own_village],
        display_name="乙村调解员",
        check_password=False,
    )
    committee_b = MediationCommittee.objects.get(region_code=own_village)
    row = mediator_add(
        actor=User.objects.get(username="admin"), committee=committee_b, user=mediator_b
    )
    mediation_services.dispute_assign(actor=centre_b, dispute_id=dispute.pk, mediator_id=row.pk)
    case_services.case_claim(actor=mediator_b, case_id=dispute.pk)
    before = Case.objects.values().get(pk=dispute.pk)
    client.force_login(mediator_b)
    response = client.post(
        f"/api/v1/disputes/{code}/actions/refer",
        {"way": "court", "to_unit_id": foreign_unit.pk, "reason": "x"},
        content_type="application/json",
    )
    assert (response.status_code, response.json()["field"]) == (400, "to_unit_id")
    assert Case.objects.values().get(pk=dispute.pk) == before
    assert not dispute.referrals.exists()
