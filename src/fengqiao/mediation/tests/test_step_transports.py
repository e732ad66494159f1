"""One path for each dispute and petition step: every step a kind adds, or a general step it
overrides with a step of its own, is taken through both transports (the kind's API action
endpoint and its page's action form) from a case built in that step's status, with the same
resulting status and an event by that actor. The general steps a kind keeps unchanged are
covered for the general kind by cases/tests/test_steps.py."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from fengqiao.accounts.services import token_issue
from fengqiao.cases import services as case_services
from fengqiao.cases import workflow
from fengqiao.cases.models import Case, Kind, Status
from fengqiao.cases.tests.test_steps import OWN_ENDPOINT
from fengqiao.core import clock
from fengqiao.mediation import petitions, referrals
from fengqiao.mediation import services as mediation
from fengqiao.mediation.tests.test_views import (
    START,
    held_session,
    in_mediation,
    petition,
    register,
    settled,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def at_start():
    clock.freeze(START)
    yield START
    clock.freeze(None)


# What each step's case needs beyond its status: "referred" an open referral to the court,
# "referral_accepted" one the court accepted, "confirmation" an open confirmation request,
# "confirmation_accepted" one the court accepted. Actors are `world` keys.
SETUP = {
    Kind.DISPUTE: {
        (Status.REPORTED, "escalate"): ("village_centre", ""),
        (Status.REPORTED, "accept_mediation"): ("village_centre", ""),
        (Status.REPORTED, "party_add"): ("village_centre", ""),
        (Status.ACCEPTED, "assign"): ("village_centre", ""),
        (Status.ACCEPTED, "party_add"): ("village_centre", ""),
        (Status.DISPATCHED, "assign"): ("village_centre", ""),
        (Status.DISPATCHED, "party_add"): ("village_centre", ""),
        (Status.DISPATCHED, "claim"): ("mediator_a", ""),
        (Status.DISPATCHED, "return"): ("mediator_a", ""),
        (Status.DISPATCHED, "referral_accept"): ("court_clerk", "referred"),
        (Status.DISPATCHED, "referral_decline"): ("court_clerk", "referred"),
        (Status.CLAIMED, "assign"): ("village_centre", ""),
        (Status.CLAIMED, "party_add"): ("mediator_a", ""),
        (Status.CLAIMED, "session_plan"): ("mediator_a", ""),
        (Status.CLAIMED, "session"): ("mediator_a", ""),
        (Status.CLAIMED, "conclude"): ("mediator_a", ""),
        (Status.CLAIMED, "refer"): ("mediator_a", ""),
        (Status.CLAIMED, "referral_settled"): ("court_clerk", "referral_accepted"),
        (Status.CLAIMED, "referral_back"): ("court_clerk", "referral_accepted"),
        **{
            (status, action): (actor, need)
            for status in (Status.RESOLVED, Status.VERIFIED, Status.CLOSED)
            for action, actor, need in (
                ("confirmation_request", "mediator_a", ""),
                ("confirmation_accept", "court_clerk", "confirmation"),
                ("confirmation_result", "court_clerk", "confirmation_accepted"),
                ("follow_up", "mediator_a", ""),
            )
        },
    },
    Kind.PETITION: {
        (Status.REPORTED, "escalate"): ("village_centre", ""),
        (Status.REPORTED, "acknowledge"): ("county_centre", ""),
        (Status.REPORTED, "not_accept"): ("county_centre", ""),
        (Status.CLAIMED, "reply"): ("petition_clerk", ""),
        **{
            (status, action): ("county_centre", "")
            for status in (Status.ACCEPTED, Status.DISPATCHED, Status.CLAIMED)
            for action in ("extend_reply", "link_dispute")
        },
    },
}

# Pairs of a kind's own table that cannot be built here, each with its reason.
EXCLUDED: dict[str, dict[tuple[str, str], str]] = {Kind.DISPUTE: {}, Kind.PETITION: {}}


def _own_steps(kind: str) -> set[tuple[str, str]]:
    """The kind's steps taken by a step form that the general table lacks or has otherwise."""
    return {
        pair
        for pair, found in workflow.table_for(kind).items()
        if pair[1] not in OWN_ENDPOINT and workflow.TRANSITIONS.get(pair) != found
    }


def _inputs(w, action: str) -> dict:
    """Input a person would type for `action` (API field names; pages post the same)."""
    soon = (clock.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    earlier = (clock.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    return {
        "escalate": {"reason": "需上级协调"},
        "accept_mediation": {"consent": True, "consent_note": "双方签署申请书"},
        "party_add": {"side": "third_party", "name": "物业公司经理", "phone": "13800002222"},
        "assign": {"mediator_id": w["township_mediator"].pk, "note": "请镇调解员接手"},
        "claim": {},
        "return": {"reason": "不属本人调解"},
        "referral_accept": {"note": "已立案"},
        "referral_decline": {"reason": "材料不全，请补充证据"},
        "session_plan": {"starts_at": soon, "place": "村调解室"},
        "session": {
            "held_at": earlier,
            "place": "村调解室",
            "participants": "申请人、被申请人、调解员",
            "record": "双方陈述各自意见",
        },
        "conclude": {
            "outcome": "agreement",
            "result": "达成协议",
            "facts": "漏水",
            "terms": "赔偿2000元",
            "performance": "当场履行",
        },
        "refer": {"way": "court", "to_unit_id": w["court"].pk, "reason": "调解不成，引导诉讼"},
        "referral_settled": {"result": "诉前调解成功"},
        "referral_back": {"result": "原告撤诉"},
        "confirmation_request": {"to_unit_id": w["court"].pk, "note": "申请司法确认"},
        "confirmation_accept": {"note": "已受理"},
        "confirmation_result": {"confirmed": True, "result": "裁定协议有效"},
        "follow_up": {"result": "stable", "note": "协议已履行"},
        "acknowledge": {"note": "予以受理"},
        "not_accept": {"note": "不属于信访事项"},
        "reply": {"reply": "补偿款已于本月发放到位。"},
        "extend_reply": {"days": 15, "reason": "需要多部门核实"},
        "link_dispute": {"dispute": register(w, title="征地补偿纠纷").case.code},
    }[action]


def _dispute_in(w, status: str, need: str) -> Case:
    dispute = register(w)
    if status == Status.REPORTED:
        return dispute.case
    if status in (Status.ACCEPTED, Status.DISPATCHED) and not need:
        mediation.dispute_accept(actor=w["village_centre"], dispute_id=dispute.pk, consent=True)
        if status == Status.DISPATCHED:
            mediation.dispute_assign(
                actor=w["village_centre"],
                dispute_id=dispute.pk,
                mediator_id=w["village_mediator"].pk,
            )
        return Case.objects.get(pk=dispute.pk)
    in_mediation(w, dispute)
    held_session(w, dispute)
    if need.startswith("referral") or need == "referred":
        referral = referrals.dispute_refer(
            actor=w["mediator_a"],
            dispute_id=dispute.pk,
            way="court",
            to_unit_id=w["court"].pk,
            reason="调解不成",
        )
        if need == "referral_accepted":
            referrals.referral_accept(actor=w["court_clerk"], referral_id=referral.pk)
        return Case.objects.get(pk=dispute.pk)
    if status == Status.CLAIMED:
        return Case.objects.get(pk=dispute.pk)
    settled(w, dispute)
    if status in (Status.VERIFIED, Status.CLOSED):
        case_services.case_verify(actor=w["village_centre"], case_id=dispute.pk)
    if status == Status.CLOSED:
        case_services.case_close(actor=w["village_centre"], case_id=dispute.pk, reason="已回访")
    if need.startswith("confirmation"):
        request = referrals.confirmation_request(
            actor=w["mediator_a"], dispute_id=dispute.pk, to_unit_id=w["court"].pk
        )
        if need == "confirmation_accepted":
            referrals.referral_accept(actor=w["court_clerk"], referral_id=request.pk)
    return Case.objects.get(pk=dispute.pk)


def _petition_in(w, status: str) -> Case:
    found = petition(w)
    if status != Status.REPORTED:
        petitions.petition_acknowledge(
            actor=w["county_centre"], petition_id=found.pk, accepted=True
        )
    if status in (Status.DISPATCHED, Status.CLAIMED):
        case_services.case_dispatch(
            actor=w["county_centre"], case_id=found.pk, unit_id=w["petition_office"].pk
        )
    if status == Status.CLAIMED:
        case_services.case_claim(actor=w["petition_clerk"], case_id=found.pk)
    return Case.objects.get(pk=found.pk)


def _ready(w, kind: str, status: str, need: str) -> Case:
    case = _dispute_in(w, status, need) if kind == Kind.DISPUTE else _petition_in(w, status)
    assert case.status == status
    return case


def _path(case: Case) -> str:
    return "disputes" if case.kind == Kind.DISPUTE else "petitions"


def _by_api(actor, case: Case, action: str, data: dict):
    token, _row = token_issue(user=actor)
    client = Client(headers={"Authorization": f"Bearer {token}"})
    return client.post(
        f"/api/v1/{_path(case)}/{case.code}/actions/{action}", data, content_type="application/json"
    )


def _by_page(actor, case: Case, action: str, data: dict):
    client = Client()
    client.force_login(actor)
    name = "mediation:dispute_act" if case.kind == Kind.DISPUTE else "mediation:petition_act"
    form = {key: ("true" if value is True else value) for key, value in data.items()}
    return client.post(reverse(name, args=[case.code, action]), form)


CASES = sorted((kind, status, action) for kind, table in SETUP.items() for status, action in table)


@pytest.mark.parametrize("kind", [Kind.DISPUTE, Kind.PETITION])
def test_every_own_step_of_the_kind_is_covered_or_excluded_with_a_reason(kind):
    covered = set(SETUP[kind]) | set(EXCLUDED[kind])
    assert covered == _own_steps(kind)
    assert not set(SETUP[kind]) & set(EXCLUDED[kind])


@pytest.mark.parametrize("transport", [_by_api, _by_page], ids=["api", "page"])
@pytest.mark.parametrize(("kind", "status", "action"), CASES)
def test_every_kind_step_is_taken_from_both_transports_with_the_same_result(
    world, kind, status, action, transport
):
    username, need = SETUP[kind][(status, action)]
    case = _ready(world, kind, status, need)
    data = _inputs(world, action)
    found = workflow.table_for(kind)[(status, action)]
    actor = world[username]

    response = transport(actor, case, action, data)

    assert response.status_code in (200, 302), response.content[:500]
    case.refresh_from_db()
    assert case.status == (found.target(data) or status)
    event = case.events.order_by("-seq").first()
    assert event.action == action and event.actor_id == actor.pk
