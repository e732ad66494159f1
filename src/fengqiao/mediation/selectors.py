"""Every read of disputes, petitions, committees, referrals, follow-ups and screening, scoped to
the caller: jurisdiction, the unit or mediator the dispute is with, or their own application."""

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _

from fengqiao.campaigns.models import ItemStatus
from fengqiao.campaigns.selectors import CampaignProgress, campaign_progress, pending_grids
from fengqiao.cases.models import (
    OPEN_STATUSES,
    RESOLVED_STATUSES,
    HandlingUnit,
    Status,
    case_overdue_q,
    case_visibility_q,
)
from fengqiao.core import clock
from fengqiao.core.errors import NotFound, ValidationFailed
from fengqiao.core.roles import Role
from fengqiao.core.scoping import actor_prefixes, prefix_q, reaches_part_of
from fengqiao.mediation.models import (
    Dispute,
    FollowUp,
    MediationAgreement,
    MediationCommittee,
    MediationSession,
    Mediator,
    Outcome,
    Petition,
    Referral,
    ScreeningReport,
    ScreeningRound,
    petition_overdue_q,
)
from fengqiao.regions.models import Grid

DISPUTE_QUEUES = {
    "to_accept": "reported disputes waiting for acceptance (with consent)",
    "to_assign": "accepted disputes waiting for a mediator",
    "mine": "disputes assigned to me or my committee",
    "to_draft": "disputes in mediation with a session held and no conclusion",
    "referred": "disputes with another way (court, police, …) now",
    "major": "open disputes graded significant or major",
    "overdue": "open disputes past their deadline",
    "settled": "disputes settled: an agreement, or settled where they were referred",
}
PETITION_QUEUES = {
    "to_acknowledge": "registered petitions waiting to be acknowledged",
    "mine": "petitions routed to me or my unit",
    "overdue": "petitions past their acknowledgement or reply limit",
    "replied": "petitions replied to",
}
# The queue tabs by name, as the pages and the ledgers name them.
DISPUTE_QUEUE_LABELS = {
    "to_accept": gettext_lazy("To accept"),
    "to_assign": gettext_lazy("To assign"),
    "mine": gettext_lazy("Mine"),
    "to_draft": gettext_lazy("To conclude"),
    "referred": gettext_lazy("Referred"),
    "major": gettext_lazy("Major risk"),
    "overdue": gettext_lazy("Overdue"),
    "settled": gettext_lazy("Settled"),
}
PETITION_QUEUE_LABELS = {
    "to_acknowledge": gettext_lazy("To acknowledge"),
    "mine": gettext_lazy("Mine"),
    "overdue": gettext_lazy("Overdue"),
    "replied": gettext_lazy("Replied"),
}

# The list pages' sortable columns (?sort=key or -key, core.sorting): key → model fields.
DISPUTE_SORTS = {
    "code": ("case__code",),
    "title": ("case__title",),
    "dispute_type": ("dispute_type",),
    "status": ("case__status",),
    "place": ("case__village__name", "case__grid__name"),
    "with": ("case__unit__name",),
    "reported_at": ("case__reported_at",),
    "due_at": ("case__due_at",),
}
PETITION_SORTS = {
    "code": ("case__code",),
    "title": ("case__title",),
    "petitioner": ("petitioner_name",),
    "form": ("form",),
    "status": ("case__status",),
    "place": ("case__village__name", "case__grid__name"),
    "with": ("case__unit__name",),
    "limit": ("reply_due_at", "acknowledge_due_at"),
    "reported_at": ("case__reported_at",),
}


def _mine_q(actor) -> Q:
    """With the actor, or with their unit and no one yet; the unit as a subquery, since a join
    on its members would repeat a row once per member."""
    units = HandlingUnit.objects.filter(members=actor).values("pk")
    return Q(case__assignee=actor) | Q(case__unit__in=units, case__assignee__isnull=True)


def _check_queue(queue: str, known: dict) -> None:
    if queue and queue not in known:
        raise ValidationFailed(_("Unknown queue %(queue)s.") % {"queue": queue}, field="queue")


def _staff(actor) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False) and actor.is_active


def _case_scope(qs: QuerySet, actor) -> QuerySet:
    """Disputes and petitions follow their case's one visibility rule (cases.models)."""
    q = case_visibility_q(actor, via="case__")
    return qs if q is None else qs.filter(q)


def dispute_visible_ids(*, actor) -> QuerySet:
    """The ids of the disputes the actor may see, for use in a subquery."""
    return _case_scope(Dispute.objects.all(), actor).values("pk")


def _sees(actor, dispute: Dispute) -> bool:
    return _case_scope(Dispute.objects.filter(pk=dispute.pk), actor).exists()


def dispute_list(
    *,
    actor,
    queue: str = "",
    q: str = "",
    dispute_type: str = "",
    risk_grade: str = "",
    status: str = "",
) -> QuerySet[Dispute]:
    qs = _case_scope(
        Dispute.objects.select_related(
            "case",
            "case__village",
            "case__grid",
            "case__unit",
            "case__assignee",
            "committee",
            "mediator",
        ),
        actor,
    )
    _check_queue(queue, DISPUTE_QUEUES)
    now = clock.now()
    if queue == "to_accept":
        qs = qs.filter(case__status=Status.REPORTED)
    elif queue == "to_assign":
        qs = qs.filter(case__status=Status.ACCEPTED)
    elif queue == "mine":
        qs = qs.filter(_mine_q(actor), case__status__in=[Status.DISPATCHED, Status.CLAIMED])
    elif queue == "to_draft":
        held = MediationSession.objects.filter(dispute=OuterRef("pk"), is_held=True)
        qs = qs.filter(Exists(held), case__status=Status.CLAIMED, outcome="")
    elif queue == "referred":
        open_referral = Referral.objects.filter(
            dispute=OuterRef("pk"),
            purpose=Referral.Purpose.HANDLE,
            state__in=[Referral.State.PENDING, Referral.State.ACCEPTED],
        )
        qs = qs.filter(Exists(open_referral))
    elif queue == "major":
        qs = qs.filter(risk_grade__in=["significant", "major"], case__status__in=OPEN_STATUSES)
    elif queue == "overdue":
        qs = qs.filter(case_overdue_q(now, prefix="case__"))
    elif queue == "settled":
        qs = qs.filter(case__status__in=RESOLVED_STATUSES).exclude(
            outcome__in=[Outcome.FAILED, Outcome.WITHDRAWN]
        )
    if q:
        qs = qs.filter(
            Q(case__code__icontains=q) | Q(case__title__icontains=q) | Q(parties__name__icontains=q)
        ).distinct()
    if dispute_type:
        qs = qs.filter(dispute_type=dispute_type)
    if risk_grade:
        qs = qs.filter(risk_grade=risk_grade)
    if status:
        qs = qs.filter(case__status=status)
    return qs.order_by("-case__reported_at")


def dispute_queue_counts(*, actor) -> dict[str, int]:
    return {name: dispute_list(actor=actor, queue=name).count() for name in DISPUTE_QUEUES}


def session_calendar(*, actor, start: datetime, end: datetime) -> QuerySet[MediationSession]:
    """Sessions (planned and held) between two times, of disputes the actor may see."""
    visible = _case_scope(Dispute.objects.all(), actor).values("pk")
    return (
        MediationSession.objects.filter(
            dispute__in=visible, starts_at__gte=start, starts_at__lt=end
        )
        .select_related("dispute__case", "mediator")
        .order_by("starts_at")
    )


def follow_ups_due(*, actor, within_days: int = 7) -> QuerySet[FollowUp]:
    """Follow-up visits not yet made, due within `within_days` (or already late)."""
    visible = _case_scope(Dispute.objects.all(), actor).values("pk")
    until = clock.localdate() + timedelta(days=within_days)
    return (
        FollowUp.objects.filter(dispute__in=visible, done_at__isnull=True, due_on__lte=until)
        .select_related("dispute__case", "dispute__mediator")
        .order_by("due_on")
    )


def agreements_unsigned(*, actor) -> QuerySet[MediationAgreement]:
    visible = _case_scope(Dispute.objects.all(), actor).values("pk")
    return MediationAgreement.objects.filter(
        dispute__in=visible, signed_at__isnull=True
    ).select_related("dispute__case")


def referrals_in(*, actor, open_only: bool = True) -> QuerySet[Referral]:
    """Referrals sent to a unit the actor belongs to."""
    if not _staff(actor):
        return Referral.objects.none()
    qs = Referral.objects.filter(to_unit__members=actor)
    if open_only:
        qs = qs.filter(state__in=[Referral.State.PENDING, Referral.State.ACCEPTED])
    return qs.select_related("dispute__case", "to_unit", "from_unit", "from_user")


def referrals_out(*, actor) -> QuerySet[Referral]:
    """Referrals the actor sent, or of disputes in their jurisdiction."""
    if not _staff(actor) or actor.role == Role.RESIDENT:
        return Referral.objects.none()
    qs = Referral.objects.select_related("dispute__case", "to_unit", "from_unit", "from_user")
    q = case_visibility_q(actor, via="dispute__case__")
    return qs if q is None else qs.filter(Q(from_user=actor) | q)


def committee_list(*, actor) -> QuerySet[MediationCommittee]:
    """Committees inside the actor's jurisdiction and those above it that serve it."""
    qs = MediationCommittee.objects.filter(is_active=True).select_related("region", "unit")
    if not _staff(actor) or actor.role == Role.RESIDENT:
        return qs.none()
    prefixes = actor_prefixes(actor)
    if prefixes is None:
        return qs
    above = {p[:n] for p in prefixes for n in (6, 9, 12) if n <= len(p)}
    return qs.filter(prefix_q(prefixes) | Q(region_code__in=above))


def mediator_choices(*, actor) -> QuerySet[Mediator]:
    """Active mediators of the committees serving the actor's jurisdiction (a bulk assign's
    list; the step checks each dispute's place again)."""
    return (
        Mediator.objects.filter(
            committee__in=committee_list(actor=actor), is_active=True, user__is_active=True
        )
        .select_related("committee")
        .order_by("committee__region_code", "committee__name", "name")
    )


def mediator_load(mediators) -> dict[int, int]:
    """Open disputes each mediator holds now."""
    rows = (
        Dispute.objects.filter(
            case__assignee__mediator__in=mediators,
            case__status__in=[Status.DISPATCHED, Status.CLAIMED],
        )
        .values("case__assignee__mediator")
        .annotate(n=Count("pk"))
    )
    return {row["case__assignee__mediator"]: row["n"] for row in rows}


# The code length of a committee at the level a case is at (grid cases go to the village).
CODE_LENGTH_OF_LEVEL = {"grid": 12, "village": 12, "township": 9, "county": 6}


def mediator_suggestions(*, actor, dispute: Dispute, limit: int = 5) -> list[dict]:
    """Mediators who serve the dispute's place, best first. Nearness to the dispute's level
    counts most (小事不出村: a village dispute goes to the village committee first), then
    speciality, then the lightest load. Nothing for a dispute the actor may not see."""
    if not _sees(actor, dispute):
        return []
    serving = [dispute.region_code[:n] for n in (6, 9, 12) if n <= len(dispute.region_code)]
    mediators = list(
        Mediator.objects.filter(
            is_active=True,
            user__is_active=True,
            committee__is_active=True,
            committee__region_code__in=serving,
        ).select_related("committee")
    )
    load = mediator_load(mediators)
    ranked: list[dict[str, Any]] = []
    for mediator in mediators:
        specialist = dispute.dispute_type in (
            mediator.specialities or mediator.committee.specialities or []
        )
        near = len(mediator.committee.region_code)
        levels_away = abs(CODE_LENGTH_OF_LEVEL.get(dispute.case.level, 12) - near) / 3
        score = 2 - 0.5 * levels_away + (0.75 if specialist else 0)
        ranked.append(
            {
                "mediator": mediator,
                "specialist": specialist,
                "near": near,
                "load": load.get(mediator.pk, 0),
                "score": score - 0.25 * load.get(mediator.pk, 0),
            }
        )
    ranked.sort(key=lambda row: (-row["score"], row["mediator"].name))
    return ranked[:limit]


def petition_list(*, actor, queue: str = "", q: str = "") -> QuerySet[Petition]:
    qs = _case_scope(
        Petition.objects.select_related(
            "case", "case__village", "case__grid", "case__unit", "case__assignee", "dispute__case"
        ),
        actor,
    )
    _check_queue(queue, PETITION_QUEUES)
    now = clock.now()
    if queue == "to_acknowledge":
        qs = qs.filter(acknowledged_at__isnull=True, case__status=Status.REPORTED)
    elif queue == "mine":
        qs = qs.filter(_mine_q(actor), case__status__in=[Status.DISPATCHED, Status.CLAIMED])
    elif queue == "overdue":
        qs = qs.filter(petition_overdue_q(now))
    elif queue == "replied":
        qs = qs.filter(replied_at__isnull=False)
    if q:
        qs = qs.filter(
            Q(case__code__icontains=q)
            | Q(case__title__icontains=q)
            | Q(petitioner_name__icontains=q)
        )
    return qs.order_by("-case__reported_at")


def petition_history(*, actor, petition: Petition) -> QuerySet[Petition]:
    """The petitioner's other petitions the actor may see (same person or same ID number)."""
    match = Q(pk__in=[])
    if petition.petitioner_id:
        match |= Q(petitioner_id=petition.petitioner_id)
    if petition.petitioner_id_hash:
        match |= Q(petitioner_id_hash=petition.petitioner_id_hash)
    return petition_list(actor=actor).filter(match).exclude(pk=petition.pk)


def screening_rounds(*, actor) -> QuerySet[ScreeningRound]:
    """Rounds in the actor's jurisdiction with their coverage: grids (the items of the round's
    campaign), grids reported (items ticked), findings and "nothing found"."""
    if not _staff(actor) or actor.role == Role.RESIDENT:
        return ScreeningRound.objects.none()
    prefixes = actor_prefixes(actor)
    qs = ScreeningRound.objects.select_related("village")
    if prefixes is not None:
        # A grid worker's binding is a grid code: they see their village's rounds.
        villages = {p[:12] for p in prefixes}
        qs = qs.filter(prefix_q(prefixes) | Q(region_code__in=villages))
    return qs.annotate(
        grid_count=Count("campaign__items", distinct=True),
        report_count=Count(
            "campaign__items",
            filter=~Q(campaign__items__status=ItemStatus.PENDING),
            distinct=True,
        ),
        finding_count=Count("reports__findings", distinct=True),
        nothing_count=Count("reports", filter=Q(reports__nothing_found=True), distinct=True),
    )


def screening_reports(*, actor, screening_round: ScreeningRound) -> Sequence[ScreeningReport]:
    """A round's reports as the actor may read them: every grid's return shows (coverage is
    for the whole village), but each report lists only the findings the actor may see in
    `visible_findings` (`finding_total` counts them all), and its note is kept only for
    reports of grids the actor works in or filed."""
    visible = Dispute.objects.filter(pk__in=dispute_visible_ids(actor=actor)).select_related("case")
    reports = list(
        ScreeningReport.objects.filter(round=screening_round)
        .select_related("grid", "reported_by")
        .annotate(finding_total=Count("findings"))
        .prefetch_related(Prefetch("findings", queryset=visible, to_attr="visible_findings"))
        .order_by("grid__code")
    )
    for report in reports:
        report.hidden_findings = report.finding_total - len(report.visible_findings)
        if not reaches_part_of(actor, report.grid.code) and report.reported_by_id != actor.pk:
            report.note = ""
    return reports


def screening_missing_grids(*, screening_round: ScreeningRound) -> QuerySet[Grid]:
    """Grids of the round's village that have not reported yet: the grids of the campaign's
    items still pending (the whole village's, as coverage is the village's)."""
    return pending_grids(campaign=screening_round.campaign)


def screening_progress(*, actor, screening_round: ScreeningRound) -> CampaignProgress:
    """The round's progress per grid from the engine, over the grids the actor may see."""
    return campaign_progress(actor=actor, campaign=screening_round.campaign, level="grid")


def dispute_parts(*, actor, dispute: Dispute) -> dict:
    """What the dispute page shows besides the row: parties, sessions, agreement, referrals,
    follow-ups. A resident (the applicant) sees dates, places and outcomes, not the session
    records, the other parties' contacts, or the units' internal hand-offs."""
    parties = list(dispute.parties.all())
    sessions = list(dispute.sessions.select_related("mediator"))
    agreement = MediationAgreement.objects.filter(dispute=dispute).first()
    if actor.role == Role.RESIDENT and not actor.is_superuser:
        for party in parties:
            if party.person_id != actor.person_id:
                party.address, party.phone_masked, party.representative = "", "", ""
        for session in sessions:
            session.record, session.participants = "", ""
        return {
            "parties": parties,
            "sessions": sessions,
            "agreement": agreement,
            "referrals": [],
            "follow_ups": [],
        }
    return {
        "parties": parties,
        "sessions": sessions,
        "agreement": agreement,
        "referrals": list(dispute.referrals.select_related("to_unit", "from_unit", "from_user")),
        "follow_ups": list(dispute.follow_ups.all()),
    }


def dispute_get(*, actor, dispute_id: int) -> Dispute:
    """The dispute if the actor may see its case (jurisdiction, assignee, unit, reporter)."""
    dispute = (
        Dispute.objects.select_related("case", "case__unit", "committee", "mediator")
        .filter(pk=dispute_id)
        .first()
    )
    if dispute is None or not dispute.case.is_visible_to(actor):
        raise NotFound(_("Dispute not found."))
    return dispute


def dispute_planned_sessions(*, dispute_id: int) -> QuerySet[MediationSession]:
    """The sessions of a dispute in hand that are planned and not yet held, in order."""
    return MediationSession.objects.filter(dispute_id=dispute_id, is_held=False).order_by("seq")


def dispute_follow_ups(*, dispute_id: int) -> QuerySet[FollowUp]:
    """The follow-up visits of a dispute in hand, the one due first first."""
    return FollowUp.objects.filter(dispute_id=dispute_id).order_by("due_on", "pk")


def dispute_to_act_on(*, actor, code: str) -> Dispute | None:
    """The dispute with this case code that the actor may take a step on: one they may see, or
    one whose open referral went to a unit of theirs (they answer it; workflow.referral_target)."""
    if not _staff(actor):
        return None
    disputes = Dispute.objects.select_related("case", "case__unit").filter(case__code=code)
    q = case_visibility_q(actor, via="case__")
    if q is None:
        return disputes.first()
    referred = Referral.objects.filter(
        dispute=OuterRef("pk"),
        state__in=[Referral.State.PENDING, Referral.State.ACCEPTED],
        to_unit__members=actor,
    )
    return disputes.filter(q | Q(Exists(referred))).first()


def dispute_after_step(*, dispute_id: int) -> Dispute:
    """The dispute a step was just taken on, as the step left it. Not filtered again: the step
    was the actor's to take, and it may have moved the dispute out of their sight (a referral
    declined goes back to its sender)."""
    return Dispute.objects.select_related(
        "case", "case__village", "case__unit", "case__assignee", "committee", "mediator"
    ).get(pk=dispute_id)
