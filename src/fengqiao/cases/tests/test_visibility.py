"""The one visibility rule for cases: the queryset and the object check agree, every selector
stays inside it, and no hand-off ("to whom") carries a case to someone outside its place."""

import random

import pytest

from fengqiao.accounts.services import user_create
from fengqiao.cases import selectors, services
from fengqiao.cases.models import Case, HandlingUnit
from fengqiao.core.errors import ValidationFailed
from fengqiao.mediation import selectors as mediation_selectors
from fengqiao.regions.models import Region


def _report(world, title="路灯不亮"):
    return services.case_report(
        actor=world["grid_worker"], category=world["garbage"], title=title, **world["point"]
    )


def _handler_elsewhere(world):
    """A police-station handler bound to a village of another township."""
    home_township = world["police"].region_code
    village = Region.objects.filter(level="village").exclude(code__startswith=home_township).first()
    return user_create(
        username="handler_elsewhere",
        password="fengqiao-demo",  # noqa: S106 - the public demo password
        role="handler",
        jurisdiction=[village.code],
        display_name="外乡民警",
        check_password=False,
    )


def test_dispatch_refused_when_assignee_works_outside_the_case_place(world):
    case = services.case_accept(actor=world["grid_chief"], case_id=_report(world).pk)
    outsider = _handler_elsewhere(world)
    with pytest.raises(ValidationFailed, match="outside the place") as refused:
        services.case_dispatch(
            actor=world["grid_chief"], case_id=case.pk, unit_id=None, assignee=outsider
        )
    assert refused.value.field == "assignee"
    case.refresh_from_db()
    assert case.status == "accepted" and case.assignee_id is None
    assert not Case.objects.visible_to(outsider).filter(pk=case.pk).exists()


def test_dispatch_allowed_when_assignee_is_a_member_of_the_serving_unit(world):
    case = services.case_accept(actor=world["grid_chief"], case_id=_report(world).pk)
    outsider = _handler_elsewhere(world)
    world["police"].members.add(outsider)
    case = services.case_dispatch(
        actor=world["grid_chief"], case_id=case.pk, unit_id=world["police"].pk, assignee=outsider
    )
    assert case.assignee_id == outsider.pk
    assert case.is_visible_to(outsider)


def test_transfer_refused_when_assignee_works_outside_the_case_place(world):
    case = services.case_accept(actor=world["grid_chief"], case_id=_report(world).pk)
    case = services.case_dispatch(
        actor=world["grid_chief"], case_id=case.pk, unit_id=world["police"].pk
    )
    outsider = _handler_elsewhere(world)
    with pytest.raises(ValidationFailed, match="outside the place"):
        services.case_transfer(
            actor=world["grid_chief"], case_id=case.pk, unit_id=None, assignee=outsider
        )
    case.refresh_from_db()
    assert case.unit_id == world["police"].pk and case.assignee_id is None


def _random_cases(world, rng, count=12):
    units = list(HandlingUnit.objects.all())
    staff = [u for u in world.values() if hasattr(u, "role") and u.role != "resident"]
    cases = list(Case.objects.order_by("?")[:count])
    for case in cases:
        # Scatter assignees and units so every clause of the rule is exercised.
        case.assignee = rng.choice([None, *staff])
        case.unit = rng.choice([None, *units])
        Case.objects.filter(pk=case.pk).update(assignee=case.assignee, unit=case.unit)
    return cases


def test_queryset_rule_and_object_check_agree_when_actors_and_rows_are_random(world):
    rng = random.Random(11)  # noqa: S311 - reproducible test data
    cases = _random_cases(world, rng)
    actors = [u for u in world.values() if hasattr(u, "role")]
    actors.append(_handler_elsewhere(world))
    inactive = world["village_centre_b"]
    inactive.is_active = False
    actors.append(inactive)
    actors.append("system")
    ids = [c.pk for c in cases]
    for actor in actors:
        by_query = set(
            Case.objects.visible_to(actor).filter(pk__in=ids).values_list("pk", flat=True)
        )
        by_object = {c.pk for c in Case.objects.filter(pk__in=ids) if c.is_visible_to(actor)}
        assert by_query == by_object, getattr(actor, "username", actor)


def test_every_case_selector_stays_inside_the_rule_when_actors_differ(world):
    rng = random.Random(5)  # noqa: S311 - reproducible test data
    _random_cases(world, rng)
    actors = [u for u in world.values() if hasattr(u, "role")]
    for actor in actors:
        visible = set(Case.objects.visible_to(actor).values_list("pk", flat=True))
        for queue in ["", *selectors.QUEUES]:
            listed = set(selectors.case_list(actor=actor, queue=queue).values_list("pk", flat=True))
            assert listed <= visible, (actor.username, queue)
        disputes = set(
            mediation_selectors.dispute_list(actor=actor).values_list("case_id", flat=True)
        )
        assert disputes <= visible, actor.username


def test_resident_sees_only_own_reports_when_others_report_nearby(world):
    mine = services.case_report(
        actor=world["resident"], category=world["garbage"], title="楼道堆物", **world["point"]
    )
    other = _report(world)
    assert mine.is_visible_to(world["resident"])
    assert not other.is_visible_to(world["resident"])
    assert set(Case.objects.visible_to(world["resident"]).values_list("pk", flat=True)) == {mine.pk}
