"""Queues people can scan: server-side sorting against a whitelist, bulk steps with one result
per row (each taken through cases.steps.perform), names instead of codes, and the case page's
"next step" menu."""

import re

import pytest
from django.http import QueryDict
from django.urls import reverse

from fengqiao.cases import routing, services
from fengqiao.cases.intake import case_report
from fengqiao.cases.models import Case, CaseEvent, Channel, Status
from fengqiao.cases.selectors import CASE_SORTS
from fengqiao.core.sorting import parse_sort, sort_links

CODES = re.compile(r"(?<![\dA-Z])\d{12,17}(?![\d])")  # region and grid codes, not case numbers


def signed_in(client, user):
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def hotline(world, title: str, village=None) -> Case:
    return case_report(
        actor=world["county_centre"],
        category=world["garbage"],
        title=title,
        channel=Channel.HOTLINE,
        village=village or world["micro"].village,
    )


@pytest.fixture
def queue(world):
    """In village A: one new case, one accepted; in village B: one accepted."""
    new = hotline(world, "乙 楼道堆放垃圾")
    accepted = services.case_accept(
        actor=world["village_centre"], case_id=hotline(world, "甲 路灯不亮").pk
    )
    other_village = world["village_centre_b"].bindings.get().region
    elsewhere = services.case_accept(
        actor=world["county_centre"], case_id=hotline(world, "丙 占道经营", other_village).pk
    )
    return {"new": new, "accepted": accepted, "elsewhere": elsewhere}


def codes_in_order(html: str) -> list[str]:
    return re.findall(r'<tr data-code="([A-Z0-9]+)"', html)


# --- sorting ----------------------------------------------------------------------------------


def test_parse_sort_keeps_only_whitelisted_columns():
    assert parse_sort("title", CASE_SORTS) == "title"
    assert parse_sort("-due_at", CASE_SORTS) == "-due_at"
    for bad in (
        "",
        None,
        "--title",
        "-",
        "callback_phone_hash",
        "title,code",
        "reporter__password",
    ):
        assert parse_sort(bad, CASE_SORTS) == "", bad


def test_sort_links_toggle_the_direction_and_keep_the_filters():
    links = sort_links(QueryDict("queue=new&q=垃圾&page=3&sort=title"), "title", CASE_SORTS)
    assert links["title"]["dir"] == "asc"
    assert QueryDict(links["title"]["query"])["sort"] == "-title"
    assert QueryDict(links["code"]["query"])["sort"] == "code"
    assert QueryDict(links["code"]["query"])["queue"] == "new"
    assert "page" not in QueryDict(links["code"]["query"])
    assert sort_links(QueryDict(""), "-title", CASE_SORTS)["title"]["dir"] == "desc"


def test_queue_sorts_on_the_server_by_a_column(world, queue, client):
    signed_in(client, world["county_centre"])
    mine = {c.title: c.code for c in queue.values()}
    html = client.get(reverse("cases:queue"), {"sort": "title"}).content.decode()
    rows = [code for code in codes_in_order(html) if code in mine.values()]
    assert rows == [mine[t] for t in sorted(mine)]
    html = client.get(reverse("cases:queue"), {"sort": "-title"}).content.decode()
    rows = [code for code in codes_in_order(html) if code in mine.values()]
    assert rows == [mine[t] for t in sorted(mine, reverse=True)]
    assert 'aria-sort="descending"' in html


@pytest.mark.parametrize("bad", ["reporter__password", "--code", "-", "title;", "\x00", "x" * 500])
def test_queue_ignores_a_sort_it_does_not_know(world, queue, client, bad):
    signed_in(client, world["county_centre"])
    default = codes_in_order(client.get(reverse("cases:queue")).content.decode())
    response = client.get(reverse("cases:queue"), {"sort": bad})
    assert response.status_code == 200
    assert codes_in_order(response.content.decode()) == default


def test_queue_keeps_the_sort_when_filters_refresh_the_rows(world, queue, client):
    signed_in(client, world["county_centre"])
    response = client.get(
        reverse("cases:queue"),
        {"sort": "-reported_at", "q": "垃圾"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="results",
    )
    html = response.content.decode()
    assert "<html" not in html
    assert 'aria-sort="descending"' in html and "q=%E5%9E%83%E5%9C%BE" in html


# --- bulk steps -------------------------------------------------------------------------------


def bulk(client, action: str, codes: list[str], **fields):
    return client.post(reverse("cases:bulk"), {"action": action, "codes": codes, **fields})


def results(html: str) -> dict[str, str]:
    return dict(re.findall(r'<tr data-code="([^"]*)" data-result="(ok|refused)"', html))


def test_bulk_dispatch_reports_each_row_ok_or_refused(world, queue, client):
    signed_in(client, world["village_centre"])
    before = CaseEvent.objects.count()
    codes = [queue["accepted"].code, queue["new"].code, queue["elsewhere"].code, "SJ-NOT-A-CASE"]
    response = bulk(client, "dispatch", codes, unit_id=world["police"].pk, note="请处理")
    assert response.status_code == 200
    html = response.content.decode()
    assert results(html) == {
        queue["accepted"].code: "ok",
        queue["new"].code: "refused",  # a new case is accepted before it is dispatched
        queue["elsewhere"].code: "refused",  # another village's case: not in this jurisdiction
        "SJ-NOT-A-CASE": "refused",
    }
    assert html.count("Not found in your jurisdiction.") == 2
    assert queue["elsewhere"].title not in html  # nothing of the other village leaks
    dispatched = Case.objects.get(pk=queue["accepted"].pk)
    assert dispatched.status == Status.DISPATCHED and dispatched.unit == world["police"]
    assert Case.objects.get(pk=queue["new"].pk).status == Status.REPORTED
    assert Case.objects.get(pk=queue["elsewhere"].pk).status == Status.ACCEPTED
    assert CaseEvent.objects.count() == before + 1
    assert CaseEvent.objects.filter(case=dispatched, action="dispatch").count() == 1


def test_bulk_step_is_refused_row_by_row_when_role_may_not_take_it(world, queue, client):
    signed_in(client, world["handler"])  # a police station sees the township, dispatches nothing
    response = bulk(client, "dispatch", [queue["accepted"].code], unit_id=world["police"].pk)
    assert response.status_code == 200
    assert results(response.content.decode()) == {queue["accepted"].code: "refused"}
    assert Case.objects.get(pk=queue["accepted"].pk).status == Status.ACCEPTED


def test_bulk_accept_and_dispatch_sends_each_case_to_its_suggested_unit(world, queue, client):
    signed_in(client, world["village_centre"])
    suggested = routing.suggested_unit(actor=world["village_centre"], case=queue["new"])
    response = bulk(client, "accept_dispatch", [queue["new"].code])
    assert results(response.content.decode()) == {queue["new"].code: "ok"}
    case = Case.objects.get(pk=queue["new"].pk)
    assert case.status == Status.DISPATCHED and case.unit == suggested


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"action": "dispatch"}, "Select at least one case."),
        ({"action": "close_all", "codes": ["X"]}, "Choose a step to take."),
        ({"action": "dispatch", "codes": [f"SJ{n}" for n in range(201)]}, "at most 200"),
    ],
)
def test_bulk_answers_400_when_nothing_to_do(world, queue, client, data, field):
    signed_in(client, world["village_centre"])
    response = client.post(reverse("cases:bulk"), data)
    assert response.status_code == 400
    assert field in response.content.decode()


def test_bulk_never_fails_on_hostile_input(world, queue, client):
    signed_in(client, world["village_centre"])
    codes = ["\x00", "x" * 5000, "' OR 1=1 --", queue["accepted"].code]
    response = bulk(client, "dispatch", codes, unit_id="not-a-number")
    assert response.status_code == 200
    assert set(results(response.content.decode()).values()) == {"refused"}


def test_bulk_is_refused_to_a_resident_and_needs_post(world, queue, client):
    signed_in(client, world["resident"])
    assert bulk(client, "dispatch", [queue["accepted"].code]).status_code == 403
    signed_in(client, world["village_centre"])
    assert client.get(reverse("cases:bulk")).status_code == 405


def test_queue_draws_bulk_form_only_for_those_who_dispatch(world, queue, client):
    html = signed_in(client, world["village_centre"]).get(reverse("cases:queue")).content.decode()
    assert 'id="bulk"' in html and 'name="codes"' in html
    assert f'<option value="{world["police"].pk}">' in html
    html = signed_in(client, world["handler"]).get(reverse("cases:queue")).content.decode()
    assert 'id="bulk"' not in html and 'name="codes"' not in html


# --- names, not codes; the next-step menu ---------------------------------------------------------


def test_queue_and_case_page_show_place_names_not_codes(world, client):
    case = services.case_report(
        actor=world["grid_worker"],
        category=world["garbage"],
        title="楼道堆放垃圾",
        **world["point"],
    )
    signed_in(client, world["village_centre"])
    html = client.get(reverse("cases:queue")).content.decode()
    table = html[html.index("<table") : html.index("</table>")]
    assert f"{case.village.name} · {case.grid.name}" in table
    assert not CODES.search(table)
    page = client.get(reverse("cases:detail", args=[case.code])).content.decode()
    assert case.grid.name in page
    assert case.grid.code not in page and case.region_code not in page


def test_case_page_puts_its_steps_behind_one_next_step_menu(world, queue, client):
    html = (
        signed_in(client, world["village_centre"])
        .get(reverse("cases:detail", args=[queue["new"].code]))
        .content.decode()
    )
    steps = re.findall(r'name="next-step-form" data-action="([a-z_]+)"', html)
    forms = re.findall(r'class="actform[^"]*" data-action="([a-z_]+)"', html)
    assert {"accept", "accept_dispatch", "reject"} <= set(steps)
    assert steps == forms  # one form per step, each inside its own menu entry
    assert '<details class="nextstep" id="next-step">' in html


def test_refused_case_step_opens_the_menu_on_its_form(world, queue, client):
    signed_in(client, world["village_centre"])
    response = client.post(
        reverse("cases:act", args=[queue["accepted"].code, "dispatch"]), {"unit_id": "999999"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert '<details class="nextstep" id="next-step" open>' in html
    assert 'data-action="dispatch" open>' in html


def test_department_lands_on_its_inbox_with_its_cases_one_click_away(world, queue, client):
    services.case_dispatch(
        actor=world["village_centre"], case_id=queue["accepted"].pk, unit_id=world["police"].pk
    )
    signed_in(client, world["handler"])
    response = client.get("/", follow=True)
    assert response.redirect_chain == [(reverse("cases:inbox"), 302)]
    html = response.content.decode()
    link = re.search(r'<a class="btn" id="my-cases" href="([^"]+)">Mine <b>(\d+)</b></a>', html)
    assert link.group(1) == "/cases/?queue=mine" and link.group(2) == "1"
    mine = client.get(link.group(1)).content.decode()
    assert codes_in_order(mine) == [queue["accepted"].code]
