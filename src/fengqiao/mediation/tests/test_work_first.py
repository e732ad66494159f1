"""Work-first pages of mediation: a mediator's home panel, the dispute and petition lists
sorted on the server with names instead of codes, a bulk assign from the dispute list, and
the "next step" menu on their pages."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from fengqiao.cases import steps
from fengqiao.cases.models import Status
from fengqiao.core import clock
from fengqiao.mediation import home, sessions
from fengqiao.mediation import services as mediation
from fengqiao.mediation.models import Dispute, FollowUp, MediationSession
from fengqiao.mediation.tests.test_views import (
    START,
    held_session,
    in_mediation,
    petition,
    register,
    settled,
    signed_in,
)

# A village, grid or micro-grid code (a case number is letters and digits: SJ2026…).
CODES = re.compile(r"(?<![\dA-Z])\d{12,17}(?![\d])")


@pytest.fixture(autouse=True)
def at_start():
    clock.freeze(START)
    yield START
    clock.freeze(None)


def test_mediator_home_counts_their_disputes_sessions_and_follow_ups(world, client):
    planned = in_mediation(world, register(world, title="邻居漏水"))
    sessions.session_plan(
        actor=world["mediator_a"],
        dispute_id=planned.pk,
        starts_at=START + timedelta(days=2),
        place="村调解室",
    )
    done = in_mediation(world, register(world, title="宅基地边界"))
    held_session(world, done)
    settled(world, done)
    register(world, title="未受理的纠纷")  # not theirs yet

    panel = home.mediator_panel(user=world["mediator_a"])
    assert panel["dispute_count"] == 1  # the settled one left their queue
    assert panel["session_count"] == 2  # one held this morning, one planned on Wednesday
    assert panel["follow_up_count"] == 0  # the follow-up visit is not due yet
    html = signed_in(client, world["mediator_a"]).get("/").content.decode()
    assert reverse("mediation:dispute", args=[planned.case.code]) in html
    assert "Sessions this week" in html

    follow_up = FollowUp.objects.get(dispute=done)
    clock.freeze(
        clock.now().replace(year=follow_up.due_on.year) + (follow_up.due_on - START.date())
    )
    later = home.mediator_panel(user=world["mediator_a"])
    assert later["follow_up_count"] == 1
    assert (
        later["session_count"]
        == MediationSession.objects.filter(
            mediator__user=world["mediator_a"],
            starts_at__gte=home.week_bounds(clock.localdate())[0],
            starts_at__lt=home.week_bounds(clock.localdate())[1],
        ).count()
    )
    # The township mediator sees the village's disputes, but none of this is theirs.
    other = home.mediator_panel(user=world["mediator"])
    assert (other["dispute_count"], other["session_count"], other["follow_up_count"]) == (0, 0, 0)


def _codes_in_order(html: str) -> list[str]:
    return re.findall(r'<tr data-code="([A-Z0-9]+)"', html)


def test_dispute_list_sorts_by_whitelisted_columns(world, client):
    made = {title: register(world, title=title).case.code for title in ("乙事", "甲事", "丙事")}
    signed_in(client, world["village_centre"])
    by_title = _codes_in_order(
        client.get(reverse("mediation:disputes"), {"sort": "title"}).content.decode()
    )
    assert by_title == [made[t] for t in sorted(made)]
    backwards = client.get(reverse("mediation:disputes"), {"sort": "-title"}).content.decode()
    assert _codes_in_order(backwards) == list(reversed(by_title))
    assert 'aria-sort="descending"' in backwards
    default = _codes_in_order(client.get(reverse("mediation:disputes")).content.decode())
    for bad in ("case__parties__id_number_hash", "--title", "-", "title;drop", "\x00"):
        response = client.get(reverse("mediation:disputes"), {"sort": bad})
        assert response.status_code == 200, bad
        assert _codes_in_order(response.content.decode()) == default, bad


def test_petition_list_sorts_and_keeps_the_sort_in_its_filters(world, client):
    made = {t: petition(world, title=t).case.code for t in ("乙访", "甲访", "丙访")}
    signed_in(client, world["county_centre"])
    html = client.get(reverse("mediation:petitions"), {"sort": "-title"}).content.decode()
    assert _codes_in_order(html) == [made[t] for t in sorted(made, reverse=True)]
    assert '<input type="hidden" name="sort" value="-title">' in html
    response = client.get(reverse("mediation:petitions"), {"sort": "petitioner_id_hash"})
    assert response.status_code == 200


def test_dispute_and_petition_lists_show_names_not_codes(world, client):
    dispute = register(world)
    petition(world)
    signed_in(client, world["county_centre"])
    for name in ("mediation:disputes", "mediation:petitions"):
        html = client.get(reverse(name)).content.decode()
        table = html[html.index("<table") : html.index("</table>")]
        assert not CODES.search(table), name
    table = client.get(reverse("mediation:disputes")).content.decode()
    case = dispute.case
    assert f"{case.village.name} · {case.grid.name}" in table
    assert case.grid.code not in table and case.village.code not in table


def test_dispute_page_puts_its_steps_behind_one_next_step_menu(world, client):
    dispute = register(world)
    html = (
        signed_in(client, world["village_centre"])
        .get(reverse("mediation:dispute", args=[dispute.case.code]))
        .content.decode()
    )
    menu = html[html.index('<details class="nextstep"') :]
    steps = re.findall(
        r'<details class="step[^"]*" name="next-step-form" data-action="([a-z_]+)"', menu
    )
    forms = re.findall(r'class="actform[^"]*" data-action="([a-z_]+)"', html)
    assert "accept_mediation" in steps and sorted(steps) == sorted(forms)
    assert '<details class="nextstep" id="next-step">' in html  # closed until asked


def test_refused_step_reopens_the_menu_on_its_form(world, client):
    dispute = register(world)
    signed_in(client, world["village_centre"])
    response = client.post(
        reverse("mediation:dispute_act", args=[dispute.case.code, "accept_mediation"]), {}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert '<details class="nextstep" id="next-step" open>' in html
    assert re.search(r'data-action="accept_mediation" open>', html)


def test_petition_page_has_the_next_step_menu_or_says_there_is_nothing(world, client):
    found = petition(world)
    code = found.case.code
    clerk = (
        signed_in(client, world["county_centre"])
        .get(reverse("mediation:petition", args=[code]))
        .content.decode()
    )
    assert 'id="next-step"' in clerk
    client.force_login(world["leader"])  # oversees: supervise and instruct, nothing else
    leader = client.get(reverse("mediation:petition", args=[code])).content.decode()
    offered = re.findall(
        r'<details class="step[^"]*" name="next-step-form" data-action="(\w+)"', leader
    )
    assert set(offered) == {"supervise", "instruct"}
    # Not accepted, the petition is no longer open: nobody has a step on it now.
    steps.perform(
        actor=world["county_centre"],
        case=found.case,
        action="not_accept",
        data={"note": "不属于信访事项"},
    )
    other = client.get(reverse("mediation:petition", args=[code]))
    assert other.status_code == 200
    assert 'id="no-actions"' in other.content.decode()
    assert 'id="next-step"' not in other.content.decode()


def _results(html: str) -> dict[str, str]:
    return dict(re.findall(r'<tr data-code="([^"]*)" data-result="(ok|refused)"', html))


def test_dispute_list_assigns_a_mediator_to_the_selected_rows(world, client):
    accepted = register(world, title="待指派的纠纷")
    mediation.dispute_accept(actor=world["village_centre"], dispute_id=accepted.pk, consent=True)
    waiting = register(world, title="未受理的纠纷")  # not yet accepted with consent
    signed_in(client, world["village_centre"])
    html = client.get(reverse("mediation:disputes")).content.decode()
    assert 'id="bulk"' in html and f'value="{world["village_mediator"].pk}"' in html
    response = client.post(
        reverse("cases:bulk"),
        {
            "action": "assign",
            "codes": [accepted.case.code, waiting.case.code],
            "mediator_id": world["village_mediator"].pk,
            "next": reverse("mediation:disputes"),
        },
    )
    assert response.status_code == 200
    assert _results(response.content.decode()) == {
        accepted.case.code: "ok",
        waiting.case.code: "refused",
    }
    assigned = Dispute.objects.select_related("case").get(pk=accepted.pk)
    assert assigned.mediator == world["village_mediator"]
    assert assigned.case.status == Status.DISPATCHED
    assert Dispute.objects.get(pk=waiting.pk).mediator is None


def test_bulk_assign_is_refused_for_a_dispute_outside_the_jurisdiction(world, client):
    accepted = register(world)
    mediation.dispute_accept(actor=world["village_centre"], dispute_id=accepted.pk, consent=True)
    signed_in(client, world["village_centre_b"])
    response = client.post(
        reverse("cases:bulk"),
        {"action": "assign", "codes": [accepted.case.code], "mediator_id": 1},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert _results(html) == {accepted.case.code: "refused"}
    assert accepted.case.title not in html
    assert Dispute.objects.get(pk=accepted.pk).mediator is None


def test_case_queue_does_not_offer_the_dispute_step(world, client):
    html = signed_in(client, world["village_centre"]).get(reverse("cases:queue")).content.decode()
    bulk_form = html[html.index('id="bulk"') : html.index("</form>", html.index('id="bulk"'))]
    assert 'value="dispatch"' in bulk_form and 'value="assign"' not in bulk_form
