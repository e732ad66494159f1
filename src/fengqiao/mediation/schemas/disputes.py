"""API schemas of disputes: rows, the dispute page (parties, sessions, agreement), register,
the mediation steps, mediator suggestions and figures."""

from datetime import datetime
from decimal import Decimal

from ninja import Field, Schema
from pydantic import field_validator

from fengqiao.mediation.schemas.common import Body, CaseDetailPart, CaseRowOut, queue_of
from fengqiao.mediation.schemas.followups import FollowUpOut
from fengqiao.mediation.schemas.referrals import ReferralOut
from fengqiao.mediation.selectors import DISPUTE_QUEUES


class DisputeFilter(Body):
    queue: str = Field("", description="one of GET /disputes/queues")
    q: str = Field("", description="case code or title (part of), or a party's full name")
    dispute_type: str = ""
    risk_grade: str = ""
    status: str = ""

    check_queue = field_validator("queue")(queue_of(DISPUTE_QUEUES))


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
