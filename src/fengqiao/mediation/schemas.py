"""API schemas for disputes, referrals, follow-ups, committees, screening and petitions.

Phone and ID numbers only ever leave masked; a petitioner's or party's full number is never
part of a response.
"""

from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone
from ninja import Field, Schema
from pydantic import field_validator

from fengqiao.cases.schemas import ActionOut
from fengqiao.core import clock
from fengqiao.mediation.selectors import DISPUTE_QUEUES, PETITION_QUEUES


def _clean(value):
    """Drop NUL characters (PostgreSQL text cannot hold them) from text and lists of text."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_clean(item) for item in value]
    return value


def _aware(value):
    """A time sent without an offset is read in the installation's time zone."""
    if isinstance(value, datetime) and timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


def _queue_of(queues: dict):
    def check(value: str) -> str:
        if value and value not in queues:
            raise ValueError(f"Unknown queue; one of: {', '.join(queues)}.")
        return value

    return check


class Body(Schema):
    """Every request body and filter: text without NUL, times made time-zone aware."""

    clean_text = field_validator("*", mode="before")(_clean)
    aware_times = field_validator("*", mode="after")(_aware)


# --- shared pieces -----------------------------------------------------------------------------


class CaseRowOut(Schema):
    """What a dispute or a petition row shows of its case."""

    id: int = Field(alias="pk")
    code: str = Field(alias="case.code")
    title: str = Field(alias="case.title")
    status: str = Field(alias="case.status")
    status_label: str
    level: str = Field(alias="case.level")
    region_code: str
    reported_at: datetime = Field(alias="case.reported_at")
    due_at: datetime | None = Field(alias="case.due_at")
    is_overdue: bool
    unit_name: str | None
    assignee_label: str | None

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.case.get_status_display())

    @staticmethod
    def resolve_is_overdue(obj) -> bool:
        return obj.case.is_overdue(clock.now())

    @staticmethod
    def resolve_unit_name(obj) -> str | None:
        return obj.case.unit.name if obj.case.unit_id else None

    @staticmethod
    def resolve_assignee_label(obj) -> str | None:
        return obj.case.assignee.label if obj.case.assignee_id else None


class CaseDetailPart(Schema):
    """The case fields a dispute or petition page adds to its row."""

    description: str = Field(alias="case.description")
    channel: str = Field(alias="case.channel")
    address: str = Field(alias="case.address")
    lat: float | None = Field(alias="case.lat")
    lng: float | None = Field(alias="case.lng")
    village_name: str = Field(alias="case.village.name")
    result: str = Field(alias="case.result")
    resolve_due_at: datetime | None = Field(alias="case.resolve_due_at")
    closed_at: datetime | None = Field(alias="case.closed_at")
    version: int = Field(alias="case.version")
    actions: list[ActionOut]

    @staticmethod
    def resolve_actions(obj) -> list:
        return [{"action": action, "label": label} for action, label in obj.api_actions]


class PeriodFilter(Body):
    start: datetime | None = Field(None, description="ISO date or date-time (local time)")
    end: datetime | None = Field(None, description="ISO date or date-time, exclusive")


# --- disputes ----------------------------------------------------------------------------------


class DisputeFilter(Body):
    queue: str = Field("", description="one of GET /disputes/queues")
    q: str = Field("", description="case code or title (part of), or a party's full name")
    dispute_type: str = ""
    risk_grade: str = ""
    status: str = ""

    check_queue = field_validator("queue")(_queue_of(DISPUTE_QUEUES))


class DisputeOut(CaseRowOut):
    dispute_type: str
    dispute_type_label: str
    source: str
    risk_grade: str
    amount: Decimal | None
    outcome: str
    village_name: str = Field(alias="case.village.name")
    committee_name: str | None
    mediator_name: str | None

    @staticmethod
    def resolve_dispute_type_label(obj) -> str:
        return str(obj.get_dispute_type_display())

    @staticmethod
    def resolve_committee_name(obj) -> str | None:
        return obj.committee.name if obj.committee_id else None

    @staticmethod
    def resolve_mediator_name(obj) -> str | None:
        return obj.mediator.name if obj.mediator_id else None


class PartyIn(Body):
    side: str = Field(description="applicant, respondent or third_party")
    person_id: int | None = Field(None, description="a registered person (name, phone from there)")
    organization_id: int | None = None
    name: str = Field("", description="when the party is not registered")
    phone: str = ""
    address: str = ""
    representative: str = ""


class DisputeIn(Body):
    dispute_type: str = Field(description="e.g. neighbour_dispute, family_dispute, land_dispute")
    title: str
    description: str = ""
    source: str = Field(
        description="screening, walk_in, application (residents), police, court, petition, "
        "case_upgrade"
    )
    parties: list[PartyIn] = Field(
        [], description="a resident applying is the applicant; name the other parties"
    )
    amount: Decimal | None = Field(None, description="amount at stake, yuan")
    risk_grade: str = Field("general", description="general, significant or major")
    risk_reasons: list[str] = Field([], description="needed for significant and major")
    risk_note: str = ""
    lat: float | None = None
    lng: float | None = None
    village: str = Field("", description="village code, when there is no point")
    address: str = ""
    origin_case: str = Field("", description="code of the case this dispute upgrades")
    client_id: str | None = Field(
        None, max_length=64, description="id made on the device; resubmitting it is harmless"
    )


class PartyOut(Schema):
    id: int
    side: str
    side_label: str
    name: str
    person_id: int | None
    organization_id: int | None
    phone: str = Field(description="masked")
    address: str
    representative: str

    @staticmethod
    def resolve_side_label(obj) -> str:
        return str(obj.get_side_display())

    @staticmethod
    def resolve_phone(obj) -> str:
        return obj.phone_masked


class SessionOut(Schema):
    id: int
    dispute: str = Field(description="case code of the dispute")
    dispute_title: str
    seq: int
    starts_at: datetime
    is_held: bool
    place: str
    participants: str
    record: str
    mediator_name: str

    @staticmethod
    def resolve_dispute(obj) -> str:
        return obj.dispute.case.code

    @staticmethod
    def resolve_dispute_title(obj) -> str:
        return obj.dispute.case.title

    @staticmethod
    def resolve_mediator_name(obj) -> str:
        return obj.mediator.name


class AgreementOut(Schema):
    number: str
    made_at: datetime
    facts: str
    terms: list[str]
    performance: str
    is_signed: bool
    signed_at: datetime | None
    signed_sha256: str
    url: str = Field(description="the agreement as DOCX")

    @staticmethod
    def resolve_is_signed(obj) -> bool:
        return obj.signed_at is not None

    @staticmethod
    def resolve_url(obj) -> str:
        return f"/api/v1/disputes/{obj.dispute.case.code}/agreement.docx"


class ReferralOut(Schema):
    id: int
    dispute: str = Field(description="case code of the dispute")
    dispute_title: str
    way: str
    purpose: str
    state: str
    from_unit_name: str | None
    from_user_label: str
    to_unit_id: int
    to_unit_name: str
    reason: str
    created_at: datetime
    accepted_at: datetime | None
    returned_at: datetime | None
    is_settled: bool | None
    result: str

    @staticmethod
    def resolve_dispute(obj) -> str:
        return obj.dispute.case.code

    @staticmethod
    def resolve_dispute_title(obj) -> str:
        return obj.dispute.case.title

    @staticmethod
    def resolve_from_unit_name(obj) -> str | None:
        return obj.from_unit.name if obj.from_unit_id else None

    @staticmethod
    def resolve_from_user_label(obj) -> str:
        return obj.from_user.label

    @staticmethod
    def resolve_to_unit_name(obj) -> str:
        return obj.to_unit.name


class FollowUpOut(Schema):
    id: int
    dispute: str = Field(description="case code of the dispute")
    dispute_title: str
    due_on: date
    done_at: datetime | None
    result: str
    note: str

    @staticmethod
    def resolve_dispute(obj) -> str:
        return obj.dispute.case.code

    @staticmethod
    def resolve_dispute_title(obj) -> str:
        return obj.dispute.case.title


class DisputeDetailOut(CaseDetailPart, DisputeOut):
    risk_reasons: list[str]
    risk_note: str
    committee_id: int | None
    mediator_id: int | None
    consent_at: datetime | None
    consent_note: str
    concluded_at: datetime | None
    origin_case: str | None
    screening_report_id: int | None
    parties: list[PartyOut]
    sessions: list[SessionOut]
    agreement: AgreementOut | None
    referrals: list[ReferralOut]
    follow_ups: list[FollowUpOut]

    @staticmethod
    def resolve_origin_case(obj) -> str | None:
        return obj.origin_case.code if obj.origin_case_id else None

    @staticmethod
    def resolve_parties(obj) -> list:
        return obj.api_parties

    @staticmethod
    def resolve_sessions(obj) -> list:
        return obj.api_sessions

    @staticmethod
    def resolve_agreement(obj):
        return obj.api_agreement

    @staticmethod
    def resolve_referrals(obj) -> list:
        return obj.api_referrals

    @staticmethod
    def resolve_follow_ups(obj) -> list:
        return obj.api_follow_ups


class AcceptIn(Body):
    consent: bool = Field(False, description="the parties agreed to mediation")
    consent_note: str = Field("", description="how consent was given")
    note: str = ""


class ReasonIn(Body):
    reason: str


class NoteIn(Body):
    note: str = ""


class AssignIn(Body):
    mediator_id: int
    note: str = ""


class SessionPlanIn(Body):
    starts_at: datetime
    place: str


class SessionRecordIn(Body):
    held_at: datetime
    place: str
    participants: str
    record: str
    session_id: int | None = Field(None, description="the planned session this one was")


class ConcludeIn(Body):
    outcome: str = Field(description="agreement, failed or withdrawn")
    result: str
    facts: str = Field("", description="agreement: facts and matters in dispute")
    terms: list[str] = Field([], description="agreement: one entry per term")
    performance: str = Field("", description="agreement: how and when it is performed")


class ReferIn(Body):
    way: str = Field(description="court, procuratorate, police, sector or petition")
    to_unit_id: int
    reason: str


class ConfirmationIn(Body):
    to_unit_id: int = Field(description="the court")
    note: str = ""


class MediatorSuggestionOut(Schema):
    id: int
    name: str
    background: str
    is_expert: bool
    committee_id: int
    committee_name: str
    specialist: bool = Field(description="the dispute's type is one of the mediator's")
    near: int = Field(description="length of the committee's code: 12 village, 9, 6 county")
    load: int = Field(description="open disputes the mediator holds now")
    score: float


class MetricsTallyOut(Schema):
    settled: int
    agreements: int
    failed: int
    withdrawn: int
    referred_after_mediation: int
    settled_by_deadline_rate: float | None
    mediation_success_rate: float | None
    settled_at_village_rate: float | None
    settled_at_township_rate: float | None
    settled_at_level: dict[str, int]
    relapse_rate: float | None
    average_days_to_settle: float | None
    overdue_unsettled: int


class NamedTallyOut(MetricsTallyOut):
    id: int
    name: str


class DisputeMetricsOut(MetricsTallyOut):
    start: datetime
    end: datetime
    committees: list[NamedTallyOut]
    mediators: list[NamedTallyOut]


# --- referrals, follow-ups, committees, screening ---------------------------------------------


class ReferralReturnIn(Body):
    settled: bool = Field(description="settled there; for a confirmation: confirmed")
    result: str


class FollowUpFilter(Body):
    within_days: int = Field(7, ge=0, le=366, description="due within this many days, or late")


class FollowUpIn(Body):
    result: str = Field(description="stable, relapsed or unreachable")
    note: str = Field("", description="needed when relapsed")


class CommitteeOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    region_code: str
    region_name: str
    unit_id: int
    specialities: list[str]
    address: str

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_region_name(obj) -> str:
        return obj.region.name


class RoundIn(Body):
    region: str = Field(description="code of a village, township or county: one round each")
    starts_on: date
    ends_on: date


class RoundOut(Schema):
    id: int
    village_code: str
    village_name: str
    starts_on: date
    ends_on: date
    opened_at: datetime

    @staticmethod
    def resolve_village_code(obj) -> str:
        return obj.region_code

    @staticmethod
    def resolve_village_name(obj) -> str:
        return obj.village.name


class RoundCoverageOut(RoundOut):
    grid_count: int
    report_count: int
    finding_count: int
    nothing_count: int


class ReportIn(Body):
    grid_id: int | None = None
    grid: str = Field("", description="grid code (instead of grid_id)")
    nothing_found: bool = False
    note: str = ""
    disputes: list[str] = Field([], description="case codes of the disputes found")


class ReportOut(Schema):
    id: int
    round_id: int
    grid_code: str
    nothing_found: bool
    note: str
    reported_at: datetime
    disputes: list[str]

    @staticmethod
    def resolve_grid_code(obj) -> str:
        return obj.grid.code

    @staticmethod
    def resolve_disputes(obj) -> list[str]:
        return obj.api_disputes


# --- petitions ---------------------------------------------------------------------------------


class PetitionFilter(Body):
    queue: str = Field("", description="to_acknowledge, mine, overdue or replied")
    q: str = Field("", description="case code, title or petitioner's name (part of)")

    check_queue = field_validator("queue")(_queue_of(PETITION_QUEUES))


class PetitionOut(CaseRowOut):
    form: str
    petitioner_name: str
    visitors: int
    is_collective: bool
    acknowledge_due_at: datetime
    acknowledged_at: datetime | None
    is_accepted: bool | None
    reply_due_at: datetime | None
    extended_days: int
    replied_at: datetime | None
    acknowledge_overdue: bool
    reply_overdue: bool
    dispute: str | None = Field(description="case code of the linked dispute")

    @staticmethod
    def resolve_acknowledge_overdue(obj) -> bool:
        return obj.acknowledge_overdue(clock.now())

    @staticmethod
    def resolve_reply_overdue(obj) -> bool:
        return obj.reply_overdue(clock.now())

    @staticmethod
    def resolve_dispute(obj) -> str | None:
        return obj.dispute.case.code if obj.dispute_id else None


class PetitionDetailOut(CaseDetailPart, PetitionOut):
    category: str
    category_name: str
    petitioner_id_masked: str
    phone: str = Field(description="masked")
    reply: str
    history_count: int = Field(description="the petitioner's other petitions the caller sees")

    @staticmethod
    def resolve_category(obj) -> str:
        return obj.case.category.code

    @staticmethod
    def resolve_category_name(obj) -> str:
        return obj.case.category.name

    @staticmethod
    def resolve_phone(obj) -> str:
        return obj.case.callback_phone_masked

    @staticmethod
    def resolve_history_count(obj) -> int:
        return obj.api_history_count


class PetitionIn(Body):
    form: str = Field(description="online (residents), visit, letter or phone")
    category: str = Field(description="code of a category of the petitions group")
    title: str
    matter: str = Field(description="what the petition asks for")
    petitioner_id: int | None = Field(None, description="a registered person")
    petitioner_name: str = ""
    id_number: str = Field("", description="the petitioner's ID number (stored masked)")
    phone: str = ""
    visitors: int = 1
    lat: float | None = None
    lng: float | None = None
    village: str = Field("", description="village code, when there is no point")
    address: str = ""
    dispute: str = Field("", description="case code of a related dispute")
    client_id: str | None = Field(
        None, max_length=64, description="id made on the device; resubmitting it is harmless"
    )


class AcknowledgeIn(Body):
    accepted: bool
    note: str = Field("", description="needed when not accepted")


class RouteIn(Body):
    unit_id: int
    note: str = ""


class ReplyIn(Body):
    reply: str


class ExtendIn(Body):
    days: int = Field(description="1 to 30, once")
    reason: str


class LinkIn(Body):
    dispute: str = Field(description="case code of the dispute")


class PetitionMetricsOut(Schema):
    start: datetime
    end: datetime
    registered: int
    collective: int
    acknowledged: int
    acknowledged_on_time_rate: float | None
    replied: int
    replied_on_time_rate: float | None
    overdue_now: int
