"""The case ledger (事件台账): the case queue's list with its filters (queue, search, status,
category, level, channel) and a period, as XLSX through core.ledger; phones masked."""

from django.utils.translation import gettext as _

from fengqiao.cases import selectors
from fengqiao.cases.models import Case, Category, Channel, Level, Status
from fengqiao.core.errors import NotAllowed, ValidationFailed
from fengqiao.core.ledger import Column, Ledger, LedgerFile, ledger_export, ledger_period, period_q
from fengqiao.core.roles import STAFF_ROLES, has_role

__all__ = ["CASE_FILTERS", "CASE_LEDGER", "case_ledger", "ledger_choice", "require_ledger_role"]

CASE_FILTERS = (
    "queue",
    "q",
    "status",
    "category",
    "level",
    "channel",
    "month",
    "from",
    "to",
    "codes",
)
MAX_CODES = 200  # the rows a queue page selects at most (bulk export)
CHUNK_SIZE = 2000
MAX_SEARCH = 100


def _when(field: str):
    return lambda case: getattr(case, field)


def _place(case: Case) -> str:
    return case.village.name


def _with(case: Case) -> str:
    if case.assignee is not None:
        return case.assignee.label
    return case.unit.name if case.unit is not None else ""


CASE_LEDGER = Ledger(
    name="cases",
    title="事件台账",
    columns=[
        Column("事件编号", lambda c: c.code, 18),
        Column("标题", lambda c: c.title, 30),
        Column("类别", lambda c: c.category.name, 14),
        Column("状态", lambda c: c.get_status_display(), 10),
        Column("层级", lambda c: c.get_level_display(), 8),
        Column("来源渠道", lambda c: c.get_channel_display(), 14),
        Column("紧急程度", lambda c: c.get_priority_display(), 8),
        Column("村（社区）", _place, 16),
        Column("网格", lambda c: c.grid.name if c.grid is not None else "", 16),
        Column("地址", lambda c: c.address, 30),
        Column("反映人", lambda c: "匿名" if c.is_anonymous else c.reporter_name, 10),
        Column("联系电话", lambda c: c.callback_phone_masked, 14),
        Column("承办单位/人", _with, 18),
        Column("上报时间", _when("reported_at"), 18),
        Column("办理时限", lambda c: c.due_at if c.is_open else None, 18),
        Column("办结时间", _when("closed_at"), 18),
        Column("满意度", lambda c: c.rating, 8),
        Column("处理结果", lambda c: c.result, 40),
    ],
)


def require_ledger_role(actor) -> None:
    """Ledgers are the workbench's: staff of any role, never a resident."""
    if not has_role(actor, STAFF_ROLES):
        raise NotAllowed(_("Your role may not export ledgers."))


def ledger_choice(data, field: str, choices):
    """(value, label) of a choice filter (the label lazy: the sheet is written in Chinese);
    ("", "") when not given, ValidationFailed when unknown."""
    value = (data.get(field) or "").strip()
    if not value:
        return "", ""
    labels = dict(choices)
    if value not in labels:
        raise ValidationFailed(_("Unknown value %(value)s.") % {"value": value[:40]}, field=field)
    return value, labels[value]


def case_ledger(*, actor, data, ip: str | None = None) -> LedgerFile:
    """The cases the actor may see, narrowed as the queue page narrows them (`data`: the
    page's query or the API's filters) and to a period of report time; logged as an export."""
    require_ledger_role(actor)
    queue, queue_label = _queue(data)
    status, status_label = ledger_choice(data, "status", Status.choices)
    level, level_label = ledger_choice(data, "level", Level.choices)
    channel, channel_label = ledger_choice(data, "channel", Channel.choices)
    category, category_label = _category(data)
    q = (data.get("q") or "").strip()
    if len(q) > MAX_SEARCH:
        raise ValidationFailed(_("The search text is too long."), field="q")
    period = ledger_period(data)
    codes = _codes(data)
    cases = selectors.case_list(
        actor=actor,
        queue=queue,
        q=q,
        status=status,
        category=category,
        level=level,
        channel=channel,
    ).filter(period_q(period, "reported_at"))
    if codes:
        cases = cases.filter(code__in=codes)
    filters = {
        "queue": queue,
        "q": q,
        "status": status,
        "category": category,
        "level": level,
        "channel": channel,
        "month": (data.get("month") or "").strip(),
        "from": (data.get("from") or "").strip(),
        "to": (data.get("to") or "").strip(),
        "codes": ",".join(codes),
    }
    labels = [
        ("队列", queue_label),
        ("关键词", q),
        ("状态", status_label),
        ("类别", category_label),
        ("层级", level_label),
        ("渠道", channel_label),
        ("上报时间", period.label),
        ("所选事件", f"{len(codes)} 件" if codes else ""),
    ]
    return ledger_export(
        actor=actor,
        ledger=CASE_LEDGER,
        rows=cases.order_by("reported_at", "pk").iterator(chunk_size=CHUNK_SIZE),
        filters=filters,
        filter_labels=labels,
        ip=ip,
    )


def _codes(data) -> list[str]:
    """The selected case numbers (`codes`: repeated, or one comma-separated value); only the
    visible ones among them are exported, as every other filter narrows the visible list."""
    raw = data.getlist("codes") if hasattr(data, "getlist") else data.get("codes") or []
    if isinstance(raw, str):
        raw = [raw]
    codes = sorted({c.strip() for value in raw for c in str(value).split(",") if c.strip()})
    if len(codes) > MAX_CODES:
        raise ValidationFailed(
            _("Select at most %(n)d cases to export.") % {"n": MAX_CODES}, field="codes"
        )
    if any(len(c) > 32 or not c.isalnum() for c in codes):
        raise ValidationFailed(_("A selected case number is malformed."), field="codes")
    return codes


def _queue(data):
    return ledger_choice(data, "queue", selectors.QUEUE_LABELS.items())


def _category(data) -> tuple[str, str]:
    # Any category or group the queue's select offers (a group takes its categories).
    code = (data.get("category") or "").strip()
    if not code:
        return "", ""
    found = Category.objects.filter(code=code).first()
    if found is None:
        raise ValidationFailed(
            _("Unknown category %(code)s.") % {"code": code[:40]}, field="category"
        )
    return code, found.name
