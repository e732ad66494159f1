"""API: token issue and revocation, and the caller's profile."""

from django.utils.translation import gettext as _
from ninja import Router

from fengqiao.accounts import selectors, services
from fengqiao.accounts.schemas import MeOut, RevokedOut, TokenIn, TokenOut
from fengqiao.core.errors import ValidationFailed

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


@router.post("/auth/revoke", response=RevokedOut)
def token_revoke(request):
    """End the bearer token this request was sent with."""
    key = getattr(request, "bearer_token", None)
    if key is None:
        raise ValidationFailed(
            _("This request carries no bearer token; sign out to end a session."),
            code="no_token",
        )
    return {"revoked": services.token_revoke(user=request.auth, key=key)}


@router.post("/auth/revoke-all", response=RevokedOut)
def token_revoke_all(request):
    """End every bearer token of the caller (signed in by token or by session)."""
    return {"revoked": services.token_revoke_all(user=request.auth)}


@router.get("/me", response=MeOut)
def me(request):
    return selectors.me(user=request.auth)
