"""Template context shared by every page: the signed-in user's role and home links."""

from django.conf import settings


def account_context(request) -> dict:
    user = getattr(request, "user", None)
    return {
        "fq_role": getattr(user, "role", "") if user and user.is_authenticated else "",
        "fq_tile_url": settings.FENGQIAO_TILE_URL,
        "fq_tile_attribution": settings.FENGQIAO_TILE_ATTRIBUTION,
    }
