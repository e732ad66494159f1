"""The issue's walks end to end through the services: screening → settlement → follow-up →
rates; failed mediation → court → result back; petitions within and past their limits."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from fengqiao.cases import services as case_services
from fengqiao.cases.models import CaseEvent, Notification, Status
from fengqiao.core import clock
from fengqiao.core.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from fengqiao.mediation import (
    followups,
    metrics,
    petitions,
    referrals,
    screening,
    selectors,
    sessions,
)
from fengqiao.mediation import services as mediation
from fengqiao.mediation.models import (
    Dispute,
    DisputeParty,
    FollowUp,
    Outcome,
    Referral,
)
from fengqiao.regions.models import Grid
from fengqiao.registry.models import Person

START = timezone.make_aware(timezone.datetime(2026, 3, 2, 9, 0))


@pytest.fixture
def at_start():
    clock.freeze(START)
    yield START
    clock.freeze(None)


def _neighbours(world):
    people = Person.objects.filter(region_code__startswith=world["micro"].code).order_by("pk")
    if people.count() < 2:
        village = world["micro"].village.code
        people = Person.objects.filter(region_code__startswith=village).order_by("pk")
    return people[0], people[1]


def _register(world, actor, *, source="walk_in", **extra):
    applicant, respondent = _neighbours(world)
    return mediation.dispute_register(
        actor=actor,
        dispute_type="neighbour_dispute",
        title="邻居楼上漏水纠纷",
        description="楼上卫生间漏水，楼下天花板受损，双方就赔偿争执不下。",
        source=source,
        parties=[
            mediation.PartyIn(side="applicant", person_id=applicant.pk),
            mediation.PartyIn(side="respondent", person_id=respondent.pk),
        ],
        amount="3500",
        **world["point"],
        **extra,
    )


def _advance(days: float) -> None:
    clock.freeze(clock.now() + timedelta(days=days))


def _to_mediation(world, dispute):
    mediation.dispute_accept(
        actor=world["village_centre"], dispute_id=dispute.pk, consent=True, consent_note="双方同意"
    )
    mediation.dispute_assign(
        actor=world["village_centre"],
        dispute_id=dispute.pk,
        mediator_id=world["village_mediator"].pk,
    )
    case_services.case_claim(actor=world["mediator_a"], case_id=dispute.pk)


def _session(world, dispute, record="双方陈述各自意见"):
    return sessions.session_record(
        actor=world["mediator_a"],
        dispute_id=dispute.pk,
        held_at=clock.now() - timedelta(hours=1),
        place="村调解室",
        participants="申请人、被申请人、调解员",
        record=record,
    )


def test_neighbour_dispute_from_screening_is_settled_followed_up_and_counted(world, at_start):
    grid = world["micro"].parent
    (round_,) = screening.screening_rounds_open(
        actor=world["village_centre"],
        region=world["micro"].village,
        starts_on=date(2026, 3, 1),
        ends_on=date(2026, 3, 15),
    )
    dispute = _register(world, world["grid_worker"], source="screening", risk_grade="general")
    assert dispute.case.kind == "dispute" and dispute.case.channel == "screening"
    report = screening.screening_report_file(
        actor=world["grid_worker"],
        round_id=round_.pk,
        grid_id=grid.pk,
        nothing_found=False,
        dispute_ids=[dispute.pk],
    )
    assert list(report.findings.all()) == [dispute]
    (row,) = [
        r for r in selectors.screening_rounds(actor=world["village_centre"]) if r.pk == round_.pk
    ]
    assert (row.report_count, row.finding_count) == (1, 1)
    assert row.grid_count == Grid.objects.filter(village=round_.village, parent=None).count()

    suggestions = selectors.mediator_suggestions(actor=world["village_centre"], dispute=dispute)
    assert suggestions[0]["mediator"] == world["village_mediator"]
    assert suggestions[0]["specialist"] is True

    _to_mediation(world, dispute)
    plan = sessions.session_plan(
        actor=world["mediator_a"],
        dispute_id=dispute.pk,
        starts_at=clock.now() + timedelta(days=2),
        place="村调解室",
    )
    assert not plan.is_held
    _advance(2)
    first = sessions.session_record(
        actor=world["mediator_a"],
        dispute_id=dispute.pk,
        session_id=plan.pk,
        held_at=clock.now(),
        place="村调解室",
        participants="申请人、被申请人、调解员",
        record="查看现场，双方对漏水原因无异议，对赔偿金额有分歧。",
    )
    assert first.pk == plan.pk and first.is_held
    _advance(5)
    second = _session(world, dispute, "经释法说理，双方就赔偿金额达成一致。")
    assert second.seq == 2

    settled = mediation.dispute_conclude(
        actor=world["mediator_a"],
        dispute_id=dispute.pk,
        outcome="agreement",
        result="双方达成调解协议",
        facts="楼上卫生间漏水致楼下天花板受损。",
        terms=["被申请人赔偿申请人维修费人民币2000元。", "被申请人于十日内修复防水层。"],
        performance="2026年3月20日前一次性付清。",
    )
    assert settled.case.status == Status.RESOLVED
    assert settled.outcome == Outcome.AGREEMENT
    assert settled.agreement.number.endswith("调字第0001号")
    (follow_up,) = FollowUp.objects.filter(dispute=settled)
    assert follow_up.due_on == clock.localdate() + timedelta(days=30)

    case_services.case_verify(actor=world["grid_worker"], case_id=dispute.pk)
    case_services.case_close(actor=world["village_centre"], case_id=dispute.pk)
    _advance(30)
    due = selectors.follow_ups_due(actor=world["mediator_a"])
    assert follow_up in due
    followups.follow_up_record(
        actor=world["mediator_a"], follow_up_id=follow_up.pk, result="stable", note="已履行完毕"
    )
    assert not selectors.follow_ups_due(actor=world["mediator_a"]).filter(pk=follow_up.pk)

    figures = metrics.dispute_metrics(
        actor=world["village_centre"], start=START, end=clock.now() + timedelta(days=1)
    )
    assert figures["settled"] == 1
    assert figures["mediation_success_rate"] == 1.0
    assert figures["settled_by_deadline_rate"] == 1.0
    assert figures["settled_at_village_rate"] == 1.0
    assert figures["relapse_rate"] == 0.0
    assert figures["average_days_to_settle"] == 7.0
    (committee,) = figures["committees"]
    assert committee["name"] == world["village_committee"].name
    assert committee["settled"] == 1 and committee["mediation_success_rate"] == 1.0
    actions = list(dispute.case.events.values_list("action", flat=True))
    assert actions == [
        "report",
        "accept_mediation",
        "assign",
        "claim",
        "session_plan",
        "session",
        "session",
        "conclude",
        "verify",
        "close",
        "follow_up",
    ]
    assert case_services.verify_log(dispute.case) == []


def test_relapse_at_follow_up_reopens_with_the_mediator_and_counts(world, at_start):
    dispute = _register(world, world["village_centre"])
    _to_mediation(world, dispute)
    _session(world, dispute)
    mediation.dispute_conclude(
        actor=world["mediator_a"],
        dispute_id=dispute.pk,
        outcome="agreement",
        result="达成协议",
        facts="漏水",
        terms=["赔偿2000元"],
        performance="当场履行",
    )
    follow_up = FollowUp.objects.get(dispute=dispute)
    with pytest.raises(ValidationFailed) as refused:
        followups.follow_up_record(
            actor=world["mediator_a"], follow_up_id=follow_up.pk, result="relapsed"
        )
    assert refused.value.field == "note"
    followups.follow_up_record(
        actor=world["mediator_a"], follow_up_id=follow_up.pk, result="relapsed", note="又漏水了"
    )
    dispute.refresh_from_db()
    dispute.case.refresh_from_db()
    assert dispute.case.status == Status.DISPATCHED
    assert dispute.case.assignee == world["mediator_a"]
    assert dispute.outcome == ""
    with pytest.raises(Conflict):
        followups.follow_up_record(
            actor=world["mediator_a"], follow_up_id=follow_up.pk, result="stable"
        )
    figures = metrics.dispute_metrics(
        actor=world["county_centre"], start=START, end=clock.now() + timedelta(days=1)
    )
    assert figures["settled"] == 1 and figures["relapse_rate"] == 1.0


def test_failed_mediation_goes_to_court_and_the_result_comes_back(
    world, at_start, django_capture_on_commit_callbacks
):
    dispute = _register(world, world["village_centre"])
    _to_mediation(world, dispute)
    _session(world, dispute, "双方分歧较大，调解未果。")
    with pytest.raises(ValidationFailed):  # a court is not a police station
        referrals.dispute_refer(
            actor=world["mediator_a"],
            dispute_id=dispute.pk,
            way="police",
            to_unit_id=world["court"].pk,
            reason="x",
        )
    referral = referrals.dispute_refer(
        actor=world["mediator_a"],
        dispute_id=dispute.pk,
        way="court",
        to_unit_id=world["court"].pk,
        reason="调解不成，引导诉讼，诉调对接",
    )
    case = dispute.case
    case.refresh_from_db()
    assert (case.status, case.unit, case.assignee) == (Status.DISPATCHED, world["court"], None)
    assert list(selectors.referrals_in(actor=world["court_clerk"])) == [referral]
    assert list(selectors.dispute_list(actor=world["village_centre"], queue="referred")) == [
        Dispute.objects.get(pk=dispute.pk)
    ]
    with pytest.raises(NotAllowed):  # the township's police see the case but are not the court
        referrals.referral_accept(actor=world["handler"], referral_id=referral.pk)
    with pytest.raises(NotFound):  # another village's centre does not even see it
        referrals.referral_accept(actor=world["village_centre_b"], referral_id=referral.pk)
    referrals.referral_accept(actor=world["court_clerk"], referral_id=referral.pk)
    case.refresh_from_db()
    assert (case.status, case.assignee) == (Status.CLAIMED, world["court_clerk"])
    with django_capture_on_commit_callbacks(execute=True):
        referrals.referral_return(
            actor=world["court_clerk"],
            referral_id=referral.pk,
            settled=True,
            result="诉前调解成功，出具民事调解书",
        )
    referral.refresh_from_db()
    case.refresh_from_db()
    assert referral.state == Referral.State.RETURNED and referral.is_settled is True
    assert case.status == Status.RESOLVED
    assert Notification.objects.filter(
        recipient=world["mediator_a"], case=case, kind="referral_returned"
    ).exists()
    figures = metrics.dispute_metrics(
        actor=world["county_centre"], start=START, end=clock.now() + timedelta(days=1)
    )
    assert figures["referred_after_mediation"] == 1
    assert figures["mediation_success_rate"] == 0.0
    assert figures["settled"] == 1  # settled by the court, counted where it was settled
    assert figures["settled_at_level"] == {"grid": 1}


def test_declined_or_unsettled_referral_goes_back_to_the_mediator(world, at_start):
    dispute = _register(world, world["village_centre"])
    _to_mediation(world, dispute)
    _session(world, dispute)
    first = referrals.dispute_refer(
        actor=world["mediator_a"],
        dispute_id=dispute.pk,
        way="court",
        to_unit_id=world["court"].pk,
        reason="调解不成",
    )
    with pytest.raises(ValidationFailed):
        referrals.referral_decline(actor=world["court_clerk"], referral_id=first.pk, reason=" ")
    referrals.referral_decline(
        actor=world["court_clerk"], referral_id=first.pk, reason="材料不全，请补充证据"
    )
    case = dispute.case
    case.refresh_from_db()
    assert (case.status, case.assignee) == (Status.CLAIMED, world["mediator_a"])
    assert case.unit == world["village_committee"].unit
    second = referrals.dispute_refer(
        actor=world["mediator_a"],
        dispute_id=dispute.pk,
        way="court",
        to_unit_id=world["court"].pk,
        reason="补充材料后再次移送",
    )
    referrals.referral_accept(actor=world["court_clerk"], referral_id=second.pk)
    referrals.referral_return(
        actor=world["court_clerk"], referral_id=second.pk, settled=False, result="原告撤诉"
    )
    case.refresh_from_db()
    assert (case.status, case.assignee) == (Status.CLAIMED, world["mediator_a"])
    with pytest.raises(Conflict):
        referrals.referral_accept(actor=world["court_clerk"], referral_id=second.pk)
    # Never with nobody: every step of the case had a unit or a person.
    for event in case.events.all():
        assert event.to_status in (Status.REPORTED, Status.ACCEPTED) or event.to_status


def test_judicial_confirmation_is_requested_and_ruled_by_the_court(world, at_start):
    dispute = _register(world, world["village_centre"])
    _to_mediation(world, dispute)
    _session(world, dispute)
    with pytest.raises(Conflict):
        referrals.confirmation_request(
            actor=world["mediator_a"], dispute_id=dispute.pk, to_unit_id=world["court"].pk
        )
    mediation.dispute_conclude(
        actor=world["mediator_a"],
        dispute_id=dispute.pk,
        outcome="agreement",
        result="达成协议",
        facts="漏水",
        terms=["赔偿2000元"],
        performance="十日内",
    )
    request = referrals.confirmation_request(
        actor=world["mediator_a"], dispute_id=dispute.pk, to_unit_id=world["court"].pk
    )
    with pytest.raises(Conflict):
        referrals.confirmation_request(
            actor=world["mediator_a"], dispute_id=dispute.pk, to_unit_id=world["court"].pk
        )
    # The court is outside the village's jurisdiction but may answer its own request.
    referrals.referral_accept(actor=world["court_clerk"], referral_id=request.pk)
    referrals.referral_return(
        actor=world["court_clerk"], referral_id=request.pk, settled=True, result="裁定协议有效"
    )
    request.refresh_from_db()
    dispute.case.refresh_from_db()
    assert request.is_settled is True and dispute.case.status == Status.RESOLVED
    assert list(
        dispute.case.events.filter(action__startswith="confirmation").values_list(
            "action", flat=True
        )
    ) == ["confirmation_request", "confirmation_accept", "confirmation_result"]


def test_acceptance_needs_consent_and_both_sides(world, at_start):
    applicant, _respondent = _neighbours(world)
    lone = mediation.dispute_register(
        actor=world["village_centre"],
        dispute_type="family_dispute",
        title="赡养纠纷",
        source="walk_in",
        parties=[mediation.PartyIn(side="applicant", person_id=applicant.pk)],
        **world["point"],
    )
    with pytest.raises(ValidationFailed) as no_consent:
        mediation.dispute_accept(actor=world["village_centre"], dispute_id=lone.pk, consent=False)
    assert no_consent.value.field == "consent"
    with pytest.raises(ValidationFailed) as one_side:
        mediation.dispute_accept(actor=world["village_centre"], dispute_id=lone.pk, consent=True)
    assert one_side.value.field == "parties"
    # The general "accept" is withdrawn for disputes: no way around consent.
    with pytest.raises(Conflict):
        case_services.case_accept(actor=world["village_centre"], case_id=lone.pk)
    assert CaseEvent.objects.filter(case_id=lone.pk).count() == 1


def test_outsiders_and_residents_cannot_act_on_a_dispute(world, at_start):
    dispute = _register(world, world["village_centre"])
    with pytest.raises(NotFound):
        selectors.dispute_get(actor=world["village_centre_b"], dispute_id=dispute.pk)
    with pytest.raises(NotFound):
        mediation.dispute_accept(
            actor=world["village_centre_b"], dispute_id=dispute.pk, consent=True
        )
    assert not selectors.dispute_list(actor=world["village_centre_b"]).filter(pk=dispute.pk)
    with pytest.raises(NotFound):
        mediation.dispute_accept(actor=world["resident"], dispute_id=dispute.pk, consent=True)
    mediation.dispute_accept(actor=world["village_centre"], dispute_id=dispute.pk, consent=True)
    mediation.dispute_assign(
        actor=world["village_centre"],
        dispute_id=dispute.pk,
        mediator_id=world["village_mediator"].pk,
    )
    with pytest.raises(NotAllowed):  # dispatched to mediator_a, not to the township mediator
        case_services.case_claim(actor=world["mediator"], case_id=dispute.pk)
    with pytest.raises(Conflict):  # not yet claimed: no sessions
        _session(world, dispute)


def test_resident_applies_for_mediation_and_sees_only_their_own(world, at_start):
    resident = world["resident"]
    dispute = mediation.dispute_register(
        actor=resident,
        dispute_type="neighbour_dispute",
        title="申请调解：邻居占用通道",
        source="application",
        parties=[mediation.PartyIn(side="respondent", name="张某", phone="13800001111")],
        **world["point"],
    )
    applicant = dispute.parties.get(side=DisputeParty.Side.APPLICANT)
    assert applicant.person == resident.person
    respondent = dispute.parties.get(side=DisputeParty.Side.RESPONDENT)
    assert respondent.phone_masked.startswith("138") and "1111" in respondent.phone_masked
    assert "13800001111" not in respondent.phone_sealed
    assert list(selectors.dispute_list(actor=resident)) == [dispute]
    with pytest.raises(NotAllowed):
        mediation.dispute_register(
            actor=resident,
            dispute_type="neighbour_dispute",
            title="x",
            source="walk_in",
            parties=[mediation.PartyIn(side="respondent", name="张某")],
            **world["point"],
        )


def test_petition_acknowledged_and_answered_within_its_limits(world, at_start):
    petition = petitions.petition_register(
        actor=world["county_centre"],
        form="visit",
        category_code="petition_land",
        title="反映征地补偿款未到位",
        matter="要求落实征地补偿款。",
        petitioner_name="李某",
        id_number="11010519491231002X",
        visitors=6,
        **world["point"],
    )
    assert petition.is_collective
    assert petition.acknowledge_due_at == START + timedelta(days=15)
    _advance(3)
    petitions.petition_acknowledge(
        actor=world["county_centre"], petition_id=petition.pk, accepted=True
    )
    petition.refresh_from_db()
    assert petition.reply_due_at == clock.now() + timedelta(days=60)
    case_services.case_dispatch(
        actor=world["county_centre"], case_id=petition.pk, unit_id=world["petition_office"].pk
    )
    case_services.case_claim(actor=world["petition_clerk"], case_id=petition.pk)
    with pytest.raises(Conflict):  # a petition is answered with a reply, not "resolve"
        case_services.case_resolve(actor=world["petition_clerk"], case_id=petition.pk, result="x")
    _advance(40)
    petitions.petition_reply(
        actor=world["petition_clerk"], petition_id=petition.pk, reply="补偿款已于本月发放到位。"
    )
    petition.refresh_from_db()
    assert petition.case.status == Status.RESOLVED
    figures = metrics.petition_metrics(actor=world["county_centre"], start=START, end=clock.now())
    assert figures["registered"] == 1 and figures["collective"] == 1
    assert figures["acknowledged_on_time_rate"] == 1.0
    assert figures["replied_on_time_rate"] == 1.0
    assert figures["overdue_now"] == 0


def test_petitions_past_their_limits_show_as_overdue(world, at_start):
    silent = petitions.petition_register(
        actor=world["county_centre"],
        form="letter",
        category_code="petition_other",
        title="来信反映问题",
        matter="……",
        petitioner_name="王某",
        id_number="11010519491231002X",
        **world["point"],
    )
    late = petitions.petition_register(
        actor=world["county_centre"],
        form="visit",
        category_code="petition_labour",
        title="反映欠薪",
        matter="要求支付工资",
        petitioner_name="王某",
        id_number="11010519491231002X",
        **world["point"],
    )
    petitions.petition_acknowledge(actor=world["county_centre"], petition_id=late.pk, accepted=True)
    petitions.petition_extend(
        actor=world["county_centre"], petition_id=late.pk, days=30, reason="情况复杂"
    )
    with pytest.raises(Conflict):
        petitions.petition_extend(
            actor=world["county_centre"], petition_id=late.pk, days=5, reason="again"
        )
    _advance(16)
    overdue = set(selectors.petition_list(actor=world["county_centre"], queue="overdue"))
    assert {p.pk for p in overdue} == {silent.pk}
    _advance(75)  # 91 days: past 60 + 30
    overdue = selectors.petition_list(actor=world["county_centre"], queue="overdue")
    assert {p.pk for p in overdue} == {silent.pk, late.pk}
    history = selectors.petition_history(actor=world["county_centre"], petition=silent)
    assert [p.pk for p in history] == [late.pk]
    figures = metrics.petition_metrics(actor=world["county_centre"], start=START, end=clock.now())
    assert figures["overdue_now"] == 2
    assert not selectors.petition_list(actor=world["village_centre_b"]).exists()


def test_agreement_download_is_a_docx_of_the_parties_and_terms_and_is_logged(world, at_start):
    import io

    from docx import Document

    from fengqiao.core.models import AccessLog
    from fengqiao.mediation.agreements import agreement_download

    dispute = _register(world, world["village_centre"])
    _to_mediation(world, dispute)
    _session(world, dispute)
    mediation.dispute_conclude(
        actor=world["mediator_a"],
        dispute_id=dispute.pk,
        outcome="agreement",
        result="达成协议",
        facts="楼上漏水致楼下受损。",
        terms=["赔偿维修费2000元。", "十日内修复防水层。"],
        performance="当场付清。",
    )
    name, content = agreement_download(actor=world["mediator_a"], dispute_id=dispute.pk)
    text = "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)
    applicant, respondent = _neighbours(world)
    assert name.endswith(".docx")
    assert applicant.name in text and respondent.name in text
    assert applicant.id_number_masked in text
    assert "一、赔偿维修费2000元。" in text and "二、十日内修复防水层。" in text
    assert (
        AccessLog.objects.filter(
            actor=world["mediator_a"], object_type="mediation_agreement", action="export"
        ).count()
        == 1
    )
    with pytest.raises(NotFound):  # not the resident's own application
        agreement_download(actor=world["resident"], dispute_id=dispute.pk)


def test_screening_rounds_open_for_every_village_of_a_township_once(world, at_start):
    township = world["micro"].village.parent
    rounds = screening.screening_rounds_open(
        actor=world["town_centre"],
        region=township,
        starts_on=date(2026, 3, 1),
        ends_on=date(2026, 3, 31),
    )
    villages = {r.village_id for r in rounds}
    assert len(villages) == township.children.count() > 1
    again = screening.screening_rounds_open(
        actor=world["town_centre"],
        region=township,
        starts_on=date(2026, 3, 1),
        ends_on=date(2026, 3, 31),
    )
    assert sorted(r.pk for r in again) == sorted(r.pk for r in rounds)
    with pytest.raises(NotAllowed):
        screening.screening_rounds_open(
            actor=world["village_centre"],
            region=township,
            starts_on=date(2026, 4, 1),
            ends_on=date(2026, 4, 30),
        )
    mine = next(r for r in rounds if r.village_id == world["micro"].village_id)
    grid = world["micro"].parent
    screening.screening_report_file(
        actor=world["grid_worker"], round_id=mine.pk, grid_id=grid.pk, nothing_found=True
    )
    with pytest.raises(Conflict):
        screening.screening_report_file(
            actor=world["grid_worker"], round_id=mine.pk, grid_id=grid.pk, nothing_found=True
        )
    other_grid = Grid.objects.filter(village=mine.village, parent=None).exclude(pk=grid.pk).first()
    if other_grid is not None:
        with pytest.raises(NotFound):  # not the grid worker's grid: nothing there for them
            screening.screening_report_file(
                actor=world["grid_worker"],
                round_id=mine.pk,
                grid_id=other_grid.pk,
                nothing_found=True,
            )


def test_mediator_may_return_an_assignment_but_a_referred_unit_answers_the_referral(
    world, at_start
):
    dispute = _register(world, world["village_centre"])
    mediation.dispute_accept(actor=world["village_centre"], dispute_id=dispute.pk, consent=True)
    mediation.dispute_assign(
        actor=world["village_centre"],
        dispute_id=dispute.pk,
        mediator_id=world["village_mediator"].pk,
    )
    case_services.case_return(
        actor=world["mediator_a"], case_id=dispute.pk, reason="回避：亲属关系"
    )
    dispute.case.refresh_from_db()
    assert dispute.case.status == Status.ACCEPTED
    reassigned = mediation.dispute_assign(
        actor=world["village_centre"],
        dispute_id=dispute.pk,
        mediator_id=world["village_mediator"].pk,
    )
    case_services.case_claim(actor=world["mediator_a"], case_id=dispute.pk)
    _session(world, dispute)
    referrals.dispute_refer(
        actor=world["mediator_a"],
        dispute_id=dispute.pk,
        way="court",
        to_unit_id=world["court"].pk,
        reason="调解不成",
    )
    with pytest.raises(NotAllowed):
        case_services.case_return(actor=world["court_clerk"], case_id=dispute.pk, reason="不收")
    assert reassigned.case.status == Status.DISPATCHED


def test_escalating_a_reported_dispute_keeps_it_waiting_for_consent(world, at_start):
    dispute = _register(world, world["village_centre"])
    case_services.case_escalate(
        actor=world["village_centre"], case_id=dispute.pk, reason="涉及多户"
    )
    dispute.case.refresh_from_db()
    assert (dispute.case.status, dispute.case.level) == (Status.REPORTED, "village")
    assert dispute.consent_at is None


def test_a_client_id_of_another_kind_is_refused(world, at_start):
    from fengqiao.cases.models import Category

    case_services.case_report(
        actor=world["village_centre"],
        category=Category.objects.get(code="garbage"),
        title="垃圾",
        client_id="phone-1",
        **world["point"],
    )
    with pytest.raises(Conflict) as refused:
        _register(world, world["village_centre"], client_id="phone-1")
    assert refused.value.field == "client_id"
    with pytest.raises(Conflict):
        petitions.petition_register(
            actor=world["village_centre"],
            form="visit",
            category_code="petition_other",
            title="x",
            matter="y",
            petitioner_name="赵某",
            client_id="phone-1",
            **world["point"],
        )


def test_reply_limit_cannot_be_extended_before_acceptance(world, at_start):
    petition = petitions.petition_register(
        actor=world["county_centre"],
        form="visit",
        category_code="petition_other",
        title="x",
        matter="y",
        petitioner_name="赵某",
        **world["point"],
    )
    with pytest.raises(Conflict) as refused:
        petitions.petition_extend(
            actor=world["county_centre"], petition_id=petition.pk, days=10, reason="复杂"
        )
    assert refused.value.code == "no_limit"


def test_resident_sees_dates_and_outcome_but_not_records_or_other_contacts(world, at_start):
    resident = world["resident"]
    dispute = mediation.dispute_register(
        actor=resident,
        dispute_type="neighbour_dispute",
        title="申请调解",
        source="application",
        parties=[
            mediation.PartyIn(side="respondent", name="张某", phone="13800001111", address="3号")
        ],
        **world["point"],
    )
    staff = selectors.dispute_parts(actor=world["village_centre"], dispute=dispute)
    mine = selectors.dispute_parts(actor=resident, dispute=dispute)
    other = next(p for p in mine["parties"] if p.side == "respondent")
    assert (other.address, other.phone_masked) == ("", "")
    assert next(p for p in staff["parties"] if p.side == "respondent").address == "3号"


def test_a_referred_unit_cannot_claim_around_the_referral(world, at_start):
    dispute = _register(world, world["village_centre"])
    _to_mediation(world, dispute)
    _session(world, dispute)
    referral = referrals.dispute_refer(
        actor=world["mediator_a"],
        dispute_id=dispute.pk,
        way="court",
        to_unit_id=world["court"].pk,
        reason="调解不成",
    )
    with pytest.raises(NotAllowed):
        case_services.case_claim(actor=world["court_clerk"], case_id=dispute.pk)
    referrals.referral_accept(actor=world["court_clerk"], referral_id=referral.pk)
    referral.refresh_from_db()
    assert referral.state == Referral.State.ACCEPTED


def test_missing_side_is_added_then_the_dispute_can_be_accepted(world, at_start):
    applicant, respondent = _neighbours(world)
    dispute = mediation.dispute_register(
        actor=world["grid_worker"],
        dispute_type="neighbour_dispute",
        title="宅基地边界争议",
        source="screening",
        parties=[mediation.PartyIn(side="applicant", person_id=applicant.pk)],
        **world["point"],
    )
    with pytest.raises(NotFound):  # another village's centre
        mediation.dispute_party_add(
            actor=world["village_centre_b"],
            dispute_id=dispute.pk,
            party=mediation.PartyIn(side="respondent", name="x"),
        )
    mediation.dispute_party_add(
        actor=world["village_centre"],
        dispute_id=dispute.pk,
        party=mediation.PartyIn(side="respondent", person_id=respondent.pk),
    )
    mediation.dispute_accept(actor=world["village_centre"], dispute_id=dispute.pk, consent=True)
    assert set(dispute.case.people.all()) == {applicant, respondent}
    assert dispute.case.events.filter(action="party_add").count() == 1


def test_leaders_do_not_register_and_failed_mediations_are_not_settled(world, at_start):
    with pytest.raises(NotAllowed):
        _register(world, world["leader"])
    with pytest.raises(NotAllowed):
        petitions.petition_register(
            actor=world["leader"],
            form="visit",
            category_code="petition_other",
            title="x",
            matter="y",
            petitioner_name="赵某",
            **world["point"],
        )
    dispute = _register(world, world["village_centre"])
    _to_mediation(world, dispute)
    _session(world, dispute)
    mediation.dispute_conclude(
        actor=world["mediator_a"], dispute_id=dispute.pk, outcome="failed", result="调解不成"
    )
    assert not selectors.dispute_list(actor=world["village_centre"], queue="settled").exists()
    assert selectors.dispute_list(actor=world["village_centre"], q="楼上").exists()


def test_relapse_re_mediated_to_a_new_agreement_counts_one_relapse(world, at_start):
    dispute = _register(world, world["village_centre"])
    _to_mediation(world, dispute)
    _session(world, dispute)
    terms = {"facts": "漏水", "performance": "当场", "result": "达成协议"}
    mediation.dispute_conclude(
        actor=world["mediator_a"],
        dispute_id=dispute.pk,
        outcome="agreement",
        terms=["赔2000元"],
        **terms,
    )
    first = selectors.dispute_get(actor=world["mediator_a"], dispute_id=dispute.pk).agreement.number
    follow_up = FollowUp.objects.get(dispute=dispute)
    _advance(30)
    followups.follow_up_record(
        actor=world["mediator_a"], follow_up_id=follow_up.pk, result="relapsed", note="又漏水"
    )
    case_services.case_claim(actor=world["mediator_a"], case_id=dispute.pk)
    _session(world, dispute, "重新调解")
    again = mediation.dispute_conclude(
        actor=world["mediator_a"],
        dispute_id=dispute.pk,
        outcome="agreement",
        terms=["赔3000元"],
        **terms,
    )
    assert again.agreement.terms == ["赔3000元"] and again.agreement.number != first
    old_terms = dispute.case.events.filter(action="conclude").order_by("seq").first().data["terms"]
    assert old_terms == ["赔2000元"]  # the replaced agreement stays in the log
    figures = metrics.dispute_metrics(
        actor=world["county_centre"], start=START, end=clock.now() + timedelta(days=1)
    )
    assert figures["settled"] == 2 and figures["relapse_rate"] == 0.5


def test_a_village_dispute_is_suggested_to_the_village_before_a_county_specialist(world, at_start):
    from fengqiao.accounts.services import user_create
    from fengqiao.mediation.committees import mediator_add
    from fengqiao.mediation.models import MediationCommittee

    pool = MediationCommittee.objects.get(kind="expert_pool")
    expert_user = user_create(
        username="expert",
        password="fengqiao-demo",
        role="mediator",  # noqa: S106
        jurisdiction=[pool.region.code],
        check_password=False,
    )
    expert = mediator_add(
        actor=world["admin"], committee=pool, user=expert_user, specialities=["neighbour_dispute"]
    )
    generalist = world["village_mediator"]
    generalist.specialities = []
    generalist.save()
    dispute = _register(world, world["village_centre"])
    ranked = [
        row["mediator"]
        for row in selectors.mediator_suggestions(actor=world["village_centre"], dispute=dispute)
    ]
    assert ranked.index(generalist) < ranked.index(expert)
