"""API: “me too” on a case (residents), POST /api/v1/cases/{code}/support."""

from ninja import Field, Router, Schema

from fengqiao.cases import metoo

router = Router(tags=["cases"])


class SupportOut(Schema):
    code: str
    supporters: int = Field(description="residents who said “me too”, counted from the case log")
    following: bool = Field(description="the caller follows the case from now on")


@router.post("/cases/{code}/support", response=SupportOut)
def case_support(request, code: str):
    """Say “me too” on an open public case near you instead of reporting it again (residents
    only; once per resident; the status does not change). Refusals: 403 `forbidden` (not a
    resident), 404 (no such open public case), 409 `already_supported`, `own_case`,
    `case_closed`."""
    case = metoo.case_support(actor=request.auth, case_id=metoo.public_case_id(code))
    return {"code": case.code, "supporters": metoo.support_count(case), "following": True}
