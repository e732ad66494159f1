"""The whole lifecycle through the services, with the log checked at the end."""

from fengqiao.cases import services
from fengqiao.cases.models import Notification, Status


def test_case_walks_report_to_close_when_everyone_acts(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = services.case_report(
            actor=world["grid_worker"],
            category=world["noise"],
            title="楼上深夜噪音扰民",
            description="三楼住户每晚十二点后装修",
            **world["point"],
        )
    assert case.code.startswith("SJ") and len(case.code) == 14
    assert case.status == Status.REPORTED and case.level == "grid"
    assert case.region_code == world["micro"].code
    assert case.due_at is not None
    case = services.case_accept(actor=world["grid_chief"], case_id=case.pk)
    case = services.case_dispatch(
        actor=world["grid_chief"], case_id=case.pk, unit_id=world["police"].pk
    )
    case = services.case_claim(actor=world["handler"], case_id=case.pk)
    case = services.case_resolve(actor=world["handler"], case_id=case.pk, result="已上门调解")
    case = services.case_verify(actor=world["grid_worker"], case_id=case.pk)
    assert case.status == Status.VERIFIED
    case = services.case_close(actor=world["grid_chief"], case_id=case.pk, reason="电话回访满意")
    assert case.status == Status.CLOSED
    actions = list(case.events.order_by("seq").values_list("action", flat=True))
    assert actions == ["report", "accept", "dispatch", "claim", "resolve", "verify", "close"]
    assert services.verify_log(case) == []
    assert Notification.objects.filter(case=case).exists()


def test_dispatch_refused_when_unit_serves_another_area(world):
    from fengqiao.cases.models import HandlingUnit
    from fengqiao.core.errors import ValidationFailed

    case = services.case_report(
        actor=world["grid_worker"], category=world["garbage"], title="垃圾", **world["point"]
    )
    services.case_accept(actor=world["grid_chief"], case_id=case.pk)
    # A unit of another township (the county's units and the case's own village serve it).
    elsewhere = next(
        u
        for u in HandlingUnit.objects.order_by("pk")
        if not case.region_code.startswith(u.region_code)
    )
    import pytest

    with pytest.raises(ValidationFailed, match="does not serve"):
        services.case_dispatch(actor=world["grid_chief"], case_id=case.pk, unit_id=elsewhere.pk)
    case.refresh_from_db()
    assert case.status == "accepted" and case.unit_id is None
