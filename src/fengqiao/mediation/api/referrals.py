"""API of referrals as the receiving unit and the sender see them. Answering one is a step of
the dispute (POST /disputes/{code}/actions/referral_accept, …)."""

from ninja import Router
from ninja.pagination import PageNumberPagination, paginate

from fengqiao.mediation import selectors
from fengqiao.mediation.schemas.referrals import ReferralOut

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
