"""The case transition table: (status, action) → new status, who may, guards, and the
service and input form of each step.

The service applies it; pages and the API ask `allowed_actions` which buttons to show and
take a step through `cases.steps.perform`, which finds the step's service and form here; a
test walks every pair from both transports. No status is assigned anywhere else.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fengqiao.cases.models import (
    LEVEL_ORDER,
    OPEN_STATUSES,
    SYSTEM_ACTOR,
    Case,
    Level,
    Status,
)
from fengqiao.core.divisions import prefix_at
from fengqiao.core.errors import Conflict, NotAllowed
from fengqiao.core.roles import Role
from fengqiao.core.scoping import code_within

CENTRE = frozenset({Role.ADMIN, Role.CENTRE_STAFF, Role.GRID_CHIEF})
HANDLERS = frozenset(
    {
        Role.HANDLER,
        Role.GRID_WORKER,
        Role.GRID_CHIEF,
        Role.CENTRE_STAFF,
        Role.MEDIATOR,
        Role.LEGAL_ADVISOR,
    }
)
VERIFIERS = frozenset({Role.ADMIN, Role.CENTRE_STAFF, Role.GRID_CHIEF, Role.GRID_WORKER})
RATERS = frozenset({Role.RESIDENT, Role.CENTRE_STAFF, Role.ADMIN})
NOTERS = frozenset(set(Role.values) - {Role.RESIDENT, Role.LEADER})
SYSTEM = SYSTEM_ACTOR

# 督办 by leaders and the centre; 批示 by leaders (and administrators).
SUPERVISORS = frozenset({Role.LEADER, Role.CENTRE_STAFF, Role.ADMIN})
INSTRUCTORS = frozenset({Role.LEADER, Role.ADMIN})
OVERSIGHT = "fengqiao.cases.oversight."

SATISFIED_FROM = 3  # ratings 3–5 close the case; 1–2 leave it for the centre to decide


def satisfied(data: Mapping) -> bool:
    """A rating that closes the case (the guard of rate → closed)."""
    rating = data.get("rating")
    return isinstance(rating, int) and rating >= SATISFIED_FROM


@dataclass(frozen=True)
class Step:
    to: str | None  # None: the status does not change
    roles: frozenset
    label: str | Promise
    system: bool = False  # the worker's sweeps may take this step
    assignee_only: bool = False  # only the person the case is dispatched to / claimed by
    reporter_only: bool = False  # a resident may only act on their own case
    # Replaces the jurisdiction/assignee check: guard(actor, case) -> bool (kind steps).
    guard: Callable | None = None
    # Dotted paths: the service `f(*, actor, case_id, **arguments) -> Case` that takes the step,
    # and its input form (a cases.steps.StepForm). Strings, so the table imports neither.
    service: str = ""
    form: str = ""
    # Guarded targets: the first (predicate(event data), status) whose predicate holds on
    # what the step logs decides the new status instead of `to`.
    branches: tuple[tuple[Callable[[Mapping], bool], str], ...] = ()
    caution: bool = False  # moves a case back or out: drawn in the warning colour
    template: str = ""  # a page template of its own, for a step the generic form cannot draw
    # The steps this one takes at once (accept and dispatch): it is withdrawn from a kind's
    # table that withdraws any of them.
    composes: tuple[str, ...] = ()

    def target(self, data: Mapping) -> str | None:
        """The status this step leads to, given the data it logs."""
        for holds, status in self.branches:
            if holds(data):
                return status
        return self.to


ESCALATABLE = [Status.REPORTED, Status.ACCEPTED, Status.DISPATCHED, Status.CLAIMED]

SERVICES = "fengqiao.cases.services."
FORMS = "fengqiao.cases.step_forms."


def _does(service: str, form: str) -> dict:
    return {"service": SERVICES + service, "form": FORMS + form}


ACCEPT = _does("case_accept", "AcceptForm")
MERGE = _does("case_merge", "MergeForm")
TRANSFER = _does("case_transfer", "SendForm")
REOPEN = _does("case_reopen", "ReasonForm")

TRANSITIONS: dict[tuple[str, str], Step] = {
    (Status.REPORTED, "accept"): Step(Status.ACCEPTED, CENTRE, _("Accept"), **ACCEPT),
    # The hotline operator's one step: accept a new report and send it to the suggested unit.
    (Status.REPORTED, "accept_dispatch"): Step(
        Status.DISPATCHED,
        CENTRE,
        _("Accept and dispatch"),
        composes=("accept", "dispatch"),
        **_does("case_accept_dispatch", "AcceptDispatchForm"),
    ),
    (Status.REPORTED, "reject"): Step(
        Status.REJECTED, CENTRE, _("Reject"), caution=True, **_does("case_reject", "ReasonForm")
    ),
    (Status.REPORTED, "merge"): Step(
        Status.MERGED, CENTRE, _("Merge as duplicate"), caution=True, **MERGE
    ),
    (Status.ACCEPTED, "merge"): Step(
        Status.MERGED, CENTRE, _("Merge as duplicate"), caution=True, **MERGE
    ),
    (Status.ACCEPTED, "dispatch"): Step(
        Status.DISPATCHED, CENTRE, _("Dispatch"), **_does("case_dispatch", "SendForm")
    ),
    (Status.DISPATCHED, "claim"): Step(
        Status.CLAIMED,
        HANDLERS,
        _("Claim"),
        assignee_only=True,
        **_does("case_claim", "NoteForm"),
    ),
    (Status.DISPATCHED, "return"): Step(
        Status.ACCEPTED,
        HANDLERS,
        _("Return (wrong dispatch)"),
        assignee_only=True,
        caution=True,
        **_does("case_return", "ReasonForm"),
    ),
    (Status.DISPATCHED, "transfer"): Step(Status.DISPATCHED, CENTRE, _("Transfer"), **TRANSFER),
    (Status.CLAIMED, "transfer"): Step(Status.DISPATCHED, CENTRE, _("Transfer"), **TRANSFER),
    (Status.CLAIMED, "resolve"): Step(
        Status.RESOLVED,
        HANDLERS,
        _("Resolve"),
        assignee_only=True,
        **_does("case_resolve", "ResolveForm"),
    ),
    (Status.CLAIMED, "request_extension"): Step(
        None,
        HANDLERS,
        _("Request extension"),
        assignee_only=True,
        **_does("case_request_extension", "ExtensionForm"),
    ),
    (Status.CLAIMED, "approve_extension"): Step(
        None, CENTRE, _("Approve extension"), **_does("case_approve_extension", "NoteForm")
    ),
    (Status.RESOLVED, "verify"): Step(
        Status.VERIFIED, VERIFIERS, _("Verify"), **_does("case_verify", "NoteForm")
    ),
    (Status.RESOLVED, "reopen"): Step(
        Status.DISPATCHED, VERIFIERS, _("Fail check and reopen"), caution=True, **REOPEN
    ),
    # A satisfied rating closes the case; an unhappy one leaves it for the centre to decide.
    (Status.VERIFIED, "rate"): Step(
        None,
        RATERS,
        _("Rate"),
        reporter_only=True,
        branches=((satisfied, Status.CLOSED),),
        **_does("case_rate", "RateForm"),
    ),
    (Status.VERIFIED, "close"): Step(
        Status.CLOSED, CENTRE, _("Close"), system=True, **_does("case_close", "CloseForm")
    ),
    (Status.VERIFIED, "reopen"): Step(
        Status.DISPATCHED, CENTRE, _("Reopen"), caution=True, **REOPEN
    ),
    **{
        (status, "escalate"): Step(
            Status.ACCEPTED,
            CENTRE,
            _("Escalate"),
            system=True,
            caution=True,
            **_does("case_escalate", "ReasonForm"),
        )
        for status in ESCALATABLE
    },
    **{
        (status, "note"): Step(None, NOTERS, _("Add note"), **_does("case_note", "NoteOnlyForm"))
        for status in OPEN_STATUSES
    },
    # A leader's 督办 (deadline and instruction) and 批示, within their jurisdiction, on a case
    # of any kind (disputes and petitions included).
    **{
        (status, "supervise"): Step(
            None,
            SUPERVISORS,
            _("Supervise"),
            service=OVERSIGHT + "case_supervise",
            form=FORMS + "SuperviseForm",
        )
        for status in OPEN_STATUSES
    },
    **{
        (status, "instruct"): Step(
            None,
            INSTRUCTORS,
            _("Instruct"),
            service=OVERSIGHT + "case_instruct",
            form=FORMS + "InstructForm",
        )
        for status in OPEN_STATUSES
    },
    # Photos and files: staff on any open case, a resident on their own. Uploaded through
    # the attachments endpoint and form (files are not a step form's input).
    **{
        (status, "attach"): Step(
            None, NOTERS | {Role.RESIDENT}, _("Add photos or files"), reporter_only=True
        )
        for status in OPEN_STATUSES
    },
}

# Case kinds (disputes, petitions) add their own steps and may withdraw a general one
# (value None), e.g. a dispute is accepted only with the parties' consent, so the plain
# "accept" is withdrawn for it. Registered by the app that owns the kind, at start-up.
KIND_STEPS: dict[str, dict[tuple[str, str], Step | None]] = {}


# The page that holds a kind's own record (URL name taking the case code), so the case page
# can point to it.
KIND_PAGES: dict[str, str] = {}
# Category group → the page that turns a general case of that group into a kind's case
# (e.g. a neighbour quarrel reported as a case becomes a dispute for mediation).
UPGRADE_PAGES: dict[str, str] = {}


def register_kind_steps(
    kind: str,
    steps: dict[tuple[str, str], Step | None],
    *,
    page: str = "",
    upgrade: tuple[str, str] | None = None,
) -> None:
    KIND_STEPS.setdefault(kind, {}).update(steps)
    if page:
        KIND_PAGES[kind] = page
    if upgrade:
        group, url_name = upgrade
        UPGRADE_PAGES[group] = url_name


def table_for(kind: str) -> dict[tuple[str, str], Step]:
    """The transition table of one case kind: the general table with its kind's changes."""
    merged = {**TRANSITIONS, **KIND_STEPS.get(kind, {})}
    table = {key: found for key, found in merged.items() if found is not None}
    present = {action for _status, action in table}
    return {key: found for key, found in table.items() if set(found.composes) <= present}


ACTIONS = sorted({action for _status, action in TRANSITIONS})


def action_label(action: str) -> str:
    """The label of an action of any kind's table (for timelines); the name if unknown."""
    tables: list[Mapping[tuple[str, str], Step | None]] = [TRANSITIONS, *KIND_STEPS.values()]
    for table in tables:
        for (_status, name), found in table.items():
            if name == action and found is not None:
                return str(found.label)
    return action


def next_level(level: str) -> str | None:
    index = LEVEL_ORDER.index(Level(level))
    return LEVEL_ORDER[index + 1] if index + 1 < len(LEVEL_ORDER) else None


def _role_ok(actor, step: Step) -> bool:
    if actor == SYSTEM:
        return step.system
    if actor is None or not actor.is_active:
        return False
    return actor.is_superuser or actor.role in step.roles


def level_code(case: Case, level: str | None = None) -> str:
    """The code of the unit that owns the case at a level (grid, village, township, county)."""
    level = level or case.level
    if level == "grid":
        return case.grid.code if case.grid is not None else case.village.code
    return prefix_at(case.region_code, level)


def _who_ok(actor, case: Case, step: Step, action: str = "") -> bool:
    if actor == SYSTEM or actor.is_superuser:
        return True
    if step.guard is not None:
        return bool(step.guard(actor, case))
    if action == "approve_extension":
        # An extension is granted by the level above the case's.
        return code_within(actor, level_code(case, next_level(case.level) or case.level))
    if actor.role == Role.RESIDENT:
        return step.reporter_only and case.reporter_id == actor.pk
    if step.assignee_only:
        if case.assignee_id is not None:
            return case.assignee_id == actor.pk
        return case.unit is not None and case.unit.members.filter(pk=actor.pk).exists()
    return code_within(actor, case.region_code)


def guard_admits(actor, case: Case, action: str) -> bool:
    """A kind step whose guard lets in someone outside the case's jurisdiction (e.g. the
    court a confirmation request went to)."""
    found = table_for(case.kind).get((case.status, action))
    return bool(
        found is not None
        and found.guard is not None
        and _role_ok(actor, found)
        and found.guard(actor, case)
    )


def step(case: Case, action: str, actor) -> Step:
    """The step `actor` may take, or a clear refusal (wrong state, role or person)."""
    found = table_for(case.kind).get((case.status, action))
    if found is None:
        raise Conflict(
            _("A case that is %(status)s cannot be given the action “%(action)s”.")
            % {"status": case.get_status_display(), "action": action},
            code="illegal_transition",
        )
    if action == "escalate" and next_level(case.level) is None:
        raise Conflict(_("The case is already at the county level."), code="top_level")
    if not _role_ok(actor, found):
        raise NotAllowed(_("Your role may not %(label)s this case.") % {"label": found.label})
    if not _who_ok(actor, case, found, action):
        raise NotAllowed(
            _("Only the person or unit this case is with may %(label)s it.")
            % {"label": found.label}
            if found.assignee_only
            else _("This case is not yours to %(label)s.") % {"label": found.label}
        )
    return found


def allowed_actions(actor, case: Case) -> list[tuple[str, str]]:
    """(action, label) pairs the actor may take now, for drawing buttons."""
    result = []
    for (status, action), found in table_for(case.kind).items():
        if status != case.status:
            continue
        try:
            step(case, action, actor)
        except (Conflict, NotAllowed):
            continue
        result.append((action, str(found.label)))
    return result
