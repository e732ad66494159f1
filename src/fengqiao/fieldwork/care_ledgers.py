"""The not-seen ledger (本月未见面台账): the monthly not-seen list as XLSX through core.ledger,
one row per person, logged as an export."""

from fengqiao.core.errors import NotAllowed
from fengqiao.core.ledger import Column, Ledger, LedgerFile, ledger_export
from fengqiao.core.roles import STAFF_ROLES, has_role
from fengqiao.fieldwork import care_selectors

NOT_SEEN_LEDGER = Ledger(
    name="not_seen",
    title="本月未见面人员台账",
    columns=(
        Column("网格", lambda row: row[0].name, 22),
        Column("姓名", lambda row: row[1].name, 12),
        Column("住址", lambda row: row[1].address, 30),
        Column("应见面原因", lambda row: "、".join(row[1].reasons), 30),
    ),
)


def not_seen_ledger(*, actor, month: str = "", area: str = "", ip=None) -> LedgerFile:
    if not has_role(actor, STAFF_ROLES):
        raise NotAllowed()
    period = care_selectors.month_period(month)
    grids = care_selectors.not_seen(actor=actor, month=month, area=area)
    rows = ((grid, person) for grid in grids for person in grid.people)
    return ledger_export(
        actor=actor,
        ledger=NOT_SEEN_LEDGER,
        rows=rows,
        filters={"month": period.start.strftime("%Y-%m"), "area": area},
        filter_labels=[("月份", period.label), ("区域", area)],
        ip=ip,
    )
