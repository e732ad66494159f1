"""The audit page and API: administrators only, scoped to their jurisdiction, filters that
refuse bad input with a 400, and an XLSX export that is masked and itself logged."""

import datetime as dt
import io

import openpyxl
import pytest
from django.test import Client

from fengqiao.accounts.services import user_create
from fengqiao.core import clock
from fengqiao.core.audit import audit_record
from fengqiao.core.models import AccessLog
from fengqiao.regions.models import Region


@pytest.fixture
def world(users):
    """Rows in village A, village B and a global one, and a village-A administrator."""
    village_a = users["village_centre"].bindings.get().code
    village_b = users["village_centre_b"].bindings.get().code
    clock.freeze(dt.datetime(2030, 5, 6, 4, 0, tzinfo=dt.UTC))
    a_row = audit_record(
        actor=users["village_centre"],
        entity_type="registry.person",
        entity_id=101,
        action="update",
        changes={"phone_sealed": ["***", "***"], "name": ["张三", "张叁"]},
        region_code=village_a,
        reason="户籍更正",
    )
    clock.freeze(dt.datetime(2030, 5, 8, 4, 0, tzinfo=dt.UTC))
    b_row = audit_record(
        actor=users["village_centre_b"],
        entity_type="registry.dwelling",
        entity_id=202,
        action="create",
        changes={"code": [None, "B-1"]},
        region_code=village_b,
    )
    global_row = audit_record(
        actor=users["admin"],
        entity_type="cases.category",
        entity_id=7,
        action="update",
        changes={"name": ["旧", "新"]},
    )
    AccessLog.objects.create(
        actor=users["village_centre"],
        action="reveal",
        object_type="person",
        object_id="101",
        field="phone",
        region_code=village_a,
        at=clock.now(),
    )
    clock.freeze(None)
    village_admin = user_create(
        username="village_a_admin",
        password="x",  # noqa: S106
        role="admin",
        jurisdiction=[village_a],
        check_password=False,
    )
    return {
        **users,
        "village_admin": village_admin,
        "a": a_row,
        "b": b_row,
        "global": global_row,
        "village_a": village_a,
        "village_b": village_b,
    }


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _api_ids(client, **params) -> list[int]:
    response = client.get("/api/v1/audit", params)
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


@pytest.mark.parametrize(
    "username", ["village_centre", "county_centre", "leader", "grid_worker", "resident"]
)
def test_page_export_and_api_refused_when_role_is_not_admin(world, username):
    client = _client(world[username])
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/export.xlsx").status_code == 403
    assert client.get("/api/v1/audit").status_code == 403
    assert client.get("/api/v1/audit/access").status_code == 403
    assert not AccessLog.objects.filter(object_type="audit").exists()


def test_anonymous_is_sent_to_sign_in_when_not_logged_in(world):
    assert Client().get("/audit/").status_code == 302
    assert Client().get("/api/v1/audit").status_code == 401


def test_superuser_sees_every_row_when_unfiltered(world):
    ids = _api_ids(_client(world["admin"]))
    assert {world["a"].pk, world["b"].pk, world["global"].pk} <= set(ids)


def test_village_admin_sees_only_its_village_when_listing(world):
    client = _client(world["village_admin"])
    ids = _api_ids(client)
    assert world["a"].pk in ids
    assert world["b"].pk not in ids and world["global"].pk not in ids
    page = client.get("/audit/").content.decode()
    assert "registry.person 101" in page and "registry.dwelling 202" not in page
    assert "name: 张三 → 张叁" in page and "phone_sealed: *** → ***" in page
    access = client.get("/api/v1/audit/access").json()["items"]
    assert [a["object_id"] for a in access] == ["101"]
    # Asking for village B's code gives nothing rather than widening the scope.
    assert _api_ids(client, region=world["village_b"]) == []


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"actor": "village_centre"}, {"a"}),
        ({"actor": "VILLAGE_CENTRE_B"}, {"b"}),
        ({"entity_type": "registry.person", "entity_id": "101"}, {"a"}),
        ({"action": "create"}, {"b"}),
        ({"date_from": "2030-05-07", "date_to": "2030-05-08"}, {"b", "global"}),
        ({"date_to": "2030-05-06"}, {"a"}),
    ],
)
def test_filters_narrow_the_list_when_given(world, params, expected):
    ours = {world[k].pk: k for k in ("a", "b", "global")}
    ids = _api_ids(_client(world["admin"]), **params)
    assert {ours[i] for i in ids if i in ours} == expected


def test_region_filter_keeps_codes_under_it_when_given(world):
    township = Region.objects.get(code=world["village_a"][:9] + "000")
    ids = _api_ids(_client(world["admin"]), region=township.prefix)
    assert world["a"].pk in ids and world["global"].pk not in ids


@pytest.mark.parametrize(
    "params",
    [
        {"date_from": "0001-01-01"},
        {"date_to": "9999-12-31"},
        {"date_from": "2030-13-45"},
        {"date_from": "2030-05-09", "date_to": "2030-05-01"},
        {"region": "43abc"},
        {"region": "9" * 40},
        {"entity_id": "1 OR 1=1"},
        {"actor": "x" * 500},
    ],
)
def test_bad_filters_give_400_never_500_when_given(world, params):
    client = _client(world["admin"])
    api = client.get("/api/v1/audit", params)
    assert api.status_code == 400, api.content
    assert api.json()["field"] in params
    assert client.get("/api/v1/audit/access", params).status_code == 400
    page = client.get("/audit/", params)
    assert page.status_code == 400
    body = page.content.decode()
    # The audit form's own message, or the input guard's (core.inputguard) naming the field.
    assert 'class="errorbox"' in body or any(f"({name})" in body for name in params)
    assert client.get("/audit/export.xlsx", params).status_code == 400


def test_undecodable_bytes_give_400_when_in_a_filter(world):
    client = _client(world["admin"])
    for url in ("/api/v1/audit", "/audit/", "/audit/export.xlsx"):
        assert client.get(f"{url}?action=%ED%A0%80%00").status_code == 400, url


@pytest.mark.parametrize("page", ["-5", "abc", "0", "9223372036854775807"])
def test_odd_page_numbers_give_a_page_when_paging(world, page):
    client = _client(world["admin"])
    assert client.get("/api/v1/audit", {"page": page}).status_code == 200
    assert client.get("/audit/", {"page": page}).status_code == 200


def test_page_number_beyond_64_bits_is_refused_at_the_edge(world):
    client = _client(world["admin"])
    huge = {"page": "99999999999999999999999999"}
    assert client.get("/api/v1/audit", huge).status_code == 400
    assert client.get("/audit/", huge).status_code == 400


def test_control_characters_are_stripped_when_in_a_filter(world):
    response = _client(world["admin"]).get("/api/v1/audit", {"action": "\x00bad"})
    assert response.status_code == 200 and response.json()["count"] == 0


def test_access_tab_lists_reveals_when_chosen(world):
    page = _client(world["admin"]).get("/audit/", {"tab": "access"}).content.decode()
    assert "person 101" in page and "phone" in page


def test_export_is_masked_scoped_and_logged_when_downloaded(world):
    client = _client(world["village_admin"])
    response = client.get("/audit/export.xlsx", {"region": world["village_a"]})
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    changes, access = workbook.worksheets
    rows = list(changes.iter_rows(values_only=True))
    assert rows[0][:4] == ("时间", "操作人", "操作", "对象类型")
    body = [r for r in rows[1:] if r[3] == "registry.person" and r[4] == "101"]
    assert len(body) == 1
    assert body[0][6] == "name: 张三 → 张叁; phone_sealed: *** → ***"
    assert body[0][7] == "户籍更正"
    assert not any(r[4] == "202" for r in rows[1:])  # village B stays out
    access_rows = list(access.iter_rows(values_only=True))[1:]
    assert [(r[2], r[3], r[4], r[5]) for r in access_rows] == [("reveal", "person", "101", "phone")]
    log = AccessLog.objects.get(object_type="audit")
    assert (log.actor, log.action, log.region_code) == (
        world["village_admin"],
        "export",
        world["village_a"],
    )
    assert log.detail.startswith(f"audit={len(rows) - 1} access=1 ")


def test_export_keeps_formulas_and_control_characters_out_when_text_is_hostile(world):
    audit_record(
        actor=world["admin"],
        entity_type="participation.notice",
        entity_id=9,
        action="update",
        changes={"title": ['=HYPERLINK("http://x")', "bell\x07"]},
        reason="=1+1",
    )
    response = _client(world["admin"]).get("/audit/export.xlsx", {"entity_id": "9"})
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    row = list(workbook.worksheets[0].iter_rows(values_only=True))[1]
    assert row[7] == "=1+1"  # stored as text, not a formula
    assert workbook.worksheets[0].cell(row=2, column=8).data_type == "s"
    assert "\x07" not in row[6]


def test_list_queries_do_not_grow_with_rows_when_paged(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = _client(world["admin"])

    def queries(path: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(captured)

    few = {p: queries(p) for p in ("/audit/", "/api/v1/audit", "/audit/?tab=access")}
    for n in range(60):
        audit_record(actor=world["county_centre"], entity_type="x.y", entity_id=n, action="update")
        AccessLog.objects.create(
            actor=world["county_centre"], action="reveal", object_type="person", at=clock.now()
        )
    assert {p: queries(p) for p in few} == few
