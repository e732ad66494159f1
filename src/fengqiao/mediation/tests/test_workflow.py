"""Every (status, action) pair the dispute and petition kinds add or withdraw: allowed for the
roles the table names, refused for every other role, withdrawn ones refused for everybody."""

import itertools

import pytest

from fengqiao.accounts.models import User
from fengqiao.cases import workflow
from fengqiao.cases.models import Case, Kind, Status
from fengqiao.core.errors import Conflict, NotAllowed
from fengqiao.core.roles import Role
from fengqiao.mediation.workflow import (
    DISPUTE_STEPS,
    PETITION_STEPS,
    dispute_desk,
    mediator_returns,
    referral_target,
)

# The guards need rows (no rows here): the case is the actor's and in their jurisdiction,
# and no referral exists, so only the referral steps stay closed (test_flows opens them).
pytestmark = pytest.mark.django_db
GUARD_ADMITS = {dispute_desk: True, mediator_returns: True, referral_target: False}

VILLAGE = "439901101201"
KIND_TABLES = {Kind.DISPUTE: DISPUTE_STEPS, Kind.PETITION: PETITION_STEPS}
_ids = itertools.count(10_000)


def _user(role: str) -> User:
    user = User(pk=next(_ids), username=f"u{role}", role=role, is_active=True)
    user._scope_prefixes = [VILLAGE[:6]]  # the whole county: jurisdiction never refuses
    return user


def _case(kind: str, status: str, assignee: User | None = None) -> Case:
    return Case(
        pk=None,
        kind=kind,
        status=status,
        level="village",
        region_code=VILLAGE,
        assignee_id=assignee.pk if assignee else None,
    )


ADDED = [
    (kind, status, action)
    for kind, table in KIND_TABLES.items()
    for (status, action), found in table.items()
    if found is not None
]
WITHDRAWN = [
    (kind, status, action)
    for kind, table in KIND_TABLES.items()
    for (status, action), found in table.items()
    if found is None
]


@pytest.mark.parametrize(("kind", "status", "action"), ADDED)
@pytest.mark.parametrize("role", Role.values)
def test_added_step_is_allowed_only_for_its_roles(kind, status, action, role):
    found = workflow.table_for(kind)[(status, action)]
    actor = _user(role)
    case = _case(kind, status, assignee=actor)
    expected = role in found.roles and GUARD_ADMITS.get(found.guard, True)
    if expected:
        assert workflow.step(case, action, actor) is found
        assert action in dict(workflow.allowed_actions(actor, case))
    else:
        with pytest.raises(NotAllowed):
            workflow.step(case, action, actor)


@pytest.mark.parametrize(("kind", "status", "action"), WITHDRAWN)
def test_withdrawn_general_step_is_refused_for_everybody(kind, status, action):
    for role in Role.values:
        actor = _user(role)
        with pytest.raises(Conflict):
            workflow.step(_case(kind, status, assignee=actor), action, actor)
    assert (status, action) in workflow.TRANSITIONS  # it exists for general cases


def test_kind_tables_leave_general_cases_alone():
    assert workflow.table_for(Kind.GENERAL) == workflow.TRANSITIONS
    actor = _user(Role.CENTRE_STAFF)
    assert workflow.step(_case(Kind.GENERAL, Status.REPORTED), "accept", actor)
    with pytest.raises(Conflict):
        workflow.step(_case(Kind.GENERAL, Status.REPORTED), "accept_mediation", actor)
