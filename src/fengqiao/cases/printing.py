"""Printed orders of a case, built from its log: the 交办单 (dispatch order) of its latest
dispatch or transfer and the 督办单 (supervision order) of its latest supervision, as DOCX or
PDF (core.printing). Phones stay masked; each download is logged as an export."""

from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext as _

from fengqiao.cases import oversight, selectors
from fengqiao.cases.ledgers import require_ledger_role
from fengqiao.cases.models import Case, CaseEvent, Level
from fengqiao.core import clock
from fengqiao.core.errors import Conflict, ValidationFailed
from fengqiao.core.models import AccessLog
from fengqiao.core.printdates import chinese_date, chinese_datetime
from fengqiao.core.printing import FORMATS, PrintForm, Signature, render

__all__ = ["CaseDocument", "SEND_ACTIONS", "case_document", "case_documents_available"]

SEND_ACTIONS = ("dispatch", "transfer", "accept_dispatch")
DOCUMENTS = {"dispatch_order": "交办单", "supervision_order": "督办单"}


@dataclass(frozen=True)
class CaseDocument:
    filename: str
    content_type: str
    content: bytes


def _latest(case: Case, actions) -> CaseEvent | None:
    return case.events.filter(action__in=actions).select_related("actor").order_by("-seq").first()


def case_documents_available(case: Case) -> list[str]:
    """The orders the case has a log entry for: "dispatch_order", "supervision_order"."""
    found = set(
        case.events.filter(action__in=[*SEND_ACTIONS, "supervise"]).values_list("action", flat=True)
    )
    available = []
    if found & set(SEND_ACTIONS):
        available.append("dispatch_order")
    if "supervise" in found:
        available.append("supervision_order")
    return available


def issuing_centre(actor, case: Case) -> str:
    """The centre that issued an order: the one of the actor's jurisdiction, else the one of
    the level the case is at."""
    binding = actor.bindings.select_related("region", "grid__village").first() if actor else None
    if binding is not None and binding.region is not None:
        return f"{binding.region.name}综治中心"
    if binding is not None and binding.grid is not None:
        return f"{binding.grid.village.name}综治中心"
    region = case.village
    steps_up = {Level.TOWNSHIP.value: 1, Level.COUNTY.value: 2}.get(case.level, 0)
    for _step in range(steps_up):
        region = region.parent or region
    return f"{region.name}综治中心"


def _case_rows(case: Case) -> list[tuple[str, str]]:
    place = case.village.name + (f" {case.grid.name}" if case.grid is not None else "")
    reporter = "匿名" if case.is_anonymous else case.reporter_name
    return [
        ("事件编号", case.code),
        ("事件标题", case.title),
        ("事件类别", case.category.name),
        ("发生地点", f"{place}\n{case.address}".strip()),
        ("来源渠道", case.get_channel_display()),
        ("上报时间", chinese_datetime(case.reported_at)),
        ("反映人", f"{reporter}　{case.callback_phone_masked}".strip()),
        ("事件描述", case.description or case.title),
    ]


def _handler(case: Case, event: CaseEvent | None = None) -> str:
    if event is not None and (event.data.get("unit") or event.data.get("assignee")):
        return "　".join(v for v in (event.data.get("unit"), event.data.get("assignee")) if v)
    if case.unit is not None:
        return case.unit.name
    return case.assignee.label if case.assignee is not None else ""


def dispatch_order(case: Case) -> PrintForm:
    event = _latest(case, SEND_ACTIONS)
    if event is None:
        raise Conflict(_("This case has not been dispatched."), code="not_dispatched")
    issuer = issuing_centre(event.actor, case)
    due = case.resolve_due_at or case.due_at
    return PrintForm(
        title="交办单",
        issuer=issuer,
        number=f"交〔{clock.localdate(event.at).year}〕{case.code}-{event.seq}号",
        table=[
            *_case_rows(case),
            ("承办单位", _handler(case, event)),
            ("交办时间", chinese_datetime(event.at)),
            ("办理时限", chinese_datetime(due) if due else "按规定时限办理"),
            ("交办意见", event.note or "请按职责及时核查处置，并在时限内反馈办理结果。"),
            ("交办人", event.actor.label if event.actor else event.actor_label),
            ("办理结果", case.result or "\n\n"),
        ],
        closing=["请承办单位签收后按时限办理，办结后将办理结果反馈交办单位。"],
        seal=(issuer, clock.localdate(event.at)),
        signatures=[Signature("承办单位签收", _handler(case, event)), Signature("承办人")],
        footnote="本单一式两份，交办单位、承办单位各存一份。",
        subject=case.code,
    )


def supervision_order(case: Case) -> PrintForm:
    event = _latest(case, ["supervise"])
    if event is None:
        raise Conflict(_("This case is not supervised."), code="not_supervised")
    supervision = oversight.case_oversight(case)["supervision"]
    issuer = issuing_centre(event.actor, case)
    deadline = chinese_date(supervision["deadline"]) if supervision else ""
    return PrintForm(
        title="督办单",
        issuer=issuer,
        number=f"督〔{clock.localdate(event.at).year}〕{case.code}-{event.seq}号",
        table=[
            *_case_rows(case),
            ("当前状态", case.get_status_display()),
            ("承办单位", _handler(case)),
            ("督办时间", chinese_datetime(event.at)),
            ("督办人", event.actor.label if event.actor else event.actor_label),
            ("督办要求", event.note),
            ("办结时限", deadline),
            ("落实情况", case.result or "\n\n"),
        ],
        closing=[f"请承办单位于{deadline}前办结，并将落实情况书面报告督办单位。"],
        seal=(issuer, clock.localdate(event.at)),
        signatures=[Signature("承办单位负责人", _handler(case)), Signature("督办联系人")],
        footnote="本单一式两份，督办单位、承办单位各存一份。",
        subject=case.code,
    )


BUILDERS = {"dispatch_order": dispatch_order, "supervision_order": supervision_order}


def case_document(
    *, actor, code: str, document: str, fmt: str = "docx", ip: str | None = None
) -> CaseDocument:
    """A printed order of a case the actor may see (404 otherwise), logged as an export."""
    if fmt not in FORMATS:
        raise ValidationFailed(_("Choose docx or pdf."), field="format")
    case = selectors.case_get(actor=actor, code=code)
    require_ledger_role(actor)
    with translation.override("zh-hans"):  # a Chinese document whatever the reader's language
        form = BUILDERS[document](case)
        content = render(form, fmt)
    AccessLog.objects.create(
        actor=actor,
        action=AccessLog.Action.EXPORT,
        object_type=f"document_{document}",
        object_id=case.code,
        detail=form.number[:255],
        region_code=case.region_code,
        ip=ip,
        at=clock.now(),
    )
    name = f"{case.code}-{DOCUMENTS[document]}.{fmt}"
    return CaseDocument(filename=name, content_type=FORMATS[fmt], content=content)
