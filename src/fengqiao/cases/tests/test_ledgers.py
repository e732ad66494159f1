"""The case ledger (XLSX) and the printed orders (交办单, 督办单): contents opened with openpyxl,
python-docx and pypdf; filters honoured, rows scoped, phones masked, formulas neutralised,
every download logged; bad filters 400, unknown or outside cases 404."""

import io
import json
from datetime import timedelta

import pytest
from django.test import Client
from docx import Document
from openpyxl import load_workbook
from pypdf import PdfReader

from fengqiao.accounts.services import token_issue
from fengqiao.cases import oversight, services
from fengqiao.cases.ledgers import CASE_LEDGER
from fengqiao.core import clock
from fengqiao.core.models import AccessLog
from fengqiao.core.printdates import chinese_date
from fengqiao.regions.models import Grid

PHONE = "13812345678"
FORMULA_TITLE = '=HYPERLINK("http://evil.example","点我")'


def _sheet(response):
    assert response.status_code == 200, response.content[:300]
    raw = b"".join(response.streaming_content)
    return load_workbook(io.BytesIO(raw)).active


def _rows(sheet) -> list[tuple]:
    return list(sheet.iter_rows(min_row=4, values_only=True))


def _codes(sheet) -> set[str]:
    return {row[0] for row in _rows(sheet)}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def ledger_world(world):
    """Cases in village A (one this month with a formula-like title and a phone, one last
    month, one dispatched to the police), and one in village B."""
    now = clock.now()
    formula = services.case_report(
        actor=world["grid_chief"],
        category=world["garbage"],
        title=FORMULA_TITLE,
        callback_phone=PHONE,
        reporter_name="张三",
        **world["point"],
    )
    old = services.case_report(
        actor=world["grid_chief"],
        category=world["garbage"],
        title="上月的垃圾",
        at=now - timedelta(days=40),
        **world["point"],
    )
    dispatched = services.case_accept_dispatch(
        actor=world["grid_chief"],
        case_id=services.case_report(
            actor=world["grid_chief"],
            category=world["security"],
            title="夜里有人聚众赌博",
            description="村口小卖部后屋",
            callback_phone=PHONE,
            **world["point"],
        ).pk,
        unit_id=world["police"].pk,
        note="请派出所核查",
    )
    village_b = world["village_centre_b"].bindings.get().code
    grid_b = Grid.objects.filter(code__startswith=village_b).first()
    other = services.case_report(
        actor=world["admin"],
        category=world["garbage"],
        title="乙村的垃圾",
        lat=grid_b.centroid_lat,
        lng=grid_b.centroid_lng,
    )
    return {**world, "formula": formula, "old": old, "dispatched": dispatched, "other": other}


def test_case_ledger_is_masked_scoped_titled_and_logged(ledger_world):
    w = ledger_world
    sheet = _sheet(_client(w["village_centre"]).get("/cases/ledger.xlsx"))

    assert sheet.freeze_panes == "A4"
    title = sheet["A1"].value
    assert title.endswith("事件台账") and w["formula"].village.name in title
    assert "导出人" in sheet["A2"].value and "全部" in sheet["A2"].value
    assert [c.value for c in sheet[3]] == [c.header for c in CASE_LEDGER.columns]
    codes = _codes(sheet)
    assert {w["formula"].code, w["old"].code, w["dispatched"].code} <= codes
    assert w["other"].code not in codes  # village B's case is not village A's ledger
    row = next(r for r in sheet.iter_rows(min_row=4) if r[0].value == w["formula"].code)
    by_header = {h.header: cell for h, cell in zip(CASE_LEDGER.columns, row, strict=True)}
    assert by_header["标题"].value == FORMULA_TITLE
    assert by_header["标题"].data_type == "s"  # text, not a formula
    assert by_header["联系电话"].value == "138****5678"
    assert by_header["村（社区）"].value == w["formula"].village.name
    assert by_header["反映人"].value == "张三"
    assert PHONE not in repr([[c.value for c in r] for r in sheet.iter_rows()])

    log = AccessLog.objects.get(actor=w["village_centre"], object_type="ledger_cases")
    assert log.action == AccessLog.Action.EXPORT
    assert json.loads(log.detail) == {"filters": {}, "rows": len(codes)}

    outsider = _sheet(_client(w["village_centre_b"]).get("/cases/ledger.xlsx"))
    assert _codes(outsider) == {w["other"].code}


def test_case_ledger_keeps_the_queue_filters_and_the_month(ledger_world):
    w = ledger_world
    client = _client(w["village_centre"])
    month = clock.localdate().strftime("%Y-%m")

    this_month = _codes(_sheet(client.get("/cases/ledger.xlsx", {"month": month})))
    assert w["formula"].code in this_month and w["old"].code not in this_month
    garbage = _codes(_sheet(client.get("/cases/ledger.xlsx", {"category": "garbage"})))
    assert w["dispatched"].code not in garbage and w["old"].code in garbage
    dispatched = _sheet(client.get("/cases/ledger.xlsx", {"status": "dispatched", "q": "赌博"}))
    assert _codes(dispatched) == {w["dispatched"].code}
    assert "状态：已派遣" in dispatched["A2"].value and "关键词：赌博" in dispatched["A2"].value
    queue = _codes(_sheet(client.get("/cases/ledger.xlsx", {"queue": "new", "page": "2"})))
    assert w["dispatched"].code not in queue and w["formula"].code in queue

    log = AccessLog.objects.filter(object_type="ledger_cases").order_by("-pk").first()
    assert json.loads(log.detail)["filters"] == {"queue": "new"}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"status": "bogus"}, "status"),
        ({"queue": "nope"}, "queue"),
        ({"category": "no_such_category"}, "category"),
        ({"month": "2026-13"}, "month"),
        ({"month": "9999-12"}, "month"),
        ({"from": "2026-02-30"}, "from"),
        ({"from": "2026-03-02", "to": "2026-03-01"}, "to"),
        ({"month": "2026-03", "from": "2026-03-01"}, "month"),
    ],
)
def test_case_ledger_refuses_bad_filters(ledger_world, query, field):
    page = _client(ledger_world["village_centre"]).get("/cases/ledger.xlsx", query)
    assert page.status_code == 400
    key, _token = token_issue(user=ledger_world["village_centre"])
    api = Client().get(
        "/api/v1/ledgers/cases/export.xlsx", query, HTTP_AUTHORIZATION=f"Bearer {key}"
    )
    assert (api.status_code, api.json()["field"]) == (400, field)
    assert not AccessLog.objects.filter(object_type="ledger_cases").exists()


def test_case_ledger_api_streams_the_same_sheet_and_refuses_residents(ledger_world):
    w = ledger_world
    key, _token = token_issue(user=w["village_centre"])
    response = Client().get(
        "/api/v1/ledgers/cases/export.xlsx",
        {"from": clock.localdate().isoformat(), "to": clock.localdate().isoformat()},
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    codes = _codes(_sheet(response))
    assert w["formula"].code in codes and w["old"].code not in codes

    resident_key, _token = token_issue(user=w["resident"])
    refused = Client().get(
        "/api/v1/ledgers/cases/export.xlsx", HTTP_AUTHORIZATION=f"Bearer {resident_key}"
    )
    assert refused.status_code == 403

    schema = Client().get("/api/v1/openapi.json").json()
    ok = schema["paths"]["/api/v1/ledgers/cases/export.xlsx"]["get"]["responses"]["200"]
    media = ok["content"]["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"]
    assert media["schema"] == {"type": "string", "format": "binary"}


def _docx_text(raw: bytes) -> str:
    document = Document(io.BytesIO(raw))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_dispatch_order_carries_the_case_the_unit_and_signature_lines(ledger_world):
    w = ledger_world
    case = w["dispatched"]
    client = _client(w["village_centre"])
    url = f"/cases/{case.code}/print/dispatch-order/"

    docx = client.get(url, {"format": "docx"})
    assert docx["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.word")
    text = _docx_text(b"".join(docx.streaming_content))
    assert "交办单" in text and case.code in text and w["police"].name in text
    assert "请派出所核查" in text and "村口小卖部后屋" in text
    assert "138****5678" in text and PHONE not in text
    assert chinese_date(clock.now()) in text and "承办单位签收" in text
    assert case.region_code not in text  # names, not codes

    pdf = b"".join(client.get(url, {"format": "pdf"}).streaming_content)
    assert pdf.startswith(b"%PDF")
    pdf_text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "交办单" in pdf_text and w["police"].name in pdf_text and case.code in pdf_text

    logs = AccessLog.objects.filter(object_type="document_dispatch_order", object_id=case.code)
    assert logs.count() == 2


def test_supervision_order_carries_the_instruction_and_deadline(ledger_world):
    w = ledger_world
    deadline = clock.localdate() + timedelta(days=3)
    oversight.case_supervise(
        actor=w["leader"], case_id=w["dispatched"].pk, deadline=deadline, instruction="三日内办结"
    )
    key, _token = token_issue(user=w["leader"])
    response = Client().get(
        f"/api/v1/cases/{w['dispatched'].code}/print/supervision-order",
        {"format": "docx"},
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert response.status_code == 200
    text = _docx_text(b"".join(response.streaming_content))
    assert "督办单" in text and "三日内办结" in text and chinese_date(deadline) in text
    assert w["police"].name in text


def test_printed_orders_refuse_what_the_case_cannot_have(ledger_world):
    w = ledger_world
    client = _client(w["village_centre"])
    fresh = w["formula"].code
    assert client.get(f"/cases/{fresh}/print/dispatch-order/").status_code == 409
    assert client.get(f"/cases/{fresh}/print/supervision-order/").status_code == 409
    assert client.get("/cases/NO-SUCH/print/dispatch-order/").status_code == 404
    code = w["dispatched"].code
    assert client.get(f"/cases/{code}/print/dispatch-order/", {"format": "xls"}).status_code == 400
    outsider = _client(w["village_centre_b"])
    assert outsider.get(f"/cases/{code}/print/dispatch-order/").status_code == 404
    key, _token = token_issue(user=w["village_centre_b"])
    api = Client().get(
        f"/api/v1/cases/{code}/print/dispatch-order", HTTP_AUTHORIZATION=f"Bearer {key}"
    )
    assert api.status_code == 404
    assert not AccessLog.objects.filter(object_type__startswith="document_").exists()


def test_case_pages_link_the_ledger_and_the_orders(ledger_world):
    w = ledger_world
    client = _client(w["village_centre"])
    queue = client.get("/cases/", {"status": "dispatched"}).content.decode()
    assert 'href="/cases/ledger.xlsx?status=dispatched"' in queue
    month = clock.localdate().strftime("%Y-%m")
    assert f"/cases/ledger.xlsx?status=dispatched&amp;month={month}" in queue
    detail = client.get(f"/cases/{w['dispatched'].code}/").content.decode()
    assert f"/cases/{w['dispatched'].code}/print/dispatch-order/?format=pdf" in detail
    assert "supervision-order" not in detail


def test_case_ledger_queries_do_not_grow_with_rows(ledger_world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from fengqiao.cases.ledgers import case_ledger

    w = ledger_world

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            written = case_ledger(actor=w["village_centre"], data={})
        written.file.close()
        return len(captured)

    queries()  # the first export fills this process's caches
    before = queries()
    for n in range(5):
        services.case_report(
            actor=w["grid_chief"], category=w["garbage"], title=f"垃圾{n}", **w["point"]
        )
    assert queries() == before
