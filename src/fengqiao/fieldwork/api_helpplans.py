"""API: help plans for key people (/api/v1/help-plans). Only the plans the caller may see;
every read is written to the access log; the kind only for the roles that may see it."""

from datetime import date, datetime

from ninja import Field, Query, Router, Schema, Status
from pydantic import field_validator

from fengqiao.fieldwork import helpplans, helpplans_selectors
from fengqiao.fieldwork.schemas import _without_nul

router = Router(tags=["fieldwork"])


class MemberIn(Schema):
    user_id: int = Field(ge=1, le=2**62)
    duty: str = Field(max_length=40, description="社区民警, 网格员, 村干部, 家属, 社工 …")

    strip_nul = field_validator("*", mode="before")(_without_nul)


class HelpPlanIn(Schema):
    person_id: int = Field(ge=1, le=2**62)
    kind: str = Field(max_length=20, description="correction | drug_rehab | mental_illness")
    members: list[MemberIn] = Field(max_length=10, description="the responsible people")
    starts_on: date | None = None
    returned_on: date | None = Field(None, description="drug rehab: the day of return (T+1)")
    contact_every_days: int | None = Field(None, ge=1, le=366)
    notes: str = Field("", max_length=2000)

    strip_nul = field_validator("*", mode="before")(_without_nul)


class ContactIn(Schema):
    mode: str = Field("visit", max_length=8, description="visit | phone | talk")
    note: str = Field("", max_length=2000)
    done_at: datetime | None = Field(None, description="when (default now; up to 30 days ago)")
    client_id: str | None = Field(
        None, max_length=64, description="id made on the phone; sending it again is harmless"
    )

    strip_nul = field_validator("*", mode="before")(_without_nul)


class CloseIn(Schema):
    reason: str = Field(max_length=2000)

    strip_nul = field_validator("*", mode="before")(_without_nul)


class MemberOut(Schema):
    user_id: int
    name: str
    duty: str


class ContactOut(Schema):
    id: int
    due_on: date
    done_at: datetime
    on_time: bool
    by: str
    mode: str
    note: str


class HelpPlanOut(Schema):
    id: int
    person_id: int
    name: str
    id_number_masked: str
    region_code: str
    kind: str | None
    starts_on: date
    returned_on: date | None
    contact_every_days: int
    status: str
    due_on: date | None
    state: str
    t_plus_1: bool
    last_contact_at: datetime | None
    members: list[MemberOut]


class HelpPlanDetailOut(HelpPlanOut):
    notes: str
    contacts: list[ContactOut]


class HelpPlanFilter(Schema):
    due: bool = Field(False, description="only the contacts due or overdue")
    mine: bool = Field(False, description="only the plans naming the caller")


class ContactCreatedOut(Schema):
    id: int
    plan_id: int
    due_on: date
    done_at: datetime
    client_id: str | None


@router.get("/help-plans", response=list[HelpPlanOut])
def helpplan_list(request, filters: Query[HelpPlanFilter]):
    """The help plans the caller may see, overdue and due first."""
    return helpplans_selectors.helpplan_list(
        actor=request.auth, due_only=filters.due, mine=filters.mine
    )


@router.post("/help-plans", response={201: HelpPlanDetailOut})
def helpplan_create(request, payload: HelpPlanIn):
    data = payload.dict()
    members = [(m["user_id"], m["duty"]) for m in data.pop("members")]
    plan = helpplans.helpplan_create(actor=request.auth, members=members, **data)
    return Status(201, helpplans_selectors.helpplan_get(actor=request.auth, plan_id=plan.pk))


@router.get("/help-plans/{plan_id}", response=HelpPlanDetailOut)
def helpplan_get(request, plan_id: int):
    return helpplans_selectors.helpplan_get(actor=request.auth, plan_id=plan_id)


@router.post(
    "/help-plans/{plan_id}/contacts", response={200: ContactCreatedOut, 201: ContactCreatedOut}
)
def contact_record(request, plan_id: int, payload: ContactIn):
    """Record a contact; the same `client_id` again answers 200 with the contact recorded."""
    contact = helpplans.contact_record(actor=request.auth, plan_id=plan_id, **payload.dict())
    return Status(201 if contact.is_new else 200, contact)


@router.post("/help-plans/{plan_id}/close", response=HelpPlanOut)
def helpplan_close(request, plan_id: int, payload: CloseIn):
    plan = helpplans.helpplan_close(actor=request.auth, plan_id=plan_id, reason=payload.reason)
    return helpplans_selectors.helpplan_get(actor=request.auth, plan_id=plan.pk)
