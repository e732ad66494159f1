"""Monthly screening (矛盾纠纷排查) in the demo: the county centre opens each month's round for
every village, and every grid's chief files a report late in the month, listing the
disputes the grid registered, or that it found nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from fengqiao.core.errors import DomainError
from fengqiao.demo import SHANGHAI
from fengqiao.demo.mediation.plans import Life
from fengqiao.mediation import screening

__all__ = ["MONTHS", "Screening"]

MONTHS = 12  # screening rounds: this month and the eleven before


class Screening:
    """Part of `MediationHistory` (demo.mediation.history): the rounds and grid reports."""

    def months(self) -> list[tuple[date, date, datetime]]:
        """(first day, last day, opening time) of this month's round and the eleven before."""
        today = self.now.astimezone(SHANGHAI).date()
        out = []
        year, month = today.year, today.month
        for _ in range(MONTHS):
            first = date(year, month, 1)
            last = (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)
            opening = first
            while not self.calendar.is_workday(opening):
                opening += timedelta(days=1)
            opened = datetime.combine(opening, time(8, 30), SHANGHAI) + timedelta(
                minutes=self.rng.uniform(0, 60)
            )
            out.append((first, last, opened.astimezone(UTC)))
            year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        return out

    def month_of(self, at: datetime) -> int | None:
        day = at.astimezone(SHANGHAI).date()
        for back, (first, last, _opened) in enumerate(self.rounds):
            if first <= day <= last:
                return back
        return None

    def grid_report_time(self, back: int, grid_code: str) -> datetime:
        key = (back, grid_code)
        if key not in self.report_times:
            first, last, _opened = self.rounds[back]
            day = first + timedelta(days=self.rng.randint(17, 26))
            day = min(day, last)
            local = datetime.combine(day, time(9), SHANGHAI) + timedelta(
                minutes=self.rng.uniform(0, 480)
            )
            self.report_times[key] = self.office(local.astimezone(UTC))
        return self.report_times[key]

    def screening_life(self, back: int) -> Life:
        """The county centre opens the month's round; every grid reports late in the month."""
        first, last, _opened = self.rounds[back]
        opener = self.staff.centre(self.county.prefix)
        rounds = screening.screening_rounds_open(
            actor=opener, region=self.county, starts_on=first, ends_on=last
        )
        by_village = {r.village_id: r for r in rounds}
        reports = sorted(
            (self.grid_report_time(back, code), code)
            for code, grid in self.staff.grids.items()
            if grid.village_id in by_village
        )
        for when, code in reports:
            yield when
            grid = self.staff.grids[code]
            found = self.findings.pop((back, code), [])
            chief = self.staff.grid_chief(code)
            if found:
                note = f"入户走访排查，发现矛盾纠纷{len(found)}起，已登记调处。"
            else:
                note = self.rng.choice(
                    (
                        "本月入户走访排查，未发现矛盾纠纷。",
                        "已走访网格内住户，未发现矛盾纠纷隐患。",
                        "联户长、楼栋长均报告无矛盾纠纷。",
                    )
                )
            try:
                screening.screening_report_file(
                    actor=chief,
                    round_id=by_village[grid.village_id].pk,
                    grid_id=grid.pk,
                    nothing_found=not found,
                    note=note,
                    dispute_ids=found,
                )
            except DomainError as exc:
                self.failures.append(f"screening {first:%Y-%m} {code}: {exc}")
