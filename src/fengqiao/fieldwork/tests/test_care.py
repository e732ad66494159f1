"""Care records (一本记): one open record per household, needs raised (from a visit in the same
step), help with its cost and date limits, need transitions, closing only when all needs are
settled; service lists kept by centre staff; the monthly not-seen list; each write audited,
each read and write inside the caller's reach, each phone write idempotent by client id."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Count
from django.test import Client

from fengqiao.accounts.services import token_issue
from fengqiao.cases.models import Case
from fengqiao.core import clock
from fengqiao.core.errors import NotAllowed, NotFound, ValidationFailed
from fengqiao.core.models import AccessLog, AuditEntry
from fengqiao.fieldwork import care, care_selectors, services
from fengqiao.fieldwork.defaults import ensure_default_plans
from fengqiao.fieldwork.models import CareHelp, CareNeed, CareRecord, ServiceOffer, Visit
from fengqiao.registry.models import Household, Person
from fengqiao.registry.services import person_tag


@pytest.fixture
def field(users):
    worker = users["grid_worker"]
    mine = Person.objects.visible_to(worker).exclude(household=None)
    sizes = mine.values("household_id").annotate(n=Count("pk")).order_by("-n", "household_id")
    household = Household.objects.get(pk=sizes[0]["household_id"])
    elder = Person.objects.filter(household=household).order_by("pk").first()
    person_tag(actor=users["village_centre"], person=elder, tag_code="elderly_alone")
    ensure_default_plans(worker.bindings.get().code[:6])
    other_village = users["village_centre_b"].bindings.get().code
    stranger = (
        Person.objects.filter(region_code__startswith=other_village).exclude(household=None).first()
    )
    return {
        "worker": worker,
        "centre": users["village_centre"],
        "household": household,
        "elder": elder,
        "stranger": stranger,
        "village": users["village_centre"].bindings.get().code,
    }


def _record(field):
    return care.record_open(actor=field["worker"], household_id=field["household"].pk)


def _need(field, **extra):
    record = _record(field)
    given = {"kind": "money", "detail": "看病开销大", **extra}
    return care.need_raise(actor=field["worker"], record_id=record.pk, **given)


def _audits(model, pk) -> int:
    return AuditEntry.objects.filter(entity_type=model._meta.label_lower, entity_id=str(pk)).count()


def test_one_open_record_per_household_opened_once_with_an_audit_row(field):
    first = _record(field)
    again = _record(field)
    assert first.is_new and not again.is_new and first.pk == again.pk
    assert first.region_code == field["household"].region_code
    assert _audits(CareRecord, first.pk) == 1


def test_records_only_inside_reach_and_only_for_care_roles(field, users):
    with pytest.raises(NotFound):
        care.record_open(actor=field["worker"], household_id=field["stranger"].household_id)
    with pytest.raises(NotAllowed):
        care.record_open(actor=users["resident"], household_id=field["household"].pk)
    assert not CareRecord.objects.exists()
    record = _record(field)
    with pytest.raises(NotFound):
        care_selectors.record_get(actor=users["village_centre_b"], record_id=record.pk)
    with pytest.raises(NotFound):
        care.need_raise(
            actor=users["village_centre_b"], record_id=record.pk, kind="care", detail="x"
        )
    assert not care_selectors.record_list(actor=users["resident"]).exists()


def test_a_need_is_raised_once_per_client_id_and_checked(field):
    first = _need(field, client_id="n-1")
    again = _need(field, client_id="n-1")
    assert first.is_new and not again.is_new and first.pk == again.pk
    assert _audits(CareNeed, first.pk) == 1
    for extra, name in (({"kind": "gold"}, "kind"), ({"detail": "  "}, "detail")):
        with pytest.raises(ValidationFailed) as caught:
            _need(field, **extra)
        assert caught.value.field == name


def test_help_records_cost_and_date_limits_and_moves_the_need_along(field):
    need = _need(field)
    row = care.help_record(
        actor=field["worker"], need_id=need.pk, what="送医药费", cost="300.5", client_id="h-1"
    )
    again = care.help_record(actor=field["worker"], need_id=need.pk, what="x", client_id="h-1")
    assert row.is_new and not again.is_new and again.pk == row.pk
    assert row.cost == Decimal("300.50") and row.given_by_name == field["worker"].label
    need.refresh_from_db()
    assert need.status == "helping"
    assert _audits(CareHelp, row.pk) == 1
    today = clock.localdate()
    for extra, name in (
        ({"cost": "-1"}, "cost"),
        ({"cost": "1000000.01"}, "cost"),
        ({"cost": "abc"}, "cost"),
        ({"given_on": today + timedelta(days=1)}, "given_on"),
        ({"given_on": today - timedelta(days=400)}, "given_on"),
        ({"what": ""}, "what"),
    ):
        with pytest.raises(ValidationFailed) as caught:
            care.help_record(actor=field["worker"], need_id=need.pk, **{"what": "米", **extra})
        assert caught.value.field == name
    assert CareHelp.objects.count() == 1


def test_need_transitions_and_closing_the_record(field):
    need = _need(field)
    record = need.record
    with pytest.raises(ValidationFailed) as caught:
        care.record_close(actor=field["worker"], record_id=record.pk)
    assert caught.value.field == "status"
    care.need_set_status(actor=field["worker"], need_id=need.pk, status="met")
    care.need_set_status(actor=field["worker"], need_id=need.pk, status="closed")
    with pytest.raises(ValidationFailed):
        care.need_set_status(actor=field["worker"], need_id=need.pk, status="open")
    with pytest.raises(ValidationFailed):
        care.help_record(actor=field["worker"], need_id=need.pk, what="米")
    closed = care.record_close(actor=field["worker"], record_id=record.pk, summary="已脱困")
    assert closed.status == "closed" and closed.closed_at is not None
    with pytest.raises(ValidationFailed):
        care.need_raise(actor=field["worker"], record_id=record.pk, kind="care", detail="x")
    reopened = _record(field)  # a new record may be opened once the old one is closed
    assert reopened.is_new and reopened.pk != record.pk


def test_a_visit_raises_a_need_and_a_case_in_one_step(field):
    visit = services.visit_record(
        actor=field["worker"],
        target="household",
        target_id=field["household"].pk,
        people=[field["elder"].pk],
        findings="独居老人行动不便，屋顶漏雨",
        client_id="v-1",
        raise_case=services.RaiseCase(category="elderly_care", title="屋顶漏雨"),
        raise_need=services.RaiseNeed(kind="care", detail="需要助餐服务"),
    )
    again = services.visit_record(
        actor=field["worker"],
        target="household",
        target_id=field["household"].pk,
        client_id="v-1",
        raise_need=services.RaiseNeed(kind="care", detail="需要助餐服务"),
    )
    assert not again.is_new
    need = CareNeed.objects.get()
    assert need.visit_id == visit.pk and need.record.household_id == field["household"].pk
    assert Case.objects.filter(pk=visit.case_id).exists() and Visit.objects.count() == 1
    # a second visit adds to the same open record
    services.visit_record(
        actor=field["worker"],
        target="household",
        target_id=field["household"].pk,
        raise_need=services.RaiseNeed(kind="medical", detail="血压高"),
    )
    assert CareRecord.objects.count() == 1 and CareNeed.objects.count() == 2


def test_a_bad_need_on_a_visit_writes_nothing(field):
    with pytest.raises(ValidationFailed) as caught:
        services.visit_record(
            actor=field["worker"],
            target="household",
            target_id=field["household"].pk,
            raise_need=services.RaiseNeed(kind="gold", detail="x"),
        )
    assert caught.value.field == "need_kind"
    assert not Visit.objects.exists() and not CareRecord.objects.exists()


def test_service_lists_are_kept_by_centre_staff_of_the_village(field, users):
    offer = care.offer_save(
        actor=field["centre"],
        region_code=field["village"],
        name="助餐服务",
        kind="care",
        provider="村老年食堂",
        contact_phone="13800138000",
        schedule="每日11:00",
    )
    assert offer.contact_phone_masked.startswith("138") and "13800138000" not in (
        offer.contact_phone_sealed
    )
    assert _audits(ServiceOffer, offer.pk) == 1
    with pytest.raises(NotAllowed):
        care.offer_save(
            actor=field["worker"],
            region_code=field["village"],
            name="x",
            kind="care",
            provider="y",
        )
    with pytest.raises(NotFound):
        care.offer_save(
            actor=users["village_centre_b"],
            region_code=field["village"],
            name="x",
            kind="care",
            provider="y",
        )
    with pytest.raises(NotFound):
        care.offer_deactivate(actor=users["village_centre_b"], offer_id=offer.pk)
    care.offer_deactivate(actor=field["centre"], offer_id=offer.pk)
    assert not care_selectors.offer_list(actor=field["worker"]).exists()
    assert care_selectors.offer_list(actor=field["worker"], include_inactive=True).count() == 1


def test_not_seen_lists_the_planned_and_cared_for_until_met_that_month(field):
    month = clock.localdate().strftime("%Y-%m")
    listed = {
        p.person_id
        for g in care_selectors.not_seen(actor=field["worker"], month=month)
        for p in g.people
    }
    assert field["elder"].pk in listed
    _record(field)
    members = set(Person.objects.filter(household=field["household"]).values_list("pk", flat=True))
    grids = care_selectors.not_seen(actor=field["worker"], month=month)
    listed = {p.person_id for g in grids for p in g.people}
    assert members <= listed
    services.visit_record(
        actor=field["worker"],
        target="household",
        target_id=field["household"].pk,
        people=[field["elder"].pk],
    )
    listed = {
        p.person_id
        for g in care_selectors.not_seen(actor=field["worker"], month=month)
        for p in g.people
    }
    assert field["elder"].pk not in listed and (members - {field["elder"].pk}) <= listed
    with pytest.raises(ValidationFailed):
        care_selectors.not_seen(actor=field["worker"], month="2026-13")
    with pytest.raises(NotFound):
        care_selectors.not_seen(actor=field["worker"], area="9")


def test_care_contacts_on_time_count_help_within_seven_days(field):
    late = _need(field, detail="a")
    on_time = _need(field, detail="b")
    care.help_record(actor=field["worker"], need_id=on_time.pk, what="米")
    CareNeed.objects.filter(pk=late.pk).update(raised_at=late.raised_at - timedelta(days=8))
    care.help_record(actor=field["worker"], need_id=late.pk, what="油")
    month = clock.localdate().strftime("%Y-%m")
    counted = care_selectors.care_contacts_on_time(actor=field["centre"], month=month)
    due, in_time = counted[field["worker"].pk]
    assert in_time == 1 and due >= 1


def _api(user) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token_issue(user=user)[0]}")


def test_api_opens_raises_helps_and_answers_resends_with_200(field, users):
    client = _api(field["worker"])
    opened = client.post(
        "/api/v1/care-records",
        {"household_id": field["household"].pk},
        content_type="application/json",
    )
    assert opened.status_code == 201
    record_id = opened.json()["id"]
    body = {"kind": "medical", "detail": "需陪诊", "client_id": "n-9"}
    url = f"/api/v1/care-records/{record_id}/needs"
    first = client.post(url, body, content_type="application/json")
    again = client.post(url, body, content_type="application/json")
    assert (first.status_code, again.status_code) == (201, 200)
    need_id = first.json()["id"]
    help_body = {"what": "陪同就医", "cost": "12.50", "client_id": "h-9"}
    helped = client.post(
        f"/api/v1/care-needs/{need_id}/help", help_body, content_type="application/json"
    )
    assert helped.status_code == 201 and helped.json()["cost"] in ("12.50", 12.5)
    bad = client.post(
        f"/api/v1/care-needs/{need_id}/help",
        {"what": "x", "cost": "-3"},
        content_type="application/json",
    )
    assert bad.status_code in (400, 422)
    moved = client.patch(
        f"/api/v1/care-needs/{need_id}", {"status": "met"}, content_type="application/json"
    )
    assert moved.json()["status"] == "met"
    wrong = client.patch(
        f"/api/v1/care-needs/{need_id}", {"status": "open"}, content_type="application/json"
    )
    assert wrong.status_code == 400 and wrong.json().get("field") == "status"
    detail = client.get(f"/api/v1/care-records/{record_id}").json()
    assert detail["needs"][0]["help"][0]["what"] == "陪同就医"
    assert client.get("/api/v1/care-records").json()["items"][0]["id"] == record_id
    outsider = _api(users["village_centre_b"])
    assert outsider.get(f"/api/v1/care-records/{record_id}").status_code == 404
    assert (
        outsider.post(
            f"/api/v1/care-needs/{need_id}/help", help_body, content_type="application/json"
        ).status_code
        == 404
    )
    assert client.get("/api/v1/care/not-seen", {"month": "x"}).status_code == 400
    assert client.get("/api/v1/care/not-seen").status_code == 200


def test_api_visit_raises_a_need(field):
    client = _api(field["worker"])
    response = client.post(
        "/api/v1/visits",
        {
            "target": "household",
            "target_id": field["household"].pk,
            "need_kind": "money",
            "need_detail": "缺过冬衣物",
            "client_id": "off-1",
        },
        content_type="application/json",
    )
    assert response.status_code == 201 and len(response.json()["needs"]) == 1


def test_api_service_list(field, users):
    centre = _api(field["centre"])
    body = {"region_code": field["village"], "name": "理发", "kind": "care", "provider": "志愿队"}
    created = centre.post("/api/v1/care-services", body, content_type="application/json")
    assert created.status_code == 201
    assert [o["name"] for o in centre.get("/api/v1/care-services").json()] == ["理发"]
    outsider = _api(users["village_centre_b"])
    assert (
        outsider.post("/api/v1/care-services", body, content_type="application/json").status_code
        == 404
    )
    assert outsider.get("/api/v1/care-services").json() == []


def test_workbench_pages_list_show_and_change_a_record(field, users, client):
    need = _need(field)
    client.force_login(field["centre"])
    listed = client.get("/fieldwork/care/").content.decode()
    assert f"/fieldwork/care/{need.record_id}/" in listed
    url = f"/fieldwork/care/{need.record_id}/"
    posted = client.post(url, {"action": "help", "need": need.pk, "what": "送米", "cost": "88"})
    assert posted.status_code == 302
    page = client.get(url).content.decode()
    assert "送米" in page and "¥88.00" in page
    refused = client.post(url, {"action": "help", "need": need.pk, "what": "x", "cost": "-1"})
    assert refused.status_code == 400
    assert (
        client.post(url, {"action": "status", "need": need.pk, "status": "met"}).status_code == 302
    )
    assert client.post(url, {"action": "close"}).status_code == 302
    assert CareRecord.objects.get(pk=need.record_id).status == "closed"
    client.force_login(users["village_centre_b"])
    assert client.get(url).status_code == 404


def test_service_page_and_not_seen_page_with_its_ledger(field, client):
    client.force_login(field["centre"])
    body = {"region_code": field["village"], "name": "助浴", "kind": "care", "provider": "志愿队"}
    assert client.post("/fieldwork/services/", body).status_code == 302
    assert "助浴" in client.get("/fieldwork/services/").content.decode()
    assert client.post("/fieldwork/services/", {**body, "kind": "x"}).status_code == 400
    page = client.get("/fieldwork/not-seen/").content.decode()
    assert field["elder"].name in page
    assert client.get("/fieldwork/not-seen/", {"month": "2026-99"}).status_code == 400
    sheet = client.get("/fieldwork/not-seen/", {"format": "xlsx"})
    assert sheet.status_code == 200 and sheet["Content-Type"].startswith("application/vnd")
    b"".join(sheet.streaming_content)
    assert AccessLog.objects.filter(object_type="ledger_not_seen").count() == 1


def test_phone_visit_form_raises_a_need_and_the_care_page_records_help(field, client):
    client.force_login(field["worker"])
    url = f"/m/visits/household/{field['household'].pk}/"
    assert 'id="raise-need"' in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "purpose": "care",
            "people": [str(field["elder"].pk)],
            "client_id": "form-9",
            "need_kind": "care",
            "need_detail": "需要助餐",
        },
    )
    assert response.status_code == 302
    need = CareNeed.objects.get(visit__client_id="form-9")
    page = client.get("/m/visits/care/").content.decode()
    assert "需要助餐" in page and f"/api/v1/care-needs/{need.pk}/help" in page
    helped = client.post(
        "/m/visits/care/", {"need": need.pk, "what": "送餐", "cost": "15", "client_id": "c-1"}
    )
    again = client.post(
        "/m/visits/care/", {"need": need.pk, "what": "送餐", "cost": "15", "client_id": "c-1"}
    )
    assert helped.status_code == again.status_code == 302
    assert CareHelp.objects.filter(need=need).count() == 1
    assert client.post("/m/visits/care/", {"need": "0", "what": "x"}).status_code == 404


def test_the_demo_seeds_care_records_and_service_lists_through_the_services(field):
    from fengqiao.demo.fieldwork_care import seed_care

    made = seed_care(seed=3)
    assert made > 0 and CareNeed.objects.count() == made
    assert CareHelp.objects.exists() and CareNeed.objects.filter(status="met").exists()
    assert ServiceOffer.objects.filter(region_code=field["village"]).count() >= 5
    assert seed_care(seed=3) == made and CareNeed.objects.count() == made  # again: no new rows


def test_a_resident_reads_their_own_villages_active_service_list(field, users):
    from django.test import Client

    resident = users["resident"]
    assert resident.person.region_code.startswith(field["village"])

    def offer(actor, village, name):
        return care.offer_save(
            actor=actor, region_code=village, name=name, kind="care", provider="村卫生室"
        )

    offer(field["centre"], field["village"], "上门体检")
    gone = offer(field["centre"], field["village"], "已停的服务")
    care.offer_deactivate(actor=field["centre"], offer_id=gone.pk)
    other = users["village_centre_b"]
    offer(other, other.bindings.get().code, "外村服务")
    client = Client()
    client.force_login(resident)
    page = client.get("/h5/services/").content.decode()
    assert "上门体检" in page and "已停的服务" not in page and "外村服务" not in page
    staff = Client()
    staff.force_login(field["worker"])
    assert "上门体检" not in staff.get("/h5/services/").content.decode()
