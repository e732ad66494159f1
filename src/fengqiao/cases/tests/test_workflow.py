"""Every (status, action) pair of the transition table, allowed and refused, via the services."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.test import override_settings

from fengqiao.cases import oversight, services, workflow
from fengqiao.cases.models import Case, Category, HandlingUnit, Level, Status
from fengqiao.core import clock
from fengqiao.core.errors import Conflict, NotAllowed, NotFound, ValidationFailed

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]
PASSWORD = "fengqiao-demo"


@pytest.fixture(scope="module")
def people(django_db_setup, django_db_blocker):
    """The demo county, seeded once for this module (each test still rolls back its own
    writes), with the demo accounts and three outsiders: resident_b (another resident),
    handler_b (a township handler outside the police unit) and village_centre_b."""
    from fengqiao.accounts.models import User
    from fengqiao.accounts.services import user_create
    from fengqiao.demo.seed import seed
    from fengqiao.regions.models import Region
    from fengqiao.registry.models import Person

    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=FAST_HASHER),
        transaction.atomic(),
    ):
        seed("small")
        found = {u.username: u for u in User.objects.all()}
        home = found["village_centre"].bindings.get().region.code
        other = Region.objects.filter(level="village").exclude(code=home).order_by("-code")[0]
        found["village_centre_b"] = user_create(
            username="village_centre_b",
            password=PASSWORD,
            role="centre_staff",
            jurisdiction=[other.code],
            check_password=False,
        )
        township = found["town_centre"].bindings.get().region.code
        found["handler_b"] = user_create(
            username="handler_b",
            password=PASSWORD,
            role="handler",
            jurisdiction=[township],
            check_password=False,
        )
        neighbour = (
            Person.objects.filter(account__isnull=True).exclude(pk=found["resident"].person_id)
        ).first()
        found["resident_b"] = user_create(
            username="resident_b",
            password=PASSWORD,
            role="resident",
            person=neighbour,
            check_password=False,
        )
        micro = found["grid_worker"].bindings.get().grid
        police = HandlingUnit.objects.get(members=found["handler"])
        yield {
            **found,
            "point": {"lat": micro.centroid_lat, "lng": micro.centroid_lng},
            "police": police,
            "justice": HandlingUnit.objects.get(code=police.code.replace("police", "justice")),
            "garbage": Category.objects.get(code="garbage"),
        }
        transaction.set_rollback(True)


@pytest.fixture
def w(people, db):
    return people


# -- building a case in any status, with the people who would really act ------------------


def report(w, title="小区门口垃圾堆放无人清理") -> Case:
    return services.case_report(
        actor=w["resident"], category=w["garbage"], title=title, channel="portal", **w["point"]
    )


BUILD = {
    Status.ACCEPTED: lambda w, c: services.case_accept(actor=w["grid_chief"], case_id=c.pk),
    Status.DISPATCHED: lambda w, c: services.case_dispatch(
        actor=w["grid_chief"], case_id=c.pk, unit_id=w["police"].pk
    ),
    Status.CLAIMED: lambda w, c: services.case_claim(actor=w["handler"], case_id=c.pk),
    Status.RESOLVED: lambda w, c: services.case_resolve(
        actor=w["handler"], case_id=c.pk, result="已清运"
    ),
    Status.VERIFIED: lambda w, c: services.case_verify(actor=w["grid_worker"], case_id=c.pk),
    Status.CLOSED: lambda w, c: services.case_close(actor=w["grid_chief"], case_id=c.pk),
}
PATH = list(BUILD)


def case_in(w, status: str) -> Case:
    """A garbage case reported by `resident` at grid level, walked to `status`."""
    case = report(w)
    if status == Status.REJECTED:
        return services.case_reject(actor=w["grid_chief"], case_id=case.pk, reason="重复上报")
    if status == Status.MERGED:
        master = report(w, title="小区门口的垃圾堆了好几天没人清理")
        return services.case_merge(actor=w["grid_chief"], case_id=case.pk, master_id=master.pk)
    for step in PATH[: PATH.index(status) + 1] if status != Status.REPORTED else []:
        case = BUILD[step](w, case)
    assert case.status == status
    return case


# -- doing any action, with arguments that would pass validation --------------------------


def _merge(w, actor, case):
    master = report(w, title="小区门口的垃圾堆了好几天没人清理")
    return services.case_merge(actor=actor, case_id=case.pk, master_id=master.pk)


ACT = {
    "accept": lambda w, a, c: services.case_accept(actor=a, case_id=c.pk),
    "reject": lambda w, a, c: services.case_reject(actor=a, case_id=c.pk, reason="不属实"),
    "merge": _merge,
    "dispatch": lambda w, a, c: services.case_dispatch(
        actor=a, case_id=c.pk, unit_id=w["police"].pk
    ),
    "accept_dispatch": lambda w, a, c: services.case_accept_dispatch(
        actor=a, case_id=c.pk, unit_id=w["police"].pk, priority="high"
    ),
    "claim": lambda w, a, c: services.case_claim(actor=a, case_id=c.pk),
    "return": lambda w, a, c: services.case_return(actor=a, case_id=c.pk, reason="不属本单位"),
    "transfer": lambda w, a, c: services.case_transfer(
        actor=a, case_id=c.pk, unit_id=w["justice"].pk
    ),
    "resolve": lambda w, a, c: services.case_resolve(actor=a, case_id=c.pk, result="已处理"),
    "request_extension": lambda w, a, c: services.case_request_extension(
        actor=a, case_id=c.pk, days=2, reason="等待物业配合"
    ),
    "approve_extension": lambda w, a, c: services.case_approve_extension(actor=a, case_id=c.pk),
    "verify": lambda w, a, c: services.case_verify(actor=a, case_id=c.pk),
    "reopen": lambda w, a, c: services.case_reopen(actor=a, case_id=c.pk, reason="现场仍有垃圾"),
    "rate": lambda w, a, c: services.case_rate(actor=a, case_id=c.pk, rating=4),
    "close": lambda w, a, c: services.case_close(actor=a, case_id=c.pk, reason="已回访"),
    "escalate": lambda w, a, c: services.case_escalate(actor=a, case_id=c.pk, reason="需上级协调"),
    "note": lambda w, a, c: services.case_note(actor=a, case_id=c.pk, note="已电话联系"),
    "supervise": lambda w, a, c: oversight.case_supervise(
        actor=a,
        case_id=c.pk,
        deadline=clock.localdate() + timedelta(days=3),
        instruction="限期办结",
    ),
    "instruct": lambda w, a, c: oversight.case_instruct(
        actor=a, case_id=c.pk, instruction="请妥善处置"
    ),
    # The log step of an upload (cases.attachments stores the files around it).
    "attach": lambda w, a, c: services.case_attach_event(
        actor=a, case_id=c.pk, note="现场照片", data={"attachments": []}
    ),
}


def test_every_action_has_a_service_when_the_table_names_it():
    assert set(ACT) == set(workflow.ACTIONS)


# -- who may take each step, and who is refused --------------------------------------------

# Refused on every pair but 督办 and 批示: a leader only reads; a resident who did not report
# the case and the centre of another village do not even see it.
ALWAYS_REFUSED = [("leader", NotAllowed), ("resident_b", NotFound), ("village_centre_b", NotFound)]
NOT_CENTRE = [("grid_worker", NotAllowed), ("handler", NotAllowed), ("resident", NotAllowed)]
NOT_ASSIGNEE = [("handler_b", NotAllowed), ("grid_worker", NotAllowed), ("resident", NotAllowed)]
NOT_VERIFIER = [("handler", NotAllowed), ("resident", NotAllowed)]

# (status, action) → (who may, who else is refused and how)
RULES = {
    (Status.REPORTED, "accept"): ("grid_chief", NOT_CENTRE),
    (Status.REPORTED, "accept_dispatch"): ("grid_chief", NOT_CENTRE),
    (Status.REPORTED, "reject"): ("grid_chief", NOT_CENTRE),
    (Status.REPORTED, "merge"): ("grid_chief", NOT_CENTRE),
    (Status.ACCEPTED, "merge"): ("grid_chief", NOT_CENTRE),
    (Status.ACCEPTED, "dispatch"): ("grid_chief", NOT_CENTRE),
    (Status.DISPATCHED, "claim"): ("handler", NOT_ASSIGNEE),
    (Status.DISPATCHED, "return"): ("handler", NOT_ASSIGNEE),
    (Status.DISPATCHED, "transfer"): ("grid_chief", NOT_CENTRE),
    (Status.CLAIMED, "transfer"): ("grid_chief", NOT_CENTRE),
    (Status.CLAIMED, "resolve"): ("handler", NOT_ASSIGNEE),
    (Status.CLAIMED, "request_extension"): ("handler", NOT_ASSIGNEE),
    # The case is at grid level: the village above approves, not the grid chief.
    (Status.CLAIMED, "approve_extension"): (
        "village_centre",
        [("grid_chief", NotAllowed), *NOT_CENTRE],
    ),
    (Status.RESOLVED, "verify"): ("grid_worker", NOT_VERIFIER),
    (Status.RESOLVED, "reopen"): ("grid_worker", NOT_VERIFIER),
    (Status.VERIFIED, "rate"): (
        "resident",
        [("grid_worker", NotAllowed), ("handler", NotAllowed), ("grid_chief", NotAllowed)],
    ),
    (Status.VERIFIED, "close"): ("grid_chief", NOT_CENTRE),
    (Status.VERIFIED, "reopen"): ("grid_chief", NOT_CENTRE),
    **{(status, "escalate"): ("grid_chief", NOT_CENTRE) for status in workflow.ESCALATABLE},
    **{
        (status, "note"): ("grid_worker", [("resident", NotAllowed)])
        for status in Status
        if (status, "note") in workflow.TRANSITIONS
    },
    # A leader (or the centre) supervises; only a leader instructs. The grid chief does neither.
    **{
        (status, "supervise"): ("leader", [("grid_chief", NotAllowed), *NOT_CENTRE])
        for status in Status
        if (status, "supervise") in workflow.TRANSITIONS
    },
    **{
        (status, "instruct"): (
            "leader",
            [("grid_chief", NotAllowed), ("village_centre", NotAllowed), *NOT_CENTRE],
        )
        for status in Status
        if (status, "instruct") in workflow.TRANSITIONS
    },
    # A resident may add photos to their own report (others do not see it: ALWAYS_REFUSED).
    **{
        (status, "attach"): ("resident", [])
        for status in Status
        if (status, "attach") in workflow.TRANSITIONS
    },
}
EXPECTED_STATUS = {(Status.VERIFIED, "rate"): Status.CLOSED}  # a rating of 4 closes


def test_rules_cover_every_pair_when_the_table_changes():
    assert set(RULES) == set(workflow.TRANSITIONS)


def _prepare(w, status, action) -> Case:
    case = case_in(w, status)
    if action == "approve_extension":
        services.case_request_extension(
            actor=w["handler"], case_id=case.pk, days=2, reason="等待物业配合"
        )
    return Case.objects.get(pk=case.pk)


@pytest.mark.parametrize(("status", "action"), list(workflow.TRANSITIONS))
def test_step_is_taken_when_the_allowed_role_acts(w, status, action):
    case = _prepare(w, status, action)
    who = w[RULES[status, action][0]]
    assert action in dict(workflow.allowed_actions(who, case))
    events = case.events.count()

    after = ACT[action](w, who, case)

    step = workflow.TRANSITIONS[status, action]
    expected = EXPECTED_STATUS.get((status, action), step.to or status)
    assert after.status == expected
    last = after.events.order_by("-seq").first()
    assert (last.action, last.from_status, last.to_status) == (action, status, expected)
    assert last.actor == who
    assert after.events.count() == events + 1
    assert services.verify_log(after) == []


@pytest.mark.parametrize(("status", "action"), list(workflow.TRANSITIONS))
def test_step_is_refused_when_another_role_or_person_tries(w, status, action):
    case = _prepare(w, status, action)
    allowed = RULES[status, action][0]
    refused = [r for r in ALWAYS_REFUSED if r[0] != allowed] + RULES[status, action][1]
    for name, error in refused:
        who = w[name]
        with pytest.raises(error):
            ACT[action](w, who, case)
        assert action not in dict(workflow.allowed_actions(who, case)), name
    unchanged = Case.objects.get(pk=case.pk)
    assert (unchanged.status, unchanged.version) == (case.status, case.version)


# -- actions that the table does not list for a status --------------------------------------

ILLEGAL = [
    (status, action)
    for status in Status
    for action in workflow.ACTIONS
    if (status, action) not in workflow.TRANSITIONS
]


@pytest.mark.parametrize(("status", "action"), ILLEGAL)
def test_step_raises_illegal_transition_when_the_table_has_no_such_pair(w, status, action):
    case = Case(status=status, level=Level.GRID, region_code="")
    with pytest.raises(Conflict) as caught:
        workflow.step(case, action, w["admin"])
    assert caught.value.code == "illegal_transition"
    assert action not in dict(workflow.allowed_actions(w["admin"], case))


@pytest.mark.parametrize("status", list(Status))
def test_service_raises_illegal_transition_when_the_status_does_not_allow_it(w, status):
    case = case_in(w, status)
    illegal = [action for st, action in ILLEGAL if st == status]
    # approve_extension looks for an open request before it asks the table (see the report).
    for action in illegal:
        if action == "approve_extension":
            continue
        with pytest.raises(Conflict) as caught:
            ACT[action](w, w["admin"], case)
        assert caught.value.code == "illegal_transition", action
    assert Case.objects.get(pk=case.pk).version == case.version


# -- particular rules -----------------------------------------------------------------------


def test_escalate_raises_top_level_when_the_case_is_at_county(w):
    case = report(w)
    levels = []
    for _ in range(3):
        case = services.case_escalate(actor=w["county_centre"], case_id=case.pk, reason="协调")
        levels.append(case.level)
    assert levels == [Level.VILLAGE, Level.TOWNSHIP, Level.COUNTY]
    assert case.status == Status.ACCEPTED
    with pytest.raises(Conflict) as caught:
        services.case_escalate(actor=w["county_centre"], case_id=case.pk, reason="协调")
    assert caught.value.code == "top_level"
    assert "escalate" not in dict(workflow.allowed_actions(w["county_centre"], case))


def test_escalate_clears_the_unit_when_a_dispatched_case_goes_up(w):
    case = case_in(w, Status.CLAIMED)
    case = services.case_escalate(actor=w["village_centre"], case_id=case.pk, reason="需协调")
    assert (case.status, case.level, case.unit, case.assignee) == (
        Status.ACCEPTED,
        Level.VILLAGE,
        None,
        None,
    )


def test_rate_is_refused_when_the_resident_did_not_report_the_case(w):
    case = case_in(w, Status.VERIFIED)
    with pytest.raises(NotFound):
        services.case_rate(actor=w["resident_b"], case_id=case.pk, rating=5)
    assert "rate" not in dict(workflow.allowed_actions(w["resident_b"], case))
    assert "rate" in dict(workflow.allowed_actions(w["resident"], case))
    case = services.case_rate(actor=w["resident"], case_id=case.pk, rating=5, comment="很满意")
    assert (case.status, case.rating, case.rating_comment) == (Status.CLOSED, 5, "很满意")


@pytest.mark.parametrize(
    ("rating", "status"),
    [(1, Status.VERIFIED), (2, Status.VERIFIED), (3, Status.CLOSED), (5, Status.CLOSED)],
)
def test_rating_closes_only_when_it_is_three_or_more(w, rating, status):
    case = case_in(w, Status.VERIFIED)
    case = services.case_rate(actor=w["resident"], case_id=case.pk, rating=rating)
    assert (case.status, case.rating) == (status, rating)
    assert (case.closed_at is not None) == (status == Status.CLOSED)


@pytest.mark.parametrize("status", [Status.RESOLVED, Status.VERIFIED])
def test_reopen_sends_the_case_back_to_its_handler_when_the_check_fails(w, status):
    case = case_in(w, status)
    if status == Status.VERIFIED:
        case = services.case_rate(actor=w["resident"], case_id=case.pk, rating=1, comment="没扫")
    who = w["grid_worker"] if status == Status.RESOLVED else w["grid_chief"]
    case = services.case_reopen(actor=who, case_id=case.pk, reason="现场仍有垃圾")
    assert case.status == Status.DISPATCHED
    assert (case.unit, case.assignee) == (w["police"], w["handler"])
    assert (case.rating, case.rating_comment) == (None, "")
    assert case.due_at is not None  # the claim clock runs again
    case = services.case_claim(actor=w["handler"], case_id=case.pk)
    assert case.status == Status.CLAIMED


def test_merge_closes_the_duplicate_and_notes_the_master_when_merged(w):
    master = report(w)
    duplicate = report(w, title="小区门口的垃圾堆了好几天没人清理")
    assert master.pk in [c["id"] for c in duplicate.duplicate_candidates]
    duplicate = services.case_merge(
        actor=w["grid_chief"], case_id=duplicate.pk, master_id=master.pk
    )
    assert (duplicate.status, duplicate.master) == (Status.MERGED, master)
    assert duplicate.closed_at is not None
    assert duplicate.events.order_by("-seq").first().data == {"master": master.code}
    note = master.events.order_by("-seq").first()
    assert (note.action, note.data) == ("note", {"merged": duplicate.code})
    assert list(master.duplicates.all()) == [duplicate]


def test_merge_is_refused_when_the_master_is_the_case_itself(w):
    case = report(w)
    with pytest.raises(ValidationFailed) as caught:
        services.case_merge(actor=w["grid_chief"], case_id=case.pk, master_id=case.pk)
    assert caught.value.field == "master"


def test_return_clears_the_unit_when_the_dispatch_was_wrong(w):
    case = case_in(w, Status.DISPATCHED)
    case = services.case_return(actor=w["handler"], case_id=case.pk, reason="不属本单位")
    assert (case.status, case.unit, case.assignee) == (Status.ACCEPTED, None, None)
    assert "return" not in dict(workflow.allowed_actions(w["handler"], case))


def test_transfer_moves_the_case_to_another_unit_when_the_centre_decides(w):
    case = case_in(w, Status.CLAIMED)
    case = services.case_transfer(actor=w["grid_chief"], case_id=case.pk, unit_id=w["justice"].pk)
    assert (case.status, case.unit, case.assignee) == (Status.DISPATCHED, w["justice"], None)
    with pytest.raises(NotAllowed):
        services.case_claim(actor=w["handler"], case_id=case.pk)


def test_extension_moves_due_at_when_the_level_above_approves(w):
    case = case_in(w, Status.CLAIMED)
    before = case.due_at
    services.case_request_extension(actor=w["handler"], case_id=case.pk, days=2, reason="等配件")
    with pytest.raises(NotAllowed):
        services.case_approve_extension(actor=w["grid_chief"], case_id=case.pk)
    assert Case.objects.get(pk=case.pk).due_at == before

    case = services.case_approve_extension(actor=w["village_centre"], case_id=case.pk)

    from fengqiao.cases import sla
    from fengqiao.core.calendar import working_calendar

    assert case.due_at == sla.add(before, 2, "workdays", working_calendar())
    assert case.resolve_due_at == case.due_at
    assert case.status == Status.CLAIMED
    with pytest.raises(Conflict) as caught:
        services.case_approve_extension(actor=w["village_centre"], case_id=case.pk)
    assert caught.value.code == "no_request"


def test_allowed_actions_lists_claim_and_return_when_the_unit_member_looks(w):
    case = case_in(w, Status.DISPATCHED)
    assert set(dict(workflow.allowed_actions(w["handler"], case))) == {
        "claim",
        "return",
        "note",
        "attach",
    }
    assert set(dict(workflow.allowed_actions(w["handler_b"], case))) == {"note", "attach"}
    # A leader only oversees: 督办 and 批示.
    assert set(dict(workflow.allowed_actions(w["leader"], case))) == {"supervise", "instruct"}
