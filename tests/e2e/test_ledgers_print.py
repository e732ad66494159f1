"""Ledgers and printed forms in a real browser at 1366×768: the village centre exports this
month's cases from the queue (the file opened and read) and prints a dispatched case's 交办单
(PDF and DOCX); the county centre prints a petition's 受理告知书."""

from __future__ import annotations

import io

import pytest
from docx import Document
from openpyxl import load_workbook
from pypdf import PdfReader

from fengqiao.cases import services as case_services
from fengqiao.cases.models import Category, HandlingUnit
from fengqiao.core import clock
from fengqiao.mediation import petitions

from .conftest import login, screenshot, url

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

OFFICE = {"width": 1366, "height": 768}


def _downloaded(page, selector: str) -> bytes:
    with page.expect_download() as info:
        page.click(selector)
    download = info.value
    with open(download.path(), "rb") as fh:
        return fh.read()


@pytest.fixture
def dispatched(users):
    micro = users["grid_worker"].bindings.get().grid
    point = {"lat": micro.centroid_lat, "lng": micro.centroid_lng}
    police = HandlingUnit.objects.get(members=users["handler"])
    case_services.case_report(
        actor=users["grid_chief"],
        category=Category.objects.get(code="garbage"),
        title="村口垃圾堆放",
        callback_phone="13812345678",
        **point,
    )
    case = case_services.case_report(
        actor=users["grid_chief"],
        category=Category.objects.get(code="security_risk"),
        title="夜里有人聚众赌博",
        description="村口小卖部后屋，每晚十点后。",
        **point,
    )
    return case_services.case_accept_dispatch(
        actor=users["village_centre"], case_id=case.pk, unit_id=police.pk, note="请核查取缔"
    )


def test_centre_exports_the_months_cases_and_prints_a_dispatch_order(new_page, dispatched):
    page = new_page(viewport=OFFICE)
    login(page, "village_centre")
    page.goto(url(page, "/cases/"))
    page.wait_for_selector("#ledger-month")
    assert page.inner_text("#ledger-month") == "导出本月台账 XLSX"
    screenshot(page, "ledgers-queue-1366")

    workbook = load_workbook(io.BytesIO(_downloaded(page, "#ledger-month")))
    sheet = workbook.active
    month = clock.localdate()
    assert sheet["A1"].value.endswith("事件台账")
    assert f"{month.year}年{month.month}月" in sheet["A2"].value
    rows = list(sheet.iter_rows(min_row=4, values_only=True))
    codes = {row[0] for row in rows}
    assert dispatched.code in codes and len(rows) >= 2
    assert "13812345678" not in repr(rows) and any("138****5678" in r for r in rows)

    page.goto(url(page, f"/cases/{dispatched.code}/"))
    page.wait_for_selector("#print-links")
    screenshot(page, "ledgers-case-print-links-1366")
    pdf = _downloaded(page, "[data-document=dispatch_order] a[href$='format=pdf']")
    assert pdf.startswith(b"%PDF")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "交办单" in text and dispatched.code in text and "请核查取缔" in text
    docx = _downloaded(page, "[data-document=dispatch_order] a[href$='format=docx']")
    body = "\n".join(p.text for p in Document(io.BytesIO(docx)).paragraphs)
    assert "交办单" in body


def test_petition_prints_its_notice_of_acceptance(new_page, users):
    micro = users["grid_worker"].bindings.get().grid
    petition = petitions.petition_register(
        actor=users["county_centre"],
        form="visit",
        category_code="petition_land",
        title="反映征地补偿款未到位",
        matter="要求落实征地补偿款。",
        petitioner_name="李某",
        lat=micro.centroid_lat,
        lng=micro.centroid_lng,
    )
    petitions.petition_acknowledge(
        actor=users["county_centre"], petition_id=petition.pk, accepted=True
    )
    page = new_page(viewport=OFFICE)
    login(page, "county_centre")
    page.goto(url(page, f"/mediation/petitions/{petition.case.code}/"))
    page.wait_for_selector("#print-links")
    screenshot(page, "ledgers-petition-print-links-1366")
    pdf = _downloaded(page, "[data-document=acceptance_notice] a[href$='format=pdf']")
    assert pdf.startswith(b"%PDF")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    text = text.replace("\n", "")  # lines wrap anywhere in Chinese text
    assert "信访事项受理告知书" in text and "李某" in text and "予以受理" in text
