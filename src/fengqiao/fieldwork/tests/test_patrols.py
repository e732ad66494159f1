"""Patrols and 红袖标 teams: a patrol is recorded once per client id, inside its limits (30
days late, 24 hours long, 20,000 points on Earth and in its time), its distance summed over
the well-measured legs; check-ins only where the patroller may see, a problem raising a case
in the same step; teams, members (sealed phones) and roster kept by centre staff inside their
jurisdiction; the monthly totals per person."""

import json
from datetime import date, time, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from fengqiao.cases.duplicates import distance_m
from fengqiao.cases.models import Case
from fengqiao.core import clock, crypto
from fengqiao.core.errors import NotAllowed, NotFound, ValidationFailed
from fengqiao.core.models import AuditEntry
from fengqiao.fieldwork import patrol_selectors as selectors
from fengqiao.fieldwork import patrols as services
from fengqiao.fieldwork.models import Patrol, PatrolCheckIn, PatrolTeam, TeamMember
from fengqiao.registry.located import facility_create, place_create
from fengqiao.registry.models import Place


@pytest.fixture
def field(users):
    worker = users["grid_worker"]
    micro = worker.bindings.get().grid
    at = {"lat": micro.centroid_lat, "lng": micro.centroid_lng}
    place = place_create(actor=worker, name="百货市场", kind="market", **at)
    facility = facility_create(
        actor=worker, code="PATROL-HYD-1", name="消防栓", kind="hydrant", **at
    )
    other = users["village_centre_b"].bindings.get().code
    return {
        "worker": worker,
        "centre": users["village_centre"],
        "centre_b": users["village_centre_b"],
        "village": users["village_centre"].bindings.get().code,
        "place": place,
        "facility": facility,
        "far_place": Place.objects.filter(region_code__startswith=other).first(),
    }


def _walk(field, n=5, step=0.0005, accuracy=10):
    lat, lng = field["place"].lat, field["place"].lng
    return [[lat + i * step, lng, i * 60, accuracy] for i in range(n)]


def _patrol(field, actor=None, **extra):
    end = clock.now() - timedelta(minutes=1)
    given = {
        "started_at": end - timedelta(minutes=30),
        "ended_at": end,
        "points": _walk(field),
        **extra,
    }
    return services.patrol_record(actor=actor or field["worker"], **given)


def test_a_patrol_is_recorded_once_per_client_id_with_distance_and_an_audit_row(field):
    first = _patrol(field, client_id="walk-1")
    again = _patrol(field, client_id="walk-1")
    assert first.is_new and not again.is_new and again.pk == first.pk
    assert Patrol.objects.count() == 1
    leg = distance_m(0, 0, 0.0005, 0)
    assert abs(first.distance_m - 4 * leg) <= 1
    assert first.point_count == 5 and first.duration_s == 1800
    assert first.region_code.startswith(field["village"]) and first.grid is not None
    entry = AuditEntry.objects.get(entity_type="fieldwork.patrol", entity_id=str(first.pk))
    assert entry.actor_id == field["worker"].pk


def test_points_measured_worse_than_100_m_do_not_count(field):
    points = _walk(field)
    points[2][3] = 500  # a wild jump, badly measured
    points[2][0] += 0.05
    patrol = _patrol(field, points=points)
    assert abs(patrol.distance_m - 4 * distance_m(0, 0, 0.0005, 0)) <= 1
    assert patrol.point_count == 5


def test_limits_on_time_length_and_points(field):
    now = clock.now()
    cases = [
        (
            {
                "started_at": now - timedelta(days=31),
                "ended_at": now - timedelta(days=30, hours=23),
            },
            "started_at",
        ),
        ({"started_at": now, "ended_at": now + timedelta(hours=1)}, "ended_at"),
        ({"started_at": now - timedelta(hours=25), "ended_at": now}, "ended_at"),
        (
            {"started_at": now - timedelta(hours=1), "ended_at": now - timedelta(hours=2)},
            "ended_at",
        ),
        ({"points": [[91, 0, 0, 5]]}, "points"),
        ({"points": [[30, 0, 99_999, 5]]}, "points"),
        ({"points": [[30, 0]]}, "points"),
        ({"points": [[30, 0, 1, 5]] * (services.MAX_POINTS + 1)}, "points"),
        ({"note": "x" * 5000}, "note"),
    ]
    for extra, name in cases:
        with pytest.raises(ValidationFailed) as caught:
            _patrol(field, **extra)
        assert caught.value.field == name, extra
    assert not Patrol.objects.exists()


def test_a_resident_records_no_patrol(field, users):
    with pytest.raises(NotAllowed):
        _patrol(field, actor=users["resident"])


def _check_in(field, **extra):
    given = {"at": clock.now() - timedelta(minutes=10), "target": "place"}
    return services.CheckIn(**{**given, "target_id": field["place"].pk, **extra})


def test_a_problem_at_a_check_in_raises_a_case_in_the_same_step(field):
    problem = _check_in(
        field,
        result="problem",
        note="消防通道被堵",
        raise_case=services.RaiseCase(category="garbage", title="消防通道堆放杂物"),
    )
    fine = _check_in(field, target="facility", target_id=field["facility"].pk)
    free = _check_in(
        field, target="", target_id=None, lat=field["place"].lat, lng=field["place"].lng
    )
    patrol = _patrol(field, check_ins=[problem, fine, free], client_id="walk-2")
    rows = list(patrol.check_ins.order_by("pk"))
    assert [r.result for r in rows] == ["problem", "ok", "ok"]
    assert rows[0].place == field["place"] and rows[1].facility == field["facility"]
    case = Case.objects.get(pk=rows[0].case_id)
    assert case.title == "消防通道堆放杂物" and case.description == "消防通道被堵"
    assert _patrol(field, check_ins=[problem], client_id="walk-2").pk == patrol.pk
    assert Case.objects.count() == 1


def test_check_ins_only_where_the_patroller_may_see_and_in_the_patrol_time(field):
    with pytest.raises(NotFound):
        _patrol(field, check_ins=[_check_in(field, target_id=field["far_place"].pk)])
    late = _check_in(field, at=clock.now() + timedelta(hours=2))
    wrong = [
        (late, "check_ins"),
        (_check_in(field, result="maybe"), "check_ins"),
        (_check_in(field, target="dwelling"), "check_ins"),
        (_check_in(field, target="", target_id=None), "check_ins"),
        (_check_in(field, raise_case=services.RaiseCase("garbage", "x")), "check_ins"),
        (
            _check_in(field, result="problem", raise_case=services.RaiseCase("nope", "x")),
            "case_category",
        ),
        (
            _check_in(field, result="problem", raise_case=services.RaiseCase("garbage", " ")),
            "case_title",
        ),
    ]
    for item, name in wrong:
        with pytest.raises(ValidationFailed) as caught:
            _patrol(field, check_ins=[item])
        assert caught.value.field == name, item
    assert not Patrol.objects.exists() and not PatrolCheckIn.objects.exists()
    assert not Case.objects.exists()


def test_patrols_are_read_through_the_jurisdiction(field):
    patrol = _patrol(field)
    assert list(selectors.patrol_list(actor=field["centre"])) == [patrol]
    assert not selectors.patrol_list(actor=field["centre_b"]).exists()
    with pytest.raises(NotFound):
        selectors.patrol_get(actor=field["centre_b"], patrol_id=patrol.pk)
    with pytest.raises(NotFound):
        selectors.patrol_list(actor=field["centre_b"], area=field["village"])
    today = clock.localdate()
    found = selectors.patrol_list(
        actor=field["centre"], patroller="grid_worker", date_from=today - timedelta(days=1)
    )
    assert list(found) == [patrol]
    assert not selectors.patrol_list(actor=field["centre"], date_to=today - timedelta(days=2))


def test_patrol_totals_per_person_for_a_month(field):
    one = _patrol(field)
    two = _patrol(field, points=_walk(field, n=3))
    totals = selectors.patrol_totals(field["centre"], clock.localdate())
    count, seconds, metres = totals[field["worker"].pk]
    assert (count, seconds, metres) == (2, 3600, one.distance_m + two.distance_m)
    assert selectors.patrol_totals(field["centre_b"], clock.localdate()) == {}
    assert selectors.patrol_totals(field["centre"], date(2000, 1, 1)) == {}


def test_api_posts_once_and_reads_the_track(field):
    client = Client()
    client.force_login(field["worker"])
    end = clock.now() - timedelta(minutes=1)
    body = {
        "started_at": (end - timedelta(minutes=20)).isoformat(),
        "ended_at": end.isoformat(),
        "points": _walk(field),
        "client_id": "api-walk",
        "check_ins": [
            {
                "at": (end - timedelta(minutes=5)).isoformat(),
                "target": "place",
                "target_id": field["place"].pk,
                "result": "problem",
                "note": "路灯不亮",
                "case_category": "garbage",
                "case_title": "路灯损坏",
            }
        ],
    }
    first = client.post("/api/v1/patrols", body, content_type="application/json")
    again = client.post("/api/v1/patrols", body, content_type="application/json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["case_code"] and len(first.json()["track"]) == 5
    listed = client.get("/api/v1/patrols").json()
    assert listed["count"] == 1 and "track" not in listed["items"][0]
    bad = client.post(
        "/api/v1/patrols",
        {**body, "client_id": "x", "points": [["a"]]},
        content_type="application/json",
    )
    assert bad.status_code in (400, 422)
    outsider = Client()
    outsider.force_login(field["centre_b"])
    assert outsider.get(f"/api/v1/patrols/{first.json()['id']}").status_code == 404
    local = timezone.localtime(end).replace(tzinfo=None)  # a phone sending no zone
    naive = {
        "started_at": (local - timedelta(minutes=20)).isoformat(),
        "ended_at": local.isoformat(),
        "client_id": "naive",
    }
    assert client.post("/api/v1/patrols", naive, content_type="application/json").status_code == 201


# --- teams ----------------------------------------------------------------------------------


def _team(field, actor=None, **extra):
    given = {
        "name": "红袖标一队",
        "region_code": field["village"],
        "leader_name": "王大姐",
        **extra,
    }
    return services.team_save(actor=actor or field["centre"], **given)


def test_centre_staff_keep_teams_inside_their_jurisdiction(field, users):
    team = _team(field)
    assert AuditEntry.objects.filter(entity_type="fieldwork.patrolteam", action="create").exists()
    with pytest.raises(NotAllowed):
        _team(field, actor=field["worker"], name="二队")
    with pytest.raises(NotFound):
        _team(field, actor=field["centre_b"], name="二队")
    with pytest.raises(NotFound):
        services.team_save(
            actor=field["centre_b"],
            team_id=team.pk,
            name="x",
            region_code=users["village_centre_b"].bindings.get().code,
        )
    with pytest.raises(ValidationFailed) as caught:
        _team(field)
    assert caught.value.field == "name"
    with pytest.raises(ValidationFailed) as caught:
        _team(field, name=" ")
    assert caught.value.field == "name"
    renamed = _team(field, team_id=team.pk, name="红袖标巡逻队")
    assert renamed.pk == team.pk and PatrolTeam.objects.get().name == "红袖标巡逻队"


def test_a_members_phone_is_sealed_and_shown_masked(field):
    team = _team(field)
    member = services.member_save(
        actor=field["centre"], team_id=team.pk, name="李阿姨", phone="13812345678"
    )
    member.refresh_from_db()
    assert member.phone_masked == "138****5678"
    assert "13812345678" not in member.phone_sealed
    assert crypto.open_field(member, "phone_sealed") == "13812345678"
    client = Client()
    client.force_login(field["centre"])
    text = client.get("/api/v1/patrol-teams").content.decode()
    assert "138****5678" in text and "13812345678" not in text
    kept = services.member_save(
        actor=field["centre"], team_id=team.pk, member_id=member.pk, name="李阿姨", phone=None
    )
    assert kept.phone_masked == "138****5678"
    with pytest.raises(ValidationFailed) as caught:
        services.member_save(actor=field["centre"], team_id=team.pk, name="x", phone="12")
    assert caught.value.field == "phone"
    with pytest.raises(NotFound) as caught:
        services.member_save(
            actor=field["centre"],
            team_id=team.pk,
            name="x",
            person_id=10**9,
        )
    assert caught.value.field == "person_id"
    with pytest.raises(NotFound):
        services.member_save(actor=field["centre_b"], team_id=team.pk, name="x")


def test_a_shift_takes_only_the_teams_members_and_the_week_is_read(field):
    team = _team(field)
    other = _team(field, name="二队")
    one = services.member_save(actor=field["centre"], team_id=team.pk, name="甲")
    stranger = services.member_save(actor=field["centre"], team_id=other.pk, name="乙")
    today = clock.localdate()
    shift = services.shift_save(
        actor=field["centre"],
        team_id=team.pk,
        on=today,
        starts_at=time(19),
        ends_at=time(21),
        members=[one.pk],
        note="村口到市场",
    )
    assert list(shift.members.all()) == [one]
    with pytest.raises(ValidationFailed) as caught:
        services.shift_save(
            actor=field["centre"],
            team_id=team.pk,
            on=today,
            starts_at=time(19),
            ends_at=time(21),
            members=[stranger.pk],
        )
    assert caught.value.field == "members"
    with pytest.raises(ValidationFailed) as caught:
        services.shift_save(
            actor=field["centre"],
            team_id=team.pk,
            on=today + timedelta(days=400),
            starts_at=time(19),
            ends_at=time(21),
        )
    assert caught.value.field == "date"
    week = selectors.roster_week(actor=field["worker"], week_of=today)
    assert list(week) == [shift]
    assert not selectors.roster_week(actor=field["centre_b"], week_of=today).exists()
    with pytest.raises(NotFound):
        services.shift_delete(actor=field["centre_b"], team_id=team.pk, shift_id=shift.pk)
    services.shift_delete(actor=field["centre"], team_id=team.pk, shift_id=shift.pk)
    assert AuditEntry.objects.filter(entity_type="fieldwork.teamshift", action="delete").exists()
    assert TeamMember.objects.count() == 2


def test_a_patrol_on_a_shift_of_another_village_is_refused(field):
    team = _team(field)
    shift = services.shift_save(
        actor=field["centre"],
        team_id=team.pk,
        on=clock.localdate(),
        starts_at=time(8),
        ends_at=time(10),
    )
    assert _patrol(field, shift_id=shift.pk).shift == shift
    with pytest.raises(NotFound) as caught:
        _patrol(field, actor=field["centre_b"], shift_id=shift.pk, points=[])
    assert caught.value.field == "shift_id"


def test_the_phone_offers_todays_shifts_in_reach_to_tie_a_patrol_to(field):
    team = _team(field)

    def shift(on, hour):
        return services.shift_save(
            actor=field["centre"], team_id=team.pk, on=on, starts_at=time(hour), ends_at=time(21)
        )

    today, tomorrow = shift(clock.localdate(), 19), shift(clock.localdate() + timedelta(days=1), 8)
    worker = Client()
    worker.force_login(field["worker"])
    phone = worker.get("/m/visits/patrol/").content.decode()
    assert f'<option value="{today.pk}">' in phone and f'value="{tomorrow.pk}"' not in phone
    outsider = Client()
    outsider.force_login(field["centre_b"])
    assert 'id="patrol-shift"' not in outsider.get("/m/visits/patrol/").content.decode()


def test_the_demo_walks_through_the_services(users):
    from fengqiao.demo.fieldwork_patrols import seed_patrols

    made = seed_patrols(seed=3, days=28)
    assert made >= 6 and Patrol.objects.count() == made
    assert PatrolTeam.objects.count() == 2 and TeamMember.objects.count() == 11
    assert all(p.distance_m > 0 and p.point_count > 2 for p in Patrol.objects.all())
    assert PatrolCheckIn.objects.exists()
    assert seed_patrols(seed=3, days=28) == made  # again: the same client ids, nothing new
    assert Patrol.objects.count() == made
    totals = selectors.patrol_totals(users["village_centre"], clock.localdate())
    assert users["grid_worker"].pk in totals or clock.localdate().day < 3


def test_workbench_pages_keep_teams_and_show_phones_masked(field):
    client = Client()
    client.force_login(field["centre"])
    made = client.post(
        "/fieldwork/teams/",
        {
            "form": "team",
            "name": "红袖标一队",
            "region_code": field["village"],
            "leader_name": "王",
        },
    )
    assert made.status_code == 302
    team = PatrolTeam.objects.get()
    client.post(
        "/fieldwork/teams/",
        {"form": "member", "team_id": team.pk, "name": "李阿姨", "phone": "13812345678"},
    )
    member = TeamMember.objects.get()
    shift = client.post(
        "/fieldwork/teams/",
        {
            "form": "shift",
            "team_id": team.pk,
            "date": clock.localdate().isoformat(),
            "starts_at": "19:00",
            "ends_at": "21:00",
            "members": [member.pk],
            "note": "沿河一圈",
        },
    )
    assert shift.status_code == 302
    page = client.get("/fieldwork/teams/").content.decode()
    assert "138****5678" in page and "13812345678" not in page and "沿河一圈" in page
    bad = client.post("/fieldwork/teams/", {"form": "shift", "team_id": team.pk, "starts_at": "x"})
    assert bad.status_code == 400
    outsider = Client()
    outsider.force_login(field["centre_b"])
    refused = outsider.post(
        "/fieldwork/teams/", {"form": "member", "team_id": team.pk, "name": "x"}
    )
    assert refused.status_code == 404 and TeamMember.objects.count() == 1
    patrol = _patrol(field)
    assert f'data-patrol="{patrol.pk}"' in client.get("/fieldwork/patrols/").content.decode()
    assert client.get(f"/fieldwork/patrols/{patrol.pk}/").status_code == 200
    assert outsider.get(f"/fieldwork/patrols/{patrol.pk}/").status_code == 404
    assert client.get("/fieldwork/patrols/?date_from=nope").status_code == 404
    worker = Client()
    worker.force_login(field["worker"])
    phone = worker.get("/m/visits/patrol/").content.decode()
    assert json.dumps("百货市场") in phone and "patrol-targets" in phone


def test_team_api_members_masked_and_the_roster(field):
    client = Client()
    client.force_login(field["centre"])

    def send(method, path, body=None):
        return getattr(client, method)(path, body, content_type="application/json")

    team = send("post", "/api/v1/patrol-teams", {"name": "一队", "region_code": field["village"]})
    assert team.status_code == 201
    base = f"/api/v1/patrol-teams/{team.json()['id']}"
    member = send("post", f"{base}/members", {"name": "李阿姨", "phone": "13812345678"})
    assert member.status_code == 201 and member.json()["phone"] == "138****5678"
    today = clock.localdate().isoformat()
    shift = {"date": today, "time_from": "19:00", "time_until": "21:00", "members": []}
    made = send("post", f"{base}/shifts", {**shift, "members": [member.json()["id"]]})
    assert made.status_code == 201 and made.json()["members"][0]["phone"] == "138****5678"
    week = client.get("/api/v1/patrol-shifts").json()
    assert [s["id"] for s in week] == [made.json()["id"]]
    changed = send("put", f"{base}/shifts/{made.json()['id']}", {**shift, "note": "河边"})
    assert changed.status_code == 200 and changed.json()["members"] == []
    assert send("put", base, {"name": "一队", "region_code": "x"}).status_code == 404
    assert client.delete(f"{base}/shifts/{made.json()['id']}").status_code == 204
    worker = Client()
    worker.force_login(field["worker"])
    assert worker.get("/api/v1/patrol-teams").json()[0]["name"] == "一队"  # seen, not kept
    refused = worker.post(f"{base}/members", {"name": "x"}, content_type="application/json")
    assert refused.status_code == 403
