"""Small request helpers shared by pages and the API."""

from django.conf import settings


def client_ip(request) -> str | None:
    """The client address; behind a proxy, the first X-Forwarded-For hop if trusted."""
    if getattr(settings, "FENGQIAO_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None
