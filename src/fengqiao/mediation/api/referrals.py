"""API of referrals as the receiving unit and the sender see them: lists and the answers
(accept, decline, return the result)."""

from ninja import Router
from ninja.pagination import PageNumberPagination, paginate

from fengqiao.mediation import referrals, selectors
from fengqiao.mediation.schemas.common import NoteIn, ReasonIn
from fengqiao.mediation.schemas.referrals import ReferralOut, ReferralReturnIn

router = Router(tags=["mediation"])


@router.get("/referrals/in", response=list[ReferralOut])
@paginate(PageNumberPagination, page_size=50)
def referrals_in(request, open_only: bool = True):
    """Referrals and confirmation requests sent to a unit the caller belongs to."""
    return selectors.referrals_in(actor=request.auth, open_only=open_only)


@router.get("/referrals/out", response=list[ReferralOut])
@paginate(PageNumberPagination, page_size=50)
def referrals_out(request):
    """Referrals the caller sent, or of disputes in their jurisdiction."""
    return selectors.referrals_out(actor=request.auth)


@router.post("/referrals/{referral_id}/accept", response=ReferralOut)
def referral_accept(request, referral_id: int, payload: NoteIn):
    """The receiving unit signs for the referral."""
    return referrals.referral_accept(actor=request.auth, referral_id=referral_id, note=payload.note)


@router.post("/referrals/{referral_id}/decline", response=ReferralOut)
def referral_decline(request, referral_id: int, payload: ReasonIn):
    """The receiving unit will not take it: the dispute goes back to the sender."""
    return referrals.referral_decline(
        actor=request.auth, referral_id=referral_id, reason=payload.reason
    )


@router.post("/referrals/{referral_id}/return", response=ReferralOut)
def referral_return(request, referral_id: int, payload: ReferralReturnIn):
    """The result comes back: settled there (the dispute is resolved) or not (it goes back)."""
    return referrals.referral_return(
        actor=request.auth,
        referral_id=referral_id,
        settled=payload.settled,
        result=payload.result,
    )
