"""The input forms of the general case steps (named by the table in cases/workflow.py).

Each reads and resolves what its step's service takes; the service keeps the rules (a
reason is required, a rating is 1–5, an extension is at most 30 days).
"""

from datetime import date
from typing import Annotated

from django.utils.translation import gettext_lazy as _
from pydantic import AliasChoices, Field, StringConstraints

from fengqiao.accounts.models import User
from fengqiao.cases import routing, selectors
from fengqiao.cases.models import Case, Priority
from fengqiao.cases.steps import StepForm
from fengqiao.core.errors import NotFound, ValidationFailed

Text = Annotated[str, StringConstraints(max_length=5000)]
Line = Annotated[str, StringConstraints(max_length=100)]
RowId = Annotated[int, Field(ge=1, le=2**63 - 1)]

NOTE = _("Note (optional)")
REASON = _("Reason")


class NoteForm(StepForm):
    note: Text = ""

    labels = {"note": NOTE}


class NoteOnlyForm(StepForm):
    """A note on its own (the note is the whole step)."""

    note: Text = ""

    labels = {"note": _("Note")}
    required = frozenset({"note"})

    def arguments(self, actor, case: Case) -> dict:
        if not self.note:
            raise ValidationFailed(_("Write the note."), field="note")
        return {"note": self.note}


class ReasonForm(StepForm):
    reason: Text = ""

    labels = {"reason": REASON}
    required = frozenset({"reason"})


class CloseForm(StepForm):
    reason: Text = ""

    labels = {"reason": _("Reason (optional)")}


class AcceptForm(StepForm):
    priority: Line = ""
    category: Line = Field("", description="reclassify to this category code")
    note: Text = ""

    labels = {"priority": _("Priority"), "category": _("Category"), "note": NOTE}
    widgets = {"priority": "select", "category": "hidden"}

    def arguments(self, actor, case: Case) -> dict:
        if self.priority and self.priority not in Priority.values:
            raise ValidationFailed(_("Unknown priority."), field="priority")
        category = None
        if self.category:
            category = selectors.category_by_code(self.category)
            if category is None:
                raise ValidationFailed(_("Choose a category (not a group)."), field="category")
        return {"note": self.note, "priority": self.priority or None, "category": category}

    @classmethod
    def choices(cls, name, actor, case):
        return list(Priority.choices) if name == "priority" else None

    @classmethod
    def initial(cls, actor, case: Case) -> dict:
        return {"priority": case.priority}


class MergeForm(StepForm):
    master: Line = Field("", description="case code of the master case")
    note: Text = ""

    labels = {"master": _("Master case number"), "note": NOTE}
    widgets = {"master": "text"}
    attrs = {"master": {"placeholder": "SJ…"}}
    required = frozenset({"master"})

    def arguments(self, actor, case: Case) -> dict:
        if not self.master:
            raise ValidationFailed(_("Give the number of the master case."), field="master")
        try:
            master = selectors.case_get(actor=actor, code=self.master)
        except NotFound as exc:
            raise NotFound(_("The master case was not found."), field="master") from exc
        return {"master_id": master.pk, "note": self.note}


def _unit_options(actor, case: Case) -> list[tuple[int, str]]:
    """The units a case can go to, the suggested one first and marked, then those that
    handle its category, then the others marked as not handling it (cases.routing)."""
    suggested, units = routing.ranked_units(actor=actor, case=case)
    options = []
    for unit in units:
        if suggested is not None and unit.pk == suggested.pk:
            label = _("%(unit)s (suggested)") % {"unit": unit.name}
        elif not unit.handles:
            label = _("%(unit)s (does not handle this category)") % {"unit": unit.name}
        else:
            label = unit.name
        options.append((unit.pk, label))
    return options


def _send_arguments(form, actor, case: Case) -> dict:
    """The unit (one the case can go to) and/or the person of a send form."""
    if form.unit_id is None and not form.assignee:
        raise ValidationFailed(_("Choose a handling unit."), field="unit_id")
    if (
        form.unit_id is not None
        and not selectors.unit_choices(actor=actor, case=case).filter(pk=form.unit_id).exists()
    ):
        raise ValidationFailed(_("That unit does not serve this case's area."), field="unit_id")
    assignee = None
    if form.assignee:
        assignee = User.objects.filter(username=form.assignee, is_active=True).first()
        if assignee is None:
            raise NotFound(_("No active account has this username."), field="assignee")
    return {"unit_id": form.unit_id, "assignee": assignee, "note": form.note}


def _suggested_initial(actor, case: Case) -> dict:
    suggested = routing.suggested_unit(actor=actor, case=case)
    if suggested is None or suggested.pk == case.unit_id:  # a transfer goes elsewhere
        return {}
    return {"unit_id": suggested.pk}


UnitId = Annotated[RowId | None, Field(None, validation_alias=AliasChoices("unit_id", "unit"))]
Assignee = Annotated[Line, Field("", description="username of the person to dispatch to")]
SEND_LABELS = {"unit_id": _("Handling unit"), "assignee": _("Handler"), "note": NOTE}
SEND_WIDGETS = {"unit_id": "select", "assignee": "hidden"}


class SendForm(StepForm):
    """Dispatch or transfer: to a unit that serves the case's place, and/or a person. The
    suggested unit (cases.routing) comes first and is chosen to start with."""

    unit_id: UnitId = None
    assignee: Assignee = ""
    note: Text = ""

    labels = SEND_LABELS
    widgets = SEND_WIDGETS
    required = frozenset({"unit_id"})
    messages = {"unit_id": _("Choose a handling unit.")}

    def arguments(self, actor, case: Case) -> dict:
        return _send_arguments(self, actor, case)

    @classmethod
    def choices(cls, name, actor, case):
        return _unit_options(actor, case) if name == "unit_id" else None

    @classmethod
    def initial(cls, actor, case: Case) -> dict:
        return _suggested_initial(actor, case)


class AcceptDispatchForm(StepForm):
    """Accept and dispatch in one step: the priority, where the case goes, a note."""

    priority: Line = ""
    unit_id: UnitId = None
    assignee: Assignee = ""
    note: Text = ""

    labels = {"priority": _("Priority"), **SEND_LABELS}
    widgets = {"priority": "select", **SEND_WIDGETS}
    required = frozenset({"unit_id"})
    messages = {"unit_id": _("Choose a handling unit.")}

    def arguments(self, actor, case: Case) -> dict:
        if self.priority and self.priority not in Priority.values:
            raise ValidationFailed(_("Unknown priority."), field="priority")
        return {**_send_arguments(self, actor, case), "priority": self.priority or None}

    @classmethod
    def choices(cls, name, actor, case):
        if name == "priority":
            return list(Priority.choices)
        return _unit_options(actor, case) if name == "unit_id" else None

    @classmethod
    def initial(cls, actor, case: Case) -> dict:
        return {"priority": case.priority, **_suggested_initial(actor, case)}


class ResolveForm(StepForm):
    result: Text = ""

    labels = {"result": _("What was done")}
    required = frozenset({"result"})
    photos = True


class RateForm(StepForm):
    rating: Annotated[int, Field(ge=-(2**31), le=2**31)] | None = None
    comment: Text = ""

    labels = {"rating": _("Rating"), "comment": _("Comment (optional)")}
    widgets = {"rating": "select"}
    required = frozenset({"rating"})
    messages = {"rating": _("Choose a rating from 1 to 5.")}

    def arguments(self, actor, case: Case) -> dict:
        if self.rating is None:
            raise ValidationFailed(self.messages["rating"], field="rating")
        return {"rating": self.rating, "comment": self.comment}

    @classmethod
    def choices(cls, name, actor, case):
        return [(n, f"{n} ★") for n in range(5, 0, -1)] if name == "rating" else None


class ExtensionForm(StepForm):
    days: float | None = None
    reason: Text = ""

    labels = {"days": _("Working days"), "reason": REASON}
    required = frozenset({"days", "reason"})
    messages = {"days": _("Give a number of working days.")}
    attrs = {"days": {"min": "0.5", "max": "30", "step": "0.5"}}

    @classmethod
    def initial(cls, actor, case: Case) -> dict:
        return {"days": 1}

    def arguments(self, actor, case: Case) -> dict:
        if self.days is None:
            raise ValidationFailed(self.messages["days"], field="days")
        return {"days": self.days, "reason": self.reason}


class SuperviseForm(StepForm):
    """督办: by when, and what is to be done."""

    deadline: date | None = None
    instruction: Text = ""

    labels = {"deadline": _("Deadline"), "instruction": _("Instruction")}
    widgets = {"deadline": "date"}
    required = frozenset({"deadline", "instruction"})
    messages = {"deadline": _("Give the deadline as a date.")}

    def arguments(self, actor, case: Case) -> dict:
        if self.deadline is None:
            raise ValidationFailed(self.messages["deadline"], field="deadline")
        return {"deadline": self.deadline, "instruction": self.instruction}


class InstructForm(StepForm):
    """批示: the leader's comment."""

    instruction: Text = ""

    labels = {"instruction": _("Instruction")}
    required = frozenset({"instruction"})
