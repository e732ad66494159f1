"""The results of a campaign as a ledger (排查结果台账, XLSX through core.ledger): one row per
item the reader may see, the checklist's answers in one column, the export logged."""

from fengqiao.campaigns import selectors
from fengqiao.campaigns.models import Campaign
from fengqiao.core.ledger import Column, Ledger, LedgerFile, ledger_export

CHUNK_SIZE = 2000


def _answers(checklist: list[str]):
    def read(item) -> str:
        return "；".join(
            f"{question}：{'是' if item.answers[str(n)] else '否'}"
            for n, question in enumerate(checklist)
            if str(n) in item.answers
        )

    return read


def campaign_ledger(*, actor, campaign: Campaign, ip: str | None = None) -> LedgerFile:
    ledger = Ledger(
        name="campaign",
        title=f"{campaign.title}排查结果台账",
        columns=[
            Column("网格", lambda i: i.grid.name if i.grid_id else i.region_code, 18),
            Column("排查对象", lambda i: i.target_label, 28),
            Column("线索", lambda i: i.clue, 28),
            Column("结果", lambda i: i.get_status_display(), 10),
            Column("检查项", _answers(campaign.checklist), 40),
            Column("备注", lambda i: i.note, 30),
            Column("事件编号", lambda i: i.case.code if i.case_id else "", 18),
            Column("排查人", lambda i: i.done_by.label if i.done_by_id else "", 14),
            Column("排查时间", lambda i: i.done_at, 18),
        ],
    )
    items = selectors.campaign_items(actor=actor, campaign=campaign)
    return ledger_export(
        actor=actor,
        ledger=ledger,
        rows=items.iterator(chunk_size=CHUNK_SIZE),
        filters={"campaign": campaign.code},
        filter_labels=[("排查任务", f"{campaign.code} {campaign.title}")],
        ip=ip,
    )
