"""Leaders act: 督办 (supervise with a deadline and an instruction) and 批示 (instruct) land in
the case log and the handler's inbox, show on the case page and in the API."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from fengqiao.accounts.services import token_issue, user_create
from fengqiao.cases import oversight, services
from fengqiao.cases.models import Case, Notification, Status
from fengqiao.core import clock
from fengqiao.core.errors import NotAllowed, NotFound, ValidationFailed


def _dispatched(world) -> Case:
    case = services.case_report(
        actor=world["resident"],
        category=world["security"],
        title="夜里有人聚众赌博",
        channel="portal",
        **world["point"],
    )
    return services.case_accept_dispatch(
        actor=world["grid_chief"], case_id=case.pk, unit_id=world["police"].pk
    )


def _in_days(days: int):
    return clock.localdate() + timedelta(days=days)


def test_supervision_is_logged_and_reaches_the_handler(world):
    case = _dispatched(world)
    deadline = _in_days(3)

    case = oversight.case_supervise(
        actor=world["leader"], case_id=case.pk, deadline=deadline, instruction="三日内办结并报告"
    )

    assert case.status == Status.DISPATCHED
    event = case.events.order_by("-seq").first()
    assert (event.action, event.note, event.data) == (
        "supervise",
        "三日内办结并报告",
        {"deadline": deadline.isoformat()},
    )
    assert services.verify_log(case) == []
    note = Notification.objects.get(recipient=world["handler"], case=case, kind="supervise")
    assert deadline.isoformat() in note.message and "三日内办结并报告" in note.message
    shown = oversight.case_oversight(case)["supervision"]
    assert (shown["deadline"], shown["overdue"]) == (deadline, False)


def test_instruction_is_logged_and_reaches_the_handler(world):
    case = _dispatched(world)
    case = oversight.case_instruct(actor=world["leader"], case_id=case.pk, instruction="依法严处")
    assert case.events.order_by("-seq").first().action == "instruct"
    assert Notification.objects.filter(
        recipient=world["handler"], case=case, kind="instruct"
    ).exists()
    assert [e.note for e in oversight.case_oversight(case)["instructions"]] == ["依法严处"]


def test_supervision_refuses_a_past_or_far_deadline_and_an_empty_instruction(world):
    case = _dispatched(world)
    for deadline, instruction, field in [
        (_in_days(-1), "办结", "deadline"),
        (_in_days(400), "办结", "deadline"),
        (_in_days(1), "  ", "instruction"),
    ]:
        with pytest.raises(ValidationFailed) as caught:
            oversight.case_supervise(
                actor=world["leader"], case_id=case.pk, deadline=deadline, instruction=instruction
            )
        assert caught.value.field == field
    assert Case.objects.get(pk=case.pk).version == case.version


def test_centre_staff_supervise_but_do_not_instruct(world):
    case = _dispatched(world)
    oversight.case_supervise(
        actor=world["county_centre"], case_id=case.pk, deadline=_in_days(2), instruction="加快"
    )
    with pytest.raises(NotAllowed):
        oversight.case_instruct(actor=world["county_centre"], case_id=case.pk, instruction="x")


def test_a_leader_outside_the_place_cannot_act(world):
    from fengqiao.regions.models import Region

    case = _dispatched(world)
    other = Region.objects.filter(level="village").exclude(code=case.region_code[:12])[0]
    outsider = user_create(
        username="leader_b",
        password="fengqiao-demo",  # noqa: S106 - the public demo password
        role="leader",
        jurisdiction=[other.code],
        check_password=False,
    )
    with pytest.raises(NotFound):
        oversight.case_instruct(actor=outsider, case_id=case.pk, instruction="x")


def test_the_case_page_and_the_api_show_the_supervision(world):
    case = _dispatched(world)
    deadline = _in_days(5)
    client = Client()
    client.force_login(world["leader"])
    response = client.post(
        reverse("cases:act", args=[case.code, "supervise"]),
        {"deadline": deadline.isoformat(), "instruction": "五日内办结"},
    )
    assert response.status_code == 302
    client.post(reverse("cases:act", args=[case.code, "instruct"]), {"instruction": "注意方式"})

    page = client.get(reverse("cases:detail", args=[case.code])).content.decode()
    assert 'id="supervision"' in page and deadline.isoformat() in page
    assert 'id="instructions"' in page and "注意方式" in page
    assert 'data-action="supervise"' in page  # the leader may supervise again

    token, _row = token_issue(user=world["handler"])
    api = Client(headers={"Authorization": f"Bearer {token}"})
    body = api.get(f"/api/v1/cases/{case.code}").json()
    assert body["supervision"]["deadline"] == deadline.isoformat()
    assert body["supervision"]["instruction"] == "五日内办结"
    assert "supervise" not in [a["action"] for a in body["actions"]]  # not the handler's


def test_oversight_is_a_step_of_every_case_kind_in_every_open_status():
    from fengqiao.cases import workflow
    from fengqiao.cases.models import OPEN_STATUSES, Kind

    for kind in (Kind.GENERAL, Kind.DISPUTE, Kind.PETITION):
        table = workflow.table_for(kind)
        for status in OPEN_STATUSES:
            assert {(status, "supervise"), (status, "instruct")} <= set(table), (kind, status)
        assert (Status.CLOSED, "supervise") not in table
