"""The audit log's read side: who may read it, filters, the scoped lists and the XLSX export.

The page (/audit/) and the API (GET /api/v1/audit) share the filter form, so bad input gets
the same clear error on both. Rows are scoped by region_code to the viewer's jurisdiction
(core.scoping); rows without a region (global configuration) are seen by superusers only.
"""

import datetime as dt
import json
import re
import tempfile

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from fengqiao.core import clock
from fengqiao.core.errors import NotAllowed, ValidationFailed
from fengqiao.core.models import AccessLog, AuditEntry
from fengqiao.core.roles import Role, has_role
from fengqiao.core.scoping import scoped

# Roles that read the audit and access logs (superusers always may).
AUDIT_ROLES = frozenset({Role.ADMIN})
EXPORT_MAX_ROWS = 100_000
# Dates outside these years are refused: they are typing errors, and at the extremes turning
# them into aware datetimes overflows.
FIRST_YEAR, LAST_YEAR = 2000, 2100
_CODE = re.compile(r"\d{1,24}")
_TOKEN = re.compile(r"[A-Za-z0-9_.@+-]{1,150}")
_FORMULA_START = ("=", "+", "-", "@")


# How the page names the actions services write (others are shown as written).
ACTION_LABELS = {
    "create": gettext_lazy("Created"),
    "update": gettext_lazy("Changed"),
    "delete": gettext_lazy("Deleted"),
    "move": gettext_lazy("Moved household"),
    "tag_add": gettext_lazy("Tag added"),
    "tag_remove": gettext_lazy("Tag removed"),
    "bind": gettext_lazy("Jurisdiction added"),
    "unbind": gettext_lazy("Jurisdiction removed"),
    "password_change": gettext_lazy("Password changed"),
    "password_reset": gettext_lazy("Password set by an administrator"),
    "set_members": gettext_lazy("Group members set"),
    "import": gettext_lazy("Imported"),
    "import_batch": gettext_lazy("Import batch"),
    "relocate": gettext_lazy("Relocated after grids were redrawn"),
}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def may_read_audit(actor) -> bool:
    return has_role(actor, AUDIT_ROLES)


def require_audit_reader(actor) -> None:
    if not may_read_audit(actor):
        raise NotAllowed(_("Only administrators read the audit log."))


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=gettext_lazy("Actor"), required=False, max_length=150)
    entity_type = forms.CharField(label=gettext_lazy("Entity type"), required=False, max_length=60)
    entity_id = forms.CharField(label=gettext_lazy("Entity id"), required=False, max_length=64)
    action = forms.CharField(label=gettext_lazy("Action"), required=False, max_length=32)
    region = forms.CharField(label=gettext_lazy("Region code"), required=False, max_length=24)
    date_from = forms.DateField(label=gettext_lazy("Date from"), required=False)
    date_to = forms.DateField(label=gettext_lazy("Date to"), required=False)

    def _token(self, name: str) -> str:
        value = self.cleaned_data.get(name, "").strip()
        if value and not _TOKEN.fullmatch(value):
            raise forms.ValidationError(_("Letters, digits and . _ @ + - only."))
        return value

    def clean_actor(self):
        return self._token("actor")

    def clean_entity_type(self):
        return self._token("entity_type").lower()

    def clean_entity_id(self):
        return self._token("entity_id")

    def clean_action(self):
        return self._token("action").lower()

    def clean_region(self):
        value = self.cleaned_data.get("region", "").strip()
        if value and not _CODE.fullmatch(value):
            raise forms.ValidationError(_("A region code is made of digits."))
        return value

    def _date(self, name: str):
        value = self.cleaned_data.get(name)
        if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
            raise forms.ValidationError(
                _("Give a date between %(first)s and %(last)s.")
                % {"first": FIRST_YEAR, "last": LAST_YEAR}
            )
        return value

    def clean_date_from(self):
        return self._date("date_from")

    def clean_date_to(self):
        return self._date("date_to")

    def clean(self):
        super().clean()
        data = self.cleaned_data
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return data


def audit_filters(data) -> dict:
    """Validated filters from a query dict; ValidationFailed names the first bad field."""
    form = AuditFilterForm(data)
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        raise ValidationFailed(f"{field}: {' '.join(map(str, errors))}", field=field)
    return form.cleaned_data


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _common(qs: QuerySet, filters: dict, *, actor_field="actor") -> QuerySet:
    if filters.get("actor"):
        if filters["actor"].lower() == "system":
            qs = qs.filter(**{f"{actor_field}__isnull": True})
        else:
            qs = qs.filter(**{f"{actor_field}__username__iexact": filters["actor"]})
    if filters.get("region"):
        qs = qs.filter(region_code__startswith=filters["region"])
    if filters.get("date_from"):
        qs = qs.filter(at__gte=_day_start(filters["date_from"]))
    if filters.get("date_to"):
        qs = qs.filter(at__lt=_day_start(filters["date_to"] + dt.timedelta(days=1)))
    return qs


def audit_list(*, actor, filters: dict | None = None) -> QuerySet:
    """Audit entries the actor may read, newest first."""
    require_audit_reader(actor)
    filters = filters or {}
    qs = scoped(AuditEntry.objects.select_related("actor"), actor)
    qs = _common(qs, filters)
    if filters.get("entity_type"):
        qs = qs.filter(entity_type=filters["entity_type"])
    if filters.get("entity_id"):
        qs = qs.filter(entity_id=filters["entity_id"])
    if filters.get("action"):
        qs = qs.filter(action=filters["action"])
    return qs.order_by("-at", "-id")


def access_list(*, actor, filters: dict | None = None) -> QuerySet:
    """Reveals and exports of personal data the actor may read, newest first."""
    require_audit_reader(actor)
    filters = filters or {}
    qs = _common(scoped(AccessLog.objects.select_related("actor"), actor), filters)
    if filters.get("entity_type"):
        qs = qs.filter(object_type=filters["entity_type"])
    if filters.get("entity_id"):
        qs = qs.filter(object_id=filters["entity_id"])
    if filters.get("action"):
        qs = qs.filter(action=filters["action"])
    return qs.order_by("-at", "-id")


def entity_type_choices(*, actor) -> list[str]:
    if not may_read_audit(actor):
        return []
    qs = scoped(AuditEntry.objects.all(), actor)
    return list(qs.order_by("entity_type").values_list("entity_type", flat=True).distinct())


def changes_text(changes) -> str:
    """`field: old → new; …` (fields by name) for a page cell or a spreadsheet."""
    if not isinstance(changes, dict):
        return ""
    parts = []
    # By name: PostgreSQL's jsonb does not keep the order the service wrote.
    for name, pair in sorted(changes.items()):
        old, new = pair if isinstance(pair, list) and len(pair) == 2 else (None, pair)
        parts.append(f"{name}: {_short(old)} → {_short(new)}")
    return "; ".join(parts)


def _short(value) -> str:
    if value is None:
        return "—"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 120 else text[:117] + "…"


def _cell(sheet, value):
    """Text safe for a spreadsheet: no control characters, never a formula."""
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if value.startswith(_FORMULA_START):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value


def _local(at: dt.datetime) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M:%S")


# Column headers in Chinese, like the registry exports (the sheets go to Chinese offices).
AUDIT_HEADERS = [
    "时间",
    "操作人",
    "操作",
    "对象类型",
    "对象编号",
    "辖区代码",
    "变更",
    "原因",
    "IP",
]
ACCESS_HEADERS = [
    "时间",
    "操作人",
    "操作",
    "对象类型",
    "对象编号",
    "字段",
    "说明",
    "辖区代码",
    "IP",
]


def audit_export_xlsx(*, actor, filters: dict, ip: str | None = None):
    """The filtered audit and access logs as an XLSX file object (write-only workbook spooled
    to a temporary file); the export itself goes into the access log."""
    require_audit_reader(actor)
    entries = audit_list(actor=actor, filters=filters)[:EXPORT_MAX_ROWS]
    accesses = access_list(actor=actor, filters=filters)[:EXPORT_MAX_ROWS]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Audit log"))
    sheet.append(AUDIT_HEADERS)
    audit_rows = 0
    for e in entries.iterator(chunk_size=2000):
        audit_rows += 1
        sheet.append(
            [
                _cell(sheet, value)
                for value in (
                    _local(e.at),
                    e.actor_label,
                    e.action,
                    e.entity_type,
                    e.entity_id,
                    e.region_code,
                    changes_text(e.changes),
                    e.reason,
                    e.ip or "",
                )
            ]
        )
    sheet = workbook.create_sheet(_("Access log"))
    sheet.append(ACCESS_HEADERS)
    access_rows = 0
    for a in accesses.iterator(chunk_size=2000):
        access_rows += 1
        sheet.append(
            [
                _cell(sheet, value)
                for value in (
                    _local(a.at),
                    a.actor.get_username(),
                    a.action,
                    a.object_type,
                    a.object_id,
                    a.field,
                    a.detail,
                    a.region_code,
                    a.ip or "",
                )
            ]
        )
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - returned
    workbook.save(out)
    out.seek(0)
    shown = {k: str(v) for k, v in filters.items() if v not in (None, "")}
    AccessLog.objects.create(
        actor=actor,
        action=AccessLog.Action.EXPORT,
        object_type="audit",
        detail=f"audit={audit_rows} access={access_rows} {json.dumps(shown)}"[:255],
        region_code=filters.get("region") or _home_code(actor),
        ip=ip,
        at=clock.now(),
    )
    return out


def _home_code(actor) -> str:
    prefixes = actor.scope_prefixes()
    return prefixes[0] if prefixes else ""
