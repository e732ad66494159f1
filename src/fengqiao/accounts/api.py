"""API: token issue and the caller's profile."""

from ninja import Router

from fengqiao.accounts import selectors, services
from fengqiao.accounts.schemas import MeOut, TokenIn, TokenOut

router = Router(tags=["accounts"])


@router.post("/auth/token", response=TokenOut, auth=None)
def token_create(request, payload: TokenIn):
    """Exchange a username and password for a bearer token (throttled on failures)."""
    user = services.login_check(
        request=request,
        username=payload.username,
        password=payload.password,
    )
    key, token = services.token_issue(user=user)
    return {"token": key, "expires_at": token.expires_at}


@router.get("/me", response=MeOut)
def me(request):
    return selectors.me(user=request.auth)
