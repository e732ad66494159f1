"""One path for each step: every step of every kind's table names a service and a form, each
general step is taken through both transports (the API's action endpoint and the page form)
with the same result, and nothing but the case services assigns a case's status."""

import ast
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from fengqiao.accounts.services import token_issue
from fengqiao.cases import services, steps, workflow
from fengqiao.cases.models import Case, Kind, Status
from fengqiao.cases.tests import test_workflow as flow
from fengqiao.core import clock

RULES, case_in, report = flow.RULES, flow.case_in, flow.report
people, w = flow.people, flow.w  # the module's seeded county (fixtures)

SRC = Path(__file__).resolve().parents[2]


def _inputs(w, action: str) -> dict:
    """Input a person would type for `action` (API field names; pages post the same)."""
    return {
        "accept": {"note": "受理", "priority": "urgent"},
        "reject": {"reason": "不属实"},
        "merge": {"master": report(w, title="小区门口的垃圾堆了好几天没人清理").code},
        "dispatch": {"unit_id": w["police"].pk, "note": "请派出所处理"},
        "accept_dispatch": {"unit_id": w["police"].pk, "priority": "high", "note": "受理并派遣"},
        "transfer": {"unit_id": w["justice"].pk},
        "claim": {},
        "return": {"reason": "不属本单位"},
        "resolve": {"result": "已清运"},
        "request_extension": {"days": 2, "reason": "等待物业配合"},
        "approve_extension": {"note": "同意"},
        "verify": {},
        "reopen": {"reason": "现场仍有垃圾"},
        "rate": {"rating": 4, "comment": "满意"},
        "close": {"reason": "已回访"},
        "escalate": {"reason": "需上级协调"},
        "note": {"note": "已电话联系"},
        "supervise": {
            "deadline": (clock.localdate() + timedelta(days=3)).isoformat(),
            "instruction": "限期办结",
        },
        "instruct": {"instruction": "请妥善处置"},
    }[action]


def _ready(w, status: str, action: str) -> Case:
    case = case_in(w, status)
    if action == "approve_extension":
        case = services.case_request_extension(
            actor=w["handler"], case_id=case.pk, days=2, reason="等待物业配合"
        )
    return case


def _by_api(actor, case: Case, action: str, data: dict):
    token, _row = token_issue(user=actor)
    client = Client(headers={"Authorization": f"Bearer {token}"})
    return client.post(
        f"/api/v1/cases/{case.code}/actions/{action}", data, content_type="application/json"
    )


def _by_page(actor, case: Case, action: str, data: dict):
    client = Client()
    client.force_login(actor)
    if action == "rate" and actor.role == "resident":
        url = reverse("h5:rate", args=[case.code])
    else:
        url = reverse("cases:act", args=[case.code, action])
    return client.post(url, data)


PAIRS = sorted(pair for pair in RULES if pair[1] != "attach")


# Steps taken by an endpoint of their own, not through a step form: files (the case's
# attachments; the signed mediation agreement) and a relapse, which a follow-up visit takes.
OWN_ENDPOINT = {"attach", "agreement_signed", "relapse"}


def test_every_step_names_a_service_and_a_form_that_exist():
    for kind in Kind.values:
        for (status, action), found in workflow.table_for(kind).items():
            if action in OWN_ENDPOINT:
                assert not found.service, (kind, action)
                continue
            named = steps._step_named(Case(kind=kind, status=status), action)
            assert callable(steps.service_of(named)), (kind, action)
            assert issubclass(steps.form_class(named), steps.StepForm), (kind, action)


@pytest.mark.parametrize("transport", [_by_api, _by_page], ids=["api", "page"])
@pytest.mark.parametrize(("status", "action"), PAIRS)
def test_every_step_is_taken_from_both_transports_with_the_same_result(
    w, status, action, transport
):
    case = _ready(w, status, action)
    data = _inputs(w, action)
    found = workflow.table_for(case.kind)[(status, action)]
    actor = w[RULES[(status, action)][0]]

    response = transport(actor, case, action, data)

    assert response.status_code in (200, 302), response.content[:300]
    case.refresh_from_db()
    expected = found.target({"rating": data.get("rating")}) or status
    assert case.status == expected
    event = case.events.order_by("-seq").first()
    assert event.action == action and event.actor_id == actor.pk


@pytest.mark.parametrize("transport", [_by_api, _by_page], ids=["api", "page"])
@pytest.mark.parametrize(("rating", "status"), [(2, Status.VERIFIED), (3, Status.CLOSED)])
def test_rating_takes_the_guarded_branch_only_when_satisfied(w, transport, rating, status):
    case = case_in(w, Status.VERIFIED)

    transport(w["resident"], case, "rate", {"rating": rating})

    case.refresh_from_db()
    assert (case.status, case.rating) == (status, rating)
    assert (case.closed_at is not None) == (status == Status.CLOSED)


@pytest.mark.parametrize("transport", [_by_api, _by_page], ids=["api", "page"])
def test_a_malformed_input_is_refused_naming_its_field_on_both_transports(w, transport):
    case = case_in(w, Status.CLAIMED)

    response = transport(w["handler"], case, "request_extension", {"days": "many", "reason": "x"})

    assert response.status_code == 400
    case.refresh_from_db()
    assert case.events.filter(action="request_extension").count() == 0
    if transport is _by_api:
        assert response.json()["field"] == "days"


def test_the_role_is_checked_before_the_input_is_read(w):
    case = case_in(w, Status.CLAIMED)
    response = _by_api(w["grid_worker"], case, "resolve", {"result": ["not", "text"]})
    assert response.status_code == 403


def test_an_action_no_table_has_is_unknown(w):
    case = case_in(w, Status.REPORTED)
    response = _by_api(w["grid_chief"], case, "explode", {})
    assert response.status_code == 404 and response.json()["code"] == "unknown_action"


def _status_writes(tree: ast.AST) -> list[tuple[str, int]]:
    """(function, line) of each assignment to a case's status in a module."""
    found = []
    for func in ast.walk(tree):
        if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(func):
            targets = []
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, ast.AugAssign | ast.AnnAssign):
                targets = [node.target]
            for target in targets:
                if not (isinstance(target, ast.Attribute) and target.attr == "status"):
                    continue
                owner = target.value
                name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", "")
                if "case" in name.lower() or name == "locked":
                    found.append((func.name, node.lineno))
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("update", "bulk_update")
                and "case" in ast.unparse(node.func.value).lower()
                and any((k.arg or "").startswith("status") for k in node.keywords)
            ):
                found.append((func.name, node.lineno))
    return found


def test_nothing_but_the_transition_service_changes_a_case_status():
    writes = {}
    for path in SRC.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for func, _line in _status_writes(ast.parse(path.read_text(encoding="utf-8"))):
            writes.setdefault(str(path.relative_to(SRC)), []).append(func)
    assert writes == {"cases/transitions.py": ["transition"]}


def test_the_status_scan_sees_a_write_when_one_is_made():
    sample = "def f(case):\n    case.status = 'closed'\n    Case.objects.update(status='x')\n"
    assert [f for f, _line in _status_writes(ast.parse(sample))] == ["f", "f"]
