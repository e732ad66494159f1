"""Help plans (帮教): made by the centre for a person in reach with responsible people who work
there; seen by the sensitive-tag roles of the area and the plan's own people, every view
logged; the kind sealed; contacts recorded once per client id; T+1 for a returnee on the next
working day, overdue after; the month's totals per responsible person."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from fengqiao.accounts.services import token_issue, user_create
from fengqiao.core import clock
from fengqiao.core.errors import NotAllowed, NotFound, ValidationFailed
from fengqiao.core.models import AccessLog, AuditEntry
from fengqiao.fieldwork import helpplans, helpplans_selectors
from fengqiao.fieldwork.models import HelpContact, HelpPlan
from fengqiao.registry.models import Person

TZ = ZoneInfo("Asia/Shanghai")


def _at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=TZ)


@pytest.fixture
def key(users):
    worker = users["grid_worker"]
    person = Person.objects.visible_to(worker).order_by("pk").first()
    other_worker = user_create(
        username="grid_worker_2",
        password="fengqiao-demo",  # noqa: S106 - test password
        role="grid_worker",
        jurisdiction=[worker.bindings.get().code],
        display_name="另一网格员",
        check_password=False,
    )
    return {
        "centre": users["village_centre"],
        "worker": worker,
        "other_worker": other_worker,
        "person": person,
        "centre_b": users["village_centre_b"],
    }


def _plan(key, **extra) -> HelpPlan:
    given = {
        "kind": "drug_rehab",
        "members": [(key["worker"].pk, "网格员")],
        **extra,
    }
    return helpplans.helpplan_create(actor=key["centre"], person_id=key["person"].pk, **given)


def _views(actor, kind=None):
    return AccessLog.objects.filter(actor=actor, object_type="help_plan").count()


def test_the_kind_is_sealed_with_a_per_person_hash_and_the_create_is_audited(key):
    plan = _plan(key, notes="每周尿检")
    row = HelpPlan.objects.values().get(pk=plan.pk)
    assert "drug_rehab" not in str(row) and "尿检" not in str(row)
    assert row["kind_hash"] == helpplans.kind_hash(key["person"].pk, "drug_rehab")
    assert row["kind_hash"] != helpplans.kind_hash(key["person"].pk + 1, "drug_rehab")
    assert helpplans.plan_kind(plan) == "drug_rehab" and helpplans.plan_notes(plan) == "每周尿检"
    entry = AuditEntry.objects.get(entity_type="fieldwork.helpplan", entity_id=str(plan.pk))
    assert "drug_rehab" not in str(entry.changes)
    assert str(plan) == f"help plan {plan.pk} of person {key['person'].pk}"


def test_only_the_centre_creates_for_a_person_in_reach_with_people_who_work_there(key, users):
    with pytest.raises(NotAllowed):
        helpplans.helpplan_create(
            actor=key["worker"],
            person_id=key["person"].pk,
            kind="correction",
            members=[(key["worker"].pk, "网格员")],
        )
    with pytest.raises(NotFound) as caught:
        helpplans.helpplan_create(
            actor=key["centre_b"],
            person_id=key["person"].pk,
            kind="correction",
            members=[(key["centre_b"].pk, "村干部")],
        )
    assert caught.value.field == "person_id"
    for members, field in (
        ([], "members"),
        ([(key["centre_b"].pk, "村干部")], "members"),  # works in another village
        ([(users["resident"].pk, "家属")], "members"),
        ([(key["worker"].pk, "")], "members"),
        ([(key["worker"].pk, "网格员"), (key["worker"].pk, "社工")], "members"),
    ):
        with pytest.raises(ValidationFailed) as caught:
            _plan(key, members=members)
        assert caught.value.field == field
    for extra, field in (
        ({"kind": "thief"}, "kind"),
        ({"kind": "correction", "returned_on": clock.localdate()}, "returned_on"),
        ({"returned_on": clock.localdate() + timedelta(days=1)}, "returned_on"),
        ({"contact_every_days": 0}, "contact_every_days"),
        ({"starts_on": clock.localdate() + timedelta(days=400)}, "starts_on"),
    ):
        with pytest.raises(ValidationFailed) as caught:
            _plan(key, **extra)
        assert caught.value.field == field
    assert not HelpPlan.objects.exists()
    _plan(key)
    with pytest.raises(ValidationFailed) as caught:
        _plan(key)
    assert caught.value.field == "kind"


def test_who_sees_a_plan_and_every_view_is_logged(key, users):
    plan = _plan(key)
    centre, worker = key["centre"], key["worker"]
    assert [i.id for i in helpplans_selectors.helpplan_list(actor=centre)] == [plan.pk]
    log = AccessLog.objects.filter(actor=centre, object_type="help_plan").get()
    assert log.field == "list" and log.detail == "1 plans"
    seen = helpplans_selectors.helpplan_get(actor=worker, plan_id=plan.pk)
    assert seen.kind is None and seen.returned_on is None and seen.name == key["person"].name
    assert AccessLog.objects.get(actor=worker, object_id=str(plan.pk)).field == "plan"
    assert helpplans_selectors.helpplan_get(actor=centre, plan_id=plan.pk).kind == "drug_rehab"
    chief = users["grid_chief"]
    assert helpplans_selectors.helpplan_get(actor=chief, plan_id=plan.pk).kind == "drug_rehab"
    for outsider in (key["other_worker"], key["centre_b"], users["resident"], users["handler"]):
        with pytest.raises(NotFound):
            helpplans_selectors.helpplan_get(actor=outsider, plan_id=plan.pk)
        assert helpplans_selectors.helpplan_list(actor=outsider) == []
    assert AccessLog.objects.filter(actor=key["other_worker"], field="list").count() == 1


def test_t_plus_1_is_due_the_next_working_day_across_a_weekend_then_overdue(key):
    friday = date(2026, 11, 27)
    clock.freeze(_at(friday + timedelta(days=1)))  # Saturday
    plan = _plan(key, returned_on=friday)
    item = helpplans_selectors.helpplan_list(actor=key["centre"], due_only=True)[0]
    assert item.due_on == date(2026, 11, 30) and item.state == "due" and item.t_plus_1
    assert not helpplans_selectors.helpplan_get(actor=key["worker"], plan_id=plan.pk).t_plus_1
    clock.freeze(_at(date(2026, 11, 30)))
    assert helpplans_selectors.helpplan_list(actor=key["centre"])[0].state == "due"
    clock.freeze(_at(date(2026, 12, 1)))
    assert helpplans_selectors.helpplan_list(actor=key["centre"])[0].state == "overdue"


def test_t_plus_1_skips_a_holiday_and_a_contact_in_time_counts_on_time(key):
    clock.freeze(_at(date(2026, 9, 30), 20))  # back on the eve of National Day
    plan = _plan(key, returned_on=date(2026, 9, 30), contact_every_days=14)
    clock.freeze(_at(date(2026, 10, 5)))
    item = helpplans_selectors.helpplan_list(actor=key["centre"])[0]
    assert item.due_on == date(2026, 10, 8) and item.state == "due"
    clock.freeze(_at(date(2026, 10, 8), 16))
    contact = helpplans.contact_record(actor=key["worker"], plan_id=plan.pk, mode="visit")
    assert contact.due_on == date(2026, 10, 8)
    item = helpplans_selectors.helpplan_get(actor=key["centre"], plan_id=plan.pk)
    assert item.due_on == date(2026, 10, 22) and item.state == "later" and not item.t_plus_1
    assert item.contacts[0].on_time
    totals = helpplans_selectors.helpplan_totals(key["centre"], date(2026, 10, 1))
    assert totals == {key["worker"].pk: (1, 1)}
    clock.freeze(_at(date(2026, 10, 31)))  # the next contact (22nd) was missed
    totals = helpplans_selectors.helpplan_totals(key["centre"], date(2026, 10, 1))
    assert totals == {key["worker"].pk: (2, 1)}


def test_a_plan_without_return_day_is_first_due_on_its_start(key):
    start = clock.localdate() - timedelta(days=2)
    _plan(key, kind="correction", starts_on=start)
    item = helpplans_selectors.helpplan_list(actor=key["worker"], due_only=True)[0]
    assert item.due_on == start and item.state == "overdue" and item.kind is None


def test_contacts_are_recorded_once_per_client_id_by_the_plans_people_with_an_audit_row(key):
    plan = _plan(key)
    first = helpplans.contact_record(
        actor=key["worker"], plan_id=plan.pk, mode="phone", note="情绪稳定", client_id="c-1"
    )
    again = helpplans.contact_record(actor=key["worker"], plan_id=plan.pk, client_id="c-1")
    assert first.is_new and not again.is_new and again.pk == first.pk
    assert HelpContact.objects.count() == 1
    assert "情绪稳定" not in str(HelpContact.objects.values().get())
    assert helpplans.contact_note(first) == "情绪稳定"
    assert AuditEntry.objects.filter(entity_type="fieldwork.helpcontact").count() == 1
    helpplans.contact_record(actor=key["centre"], plan_id=plan.pk)  # the centre may
    with pytest.raises(NotFound):
        helpplans.contact_record(actor=key["other_worker"], plan_id=plan.pk)
    with pytest.raises(NotFound):
        helpplans.contact_record(actor=key["centre_b"], plan_id=plan.pk)


def test_contact_times_and_modes_are_checked(key, users):
    plan = _plan(key)
    now = clock.now()
    for extra, field in (
        ({"done_at": now + timedelta(hours=1)}, "done_at"),
        ({"done_at": now - timedelta(days=31)}, "done_at"),
        ({"mode": "telepathy"}, "mode"),
        ({"note": "x" * 2001}, "note"),
    ):
        with pytest.raises(ValidationFailed) as caught:
            helpplans.contact_record(actor=key["worker"], plan_id=plan.pk, **extra)
        assert caught.value.field == field
    with pytest.raises(NotAllowed):  # sees it (sensitive role), is not on it
        helpplans.contact_record(actor=users["grid_chief"], plan_id=plan.pk)


def test_closing_needs_the_centre_and_a_reason_and_stops_contacts(key):
    plan = _plan(key)
    with pytest.raises(NotAllowed):
        helpplans.helpplan_close(actor=key["worker"], plan_id=plan.pk, reason="期满")
    with pytest.raises(ValidationFailed):
        helpplans.helpplan_close(actor=key["centre"], plan_id=plan.pk, reason=" ")
    closed = helpplans.helpplan_close(actor=key["centre"], plan_id=plan.pk, reason="矫正期满")
    assert closed.status == "closed" and closed.closed_at is not None
    assert AuditEntry.objects.filter(entity_id=str(plan.pk), action="close").exists()
    with pytest.raises(NotAllowed):
        helpplans.contact_record(actor=key["worker"], plan_id=plan.pk)
    assert helpplans_selectors.helpplan_list(actor=key["worker"], due_only=True) == []
    _plan(key)  # a new plan of the same kind may follow a closed one


def _api(user) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token_issue(user=user)[0]}")


def test_api_creates_lists_records_and_closes_and_logs_each_view(key):
    centre, worker = _api(key["centre"]), _api(key["worker"])
    body = {
        "person_id": key["person"].pk,
        "kind": "drug_rehab",
        "returned_on": (clock.localdate() - timedelta(days=1)).isoformat(),
        "members": [{"user_id": key["worker"].pk, "duty": "网格员"}],
    }
    made = centre.post("/api/v1/help-plans", body, content_type="application/json")
    assert made.status_code == 201, made.content
    plan_id = made.json()["id"]
    assert made.json()["kind"] == "drug_rehab" and made.json()["members"][0]["duty"] == "网格员"
    listed = worker.get("/api/v1/help-plans?due=true").json()
    assert [p["id"] for p in listed] == [plan_id] and listed[0]["kind"] is None
    assert "*" in listed[0]["id_number_masked"]
    url = f"/api/v1/help-plans/{plan_id}/contacts"
    sent = {"mode": "visit", "note": "已见面", "client_id": "api-1"}
    first = worker.post(url, sent, content_type="application/json")
    again = worker.post(url, sent, content_type="application/json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    detail = worker.get(f"/api/v1/help-plans/{plan_id}").json()
    assert detail["contacts"][0]["note"] == "已见面" and detail["state"] == "later"
    assert AccessLog.objects.filter(actor=key["worker"], object_type="help_plan").count() == 2
    closed = centre.post(
        f"/api/v1/help-plans/{plan_id}/close", {"reason": "迁出"}, content_type="application/json"
    )
    assert closed.status_code == 200 and closed.json()["status"] == "closed"


def test_api_answers_other_areas_and_bad_input_with_4xx(key):
    plan = _plan(key)
    outsider = _api(key["other_worker"])
    assert outsider.get(f"/api/v1/help-plans/{plan.pk}").status_code == 404
    assert _api(key["centre_b"]).get(f"/api/v1/help-plans/{plan.pk}").status_code == 404
    assert outsider.get(f"/api/v1/help-plans/{2**70}").status_code in (404, 422)
    worker = _api(key["worker"])
    for url, body in (
        (f"/api/v1/help-plans/{plan.pk}/contacts", {"done_at": "2999-01-01T00:00:00Z"}),
        (f"/api/v1/help-plans/{plan.pk}/contacts", {"done_at": "not a date"}),
        (f"/api/v1/help-plans/{plan.pk}/close", {"reason": "x"}),
        ("/api/v1/help-plans", {"person_id": key["person"].pk, "kind": "x", "members": []}),
        ("/api/v1/help-plans", {"person_id": 2**63, "kind": "x", "members": []}),
    ):
        response = worker.post(url, body, content_type="application/json")
        assert 400 <= response.status_code < 500, (url, body, response.status_code)


def test_workbench_pages_make_show_and_record_and_log_each_view(key, client):
    client.force_login(key["centre"])
    form = client.get(f"/fieldwork/help-plans/new/?person={key['person'].pk}").content.decode()
    assert 'id="help-plan-form"' in form and key["worker"].label in form
    refused = client.post(
        "/fieldwork/help-plans/new/",
        {"person_id": "x", "kind": "correction", "member": [""], "duty": [""]},
    )
    assert refused.status_code == 400
    made = client.post(
        "/fieldwork/help-plans/new/",
        {
            "person_id": str(key["person"].pk),
            "kind": "drug_rehab",
            "returned_on": (clock.localdate() - timedelta(days=1)).isoformat(),
            "member": [str(key["worker"].pk), ""],
            "duty": ["网格员", ""],
        },
    )
    plan = HelpPlan.objects.get()
    assert made.status_code == 302 and made["Location"] == f"/fieldwork/help-plans/{plan.pk}/"
    listed = client.get("/fieldwork/help-plans/").content.decode()
    assert key["person"].name in listed and "T+1" in listed
    page = client.get(f"/fieldwork/help-plans/{plan.pk}/").content.decode()
    assert 'id="contact-form"' in page and "网格员" in page
    client.post(f"/fieldwork/help-plans/{plan.pk}/", {"mode": "talk", "client_id": "wb-1"})
    assert HelpContact.objects.get().client_id == "wb-1"
    assert AccessLog.objects.filter(actor=key["centre"], object_type="help_plan").count() == 2
    client.force_login(key["centre_b"])
    assert client.get(f"/fieldwork/help-plans/{plan.pk}/").status_code == 404
    assert client.get("/fieldwork/help-plans/new/").status_code == 200


def test_the_phone_lists_the_workers_plans_without_the_kind_and_records_a_contact(key, client):
    plan = _plan(key, returned_on=clock.localdate() - timedelta(days=1))
    client.force_login(key["worker"])
    page = client.get("/m/visits/help/").content.decode()
    assert key["person"].name in page and f"/api/v1/help-plans/{plan.pk}/contacts" in page
    assert "戒毒" not in page and "drug" not in page.lower() and "T+1" not in page
    response = client.post(
        "/m/visits/help/", {"plan_id": str(plan.pk), "mode": "visit", "client_id": "m-1"}
    )
    assert response.status_code == 302 and HelpContact.objects.get().client_id == "m-1"
    client.force_login(key["other_worker"])
    assert key["person"].name not in client.get("/m/visits/help/").content.decode()
    refused = client.post("/m/visits/help/", {"plan_id": str(plan.pk), "mode": "visit"})
    assert refused.status_code == 404


def test_the_demo_plans_hold_a_t_plus_1_on_time_and_an_overdue_returnee(users):
    from fengqiao.demo.fieldwork_helpplans import seed_helpplans

    made = seed_helpplans(seed=1)
    assert made > 50 and HelpPlan.objects.count() == 4
    assert seed_helpplans(seed=1) == 0  # once
    items = helpplans_selectors.helpplan_list(actor=users["village_centre"])
    returnees = [i for i in items if i.kind == "drug_rehab"]
    assert {i.state for i in returnees} >= {"overdue"}
    back = next(i for i in returnees if i.last_contact_at is not None)
    first = HelpContact.objects.filter(plan_id=back.id).order_by("done_at").first()
    assert clock.localdate(first.done_at) == first.due_on  # T+1 made on the day
    assert {i.kind for i in items} == {"correction", "mental_illness", "drug_rehab"}


def test_api_takes_a_time_without_zone_as_local_time(key):
    plan = _plan(key)
    local = clock.now().astimezone(TZ).replace(tzinfo=None) - timedelta(hours=1)
    response = _api(key["worker"]).post(
        f"/api/v1/help-plans/{plan.pk}/contacts",
        {"done_at": local.isoformat()},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content


def test_the_new_plan_form_finds_the_person_by_name_in_reach_only(key, client, users):
    name = key["person"].name
    client.force_login(key["centre"])
    found = client.get("/fieldwork/help-plans/people/", {"person_q": name}).content.decode()
    assert f'value="{key["person"].pk}"' in found and key["person"].id_number_masked in found
    without_js = client.get("/fieldwork/help-plans/new/", {"person_q": name}).content.decode()
    assert f'value="{key["person"].pk}"' in without_js
    nobody = client.get("/fieldwork/help-plans/people/", {"person_q": "无此人姓名"})
    assert 'type="radio"' not in nobody.content.decode()
    client.force_login(key["centre_b"])
    elsewhere = client.get("/fieldwork/help-plans/people/", {"person_q": name}).content.decode()
    assert f'value="{key["person"].pk}"' not in elsewhere
    client.force_login(key["worker"])
    assert client.get("/fieldwork/help-plans/people/", {"person_q": name}).status_code == 404
