"""Cases API: the whole lifecycle with bearer tokens, refusals, jurisdiction, offline
resubmission, attachments, queues, reference lists, inbox and the list's query count."""

import hashlib

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from fengqiao.cases import services
from fengqiao.cases.models import Case, CaseAttachment, Status

PASSWORD = "fengqiao-demo"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


@pytest.fixture
def history():
    """Ask for it to keep the demo county's generated year of cases (skipped otherwise, for
    speed); tests that use it must not assume they made every case there is."""


@pytest.fixture(autouse=True)
def _case_history_only_when_asked(request, settings):
    settings.FENGQIAO_DEMO_CASE_HISTORY = "history" in request.fixturenames


@pytest.fixture
def api(world):
    """api("resident") → a Client that sends that demo account's bearer token."""
    clients = {}

    def client_for(username: str) -> Client:
        if username not in clients:
            response = Client().post(
                "/api/v1/auth/token",
                {"username": username, "password": PASSWORD},
                content_type="application/json",
            )
            assert response.status_code == 200, response.content
            token = response.json()["token"]
            clients[username] = Client(
                headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"}
            )
        return clients[username]

    return client_for


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _post(client: Client, url: str, body: dict | None = None):
    return client.post(url, body or {}, content_type="application/json")


def _report(client: Client, world, **extra) -> dict:
    body = {
        "category": "neighbour_dispute",
        "title": "楼上深夜噪音扰民",
        "description": "三楼住户每晚十二点后装修",
        **world["point"],
        **extra,
    }
    response = _post(client, "/api/v1/cases", body)
    assert response.status_code == 201, response.content
    return response.json()


def _act(client: Client, code: str, action: str, body: dict | None = None):
    return _post(client, f"/api/v1/cases/{code}/actions/{action}", body)


def _service_case(world, actor="grid_worker", title="垃圾堆放在路口", **extra) -> Case:
    return services.case_report(
        actor=world[actor], category=world["garbage"], title=title, **world["point"], **extra
    )


def test_case_walks_report_to_rating_when_each_account_acts_over_api(api, world):
    reported = _report(api("resident"), world, callback_phone="13812345678")
    code = reported["code"]
    assert reported["status"] == "reported"
    assert reported["channel"] == "portal"
    assert reported["callback_phone"] == "138****5678"
    assert [e["action"] for e in reported["timeline"]] == ["report"]

    chief = api("grid_chief")
    page = chief.get(f"/api/v1/cases/{code}").json()
    assert {"accept", "reject", "merge"} <= {a["action"] for a in page["actions"]}

    steps = [
        ("grid_chief", "accept", {"note": "属实"}, "accepted"),
        ("grid_chief", "dispatch", {"unit_id": world["police"].pk}, "dispatched"),
        ("handler", "claim", {}, "claimed"),
        ("handler", "resolve", {"result": "已上门调解，双方达成一致"}, "resolved"),
        ("grid_worker", "verify", {"note": "回访属实"}, "verified"),
        ("resident", "rate", {"rating": 5, "comment": "很满意"}, "closed"),
    ]
    for username, action, body, status in steps:
        response = _act(api(username), code, action, body)
        assert response.status_code == 200, (action, response.content)
        assert response.json()["status"] == status

    page = api("resident").get(f"/api/v1/cases/{code}").json()
    assert page["rating"] == 5 and page["unit_name"] == world["police"].name
    assert page["actions"] == []
    timeline = page["timeline"]
    assert [e["action"] for e in timeline] == [
        "report",
        "accept",
        "dispatch",
        "claim",
        "resolve",
        "verify",
        "rate",
    ]
    assert [e["seq"] for e in timeline] == list(range(1, 8))
    assert timeline[3]["actor_label"].startswith(world["handler"].label)
    assert timeline[4]["note"] == "已上门调解，双方达成一致"
    assert timeline[6]["from_status"] == "verified" and timeline[6]["to_status"] == "closed"
    assert all(e["at"] and e["to_level"] == "grid" for e in timeline)
    assert services.verify_log(Case.objects.get(code=code)) == []


def test_actions_are_refused_with_code_when_role_state_or_name_is_wrong(api, world):
    code = _report(api("grid_worker"), world)["code"]

    response = _act(api("resident"), code, "accept")
    assert response.status_code == 404  # not the resident's case: not even visible

    response = _act(api("handler"), code, "accept")
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"

    response = _act(api("grid_chief"), code, "claim")
    assert response.status_code == 409
    assert response.json()["code"] == "illegal_transition"

    response = _act(api("grid_chief"), code, "teleport")
    assert response.status_code == 404
    assert response.json() == {
        "code": "unknown_action",
        "message": "Unknown action teleport.",
        "field": "action",
    }

    response = _act(api("grid_chief"), code, "reject", {"reason": "  "})
    assert response.status_code == 400
    assert response.json()["field"] == "reason"

    response = _act(api("grid_chief"), code, "accept", {"priority": "whenever"})
    assert response.status_code == 400
    assert response.json()["field"] == "priority"
    assert Case.objects.get(code=code).status == Status.REPORTED


def test_merge_and_dispatch_to_a_person_use_codes_and_usernames(api, world):
    master = _report(api("grid_worker"), world)["code"]
    duplicate = _report(api("grid_worker"), world, title="楼上深夜噪音扰民严重")
    assert [c["code"] for c in duplicate["duplicate_candidates"]] == [master]

    response = _act(api("grid_chief"), duplicate["code"], "merge", {"master": "SJ000"})
    assert response.status_code == 404 and response.json()["field"] == "master"
    response = _act(api("grid_chief"), duplicate["code"], "merge", {"master": master})
    assert response.status_code == 200
    assert response.json()["status"] == "merged" and response.json()["master"] == master

    _act(api("grid_chief"), master, "accept")
    response = _act(api("grid_chief"), master, "dispatch", {"assignee": "nobody"})
    assert response.status_code == 404 and response.json()["field"] == "assignee"
    response = _act(api("grid_chief"), master, "dispatch", {"assignee": "grid_worker"})
    assert response.json()["assignee_label"] == world["grid_worker"].label
    assert _act(api("grid_worker"), master, "claim").json()["status"] == "claimed"


def test_case_is_not_found_when_centre_of_another_village_asks(api, world, history):
    code = _report(api("grid_worker"), world)["code"]
    other = api("village_centre_b")
    assert other.get(f"/api/v1/cases/{code}").status_code == 404
    assert _act(other, code, "accept").status_code == 404
    assert other.get("/api/v1/cases", {"q": code}).json()["count"] == 0
    village_b = world["village_centre_b"].bindings.get().code
    listed = other.get("/api/v1/cases", {"page_size": 100}).json()["items"]
    assert all(item["region_code"].startswith(village_b) for item in listed)
    assert api("village_centre").get(f"/api/v1/cases/{code}").status_code == 200


def test_resident_sees_only_own_cases_when_listing_or_opening(api, world, history):
    staff_case = _report(api("grid_worker"), world)["code"]
    own_case = _report(api("resident"), world, title="路灯坏了")["code"]
    listed = api("resident").get("/api/v1/cases", {"page_size": 100}).json()
    codes = [c["code"] for c in listed["items"]]
    assert own_case in codes and staff_case not in codes
    assert listed["count"] == Case.objects.filter(reporter=world["resident"]).count()
    assert api("resident").get(f"/api/v1/cases/{staff_case}").status_code == 404
    chief = api("grid_chief").get("/api/v1/cases", {"page_size": 100}).json()["items"]
    assert {own_case, staff_case} <= {c["code"] for c in chief}


def test_offline_resubmission_makes_one_case_when_client_id_is_sent_twice(api, world):
    client = api("grid_worker")
    first = _report(client, world, client_id="phone-7f3a-0001")
    again = _post(
        client,
        "/api/v1/cases",
        {"category": "neighbour_dispute", "title": "楼上深夜噪音扰民", **world["point"]}
        | {"client_id": "phone-7f3a-0001"},
    )
    assert again.status_code == 200
    assert again.json()["code"] == first["code"]
    assert Case.objects.filter(client_id="phone-7f3a-0001").count() == 1
    stolen = _post(
        api("grid_chief"),
        "/api/v1/cases",
        {"category": "garbage", "title": "x", **world["point"], "client_id": "phone-7f3a-0001"},
    )
    assert stolen.status_code == 409 and stolen.json()["field"] == "client_id"


def test_report_is_refused_when_input_is_wrong(api, world):
    client = api("grid_worker")
    body = {"category": "disputes", "title": "x", **world["point"]}
    response = _post(client, "/api/v1/cases", body)
    assert response.status_code == 400 and response.json()["field"] == "category"
    response = _post(client, "/api/v1/cases", body | {"category": "garbage", "channel": "open311"})
    assert response.status_code == 400 and response.json()["field"] == "channel"
    response = _post(api("village_centre_b"), "/api/v1/cases", body | {"category": "garbage"})
    assert response.status_code == 403 and response.json()["code"] == "outside_jurisdiction"
    response = _post(
        api("resident"), "/api/v1/cases", body | {"category": "garbage"} | {"channel": "hotline"}
    )
    assert response.status_code == 400 and response.json()["field"] == "channel"
    hotline = _report(api("village_centre"), world, channel="hotline")
    assert hotline["channel"] == "hotline"


def test_nul_characters_are_dropped_when_sent_in_text(api, world):
    # PostgreSQL text cannot hold NUL: it must never reach the database.
    reported = _report(api("grid_worker"), world, title="怪\x00东西", description="a\x00b")
    assert reported["title"] == "怪东西" and reported["description"] == "ab"
    listed = api("grid_worker").get("/api/v1/cases", {"q": "怪\x00东"}).json()
    assert [c["code"] for c in listed["items"]] == [reported["code"]]
    noted = _act(api("grid_worker"), reported["code"], "note", {"note": "x\x00y"}).json()
    assert noted["timeline"][-1]["note"] == "xy"


def test_attachments_are_stored_with_hash_and_listed_when_uploaded(api, world, media):
    code = _report(api("grid_worker"), world)["code"]
    client = api("grid_worker")
    response = client.post(
        f"/api/v1/cases/{code}/attachments",
        {
            "files": [_upload("现场.png", PNG), _upload("../../etc/情况说明.pdf", PDF)],
            "note": "现场照片和说明",
        },
    )
    assert response.status_code == 201, response.content
    stored = response.json()
    assert [a["name"] for a in stored] == ["现场.png", "情况说明.pdf"]
    assert [a["content_type"] for a in stored] == ["image/png", "application/pdf"]
    assert stored[0]["sha256"] == hashlib.sha256(PNG).hexdigest()
    assert stored[0]["size"] == len(PNG)

    page = client.get(f"/api/v1/cases/{code}").json()
    note = page["timeline"][-1]
    assert note["action"] == "attach" and note["note"] == "现场照片和说明"
    assert [a["event_seq"] for a in page["attachments"]] == [note["seq"], note["seq"]]
    event = Case.objects.get(code=code).events.get(seq=note["seq"])
    assert [a["sha256"] for a in event.data["attachments"]] == [a["sha256"] for a in stored]

    listed = api("village_centre").get(f"/api/v1/cases/{code}/attachments").json()
    assert [a["id"] for a in listed] == [a["id"] for a in stored]
    download = api("village_centre").get(listed[0]["url"])
    assert download.status_code == 200 and download["Content-Type"] == "image/png"
    assert b"".join(download.streaming_content) == PNG
    assert api("village_centre_b").get(listed[0]["url"]).status_code == 404


def test_attachments_are_refused_when_not_photo_or_pdf_or_too_big(api, world, media):
    code = _report(api("grid_worker"), world)["code"]
    client = api("grid_worker")
    for name, content in [
        ("x.svg", b"<svg onload='alert(1)'/>"),
        ("x.png", b"MZ\x90\x00 not really a png"),
        ("big.png", PNG + b"\x00" * (10 * 1024 * 1024)),
    ]:
        response = client.post(
            f"/api/v1/cases/{code}/attachments", {"files": [_upload(name, content)]}
        )
        assert response.status_code == 400, name
        assert response.json()["field"] == "files"
    response = client.post(f"/api/v1/cases/{code}/attachments", {"note": "no file"})
    assert response.status_code == 400 and response.json()["field"] == "files"
    assert api("village_centre_b").post(f"/api/v1/cases/{code}/attachments").status_code == 404
    assert not CaseAttachment.objects.exists()
    assert Case.objects.get(code=code).events.count() == 1
    # A resident may add photos to their own report, and to nobody else's.
    own = _report(api("resident"), world)["code"]
    response = api("resident").post(
        f"/api/v1/cases/{own}/attachments", {"files": [_upload("a.png", PNG)]}
    )
    assert response.status_code == 201
    response = api("resident").post(
        f"/api/v1/cases/{code}/attachments", {"files": [_upload("a.png", PNG)]}
    )
    assert response.status_code == 404


def _upload(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def test_case_list_query_count_is_constant_when_page_grows(api, world, history):
    for n in range(6):
        case = _service_case(world, title=f"第{n}处垃圾", address=f"{n}号")
        if n % 2:
            services.case_accept(actor=world["grid_chief"], case_id=case.pk)
            services.case_dispatch(
                actor=world["grid_chief"],
                case_id=case.pk,
                unit_id=world["police"].pk,
                assignee=world["handler"],
            )
    client = api("county_centre")
    client.get("/api/v1/cases", {"page_size": 1})  # warm the token and jurisdiction lookups
    with CaptureQueriesContext(connection) as small:
        body = client.get("/api/v1/cases", {"page_size": 1}).json()
    assert body["count"] >= 6 and len(body["items"]) == 1
    with CaptureQueriesContext(connection) as large:
        body = client.get("/api/v1/cases", {"page_size": 50}).json()
    assert len(body["items"]) == min(body["count"], 50)
    assert {None, world["police"].name} <= {item["unit_name"] for item in body["items"]}
    assert len(large) == len(small)
    assert len(large) <= 6


def test_case_list_filters_by_queue_status_category_and_text(api, world):
    first = _service_case(world, title="路口垃圾")
    second = _service_case(world, title="河边垃圾")
    services.case_accept(actor=world["grid_chief"], case_id=first.pk)
    client = api("village_centre")

    def codes(**params):
        return {item["code"] for item in client.get("/api/v1/cases", params).json()["items"]}

    assert codes(queue="to_dispatch") == {first.code}
    assert codes(status="accepted") == {first.code}
    assert codes(queue="new", category="environment") == {second.code}
    assert codes(category="garbage", level="grid", channel="grid_app") == {
        first.code,
        second.code,
    }
    assert codes(category="fraud") == set()
    assert codes(q="河边") == {second.code}
    response = client.get("/api/v1/cases", {"queue": "nonsense"})
    assert response.status_code == 404 and response.json()["field"] == "queue"


def test_queue_counts_cover_every_queue_when_centre_asks(api, world):
    _service_case(world)
    body = api("village_centre").get("/api/v1/cases/queues").json()
    counts = {row["queue"]: row["count"] for row in body}
    assert all(row["description"] for row in body)
    assert set(counts) == {
        "new",
        "to_dispatch",
        "mine",
        "overdue",
        "due_soon",
        "escalated",
        "to_verify",
        "closed",
    }
    assert counts["new"] == 1 and counts["closed"] == 0
    assert {row["count"] for row in api("village_centre_b").get("/api/v1/cases/queues").json()} == {
        0
    }


def test_categories_come_as_groups_with_children(api, world):
    groups = api("grid_worker").get("/api/v1/categories").json()
    by_code = {group["code"]: group for group in groups}
    assert "neighbour_dispute" in [c["code"] for c in by_code["disputes"]["children"]]
    assert all(group["children"] for group in groups)
    assert by_code["environment"]["name"] == "环境卫生"


def test_units_for_dispatch_put_those_handling_the_category_first(api, world):
    code = _report(api("grid_worker"), world)["code"]
    units = api("grid_chief").get("/api/v1/units", {"case": code}).json()
    assert units[0]["handles"] is True
    assert world["police"].pk in [u["id"] for u in units if u["handles"]]
    assert all(not u["handles"] for u in units if u["kind"] == "urban_management")
    assert api("village_centre_b").get("/api/v1/units", {"case": code}).status_code == 404
    around = api("village_centre").get("/api/v1/units").json()
    village = world["village_centre"].bindings.get().code
    assert world["police"].pk in [u["id"] for u in around]
    codes = {u["region_code"] for u in around}
    assert village[:9] in codes  # the township's departments
    # the county's units and those inside the village; none of another township or village
    assert all(code in (village[:6], village[:9]) or code.startswith(village) for code in codes)
    assert api("resident").get("/api/v1/units").json() == []


def test_inbox_lists_and_marks_read_when_a_case_waits(
    api, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        code = _report(api("grid_worker"), world)["code"]
    client = api("grid_chief")
    items = client.get("/api/v1/inbox").json()["items"]
    mine = [n for n in items if n["case"] == code]
    assert len(mine) == 1 and mine[0]["read_at"] is None
    response = _post(client, f"/api/v1/inbox/{mine[0]['id']}/read")
    assert response.status_code == 200 and response.json()["read_at"] is not None
    unread = client.get("/api/v1/inbox", {"unread": True}).json()["items"]
    assert code not in [n["case"] for n in unread]
    assert _post(api("resident"), f"/api/v1/inbox/{mine[0]['id']}/read").status_code == 404


def test_api_needs_a_token_when_no_session(db):
    response = Client().get("/api/v1/cases")
    assert response.status_code == 401
