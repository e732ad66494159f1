"""Template context shared by every page: the signed-in user's role and menu, map tiles."""

from django.conf import settings

from fengqiao.accounts.menus import menu_for


def account_context(request) -> dict:
    user = getattr(request, "user", None)
    return {
        "fq_role": getattr(user, "role", "") if user and user.is_authenticated else "",
        "fq_menu": menu_for(user) if user is not None else [],
        "fq_tile_url": settings.FENGQIAO_TILE_URL,
        "fq_tile_attribution": settings.FENGQIAO_TILE_ATTRIBUTION,
    }
