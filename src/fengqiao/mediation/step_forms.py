"""The input forms of the dispute and petition steps (named by the tables in workflow.py).

Each reads what its step's service takes and resolves codes and ids to rows the actor may use
(the open referral a unit answers, the follow-up due, the dispute a petition is about); the
service keeps the rules (consent, an agreement's terms, one extension of at most 30 days).
"""

from datetime import datetime
from typing import Any, ClassVar

from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from pydantic import AliasChoices, Field, field_validator

from fengqiao.cases import selectors as case_selectors
from fengqiao.cases.models import Case
from fengqiao.cases.step_forms import NOTE, REASON, RowId, Text
from fengqiao.cases.steps import StepForm
from fengqiao.core import clock
from fengqiao.core.errors import NotFound, ValidationFailed
from fengqiao.mediation import petitions, referrals, selectors
from fengqiao.mediation.models import DisputeParty, FollowUp, Outcome, Referral
from fengqiao.mediation.services import PartyIn

OUTCOMES = [Outcome.AGREEMENT, Outcome.FAILED, Outcome.WITHDRAWN]


def _aware(value):
    """A time typed in a page (or sent without an offset) is read in the installation's zone."""
    if isinstance(value, datetime) and timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


def _local_input(at: datetime) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%dT%H:%M")


def _row_id(*names: str):
    """An optional row id, read under its API name or its page's shorter name."""
    return Field(None, validation_alias=AliasChoices(*names))


class TimedForm(StepForm):
    aware_times = field_validator("*", mode="after")(_aware)


# --- disputes: acceptance, parties, mediator --------------------------------------------------


class AcceptMediationForm(StepForm):
    consent: bool = Field(False, description="the parties agreed to mediation")
    consent_note: Text = Field("", description="how consent was given")
    note: Text = ""

    labels = {
        "consent": _("Both parties agree to people's mediation"),
        "consent_note": _("How consent was given (optional)"),
        "note": NOTE,
    }
    widgets = {"consent_note": "text"}
    attrs = {
        "consent_note": {
            "maxlength": "300",
            "placeholder": _("e.g. both signed the application form"),
        }
    }


class PartyAddForm(StepForm):
    side: Text = Field("", description="applicant, respondent or third_party")
    name: Text = Field("", description="when the party is not registered")
    person_id: RowId | None = Field(None, description="a registered person")
    organization_id: RowId | None = Field(None, description="a registered organisation")
    phone: Text = ""
    address: Text = ""
    representative: Text = ""

    labels = {
        "side": _("Side"),
        "name": _("Name"),
        "phone": _("Phone (optional)"),
        "address": _("Address (optional)"),
        "representative": _("Representative (optional)"),
    }
    widgets = {
        "side": "select",
        "name": "text",
        "person_id": "hidden",
        "organization_id": "hidden",
        "phone": "text",
        "address": "text",
        "representative": "text",
    }
    attrs = {
        "name": {"maxlength": "100"},
        "phone": {"maxlength": "20"},
        "address": {"maxlength": "200"},
        "representative": {"maxlength": "80"},
    }
    required = frozenset({"side", "name"})

    def arguments(self, actor, case: Case) -> dict:
        return {"party": PartyIn(**self.model_dump())}

    @classmethod
    def choices(cls, name, actor, case):
        return list(DisputeParty.Side.choices) if name == "side" else None

    @classmethod
    def initial(cls, actor, case: Case) -> dict:
        return {"side": DisputeParty.Side.RESPONDENT}


class AssignForm(StepForm):
    """Drawn by mediation/steps/assign.html: the mediators suggested, best suited first."""

    mediator_id: RowId | None = _row_id("mediator_id", "mediator")
    note: Text = ""

    labels = {"mediator_id": _("Mediator (best suited first)"), "note": NOTE}
    required = frozenset({"mediator_id"})
    messages = {"mediator_id": _("Choose a mediator.")}

    def arguments(self, actor, case: Case) -> dict:
        if self.mediator_id is None:
            raise ValidationFailed(self.messages["mediator_id"], field="mediator_id")
        return {"mediator_id": self.mediator_id, "note": self.note}

    @classmethod
    def choices(cls, name, actor, case):
        if name != "mediator_id":
            return None
        rows = selectors.mediator_suggestions(actor=actor, dispute=case.dispute, limit=8)
        return [
            (r["mediator"].pk, f"{r['mediator'].name} · {r['mediator'].committee.name}")
            for r in rows
        ]


# --- disputes: sessions and conclusion --------------------------------------------------------


class SessionPlanForm(TimedForm):
    starts_at: datetime | None = None
    place: Text = ""

    labels = {"starts_at": _("Date and time"), "place": _("Place")}
    widgets = {"starts_at": "datetime", "place": "text"}
    attrs = {"place": {"maxlength": "120", "placeholder": _("e.g. village mediation room")}}
    required = frozenset({"starts_at", "place"})


class SessionRecordForm(TimedForm):
    session_id: RowId | None = _row_id("session_id", "session")
    held_at: datetime | None = None
    place: Text = ""
    participants: Text = ""
    record: Text = ""

    labels = {
        "session_id": _("Planned session"),
        "held_at": _("Held at"),
        "place": _("Place"),
        "participants": _("Who took part"),
        "record": _("Record (what was said and agreed)"),
    }
    widgets = {
        "session_id": "select",
        "held_at": "datetime",
        "place": "text",
        "participants": "text",
    }
    attrs = {
        "place": {"maxlength": "120", "placeholder": _("e.g. village mediation room")},
        "participants": {"maxlength": "300"},
    }
    required = frozenset({"held_at", "place", "participants", "record"})

    @classmethod
    def choices(cls, name, actor, case):
        if name != "session_id":
            return None
        planned = selectors.dispute_planned_sessions(dispute_id=case.pk)
        return [("", _("Not planned"))] + [
            (s.pk, f"#{s.seq} {timezone.localtime(s.starts_at):%m-%d %H:%M} {s.place}")
            for s in planned
        ]

    @classmethod
    def initial(cls, actor, case: Case) -> dict:
        return {"held_at": _local_input(clock.now())}


class ConcludeForm(StepForm):
    outcome: Text = Field("", description="agreement, failed or withdrawn")
    result: Text = ""
    facts: Text = Field("", description="agreement: facts and matters in dispute")
    terms: Text | list[Text] = Field("", description="agreement: the terms, a list or one a line")
    performance: Text = Field("", description="agreement: how and when it is performed")

    labels = {
        "outcome": _("Outcome"),
        "result": _("Outcome in words"),
        "facts": _("Facts and matters in dispute (for an agreement)"),
        "terms": _("Terms, one a line (for an agreement)"),
        "performance": _("How and when it is performed (for an agreement)"),
    }
    widgets = {"outcome": "select", "terms": "textarea"}
    required = frozenset({"outcome", "result"})

    def arguments(self, actor, case: Case) -> dict:
        terms = self.terms.splitlines() if isinstance(self.terms, str) else self.terms
        return {**self.model_dump(), "terms": [t.strip() for t in terms if t.strip()]}

    @classmethod
    def choices(cls, name, actor, case):
        return [(o.value, o.label) for o in OUTCOMES] if name == "outcome" else None


# --- disputes: referral and judicial confirmation ---------------------------------------------


def _referral_targets(actor, case: Case) -> list[tuple[Any, Any]]:
    """(unit id, "way · unit") for each unit of the case's area a way of referral reaches."""
    units = list(case_selectors.unit_choices(actor=actor, case=case))
    return [
        (unit.pk, f"{way.label} · {unit.name}")
        for way in Referral.Way
        for unit in units
        if unit.kind in referrals.UNIT_KINDS_OF_WAY[way]
    ]


class ReferForm(StepForm):
    way: Text = Field("", description="court, procuratorate, police, sector or petition")
    to_unit_id: RowId | None = _row_id("to_unit_id", "to_unit")
    reason: Text = ""

    labels = {"way": _("Way"), "to_unit_id": _("Receiving unit"), "reason": REASON}
    widgets = {"way": "select", "to_unit_id": "select"}
    required = frozenset({"way", "to_unit_id", "reason"})
    messages = {"to_unit_id": _("Choose a handling unit.")}

    def arguments(self, actor, case: Case) -> dict:
        if self.to_unit_id is None:
            raise ValidationFailed(self.messages["to_unit_id"], field="to_unit_id")
        return self.model_dump()

    @classmethod
    def choices(cls, name, actor, case):
        if name == "way":
            return list(Referral.Way.choices)
        return _referral_targets(actor, case) if name == "to_unit_id" else None


class ConfirmationRequestForm(StepForm):
    to_unit_id: RowId | None = _row_id("to_unit_id", "court")
    note: Text = ""

    labels = {"to_unit_id": _("Court"), "note": NOTE}
    widgets = {"to_unit_id": "select"}
    required = frozenset({"to_unit_id"})
    messages = {"to_unit_id": _("Choose a court.")}

    def arguments(self, actor, case: Case) -> dict:
        if self.to_unit_id is None:
            raise ValidationFailed(self.messages["to_unit_id"], field="to_unit_id")
        return self.model_dump()

    @classmethod
    def choices(cls, name, actor, case):
        if name != "to_unit_id":
            return None
        courts = referrals.UNIT_KINDS_OF_WAY[Referral.Way.COURT]
        units = case_selectors.unit_choices(actor=actor, case=case).filter(kind__in=courts)
        return [(unit.pk, unit.name) for unit in units]


class ReferralAnswer(StepForm):
    """An answer of the unit a referral (or a confirmation request) went to. Without
    `referral_id` it answers the open one of the dispute addressed to the actor's unit."""

    referral_id: RowId | None = _row_id("referral_id", "referral")

    purpose: ClassVar[str] = Referral.Purpose.HANDLE
    widgets = {"referral_id": "hidden"}

    def referral_id_of(self, actor, case: Case) -> int:
        open_ones = selectors.referrals_in(actor=actor).filter(
            dispute_id=case.pk, purpose=self.purpose
        )
        if self.referral_id is not None:
            open_ones = open_ones.filter(pk=self.referral_id)
        found = open_ones.order_by("-created_at").values_list("pk", flat=True).first()
        if found is None:
            raise NotFound(_("Referral not found."), field="referral_id")
        return found

    def arguments(self, actor, case: Case) -> dict:
        fields = self.model_dump(exclude={"referral_id"})
        return {"referral_id": self.referral_id_of(actor, case), **fields}


class ReferralAcceptForm(ReferralAnswer):
    note: Text = ""

    labels = {"note": NOTE}


class ConfirmationAcceptForm(ReferralAcceptForm):
    purpose = Referral.Purpose.CONFIRMATION


class ReferralDeclineForm(ReferralAnswer):
    reason: Text = ""

    labels = {"reason": REASON}
    required = frozenset({"reason"})


class ReferralSettledForm(ReferralAnswer):
    result: Text = ""

    labels = {"result": _("Result")}
    required = frozenset({"result"})
    settled: ClassVar[bool] = True

    def arguments(self, actor, case: Case) -> dict:
        return {**super().arguments(actor, case), "settled": self.settled}


class ReferralBackForm(ReferralSettledForm):
    settled = False


class ConfirmationResultForm(ReferralAnswer):
    confirmed: bool | None = Field(
        None,
        validation_alias=AliasChoices("confirmed", "settled"),
        description="the court confirmed the agreement",
    )
    result: Text = ""

    purpose = Referral.Purpose.CONFIRMATION
    labels = {"confirmed": _("Judicial confirmation of the agreement"), "result": _("Ruling")}
    widgets = {"referral_id": "hidden", "confirmed": "select"}
    required = frozenset({"confirmed", "result"})

    def arguments(self, actor, case: Case) -> dict:
        if self.confirmed is None:
            raise ValidationFailed(_("This field is required."), field="confirmed")
        return {
            "referral_id": self.referral_id_of(actor, case),
            "settled": self.confirmed,
            "result": self.result,
        }

    @classmethod
    def choices(cls, name, actor, case):
        if name != "confirmed":
            return None
        return [("true", _("Confirmed valid")), ("false", _("Not confirmed"))]


# --- disputes: follow-up visits ---------------------------------------------------------------


class FollowUpForm(StepForm):
    """A visit after settlement: to the follow-up named, or the one due first."""

    follow_up_id: RowId | None = _row_id("follow_up_id", "follow_up")
    result: Text = Field("", description="stable, relapsed or unreachable")
    note: Text = Field("", description="needed when relapsed")

    labels = {"result": _("Result of the visit"), "note": _("Note (needed for a relapse)")}
    widgets = {"follow_up_id": "hidden", "result": "select"}
    required = frozenset({"result"})

    def arguments(self, actor, case: Case) -> dict:
        follow_ups = selectors.dispute_follow_ups(dispute_id=case.pk)
        if self.follow_up_id is None:
            found = follow_ups.filter(done_at__isnull=True).first()
            if found is None:
                raise ValidationFailed(_("No follow-up is due."), field="follow_up_id")
        else:
            found = follow_ups.filter(pk=self.follow_up_id).first()
            if found is None:
                raise NotFound(_("Follow-up not found."), field="follow_up_id")
        return {"follow_up_id": found.pk, "result": self.result, "note": self.note}

    @classmethod
    def choices(cls, name, actor, case):
        return list(FollowUp.Result.choices) if name == "result" else None

    @classmethod
    def initial(cls, actor, case: Case) -> dict:
        due = selectors.dispute_follow_ups(dispute_id=case.pk).filter(done_at__isnull=True)
        return {"follow_up_id": due.values_list("pk", flat=True).first()}


# --- petitions --------------------------------------------------------------------------------


class AcknowledgeForm(StepForm):
    accepted: bool = Field(True, description="always true: not accepting is not_accept")
    note: Text = ""

    labels = {"note": NOTE}
    widgets = {"accepted": "hidden"}

    def arguments(self, actor, case: Case) -> dict:
        if not self.accepted:  # never accept what the sender meant to refuse
            raise ValidationFailed(
                _("A petition that is not accepted is answered with the not_accept step."),
                field="accepted",
            )
        return {"accepted": True, "note": self.note}


class NotAcceptForm(StepForm):
    note: Text = Field("", description="why the petition is not accepted")

    labels = {"note": REASON}
    required = frozenset({"note"})

    def arguments(self, actor, case: Case) -> dict:
        return {"accepted": False, "note": self.note}


class ReplyForm(StepForm):
    reply: Text = ""

    labels = {"reply": _("Written reply to the petitioner")}
    required = frozenset({"reply"})


def _days_label() -> str:
    return gettext("Days (1–%(n)s, once)") % {"n": petitions.MAX_EXTENSION_DAYS}


class ExtendReplyForm(StepForm):
    days: int | None = Field(None, description="1 to 30, once")
    reason: Text = ""

    labels = {"days": lazy(_days_label, str)(), "reason": REASON}
    attrs = {"days": {"min": "1", "max": str(petitions.MAX_EXTENSION_DAYS)}}
    required = frozenset({"days", "reason"})
    messages = {"days": _("Give a number of days.")}

    def arguments(self, actor, case: Case) -> dict:
        if self.days is None:
            raise ValidationFailed(self.messages["days"], field="days")
        return self.model_dump()

    @classmethod
    def initial(cls, actor, case: Case) -> dict:
        return {"days": 15}


class LinkDisputeForm(StepForm):
    dispute: Text = Field("", description="case code of the dispute")

    labels = {"dispute": _("Dispute number")}
    widgets = {"dispute": "text"}
    attrs = {"dispute": {"placeholder": "SJ…"}}
    required = frozenset({"dispute"})

    def arguments(self, actor, case: Case) -> dict:
        if not self.dispute:
            raise ValidationFailed(_("Give the dispute number."), field="dispute")
        found = selectors.dispute_list(actor=actor).filter(case__code=self.dispute).first()
        if found is None:
            raise NotFound(_("Dispute not found."), field="dispute")
        return {"dispute_id": found.pk}
