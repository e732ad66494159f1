"""Case intake over the API is the hot path of P3 (bench/p3_intake.py): its statements per
report are counted here so they cannot creep back, and must not grow with the cases stored."""

import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from fengqiao.cases import services
from fengqiao.cases.models import Case, CaseEvent, Notification

# token, jurisdiction, grid + village, duplicate candidates, centre recipients, case, first
# event, day number, case number, inbox row; on SQLite also BEGIN and COMMIT.
MAX_STATEMENTS = 12
TITLES = ["路灯不亮影响夜间出行", "下水道堵塞污水外溢", "井盖缺失存在安全隐患", "树木倒伏压住电线"]


@pytest.fixture
def grid_worker_client(users):
    response = Client().post(
        "/api/v1/auth/token",
        {"username": "grid_worker", "password": "fengqiao-demo"},
        content_type="application/json",
    )
    return Client(headers={"Authorization": f"Bearer {response.json()['token']}"})


def _body(point: dict, title: str) -> dict:
    return {
        "category": "garbage",
        "title": title,
        "description": "请尽快处理",
        "client_id": str(uuid.uuid4()),
        **point,
    }


def _statements(client: Client, body: dict) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/api/v1/cases", body, content_type="application/json")
    assert response.status_code == 201, response.content
    return len(queries), response.json()


def _point(users, offset: float) -> dict:
    micro = users["grid_worker"].bindings.get().grid
    return {"lat": micro.centroid_lat + offset, "lng": micro.centroid_lng}


def test_report_takes_a_fixed_number_of_statements_when_many_cases_are_stored(
    grid_worker_client, users
):
    client = grid_worker_client
    _statements(client, _body(_point(users, 0), TITLES[0]))  # warm per-process copies
    few, first = _statements(client, _body(_point(users, 0.0001), TITLES[1]))
    for n in range(40):  # open cases of other kinds of trouble, some at the same spot
        services.case_report(
            actor=users["grid_worker"],
            category=Case.objects.get(code=first["code"]).category,
            title=f"{TITLES[n % 4]} {n}",
            lat=_point(users, 0.0001)["lat"],
            lng=_point(users, 0.0001)["lng"],
        )
    many, second = _statements(client, _body(_point(users, -0.0001), "广场喷泉漏水"))
    assert few <= MAX_STATEMENTS and many == few
    assert first["timeline"][0]["action"] == "report" and len(first["timeline"]) == 1
    assert second["actions"] and second["attachments"] == []


@pytest.mark.django_db(transaction=True)  # on PostgreSQL: numbered at commit by the trigger
def test_report_is_stored_with_its_event_and_centre_inbox_row_when_acknowledged(
    grid_worker_client, users
):
    _count, reply = _statements(grid_worker_client, _body(_point(users, 0), TITLES[2]))
    case = Case.objects.get(code=reply["code"])
    event = CaseEvent.objects.get(case=case)
    assert (event.seq, event.action, event.to_status) == (1, "report", "reported")
    assert reply["timeline"][0]["actor_label"] == event.actor_label
    assert case.code.startswith("SJ") and len(case.code) == 14
    inbox = Notification.objects.filter(case=case)
    assert inbox.count() >= 1 and {n.kind for n in inbox} == {"reported"}
    again, second = _statements(grid_worker_client, _body(_point(users, 0), TITLES[3]))
    assert int(second["code"][-4:]) == int(reply["code"][-4:]) + 1
    assert again <= MAX_STATEMENTS


def test_resubmitted_client_id_returns_the_first_case_without_using_a_number(
    grid_worker_client, users
):
    body = _body(_point(users, 0), TITLES[3])
    first = grid_worker_client.post("/api/v1/cases", body, content_type="application/json")
    again = grid_worker_client.post("/api/v1/cases", body, content_type="application/json")
    later = grid_worker_client.post(
        "/api/v1/cases", _body(_point(users, 0), TITLES[0]), content_type="application/json"
    )
    assert (first.status_code, again.status_code, later.status_code) == (201, 200, 201)
    assert again.json()["code"] == first.json()["code"]
    assert len(again.json()["timeline"]) == 1
    # The resubmission's number was taken back with its savepoint: no gap in the day's serial.
    assert int(later.json()["code"][-4:]) == int(first.json()["code"][-4:]) + 1
    assert Notification.objects.filter(case__code=first.json()["code"]).count() >= 1
    assert Case.objects.filter(client_id=body["client_id"]).count() == 1
