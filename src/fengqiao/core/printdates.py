"""Dates as Chinese documents write them: 2026年12月3日 in text and tables, 二〇二六年十二月三日
under a seal."""

from datetime import date, datetime

from django.utils import timezone

_DIGITS = "〇一二三四五六七八九"


def _local(value: date | datetime) -> date | datetime:
    if isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def chinese_date(value: date | datetime | None) -> str:
    """2026-12-03 → 2026年12月3日 (a datetime counts in local time); None → ""."""
    if value is None:
        return ""
    value = _local(value)
    return f"{value.year}年{value.month}月{value.day}日"


def chinese_datetime(value: datetime | None) -> str:
    """2026-12-03 15:04 → 2026年12月3日 15:04 (local time); None → ""."""
    if value is None:
        return ""
    local = _local(value)
    return f"{chinese_date(local)} {local:%H:%M}"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 21 → 二十一 (1 to 99): months, days and counts under a seal."""
    if not 0 < n < 100:
        raise ValueError(f"Cannot write {n} as a Chinese numeral here (1 to 99 only)")
    tens, ones = divmod(n, 10)
    return (
        (_DIGITS[tens] if tens > 1 else "")
        + ("十" if tens else "")
        + (_DIGITS[ones] if ones else "")
    )


def seal_date(value: date | datetime) -> str:
    """2026-11-23 → 二〇二六年十一月二十三日, the form written under a seal."""
    value = _local(value)
    year = "".join(_DIGITS[int(digit)] for digit in str(value.year))
    return f"{year}年{chinese_number(value.month)}月{chinese_number(value.day)}日"
