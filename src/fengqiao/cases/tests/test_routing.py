"""Routing: the county's units and hotline categories, rules category × place → suggested unit,
the dispatch forms and unit list that offer the suggestion first, the warning when a case
goes to a unit that does not handle it, and accept-and-dispatch in one step."""

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from fengqiao.accounts.services import token_issue
from fengqiao.cases import routing, services, steps
from fengqiao.cases.defaults import COUNTY_DEPARTMENTS, HOTLINE_SLA
from fengqiao.cases.models import Case, Category, HandlingUnit, Kind, RoutingRule, SlaRule, Status
from fengqiao.core.models import AuditEntry


@pytest.fixture
def api(world):
    """api("grid_chief") → a Client sending that demo account's bearer token."""

    def client_for(username: str) -> Client:
        token, _row = token_issue(user=world[username])
        return Client(headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"})

    return client_for


def _report(world, category="garbage") -> Case:
    return services.case_report(
        actor=world["resident"],
        category=Category.objects.get(code=category),
        title="小区门口有人占道摆摊",
        channel="portal",
        **world["point"],
    )


def _unit(case: Case, kind: str, county: bool = False) -> HandlingUnit:
    code = case.region_code[:6] if county else case.region_code[:9]
    return HandlingUnit.objects.get(kind=kind, region_code=code)


def _page(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# -- the county's units and categories ------------------------------------------------------


def test_county_departments_are_made_beside_the_township_offices(world):
    county = world["police"].region_code[:6]
    kinds = set(HandlingUnit.objects.filter(region_code=county).values_list("kind", flat=True))
    assert {kind for _key, _name, kind, _codes in COUNTY_DEPARTMENTS} <= kinds
    assert {"court", "procuratorate"} <= kinds  # the county's mediation set-up
    names = HandlingUnit.objects.filter(region_code=county).values_list("name", flat=True)
    for part in ("住房和城乡建设局", "水利局", "供电公司", "市场监督管理局", "生态环境分局"):
        assert any(part in name for name in names), part


@pytest.mark.parametrize("code", sorted(HOTLINE_SLA))
def test_each_hotline_category_has_a_unit_and_a_clock_at_every_level(world, code):
    category = Category.objects.get(code=code)
    assert category.parent is not None
    assert category.units.exists()
    assert SlaRule.objects.filter(category=category).count() == 4


def test_the_category_tree_names_no_category_twice(world):
    names = list(Category.objects.filter(parent__isnull=False).values_list("name", flat=True))
    assert len(names) == len(set(names))


# -- the suggestion -------------------------------------------------------------------------


def test_suggestion_falls_back_to_the_most_local_unit_bound_to_the_category(world):
    case = _report(world, "street_vending")
    assert routing.suggested_unit(actor=world["grid_chief"], case=case) == _unit(
        case, "urban_management"
    )


def test_the_most_specific_rule_wins_and_a_category_rule_beats_its_groups(world):
    case = _report(world, "street_vending")
    county_urban = _unit(case, "urban_management", county=True)
    market = _unit(case, "market_regulation", county=True)
    housing = _unit(case, "housing", county=True)
    street_vending = case.category
    RoutingRule.objects.create(
        category=street_vending, region_code=case.region_code[:6], unit=market
    )
    assert routing.suggested_unit(actor=world["grid_chief"], case=case) == market
    RoutingRule.objects.create(
        category=street_vending.parent, region_code=case.region_code[:9], unit=housing
    )
    RoutingRule.objects.create(
        category=street_vending, region_code=case.region_code[:9], unit=county_urban
    )
    assert routing.suggested_unit(actor=world["grid_chief"], case=case) == county_urban
    assert routing.handles(market, case) and routing.handles(housing, case)


def test_a_rule_naming_a_unit_that_cannot_take_the_case_is_ignored(world):
    case = _report(world, "street_vending")
    elsewhere = HandlingUnit.objects.exclude(
        region_code__in=[case.region_code[:6], case.region_code[:9]]
    ).exclude(kind="mediation")[0]
    RoutingRule.objects.create(category=case.category, region_code=case.region_code, unit=elsewhere)
    assert routing.suggested_unit(actor=world["grid_chief"], case=case) == _unit(
        case, "urban_management"
    )


def test_a_rule_refuses_a_unit_that_does_not_serve_its_place(world):
    from django.core.exceptions import ValidationError

    case = _report(world)
    township_unit = _unit(case, "police_station")
    rule = RoutingRule(category=case.category, region_code=case.region_code[:6], unit=township_unit)
    with pytest.raises(ValidationError) as caught:
        rule.full_clean()
    assert "unit" in caught.value.message_dict


# -- the forms and the unit list offer it first ---------------------------------------------


def test_dispatch_form_lists_the_suggestion_first_and_chooses_it(world):
    case = services.case_accept(actor=world["grid_chief"], case_id=_report(world).pk)
    suggested = routing.suggested_unit(actor=world["grid_chief"], case=case)
    form = steps.page_form(actor=world["grid_chief"], case=case, action="dispatch", label="")
    unit = next(f for f in form["fields"] if f["name"] == "unit_id")
    assert unit["value"] == str(suggested.pk)
    assert unit["choices"][0] == (str(suggested.pk), f"{suggested.name} (suggested)")
    assert any("does not handle" in str(label) for _v, label in unit["choices"])

    page = _page(world["grid_chief"]).get(reverse("cases:detail", args=[case.code]))
    assert f'<option value="{suggested.pk}" selected>' in page.content.decode()


def test_accept_dispatch_form_starts_with_the_priority_and_the_suggestion(world):
    case = _report(world)
    page = _page(world["grid_chief"]).get(reverse("cases:detail", args=[case.code]))
    html = page.content.decode()
    form = html[html.index('data-action="accept_dispatch"') :]
    form = form[: form.index("</form>")]
    suggested = routing.suggested_unit(actor=world["grid_chief"], case=case)
    assert form.index('name="priority"') < form.index('name="unit_id"')
    assert f'<option value="{suggested.pk}" selected>' in form


def test_unit_list_puts_the_suggested_unit_first(world, api):
    case = _report(world)
    suggested = routing.suggested_unit(actor=world["grid_chief"], case=case)
    units = api("grid_chief").get(f"/api/v1/units?case={case.code}").json()
    assert units[0]["id"] == suggested.pk and units[0]["suggested"] and units[0]["handles"]
    assert [u["suggested"] for u in units].count(True) == 1
    handles = [u["handles"] for u in units]
    assert handles == sorted(handles, reverse=True)  # those that handle it come first


# -- the warning when a case goes elsewhere -------------------------------------------------


def test_dispatch_to_a_unit_off_the_category_is_taken_logged_and_warned(world, api):
    case = _report(world)  # garbage: not the police's work
    response = api("grid_chief").post(
        f"/api/v1/cases/{case.code}/actions/accept_dispatch",
        {"unit_id": world["police"].pk},
        content_type="application/json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == Status.DISPATCHED
    assert [w["code"] for w in body["warnings"]] == ["unit_off_category"]
    event = Case.objects.get(pk=case.pk).events.order_by("-seq").first()
    assert event.data["off_category"] is True


def test_dispatch_to_a_unit_of_the_category_warns_nothing(world, api):
    case = _report(world)
    urban = _unit(case, "urban_management")
    body = (
        api("grid_chief")
        .post(
            f"/api/v1/cases/{case.code}/actions/accept_dispatch",
            {"unit_id": urban.pk},
            content_type="application/json",
        )
        .json()
    )
    assert body["warnings"] == []
    assert "off_category" not in Case.objects.get(pk=case.pk).events.order_by("-seq")[0].data


def test_the_page_warns_after_sending_a_case_off_its_category(world):
    case = services.case_accept(actor=world["grid_chief"], case_id=_report(world).pk)
    client = _page(world["grid_chief"])
    response = client.post(
        reverse("cases:act", args=[case.code, "dispatch"]), {"unit_id": world["police"].pk}
    )
    assert response.status_code == 302
    shown = [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]
    police = world["police"].name
    assert any(tag == "warning" and police in text for tag, text in shown), shown


# -- accept and dispatch in one step ------------------------------------------------------


def test_accept_dispatch_is_one_event_from_reported_to_dispatched(world):
    case = _report(world)
    urban = _unit(case, "urban_management")
    case = services.case_accept_dispatch(
        actor=world["grid_chief"], case_id=case.pk, unit_id=urban.pk, priority="urgent", note="速办"
    )
    assert (case.status, case.unit, case.priority) == (Status.DISPATCHED, urban, "urgent")
    event = case.events.order_by("-seq").first()
    assert (event.action, event.from_status, event.to_status) == (
        "accept_dispatch",
        Status.REPORTED,
        Status.DISPATCHED,
    )
    assert event.changes["priority"] == ["normal", "urgent"]
    assert case.due_at is not None  # the claim clock runs
    assert services.verify_log(case) == []


def test_accept_dispatch_refuses_an_unknown_priority_and_changes_nothing(world):
    from fengqiao.core.errors import ValidationFailed

    case = _report(world)
    with pytest.raises(ValidationFailed) as caught:
        services.case_accept_dispatch(
            actor=world["grid_chief"], case_id=case.pk, unit_id=world["police"].pk, priority="x"
        )
    assert caught.value.field == "priority"
    assert Case.objects.get(pk=case.pk).status == Status.REPORTED


def test_a_kind_that_withdraws_accept_has_no_accept_dispatch(world):
    from fengqiao.cases import workflow

    for kind in (Kind.DISPUTE, Kind.PETITION):
        assert ("reported", "accept_dispatch") not in workflow.table_for(kind)
    assert ("reported", "accept_dispatch") in workflow.table_for(Kind.GENERAL)


# -- the rules are configuration: admin-editable and audited ---------------------------------


def test_a_rule_added_in_the_admin_is_audited(world):
    from fengqiao.accounts.models import User

    case = _report(world)
    admin = User.objects.filter(is_superuser=True).first()
    assert admin is not None
    urban = _unit(case, "urban_management", county=True)
    response = _page(admin).post(
        reverse("admin:cases_routingrule_add"),
        {
            "category": case.category.pk,
            "region_code": case.region_code[:9],
            "unit": urban.pk,
            "note": "城区占道统一由县执法局处理",
        },
    )
    assert response.status_code == 302, response.content[:500]
    rule = RoutingRule.objects.get(unit=urban)
    entry = AuditEntry.objects.get(entity_type="cases.routingrule", entity_id=str(rule.pk))
    assert entry.action == "create"
