"""Notices in the resident portal: the list (paginated) and one notice, at /h5/notices/, and
the latest notices panel of the portal home. The list page and the panel are the same for
every resident of a village, so they are served from the shared cache
(fengqiao.participation.caching)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string

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


def _render_list_page(village_code: str | None, number: int) -> str:
    """The whole notice list page. Rendered without the request, so nothing of the person
    asking can be in it (no name, no CSRF token, no flash messages: they wait for the next
    page that shows them); it is the same for every resident of the village."""
    notices = selectors.notice_list_for_village(village_code)
    page = Paginator(notices, PAGE_SIZE).get_page(number)
    return render_to_string("participation/resident/notices.html", {"page": page, "tab": "notices"})


@login_required
def notice_list(request):
    village = selectors.resident_village_code(request.user)
    number = _page_number(request.GET.get("page"))
    if village and number <= MAX_CACHED_PAGE:
        html = caching.fragment("list", village, number, lambda: _render_list_page(village, number))
    else:
        html = _render_list_page(village, number)
    return HttpResponse(html)


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
