"""The mediation desk's ledgers (disputes, petitions, screening returns, follow-ups) and printed
documents (受理告知书, 答复意见书, the agreement with full ID numbers for 司法确认): contents
opened with openpyxl, python-docx and pypdf; scoping, masking, filters, reveals logged."""

import io
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook
from pypdf import PdfReader

from fengqiao.accounts.services import token_issue
from fengqiao.cases import services as case_services
from fengqiao.core import clock, crypto
from fengqiao.core.models import AccessLog
from fengqiao.core.printdates import chinese_date
from fengqiao.mediation import petitions, screening, sessions
from fengqiao.mediation import services as mediation
from fengqiao.regions.models import Grid
from fengqiao.registry.models import Person

START = timezone.make_aware(timezone.datetime(2026, 3, 2, 9, 0))
ID_NUMBER = "11010519491231002X"


@pytest.fixture
def desk(world):
    """At START: a neighbour dispute in village A taken to an agreement by mediator_a (so it
    has a follow-up), a screening round of village A with one return, and two petitions (one
    accepted and replied to, one not accepted)."""
    clock.freeze(START)
    village = world["micro"].village
    applicant, respondent = Person.objects.filter(region_code__startswith=village.code).order_by(
        "pk"
    )[:2]
    dispute = mediation.dispute_register(
        actor=world["village_centre"],
        dispute_type="neighbour_dispute",
        title="邻居楼上漏水纠纷",
        source="walk_in",
        parties=[
            mediation.PartyIn(side="applicant", person_id=applicant.pk, address="锦绣路1号"),
            mediation.PartyIn(side="respondent", person_id=respondent.pk),
        ],
        **world["point"],
    )
    mediation.dispute_accept(
        actor=world["village_centre"], dispute_id=dispute.pk, consent=True, consent_note="同意"
    )
    mediation.dispute_assign(
        actor=world["village_centre"],
        dispute_id=dispute.pk,
        mediator_id=world["village_mediator"].pk,
    )
    case_services.case_claim(actor=world["mediator_a"], case_id=dispute.pk)
    sessions.session_record(
        actor=world["mediator_a"],
        dispute_id=dispute.pk,
        held_at=clock.now() - timedelta(hours=1),
        place="村调解室",
        participants="双方",
        record="双方同意赔偿",
    )
    mediation.dispute_conclude(
        actor=world["mediator_a"],
        dispute_id=dispute.pk,
        outcome="agreement",
        result="达成协议",
        facts="楼上漏水致楼下受损。",
        terms=["赔偿维修费2000元。"],
        performance="当场付清。",
    )
    (screening_round,) = screening.screening_rounds_open(
        actor=world["village_centre"],
        region=village,
        starts_on=clock.localdate(),
        ends_on=clock.localdate() + timedelta(days=14),
    )
    grid = Grid.objects.filter(village=village, parent__isnull=True).order_by("code").first()
    screening.screening_report_file(
        actor=world["village_centre"],
        round_id=screening_round.pk,
        grid_id=grid.pk,
        nothing_found=True,
        note="=cmd|' /C calc'!A0",
    )
    accepted = petitions.petition_register(
        actor=world["county_centre"],
        form="visit",
        category_code="petition_land",
        title="反映征地补偿款未到位",
        matter="要求落实征地补偿款。",
        petitioner_name="李某",
        id_number=ID_NUMBER,
        **world["point"],
    )
    refused = petitions.petition_register(
        actor=world["county_centre"],
        form="letter",
        category_code="petition_other",
        title="反映邻村修路",
        matter="要求修路。",
        petitioner_name="赵某",
        **world["point"],
    )
    clock.freeze(START + timedelta(days=3))
    petitions.petition_acknowledge(
        actor=world["county_centre"], petition_id=accepted.pk, accepted=True
    )
    petitions.petition_acknowledge(
        actor=world["county_centre"],
        petition_id=refused.pk,
        accepted=False,
        note="该事项已通过诉讼途径解决",
    )
    yield {
        **world,
        "dispute": dispute,
        "applicant": applicant,
        "respondent": respondent,
        "round": screening_round,
        "grid": grid,
        "petition": accepted,
        "refused": refused,
    }
    clock.freeze(None)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _bearer(user) -> dict:
    key, _token = token_issue(user=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def _sheet(response):
    assert response.status_code == 200, response.content[:300]
    return load_workbook(io.BytesIO(b"".join(response.streaming_content))).active


def _rows(sheet) -> list[dict]:
    headers = [cell.value for cell in sheet[3]]
    return [
        dict(zip(headers, row, strict=True)) for row in sheet.iter_rows(min_row=4, values_only=True)
    ]


def _docx_text(response) -> str:
    assert response.status_code == 200, response.content[:300]
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    document = Document(io.BytesIO(raw))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_mediation_ledgers_hold_the_desk_lists_scoped_and_masked(desk):
    client = _client(desk["village_centre"])
    code = desk["dispute"].case.code

    disputes = _rows(_sheet(client.get("/mediation/ledger.xlsx")))
    row = next(r for r in disputes if r["事件编号"] == code)
    assert (row["申请人"], row["被申请人"]) == (desk["applicant"].name, desk["respondent"].name)
    assert row["调解员"] == desk["village_mediator"].name and row["调解结果"] == "达成协议"

    follow_ups = _rows(_sheet(client.get("/mediation/follow-ups/ledger.xlsx")))
    assert [r["纠纷编号"] for r in follow_ups] == [code]

    sheet = _sheet(client.get("/mediation/screening/ledger.xlsx"))
    returns = _rows(sheet)
    reported = next(r for r in returns if r["网格"] == desk["grid"].name)
    assert reported["上报情况"] == "无矛盾纠纷"
    assert reported["说明"] == "=cmd|' /C calc'!A0"
    note_cell = next(c for c in sheet.iter_rows(min_row=4) if c[2].value == desk["grid"].name)[6]
    assert note_cell.data_type == "s"  # a formula-like note stays text
    grids = Grid.objects.filter(village=desk["round"].village, parent__isnull=True).count()
    assert len(returns) == grids and sum(r["上报情况"] == "未上报" for r in returns) == grids - 1

    county = _client(desk["county_centre"])
    rows = _rows(_sheet(county.get("/mediation/petitions/ledger.xlsx", {"q": "征地"})))
    assert [r["事件编号"] for r in rows] == [desk["petition"].case.code]
    assert rows[0]["身份证号"] == desk["petition"].petitioner_id_masked != ID_NUMBER
    assert rows[0]["是否受理"] == "受理"
    assert AccessLog.objects.filter(action="export", object_type="ledger_petitions").count() == 1

    outsider = _client(desk["village_centre_b"])
    assert _rows(_sheet(outsider.get("/mediation/ledger.xlsx"))) == []
    assert _rows(_sheet(outsider.get("/mediation/follow-ups/ledger.xlsx"))) == []
    assert _rows(_sheet(outsider.get("/mediation/screening/ledger.xlsx"))) == []
    assert _rows(_sheet(outsider.get("/mediation/petitions/ledger.xlsx"))) == []


def test_mediation_ledgers_honour_filters_and_refuse_bad_ones(desk):
    client = _client(desk["village_centre"])
    assert (
        _rows(_sheet(client.get("/mediation/ledger.xlsx", {"dispute_type": "family_dispute"})))
        == []
    )
    assert _rows(_sheet(client.get("/mediation/ledger.xlsx", {"month": "2026-02"}))) == []
    assert _rows(_sheet(client.get("/mediation/follow-ups/ledger.xlsx", {"state": "done"}))) == []
    api = Client()
    for path, query, field in [
        ("/api/v1/ledgers/disputes/export.xlsx", {"risk_grade": "huge"}, "risk_grade"),
        ("/api/v1/ledgers/petitions/export.xlsx", {"queue": "nope"}, "queue"),
        ("/api/v1/ledgers/follow-ups/export.xlsx", {"days": "soon"}, "days"),
        ("/api/v1/ledgers/screening/export.xlsx", {"round": "999999"}, "round"),
        ("/api/v1/ledgers/screening/export.xlsx", {"month": "March"}, "month"),
    ]:
        response = api.get(path, query, **_bearer(desk["village_centre"]))
        assert (response.status_code, response.json()["field"]) == (400, field), path
    assert client.get("/mediation/ledger.xlsx", {"status": "x"}).status_code == 400


def test_dispute_type_filter_keeps_the_dispute(desk):
    client = _client(desk["village_centre"])
    rows = _rows(
        _sheet(client.get("/mediation/ledger.xlsx", {"dispute_type": "neighbour_dispute"}))
    )
    assert [r["事件编号"] for r in rows] == [desk["dispute"].case.code]


def test_petition_notices_print_from_the_record(desk):
    client = _client(desk["county_centre"])
    petition = desk["petition"]
    code = petition.case.code
    base = f"/mediation/petitions/{code}/print"
    township = petition.case.village.parent.name
    issuer = f"{township}办事处" if township.endswith("街道") else f"{township}人民政府"

    text = _docx_text(client.get(f"{base}/acceptance-notice/", {"format": "docx"}))
    assert "信访事项受理告知书" in text and "李某：" in text and code in text
    assert issuer in text and "予以受理" in text
    petition.refresh_from_db()
    assert chinese_date(petition.reply_due_at) in text and "信访工作条例" in text
    assert ID_NUMBER not in text

    pdf = b"".join(client.get(f"{base}/acceptance-notice/").streaming_content)
    assert pdf.startswith(b"%PDF")
    pdf_text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "受理告知书" in pdf_text and "李某" in pdf_text

    assert client.get(f"{base}/reply-opinion/").status_code == 409  # not replied yet
    case_services.case_dispatch(
        actor=desk["county_centre"], case_id=petition.pk, unit_id=desk["petition_office"].pk
    )
    case_services.case_claim(actor=desk["petition_clerk"], case_id=petition.pk)
    petitions.petition_reply(
        actor=desk["petition_clerk"], petition_id=petition.pk, reply="补偿款已发放到位。"
    )
    reply = _docx_text(
        Client().get(
            f"/api/v1/petitions/{code}/print/reply-opinion",
            {"format": "docx"},
            **_bearer(desk["county_centre"]),
        )
    )
    assert "信访事项答复意见书" in reply and "补偿款已发放到位。" in reply and "复查" in reply

    refused = _docx_text(
        client.get(
            f"/mediation/petitions/{desk['refused'].case.code}/print/acceptance-notice/",
            {"format": "docx"},
        )
    )
    assert "不予受理告知书" in refused and "该事项已通过诉讼途径解决" in refused
    assert AccessLog.objects.filter(object_type="document_acceptance_notice").count() == 3

    outsider = _client(desk["village_centre_b"])
    assert outsider.get(f"{base}/acceptance-notice/").status_code == 404
    assert client.get("/mediation/petitions/NOPE/print/acceptance-notice/").status_code == 404


def test_full_agreement_reveals_ids_to_the_mediator_and_committee_only(desk):
    code = desk["dispute"].case.code
    url = f"/mediation/{code}/agreement-full.docx"
    applicant, respondent = desk["applicant"], desk["respondent"]
    full = crypto.open_field(applicant, "id_number_sealed")

    text = _docx_text(_client(desk["mediator_a"]).post(url))
    assert full in text and crypto.open_field(respondent, "id_number_sealed") in text
    assert "锦绣路1号" in text and "人民调解协议书" in text
    reveals = AccessLog.objects.filter(actor=desk["mediator_a"], action="reveal")
    assert {(r.object_type, r.field) for r in reveals} >= {
        ("dispute_party", "id_number"),
        ("dispute_party", "address"),
    }
    assert reveals.filter(field="id_number").count() == 2  # one row per party

    clerk = desk["village_centre"]
    assert _client(clerk).post(url).status_code == 403  # sees the dispute, not its committee
    api = Client().post(f"/api/v1/disputes/{code}/agreement/full.docx", **_bearer(clerk))
    assert api.status_code == 403
    assert not AccessLog.objects.filter(actor=clerk, action="reveal").exists()
    assert _client(desk["village_centre_b"]).post(url).status_code == 404
    assert (
        _client(desk["mediator_a"]).post("/mediation/NOPE/agreement-full.docx").status_code == 404
    )

    desk["village_committee"].unit.members.add(clerk)  # now a member of the committee
    by_api = Client().post(f"/api/v1/disputes/{code}/agreement/full.docx", **_bearer(clerk))
    assert full in _docx_text(by_api)
    assert AccessLog.objects.filter(actor=clerk, action="reveal").count() >= 2

    masked = _docx_text(_client(desk["mediator_a"]).get(f"/mediation/{code}/agreement.docx"))
    assert applicant.id_number_masked in masked and full not in masked


def test_mediation_pages_link_ledgers_and_documents(desk):
    code = desk["dispute"].case.code
    mediator_page = _client(desk["mediator_a"]).get(f"/mediation/{code}/").content.decode()
    assert f"/mediation/{code}/agreement-full.docx" in mediator_page
    centre_page = _client(desk["village_centre"]).get(f"/mediation/{code}/").content.decode()
    assert "agreement-full.docx" not in centre_page
    assert (
        "/mediation/ledger.xlsx"
        in _client(desk["village_centre"]).get("/mediation/").content.decode()
    )
    petition = _client(desk["county_centre"]).get(
        f"/mediation/petitions/{desk['petition'].case.code}/"
    )
    assert "print/acceptance-notice/?format=pdf" in petition.content.decode()
    assert "print/reply-opinion" not in petition.content.decode()
