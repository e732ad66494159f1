"""Notices in the resident portal: the list (paginated) and one notice, at /h5/notices/, and
the latest notices panel of the portal home. The list is the same for every resident of a
village, so it is served from the shared cache (fengqiao.participation.caching)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from fengqiao.core.errors import NotFound
from fengqiao.participation import caching, selectors

PAGE_SIZE = 20
LATEST = 5
# Pages past this are not cached (nor, in practice, ever read): the key space stays small.
MAX_CACHED_PAGE = 50


def _page_number(raw) -> int:
    try:
        return max(1, int(raw))
    except (TypeError, ValueError):
        return 1


def _render_list(village_code: str | None, number: int) -> str:
    notices = selectors.notice_list_for_village(village_code)
    page = Paginator(notices, PAGE_SIZE).get_page(number)
    return render_to_string("participation/resident/_notice_list.html", {"page": page})


@login_required
def notice_list(request):
    village = selectors.resident_village_code(request.user)
    number = _page_number(request.GET.get("page"))
    if village and number <= MAX_CACHED_PAGE:
        html = caching.fragment("list", village, number, lambda: _render_list(village, number))
    else:
        html = _render_list(village, number)
    return render(
        request,
        "participation/resident/notices.html",
        {"list_html": mark_safe(html), "tab": "notices"},  # noqa: S308 - our own template
    )


@login_required
def notice_detail(request, notice_id: int):
    try:
        notice = selectors.notice_get_for_resident(resident=request.user, notice_id=notice_id)
    except NotFound as exc:
        raise Http404 from exc
    return render(
        request, "participation/resident/notice.html", {"notice": notice, "tab": "notices"}
    )


def latest_notices_panel(request) -> str:
    """The portal home's panel (settings.FENGQIAO_PORTAL_PANELS): the village's latest
    notices, from the shared cache; empty for anyone without a village."""
    village = selectors.resident_village_code(request.user)
    if not village:
        return ""

    def render_latest() -> str:
        notices = list(selectors.notice_list_for_village(village)[:LATEST])
        return render_to_string("participation/resident/_latest.html", {"notices": notices})

    return caching.fragment("latest", village, 1, render_latest)
