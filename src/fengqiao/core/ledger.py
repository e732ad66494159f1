"""The ledger engine (台账): any list as an XLSX file, from a column spec and an iterable of
rows, streamed through a write-only workbook into a spooled temporary file, and logged as an
export. Each app keeps its specs (cases/ledgers.py, mediation/ledgers.py); this file knows no
model."""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import IO, Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from fengqiao.core import clock
from fengqiao.core.errors import ValidationFailed
from fengqiao.core.models import AccessLog
from fengqiao.core.printdates import chinese_date, chinese_datetime
from fengqiao.core.scoping import actor_prefixes
from fengqiao.core.textsafe import xml_safe

__all__ = [
    "XLSX",
    "Column",
    "Ledger",
    "LedgerFile",
    "Period",
    "ledger_export",
    "ledger_period",
    "period_q",
    "safe_value",
]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Up to this size the finished file stays in memory; beyond it, on disk. The workbook itself
# writes its sheet XML to a temporary file as rows come, so memory does not grow with rows.
SPOOL_BYTES = 4 * 1024 * 1024
# A leading "=", "+", "-" or "@" makes a spreadsheet run a cell as a formula (CSV/XLSX injection).
FORMULA_START = ("=", "+", "-", "@")
_MONTH = re.compile(r"\d{4}-\d{2}")
HEADER_ROW = 3  # title, the filters line, then the column headers; rows below scroll
_TITLE_FONT = Font(bold=True, size=14)
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")


@dataclass(frozen=True)
class Column:
    """One column: its header (Chinese, as the page says it), how to read it off a row, and
    its width in characters."""

    header: str
    value: Callable[[Any], Any]
    width: int = 14


@dataclass(frozen=True)
class Ledger:
    """One list's ledger: `name` names the file and the access log's object type
    (`ledger_<name>`), `title` heads the sheet after the area's name."""

    name: str
    title: str
    columns: Sequence[Column]


@dataclass
class LedgerFile:
    """A written ledger: the file (at position 0, for a FileResponse to stream and close),
    its download name and how many rows it holds."""

    file: IO[bytes]
    filename: str
    rows: int


def safe_value(sheet, value):
    """A value a cell may hold: local time without a zone, text without control characters,
    and text that starts like a formula stored as text (a quote-prefixed string cell)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, str):
        value = xml_safe(value)
        if value.startswith(FORMULA_START):
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            cell.quotePrefix = True
            return cell
    return value


def area_name(actor) -> str:
    """The actor's jurisdiction by name, for the sheet's title."""
    if actor_prefixes(actor) is None:
        return "全部辖区"
    names = [str(binding.target) for binding in actor.bindings.all() if binding.target]
    return "、".join(names) or "—"


def ledger_export(
    *,
    actor,
    ledger: Ledger,
    rows: Iterable[Any],
    filters: dict[str, str],
    filter_labels: Sequence[tuple[str, Any]] = (),
    ip: str | None = None,
) -> LedgerFile:
    """Write `rows` (already scoped to the actor and filtered) as the ledger's sheet and log
    the export: `filters` (the canonical values) and the row count go into the log's detail,
    `filter_labels` ((name, label) pairs, labels possibly lazy; blank ones left out) under the
    title. The sheet is a Chinese document whatever the reader's language."""
    with translation.override("zh-hans"):
        return _write(actor, ledger, rows, filters, filter_labels, ip)


def _write(actor, ledger: Ledger, rows, filters, filter_labels, ip) -> LedgerFile:
    now = clock.now()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(ledger.title[:31])
    for index, column in enumerate(ledger.columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"

    title = WriteOnlyCell(sheet, value=xml_safe(f"{area_name(actor)}{ledger.title}"))
    title.font = _TITLE_FONT
    sheet.append([title])
    described = "；".join(f"{name}：{label}" for name, label in filter_labels if label) or "全部"
    sheet.append(
        [
            safe_value(
                sheet,
                f"筛选条件：{described}　导出时间：{chinese_datetime(now)}　导出人：{actor.label}",
            )
        ]
    )
    headers = []
    for column in ledger.columns:
        cell = WriteOnlyCell(sheet, value=column.header)
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center")
        headers.append(cell)
    sheet.append(headers)

    count = 0
    for row in rows:
        sheet.append([safe_value(sheet, column.value(row)) for column in ledger.columns])
        count += 1

    out = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - the response closes it
    workbook.save(out)
    out.seek(0)
    _log(actor=actor, ledger=ledger, filters=filters, rows=count, ip=ip, at=now)
    stamp = timezone.localtime(now).strftime("%Y%m%d-%H%M")
    return LedgerFile(file=out, filename=f"{ledger.name}-{stamp}.xlsx", rows=count)


def _log(*, actor, ledger: Ledger, filters: dict[str, str], rows: int, ip, at) -> None:
    given = {key: value for key, value in filters.items() if value}
    detail = json.dumps({"filters": given, "rows": rows}, ensure_ascii=False)
    if len(detail) > 255:  # a long search text is cut, never the row count
        detail = json.dumps({"rows": rows, "filters": given}, ensure_ascii=False)[:255]
    prefixes = actor_prefixes(actor)
    AccessLog.objects.create(
        actor=actor,
        action=AccessLog.Action.EXPORT,
        object_type=f"ledger_{ledger.name}",
        detail=detail,
        region_code=os.path.commonprefix(prefixes) if prefixes else "",
        ip=ip,
        at=at,
    )


@dataclass(frozen=True)
class Period:
    """A period a ledger is narrowed to: [start, end) in local days, and how it reads."""

    start: date | None
    end: date | None  # exclusive
    label: str

    @property
    def given(self) -> bool:
        return self.start is not None or self.end is not None


def ledger_period(data, *, month: str = "month", since: str = "from", until: str = "to") -> Period:
    """The period of a ledger's query: `month` (YYYY-MM), or `from`/`to` (YYYY-MM-DD, both
    days included). A malformed value is a ValidationFailed naming its field."""
    raw_month = (data.get(month) or "").strip()
    raw_since = (data.get(since) or "").strip()
    raw_until = (data.get(until) or "").strip()
    if raw_month:
        if raw_since or raw_until:
            raise ValidationFailed(_("Give a month or a date range, not both."), field=month)
        try:
            if not _MONTH.fullmatch(raw_month):
                raise ValueError(raw_month)
            first = date.fromisoformat(f"{raw_month}-01")
        except ValueError as exc:
            raise ValidationFailed(_("Give the month as YYYY-MM."), field=month) from exc
        _check_year(first, month)
        following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        return Period(first, following, f"{first.year}年{first.month}月")
    start = _day(raw_since, since)
    last = _day(raw_until, until)
    if start and last and last < start:
        raise ValidationFailed(_("The end date is before the start date."), field=until)
    end = last + timedelta(days=1) if last else None
    if not (start or last):
        return Period(None, None, "")
    label = f"{chinese_date(start) if start else '…'}至{chinese_date(last) if last else '…'}"
    return Period(start, end, label)


def _day(raw: str, field: str) -> date | None:
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError as exc:
        raise ValidationFailed(_("Give the date as YYYY-MM-DD."), field=field) from exc
    return _check_year(day, field)


def _check_year(day: date, field: str) -> date:
    # The edge (core.inputguard) bounds full dates; a month, or a direct call, is bounded here.
    low, high = settings.FENGQIAO_MIN_YEAR, settings.FENGQIAO_MAX_YEAR
    if not low <= day.year <= high:
        raise ValidationFailed(
            _("Give a year from %(min)s to %(max)s.") % {"min": low, "max": high}, field=field
        )
    return day


def period_q(period: Period, field: str) -> Q:
    """Rows whose datetime `field` lies in the period (local days)."""
    q = Q()
    if period.start is not None:
        q &= Q(**{f"{field}__gte": _midnight(period.start)})
    if period.end is not None:
        q &= Q(**{f"{field}__lt": _midnight(period.end)})
    return q


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))
