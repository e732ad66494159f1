"""The mediation desk's ledgers (台账) through core.ledger: disputes, petitions, screening
returns and follow-up visits, each with its page's filters and a period; ID numbers and phones
only masked, rows only those the reader may see."""

from collections.abc import Iterator
from datetime import timedelta

from django.db.models import Prefetch, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fengqiao.cases.ledgers import ledger_choice, require_ledger_role
from fengqiao.cases.models import Status
from fengqiao.core import clock
from fengqiao.core.errors import ValidationFailed
from fengqiao.core.ledger import (
    Column,
    Ledger,
    LedgerFile,
    Period,
    ledger_export,
    ledger_period,
    period_q,
)
from fengqiao.core.printdates import chinese_date
from fengqiao.mediation import selectors
from fengqiao.mediation.models import (
    Dispute,
    DisputeParty,
    DisputeType,
    FollowUp,
    Petition,
    RiskGrade,
)

__all__ = ["dispute_ledger", "follow_up_ledger", "petition_ledger", "screening_ledger"]

CHUNK_SIZE = 1000
MAX_SEARCH = 100
MAX_DAYS = 366


def _search(data) -> str:
    q = (data.get("q") or "").strip()
    if len(q) > MAX_SEARCH:
        raise ValidationFailed(_("The search text is too long."), field="q")
    return q


def _raw(data, *names: str) -> dict[str, str]:
    return {name: (data.get(name) or "").strip() for name in names}


# --- disputes ----------------------------------------------------------------------------------


def _parties(side: str):
    def names(dispute: Dispute) -> str:
        return "、".join(p.name for p in dispute.parties.all() if p.side == side)

    return names


def _with(case) -> str:
    if case.assignee is not None:
        return case.assignee.label
    return case.unit.name if case.unit is not None else ""


DISPUTE_LEDGER = Ledger(
    name="disputes",
    title="矛盾纠纷台账",
    columns=[
        Column("事件编号", lambda d: d.case.code, 18),
        Column("标题", lambda d: d.case.title, 28),
        Column("纠纷类型", lambda d: d.get_dispute_type_display(), 14),
        Column("风险等级", lambda d: d.get_risk_grade_display(), 8),
        Column("来源", lambda d: d.get_source_display(), 12),
        Column("状态", lambda d: d.case.get_status_display(), 10),
        Column("申请人", _parties(DisputeParty.Side.APPLICANT), 16),
        Column("被申请人", _parties(DisputeParty.Side.RESPONDENT), 16),
        Column("村（社区）", lambda d: d.case.village.name, 16),
        Column("调解组织", lambda d: d.committee.name if d.committee else "", 20),
        Column("调解员", lambda d: d.mediator.name if d.mediator else "", 10),
        Column("承办单位/人", lambda d: _with(d.case), 16),
        Column("涉及金额（元）", lambda d: d.amount, 12),
        Column("登记时间", lambda d: d.case.reported_at, 18),
        Column("调解结果", lambda d: d.get_outcome_display() if d.outcome else "", 12),
        Column("办结时间", lambda d: d.concluded_at, 18),
    ],
)


def dispute_ledger(*, actor, data, ip: str | None = None) -> LedgerFile:
    """The disputes list (queue, search, type, risk grade, status) in a period of registration."""
    require_ledger_role(actor)
    queue, queue_label = ledger_choice(data, "queue", selectors.DISPUTE_QUEUE_LABELS.items())
    dispute_type, type_label = ledger_choice(data, "dispute_type", DisputeType.choices)
    risk_grade, risk_label = ledger_choice(data, "risk_grade", RiskGrade.choices)
    status, status_label = ledger_choice(data, "status", Status.choices)
    q = _search(data)
    period = ledger_period(data)
    disputes = (
        selectors.dispute_list(
            actor=actor,
            queue=queue,
            q=q,
            dispute_type=dispute_type,
            risk_grade=risk_grade,
            status=status,
        )
        .filter(period_q(period, "case__reported_at"))
        .prefetch_related(Prefetch("parties", queryset=DisputeParty.objects.order_by("pk")))
        .order_by("case__reported_at", "pk")
    )
    return ledger_export(
        actor=actor,
        ledger=DISPUTE_LEDGER,
        rows=disputes.iterator(chunk_size=CHUNK_SIZE),
        filters={
            **_raw(data, "queue", "q", "dispute_type", "risk_grade", "status"),
            **_raw(data, "month", "from", "to"),
        },
        filter_labels=[
            ("队列", queue_label),
            ("关键词", q),
            ("纠纷类型", type_label),
            ("风险等级", risk_label),
            ("状态", status_label),
            ("登记时间", period.label),
        ],
        ip=ip,
    )


# --- petitions ---------------------------------------------------------------------------------


def _accepted(petition: Petition) -> str:
    if petition.is_accepted is None:
        return ""
    return "受理" if petition.is_accepted else "不予受理"


PETITION_LEDGER = Ledger(
    name="petitions",
    title="信访事项台账",
    columns=[
        Column("事件编号", lambda p: p.case.code, 18),
        Column("标题", lambda p: p.case.title, 28),
        Column("信访形式", lambda p: p.get_form_display(), 10),
        Column("信访人", lambda p: p.petitioner_name, 10),
        Column("身份证号", lambda p: p.petitioner_id_masked, 20),
        Column("联系电话", lambda p: p.case.callback_phone_masked, 14),
        Column("人数", lambda p: p.visitors, 6),
        Column("状态", lambda p: p.case.get_status_display(), 10),
        Column("登记时间", lambda p: p.case.reported_at, 18),
        Column("告知期限", lambda p: p.acknowledge_due_at, 18),
        Column("告知时间", lambda p: p.acknowledged_at, 18),
        Column("是否受理", _accepted, 10),
        Column("答复期限", lambda p: p.reply_due_at, 18),
        Column("答复时间", lambda p: p.replied_at, 18),
        Column("延期天数", lambda p: p.extended_days or "", 8),
        Column("承办单位/人", lambda p: _with(p.case), 16),
        Column("答复意见", lambda p: p.reply, 40),
    ],
)


def petition_ledger(*, actor, data, ip: str | None = None) -> LedgerFile:
    """The petitions list (queue, search) in a period of registration."""
    require_ledger_role(actor)
    queue, queue_label = ledger_choice(data, "queue", selectors.PETITION_QUEUE_LABELS.items())
    q = _search(data)
    period = ledger_period(data)
    petitions = (
        selectors.petition_list(actor=actor, queue=queue, q=q)
        .filter(period_q(period, "case__reported_at"))
        .order_by("case__reported_at", "pk")
    )
    return ledger_export(
        actor=actor,
        ledger=PETITION_LEDGER,
        rows=petitions.iterator(chunk_size=CHUNK_SIZE),
        filters=_raw(data, "queue", "q", "month", "from", "to"),
        filter_labels=[("队列", queue_label), ("关键词", q), ("登记时间", period.label)],
        ip=ip,
    )


# --- screening returns -------------------------------------------------------------------------


def _return_state(row: dict) -> str:
    report = row["report"]
    if report is None:
        return "未上报"
    return "无矛盾纠纷" if report.nothing_found else "发现矛盾纠纷"


SCREENING_LEDGER = Ledger(
    name="screening",
    title="矛盾纠纷排查台账",
    columns=[
        Column("村（社区）", lambda r: r["round"].village.name, 16),
        Column(
            "排查周期",
            lambda r: f"{chinese_date(r['round'].starts_on)}至{chinese_date(r['round'].ends_on)}",
            26,
        ),
        Column("网格", lambda r: r["grid"].name, 16),
        Column("上报情况", _return_state, 12),
        Column("发现纠纷数", lambda r: r["report"].finding_total if r["report"] else "", 10),
        Column(
            "纠纷编号",
            lambda r: (
                "、".join(d.case.code for d in r["report"].visible_findings) if r["report"] else ""
            ),
            24,
        ),
        Column("说明", lambda r: r["report"].note if r["report"] else "", 30),
        Column("上报人", lambda r: r["report"].reported_by.label if r["report"] else "", 10),
        Column("上报时间", lambda r: r["report"].reported_at if r["report"] else None, 18),
    ],
)


def screening_ledger(*, actor, data, ip: str | None = None) -> LedgerFile:
    """Every grid's return of the screening rounds the actor may see (a grid that has not
    reported is a row too), optionally of one round or of rounds starting in a period."""
    require_ledger_role(actor)
    rounds = selectors.screening_rounds(actor=actor)
    raw_round = (data.get("round") or "").strip()
    round_label = ""
    if raw_round:
        if not raw_round.isdigit():
            raise ValidationFailed(_("Give the round's number."), field="round")
        found = rounds.filter(pk=int(raw_round)).first()
        if found is None:
            raise ValidationFailed(_("Unknown screening round."), field="round")
        rounds = rounds.filter(pk=found.pk)
        round_label = f"{found.village.name} {chinese_date(found.starts_on)}"
    period = ledger_period(data)
    rounds = rounds.filter(_date_q(period, "starts_on")).order_by("starts_on", "region_code")
    return ledger_export(
        actor=actor,
        ledger=SCREENING_LEDGER,
        rows=_screening_rows(actor, rounds),
        filters=_raw(data, "round", "month", "from", "to"),
        filter_labels=[("排查轮次", round_label), ("开始日期", period.label)],
        ip=ip,
    )


def _date_q(period: Period, field: str) -> Q:
    q = Q()
    if period.start is not None:
        q &= Q(**{f"{field}__gte": period.start})
    if period.end is not None:
        q &= Q(**{f"{field}__lt": period.end})
    return q


def _screening_rows(actor, rounds) -> Iterator[dict]:
    # One round at a time: a round holds one village's grids, so memory stays small.
    for screening_round in rounds.iterator(chunk_size=100):
        for report in selectors.screening_reports(actor=actor, screening_round=screening_round):
            yield {"round": screening_round, "grid": report.grid, "report": report}
        for grid in selectors.screening_missing_grids(screening_round=screening_round):
            yield {"round": screening_round, "grid": grid, "report": None}


# --- follow-up visits --------------------------------------------------------------------------


FOLLOW_UP_LEDGER = Ledger(
    name="follow_ups",
    title="回访台账",
    columns=[
        Column("纠纷编号", lambda f: f.dispute.case.code, 18),
        Column("纠纷标题", lambda f: f.dispute.case.title, 28),
        Column("村（社区）", lambda f: f.dispute.case.village.name, 16),
        Column("调解员", lambda f: f.dispute.mediator.name if f.dispute.mediator else "", 10),
        Column("应回访日期", lambda f: f.due_on, 12),
        Column("回访时间", lambda f: f.done_at, 18),
        Column("回访结果", lambda f: f.get_result_display() if f.result else "", 16),
        Column("回访人", lambda f: f.done_by.label if f.done_by else "", 10),
        Column("说明", lambda f: f.note, 30),
    ],
)
FOLLOW_UP_STATES = {"due": gettext_lazy("Not yet made"), "done": gettext_lazy("Made")}


def follow_up_ledger(*, actor, data, ip: str | None = None) -> LedgerFile:
    """Follow-up visits of the disputes the actor may see: all, or as the follow-ups page lists
    them (`days`: not made and due within that many days), or by state, in a period of due
    dates."""
    require_ledger_role(actor)
    state, state_label = ledger_choice(data, "state", FOLLOW_UP_STATES.items())
    raw_days = (data.get("days") or "").strip()
    days_label = ""
    visits = FollowUp.objects.filter(
        dispute__in=selectors.dispute_visible_ids(actor=actor)
    ).select_related("dispute__case__village", "dispute__mediator", "done_by")
    if raw_days:
        if not raw_days.isdigit() or int(raw_days) > MAX_DAYS:
            raise ValidationFailed(_("Give a number of days up to 366."), field="days")
        until = clock.localdate() + timedelta(days=int(raw_days))
        visits = visits.filter(done_at__isnull=True, due_on__lte=until)
        days_label = f"{int(raw_days)}日内到期"
    if state:
        visits = visits.filter(done_at__isnull=state == "due")
    period = ledger_period(data)
    visits = visits.filter(_date_q(period, "due_on")).order_by("due_on", "pk")
    return ledger_export(
        actor=actor,
        ledger=FOLLOW_UP_LEDGER,
        rows=visits.iterator(chunk_size=CHUNK_SIZE),
        filters=_raw(data, "days", "state", "month", "from", "to"),
        filter_labels=[("到期", days_label), ("状态", state_label), ("应回访日期", period.label)],
        ip=ip,
    )
