"""Dashboard page for leaders and centre staff: the numbers, with ECharts for the trend and the
breakdowns."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render

from fengqiao.core.errors import NotAllowed, NotFound, ValidationFailed
from fengqiao.insight import selectors

PERIODS = [7, 30, 90, 365]


@login_required
def dashboard(request):
    scope = request.GET.get("scope", "").strip()
    try:
        days = int(request.GET.get("days", "30"))
    except ValueError:
        days = 30
    try:
        figures = selectors.dashboard_get(actor=request.user, scope=scope, days=days)
    except NotAllowed as exc:
        raise PermissionDenied from exc
    except NotFound as exc:
        raise Http404 from exc
    except ValidationFailed as exc:
        # A mistyped area code or period: say so beside the picker, with no figures.
        context = {
            "error": exc,
            "days": days,
            "periods": PERIODS,
            "scope": scope,
            "scopes": selectors.scope_choices(actor=request.user),
        }
        return render(request, "insight/dashboard.html", context, status=400)
    charts = {
        "trend": [
            {"day": row["day"].isoformat(), "reported": row["reported"], "closed": row["closed"]}
            for row in figures["trend"]
        ],
        "status": [[row["label"], row["count"]] for row in figures["by_status"]],
        "level": [[row["label"], row["count"]] for row in figures["by_level"]],
        "group": [[row["label"], row["count"]] for row in figures["by_group"]],
        "resolved": [[row["label"], row["count"]] for row in figures["resolved_at_level"]],
    }
    return render(
        request,
        "insight/dashboard.html",
        {
            "figures": figures,
            "charts": charts,
            "days": days,
            "periods": PERIODS,
            "scope": scope,
            "scopes": selectors.scope_choices(actor=request.user),
        },
    )
