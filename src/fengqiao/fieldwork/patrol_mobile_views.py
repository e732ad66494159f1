"""The grid app's patrol page (/m/visits/patrol/): start, walk, check in, stop. The page
works without signal: the patrol lives in the phone's storage while it runs and goes into the
outbox (mobile.js) when it stops, sent once to the API when there is signal."""

from django.shortcuts import render

from fengqiao.cases import views as case_views
from fengqiao.fieldwork import patrol_selectors


@case_views.staff_required
def patrol(request):
    return render(
        request,
        "fieldwork/m_patrol.html",
        {
            "targets": patrol_selectors.check_in_targets(request.user),
            "shifts": patrol_selectors.shifts_today(request.user),
            "groups": case_views.grouped_categories(),
            "tab": "visits",
        },
    )
