"""Visits and the visits due: recorded once per client id, only inside the visitor's reach,
people met from the visited household, a finding raising a case in the same step; the due
list follows the most specific plan, the last contact and the caller's right to see
sensitive tags."""

from datetime import timedelta

import pytest
from django.db.models import Count
from django.test import Client

from fengqiao.accounts.services import token_issue
from fengqiao.cases.models import Case
from fengqiao.core import clock
from fengqiao.core.errors import NotAllowed, NotFound, ValidationFailed
from fengqiao.core.models import AuditEntry
from fengqiao.fieldwork import selectors, services
from fengqiao.fieldwork.defaults import ensure_default_plans
from fengqiao.fieldwork.models import Visit, VisitPlan
from fengqiao.registry.models import Household, Person
from fengqiao.registry.services import person_tag


@pytest.fixture
def field(users):
    """The grid worker's grid: a household with a member tagged elderly-alone and another
    member tagged with a sensitive tag; the county's default plans."""
    worker = users["grid_worker"]
    mine = Person.objects.visible_to(worker).exclude(household=None)
    sizes = mine.values("household_id").annotate(n=Count("pk")).order_by("-n", "household_id")
    household = Household.objects.get(pk=sizes[0]["household_id"])
    members = list(Person.objects.filter(household=household).order_by("pk"))
    elder = members[0]
    person_tag(actor=users["village_centre"], person=elder, tag_code="elderly_alone")
    county = worker.bindings.get().code[:6]
    ensure_default_plans(county)
    other_village = users["village_centre_b"].bindings.get().code
    stranger = (
        Person.objects.filter(region_code__startswith=other_village).exclude(household=None).first()
    )
    return {
        "worker": worker,
        "household": household,
        "elder": elder,
        "members": members,
        "county": county,
        "stranger": stranger,
    }


def _visit(field, **extra):
    given = {"people": [field["elder"].pk], "findings": "身体好", **extra}
    return services.visit_record(
        actor=field["worker"], target="household", target_id=field["household"].pk, **given
    )


def test_a_visit_is_recorded_once_per_client_id_with_an_audit_row(field):
    first = _visit(field, client_id="phone-1")
    again = _visit(field, client_id="phone-1")
    assert first.is_new and not again.is_new and again.pk == first.pk
    assert Visit.objects.filter(client_id="phone-1").count() == 1
    assert list(first.met.values_list("person_id", flat=True)) == [field["elder"].pk]
    entry = AuditEntry.objects.get(entity_type="fieldwork.visit", entity_id=str(first.pk))
    assert entry.actor_id == field["worker"].pk


def test_a_household_out_of_reach_is_not_found_and_nothing_is_written(field):
    stranger_home = field["stranger"].household_id
    with pytest.raises(NotFound):
        services.visit_record(actor=field["worker"], target="household", target_id=stranger_home)
    assert not Visit.objects.exists()


def test_people_met_must_live_in_the_visited_household(field):
    with pytest.raises(ValidationFailed) as caught:
        services.visit_record(
            actor=field["worker"],
            target="household",
            target_id=field["household"].pk,
            people=[field["stranger"].pk],
        )
    assert caught.value.field == "people"


def test_future_and_stale_times_and_half_points_are_refused(field):
    now = clock.now()
    for extra, name in (
        ({"visited_at": now + timedelta(hours=1)}, "visited_at"),
        ({"visited_at": now - timedelta(days=31)}, "visited_at"),
        ({"lat": 30.0}, "lat"),
        ({"purpose": "party"}, "purpose"),
    ):
        with pytest.raises(ValidationFailed) as caught:
            _visit(field, **extra)
        assert caught.value.field == name


def test_a_resident_records_no_visit(field, users):
    with pytest.raises(NotAllowed):
        services.visit_record(
            actor=users["resident"], target="household", target_id=field["household"].pk
        )


def test_a_finding_raises_a_case_in_the_same_step(field):
    visit = _visit(
        field,
        findings="屋顶漏雨，老人独居无人修缮",
        raise_case=services.RaiseCase(category="elderly_care", title="独居老人房屋漏雨"),
    )
    case = Case.objects.get(pk=visit.case_id)
    assert case.title == "独居老人房屋漏雨" and case.description == "屋顶漏雨，老人独居无人修缮"
    assert case.events.first().action == "report"

    with pytest.raises(ValidationFailed) as caught:
        _visit(field, raise_case=services.RaiseCase(category="no_such", title="x"))
    assert caught.value.field == "case_category"


def test_the_elder_is_due_until_visited_and_then_due_after_the_plan_interval(field):
    worker, elder = field["worker"], field["elder"]
    due = {i.person_id: i for i in selectors.visits_due(actor=worker)}
    assert due[elder.pk].overdue is False and due[elder.pk].last_visit is None
    assert due[elder.pk].every_days == 30

    _visit(field)
    assert elder.pk not in {i.person_id for i in selectors.visits_due(actor=worker)}
    later = {i.person_id: i for i in selectors.visits_due(actor=worker, include_later=True)}
    assert later[elder.pk].due_on == clock.localdate() + timedelta(days=30)

    clock.freeze(clock.now() + timedelta(days=32))
    due = {i.person_id: i for i in selectors.visits_due(actor=worker)}
    assert due[elder.pk].overdue is True


def test_the_most_specific_plan_applies(field, users):
    village = users["village_centre"].bindings.get().code
    services.plan_set(
        actor=users["village_centre"], tag_code="elderly_alone", region_code=village, every_days=10
    )
    due = {i.person_id: i for i in selectors.visits_due(actor=field["worker"], include_later=True)}
    assert due[field["elder"].pk].every_days == 10


def test_sensitive_plans_reach_centre_staff_but_not_the_grid_worker(field, users):
    patient = field["members"][-1]
    person_tag(actor=users["village_centre"], person=patient, tag_code="severe_mental_disorder")
    centre = {i.person_id for i in selectors.visits_due(actor=users["village_centre"])}
    worker = {i.person_id for i in selectors.visits_due(actor=field["worker"])}
    assert patient.pk != field["elder"].pk
    assert patient.pk in centre and patient.pk not in worker


def test_nearest_first_when_a_point_is_given(field):
    here = (
        (field["elder"].dwelling.lat, field["elder"].dwelling.lng)
        if field["elder"].dwelling
        else None
    )
    items = selectors.visits_due(actor=field["worker"], near=here or (30.0, 120.0))
    distances = [i.distance_m for i in items if i.distance_m is not None]
    assert distances == sorted(distances)


def test_plans_are_set_by_centre_staff_inside_their_area_with_an_audit_row(field, users):
    with pytest.raises(NotAllowed):
        services.plan_set(
            actor=field["worker"],
            tag_code="elderly_alone",
            region_code=field["county"],
            every_days=7,
        )
    other = users["village_centre"].bindings.get().code
    with pytest.raises(NotFound):
        services.plan_set(
            actor=users["village_centre_b"],
            tag_code="elderly_alone",
            region_code=other,
            every_days=7,
        )
    plan = services.plan_set(
        actor=users["village_centre"], tag_code="elderly_alone", region_code=other, every_days=7
    )
    assert AuditEntry.objects.filter(
        entity_type="fieldwork.visitplan", entity_id=str(plan.pk)
    ).exists()
    assert (
        services.plan_set(
            actor=users["village_centre"],
            tag_code="elderly_alone",
            region_code=other,
            every_days=None,
        )
        is None
    )
    assert not VisitPlan.objects.filter(pk=plan.pk).exists()


def _api(user) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token_issue(user=user)[0]}")


def test_api_records_once_and_answers_200_on_a_resend(field):
    client = _api(field["worker"])
    body = {
        "target": "household",
        "target_id": field["household"].pk,
        "people": [field["elder"].pk],
        "findings": "一切正常",
        "client_id": "offline-7",
    }
    first = client.post("/api/v1/visits", body, content_type="application/json")
    again = client.post("/api/v1/visits", body, content_type="application/json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    listed = client.get("/api/v1/visits").json()["items"]
    assert [v["id"] for v in listed] == [first.json()["id"]]
    due = client.get("/api/v1/visits/due", {"all": "true"}).json()
    assert field["elder"].pk in {d["person_id"] for d in due}


def test_api_answers_bad_input_and_other_areas_with_4xx(field, users):
    client = _api(field["worker"])
    assert (
        client.post(
            "/api/v1/visits", {"target": "moon", "target_id": 1}, content_type="application/json"
        ).status_code
        == 400
    )
    assert (
        client.post(
            "/api/v1/visits",
            {"target": "household", "target_id": field["stranger"].household_id},
            content_type="application/json",
        ).status_code
        == 404
    )
    visit = _visit(field)
    assert _api(users["village_centre_b"]).get(f"/api/v1/visits/{visit.pk}").status_code == 404
    assert client.get("/api/v1/visits/due", {"area": "abc"}).status_code == 404
    assert _api(users["resident"]).get("/api/v1/visits").json()["items"] == []


def test_phone_pages_list_the_due_and_record_a_visit(field, client):
    client.force_login(field["worker"])
    page = client.get("/m/visits/").content.decode()
    assert field["elder"].name in page and f"/m/visits/household/{field['household'].pk}/" in page
    form = client.get(f"/m/visits/household/{field['household'].pk}/").content.decode()
    assert 'id="visit-form"' in form and field["elder"].name in form
    response = client.post(
        f"/m/visits/household/{field['household'].pk}/",
        {
            "purpose": "care",
            "findings": "送去米面油",
            "people": [str(field["elder"].pk)],
            "client_id": "form-1",
        },
    )
    assert response.status_code == 302
    assert Visit.objects.get(client_id="form-1").purpose == "care"
    stranger = client.get(f"/m/visits/household/{field['stranger'].household_id}/")
    assert stranger.status_code == 404


def test_workbench_pages_show_visits_due_and_plans(field, users, client):
    _visit(field)
    client.force_login(users["village_centre"])
    assert "身体好" in client.get("/fieldwork/").content.decode()
    assert client.get("/fieldwork/due/").status_code == 200
    plans = client.get("/fieldwork/plans/").content.decode()
    assert 'id="plan-form"' in plans
    refused = client.post(
        "/fieldwork/plans/", {"tag": "elderly_alone", "region_code": "9", "every_days": "x"}
    )
    assert refused.status_code == 400


def test_a_village_sees_the_county_plans_that_apply_to_it_and_not_another_countys(field, users):
    VisitPlan.objects.create(
        tag=VisitPlan.objects.first().tag,
        region_code="990101",
        every_days=9,
        updated_at=clock.now(),
    )
    shown = {
        (p.tag.code, p.region_code) for p in selectors.plan_list(actor=users["village_centre"])
    }
    assert ("elderly_alone", field["county"]) in shown
    assert all(code != "990101" for _tag, code in shown)
    assert not selectors.plan_list(actor=users["resident"]).exists()


def test_a_visit_time_without_a_zone_is_local_time_not_an_error(field):
    from django.test import Client as _Client
    from django.utils import timezone

    client = _Client()
    client.force_login(field["worker"])
    local = timezone.localtime(clock.now()).replace(tzinfo=None) - timedelta(hours=1)
    answer = client.post(
        "/api/v1/visits",
        {
            "target": "household",
            "target_id": field["household"].pk,
            "visited_at": local.isoformat(timespec="seconds"),
        },
        content_type="application/json",
    )
    assert answer.status_code == 201, answer.content
