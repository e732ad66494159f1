"""API authentication: `Authorization: Bearer <token>` or the browser session (with CSRF)."""

from ninja.security import HttpBearer, SessionAuth

from fengqiao.accounts.services import token_authenticate


class BearerToken(HttpBearer):
    def authenticate(self, request, token: str):
        user = token_authenticate(key=token)
        if user is not None:
            request.user = user
            request.bearer_token = token  # POST /auth/revoke ends this one
        return user


class ActiveSession(SessionAuth):
    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None


API_AUTH = [BearerToken(), ActiveSession()]
