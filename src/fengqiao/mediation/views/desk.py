"""The mediation desk's other pages: sessions calendar, agreements, follow-ups due, referrals
in and out, committees with their mediators' load, and the figures for a period."""

from __future__ import annotations

import calendar
from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fengqiao.cases import steps
from fengqiao.cases.models import Level
from fengqiao.cases.views import staff_required
from fengqiao.core import clock
from fengqiao.core.errors import DomainError, NotFound, ValidationFailed
from fengqiao.core.listing import page_of
from fengqiao.mediation import forms, metrics, selectors
from fengqiao.mediation.models import DisputeType, FollowUp, Mediator, Referral
from fengqiao.mediation.views.common import section

PAGE_SIZE = 50


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


# --- sessions calendar ------------------------------------------------------------------------


def _month(raw: str) -> date:
    today = clock.localdate()
    if not raw:
        return today.replace(day=1)
    try:
        year, month = (int(part) for part in raw.split("-", 1))
        return date(year, month, 1)
    except ValueError as exc:
        raise Http404 from exc


@staff_required
def calendar_page(request):
    """A month of sessions, planned and held, of the disputes the user may see."""
    first = _month(request.GET.get("month", ""))
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    sessions = list(
        selectors.session_calendar(
            actor=request.user,
            start=_midnight(weeks[0][0]),
            end=_midnight(weeks[-1][-1] + timedelta(days=1)),
        )
    )
    by_day = defaultdict(list)
    for session in sessions:
        by_day[timezone.localtime(session.starts_at).date()].append(session)
    today = clock.localdate()
    grid = [
        [
            {
                "day": day,
                "in_month": day.month == first.month,
                "is_today": day == today,
                "sessions": by_day.get(day, []),
            }
            for day in week
        ]
        for week in weeks
    ]
    previous = (first - timedelta(days=1)).replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    context = {
        "first": first,
        "weeks": grid,
        "weekdays": [WEEKDAYS_ABBR[n] for n in range(7)],
        "month_sessions": [
            s for s in sessions if timezone.localtime(s.starts_at).month == first.month
        ],
        "previous": f"{previous:%Y-%m}",
        "following": f"{following:%Y-%m}",
        "this_month": f"{today:%Y-%m}",
        "now": clock.now(),
        **section("calendar"),
    }
    return render(request, "mediation/calendar.html", context)


# --- agreements -------------------------------------------------------------------------------


@staff_required
def agreements_page(request):
    """Disputes waiting for their conclusion (a session held), and agreements not yet signed."""
    unsigned = selectors.agreements_unsigned(actor=request.user).order_by("made_at")
    page, query = page_of(request, unsigned, PAGE_SIZE)
    to_draft = selectors.dispute_list(actor=request.user, queue="to_draft")
    context = {
        "to_draft": to_draft[:PAGE_SIZE],
        "to_draft_count": to_draft.count(),
        "page": page,
        "query": query,
        **section("agreements"),
    }
    return render(request, "mediation/agreements.html", context)


# --- follow-ups -------------------------------------------------------------------------------


def _within_days(raw: str) -> int:
    return int(raw) if raw.isdigit() and 0 <= int(raw) <= 366 else 7


def _record_follow_up(actor, follow_up_id: int | None, data) -> None:
    """Take the follow_up step on the dispute of a visit due (its form reads the visit)."""
    if follow_up_id is None:
        raise ValidationFailed(_("No follow-up is due."), field="follow_up")
    dispute = selectors.dispute_list(actor=actor).filter(follow_ups__pk=follow_up_id).first()
    if dispute is None:
        raise NotFound(_("Follow-up not found."))
    steps.perform(actor=actor, case=dispute.case, action="follow_up", data=data)


@staff_required
def follow_ups_page(request):
    """Follow-up visits due within a week (or late), each with its record form."""
    days = _within_days(request.GET.get("days", ""))
    error, failed, status = None, None, 200
    if request.method == "POST":
        failed = forms.optional_int(request.POST, "follow_up")
        try:
            _record_follow_up(request.user, failed, request.POST)
        except DomainError as exc:
            error, status = exc, exc.status
        else:
            messages.success(request, _("Follow-up visit recorded."))
            return redirect(f"{reverse('mediation:follow_ups')}?days={days}")
    due = selectors.follow_ups_due(actor=request.user, within_days=days)
    page, query = page_of(request, due, PAGE_SIZE)
    context = {
        "page": page,
        "query": query,
        "days": days,
        "today": clock.localdate(),
        "results": FollowUp.Result.choices,
        "error": error,
        "failed": failed,
        "data": request.POST if error else {},
        **section("follow_ups"),
    }
    return render(request, "mediation/follow_ups.html", context, status=status)


# --- referrals --------------------------------------------------------------------------------

REFERRAL_TABS = {"in": gettext_lazy("Received"), "out": gettext_lazy("Sent")}


# The steps a receiving unit answers a referral or a confirmation request with.
REFERRAL_ACTIONS = frozenset(
    {
        "referral_accept",
        "referral_decline",
        "referral_settled",
        "referral_back",
        "confirmation_accept",
        "confirmation_result",
    }
)


def _answer_referral(actor, data) -> Referral:
    """Take the answering step (`action`) on the dispute of a referral sent to the actor's unit;
    its form reads the referral and the answer from the same post."""
    referral_id = forms.required_int(data, "referral", _("Choose a referral."))
    referral = selectors.referrals_in(actor=actor, open_only=False).filter(pk=referral_id).first()
    if referral is None:
        raise NotFound(_("Referral not found."))
    action = forms.text(data, "action")
    if action not in REFERRAL_ACTIONS:
        raise ValidationFailed(_("Unknown answer."), field="action")
    steps.perform(actor=actor, case=referral.dispute.case, action=action, data=data)
    return referral


@staff_required
def referrals_page(request):
    """Referrals received by the user's units (with their answer forms) and those sent."""
    tab = request.GET.get("tab", "in")
    if tab not in REFERRAL_TABS:
        raise Http404
    show_all = request.GET.get("all") == "1"
    error, failed, status = None, None, 200
    if request.method == "POST":
        failed = forms.optional_int(request.POST, "referral")
        try:
            referral = _answer_referral(request.user, request.POST)
        except DomainError as exc:
            error, status = exc, exc.status
        else:
            messages.success(
                request,
                _("Referral of %(code)s answered.") % {"code": referral.dispute.case.code},
            )
            return redirect(f"{reverse('mediation:referrals')}?tab=in")
    if tab == "in":
        rows = selectors.referrals_in(actor=request.user, open_only=not show_all)
    else:
        rows = selectors.referrals_out(actor=request.user)
    page, query = page_of(request, rows.order_by("-created_at"), PAGE_SIZE)
    context = {
        "tab": tab,
        "tabs": REFERRAL_TABS.items(),
        "show_all": show_all,
        "page": page,
        "query": query,
        "error": error,
        "failed": failed,
        "data": request.POST if error else {},
        **section("referrals"),
    }
    return render(request, "mediation/referrals.html", context, status=status)


# --- committees -------------------------------------------------------------------------------


def _types(codes) -> list[str]:
    names = dict(DisputeType.choices)
    return [str(names.get(code, code)) for code in codes or []]


@staff_required
def committees_page(request):
    """Committees serving the user's area, with each mediator's open disputes now."""
    committees = list(selectors.committee_list(actor=request.user).prefetch_related("mediators"))
    mediators: list[Mediator] = [m for c in committees for m in c.mediators.all() if m.is_active]
    load = selectors.mediator_load(mediators)
    rows: list[dict] = []
    for committee in committees:
        members = [
            {"mediator": m, "load": load.get(m.pk, 0), "types": _types(m.specialities)}
            for m in committee.mediators.all()
            if m.is_active
        ]
        rows.append(
            {
                "committee": committee,
                "types": _types(committee.specialities),
                "mediators": members,
                "load": sum(m["load"] for m in members),
            }
        )
    return render(request, "mediation/committees.html", {"rows": rows, **section("committees")})


# --- figures ----------------------------------------------------------------------------------

PERIODS = {
    "this_month": gettext_lazy("This month"),
    "last_month": gettext_lazy("Last month"),
    "this_year": gettext_lazy("This year"),
    "last_12_months": gettext_lazy("Last 12 months"),
}


def _period(data) -> tuple[str, date, date]:
    """(period key, first day, last day) from a preset or from start/end dates."""
    today = clock.localdate()
    start = forms.optional_date(data.get("start", ""), "start")
    end = forms.optional_date(data.get("end", ""), "end")
    if start and end:
        if end < start:
            raise ValidationFailed(_("The period ends before it starts."), field="end")
        return "custom", start, end
    key = data.get("period") or "this_month"
    if key == "last_month":
        last = today.replace(day=1) - timedelta(days=1)
        return key, last.replace(day=1), last
    if key == "this_year":
        return key, today.replace(month=1, day=1), today
    if key == "last_12_months":
        return key, today - timedelta(days=365), today
    return "this_month", today.replace(day=1), today


def _level_rows(levels: dict) -> list[tuple[str, int]]:
    return [(str(Level(lvl).label), levels[lvl]) for lvl in Level.values if lvl in levels]


@staff_required
def metrics_page(request):
    """Dispute and petition figures from the case log for a chosen period."""
    error = None
    try:
        period, first, last = _period(request.GET)
    except DomainError as exc:
        error = exc
        period, first, last = _period({})
    start, end = _midnight(first), _midnight(last + timedelta(days=1))
    disputes = metrics.dispute_metrics(actor=request.user, start=start, end=end)
    petitions = metrics.petition_metrics(actor=request.user, start=start, end=end)
    context = {
        "period": period,
        "periods": PERIODS.items(),
        "first": first,
        "last": last,
        "error": error,
        "d": disputes,
        "p": petitions,
        "levels": _level_rows(disputes["settled_at_level"]),
        **section("metrics"),
    }
    return render(request, "mediation/metrics.html", context, status=error.status if error else 200)
