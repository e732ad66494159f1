"""API of campaigns (排查任务): list and create, one campaign, its progress and items, checking
an item (the phone's outbox sends here), closing, and the clue import (multipart)."""

from datetime import date

from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import PageNumberPagination, paginate

from fengqiao.campaigns import selectors, services
from fengqiao.campaigns.targets import RaiseCase
from fengqiao.core.errors import ValidationFailed
from fengqiao.fieldwork.campaigns_schemas import (
    CampaignFilter,
    CampaignIn,
    CampaignOut,
    CampaignProgressOut,
    CheckIn,
    ItemFilter,
    ItemOut,
    ProgressFilter,
)

router = Router(tags=["campaigns"])
MAX_UPLOAD = 20 * 1024 * 1024


@router.get("/campaigns", response=list[CampaignOut])
@paginate(PageNumberPagination, page_size=50)
def campaign_list(request, filters: Query[CampaignFilter]):
    """Campaigns of the caller's jurisdiction (or around it), newest first, with the counts
    of the items the caller can see."""
    return selectors.campaign_list(actor=request.auth, status=filters.status)


@router.post("/campaigns", response={201: CampaignOut})
def campaign_create(request, payload: CampaignIn):
    """Create a campaign: one item for every row of `kind` in the area (centre staff)."""
    data = payload.dict()
    kind = data.pop("kind")
    campaign = services.campaign_create(
        actor=request.auth, kind=kind, spec=services.CampaignSpec(**data)
    )
    return Status(201, selectors.campaign_get(actor=request.auth, campaign_id=campaign.pk))


@router.post("/campaigns/import", response={201: CampaignOut})
def campaign_import_clues(
    request,
    file: File[UploadedFile],
    title: Form[str],
    region_code: Form[str],
    deadline: Form[date],
    checklist: Form[str] = "",
    instructions: Form[str] = "",
):
    """Create a campaign over the clues of an XLSX (columns 线索, 地址, 纬度, 经度, 村代码;
    `checklist`: one question a line). A bad file answers 400 with `errors`: every bad
    cell's row, column letter and reason; nothing is stored then."""
    if file.size is not None and file.size > MAX_UPLOAD:
        raise ValidationFailed(_("The file is larger than 20 MB."), field="file")
    spec = services.CampaignSpec(
        title=title,
        region_code=region_code,
        deadline=deadline,
        checklist=checklist.splitlines(),
        instructions=instructions,
    )
    campaign = services.campaign_import_clues(actor=request.auth, spec=spec, file=file.file)
    return Status(201, selectors.campaign_get(actor=request.auth, campaign_id=campaign.pk))


@router.get("/campaigns/{campaign_id}", response=CampaignOut)
def campaign_get(request, campaign_id: int):
    return selectors.campaign_get(actor=request.auth, campaign_id=campaign_id)


@router.get("/campaigns/{campaign_id}/progress", response=CampaignProgressOut)
def campaign_progress(request, campaign_id: int, filters: Query[ProgressFilter]):
    """Counts per township, village or grid (`level`), and the units short of 100 %."""
    campaign = selectors.campaign_get(actor=request.auth, campaign_id=campaign_id)
    return selectors.campaign_progress(actor=request.auth, campaign=campaign, level=filters.level)


@router.get("/campaigns/{campaign_id}/items", response=list[ItemOut])
@paginate(PageNumberPagination, page_size=100)
def campaign_items(request, campaign_id: int, filters: Query[ItemFilter]):
    campaign = selectors.campaign_get(actor=request.auth, campaign_id=campaign_id)
    return selectors.campaign_items(
        actor=request.auth, campaign=campaign, status=filters.status, grid=filters.grid
    )


@router.post("/campaigns/{campaign_id}/close", response=CampaignOut)
def campaign_close(request, campaign_id: int):
    campaign = services.campaign_close(actor=request.auth, campaign_id=campaign_id)
    return selectors.campaign_get(actor=request.auth, campaign_id=campaign.pk)


@router.post("/campaign-items/{item_id}/check", response={200: ItemOut, 201: ItemOut})
def item_check(request, item_id: int, payload: CheckIn):
    """Check an item (a problem raises a case: `case_category` + `case_title`). The same
    `client_id` again answers 200 with the item unchanged."""
    data = payload.dict()
    category, title = data.pop("case_category").strip(), data.pop("case_title")
    raise_case = RaiseCase(category=category, title=title) if category else None
    item = services.item_check(actor=request.auth, item_id=item_id, raise_case=raise_case, **data)
    return Status(201 if item.is_new else 200, item)
