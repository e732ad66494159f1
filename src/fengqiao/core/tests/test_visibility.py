"""The visibility rule of placed rows: for every model that has it, `visible_to` (queryset) and
`is_visible_to` (object) agree for every kind of actor, and selectors stay inside it."""

import random

import pytest
from django.apps import apps

from fengqiao.accounts.services import user_create
from fengqiao.core.visibility import PlacedRow
from fengqiao.regions.models import Grid, Region
from fengqiao.registry import selectors

PLACED_MODELS = [m for m in apps.get_models() if issubclass(m, PlacedRow)]


def _actors(users):
    """The demo accounts, a grid worker of another village and an inactive centre."""
    actors = [u for u in users.values() if hasattr(u, "role")]
    village_b = users["village_centre_b"].bindings.get().code
    micro = Grid.objects.filter(code__startswith=village_b, parent__isnull=False).first()
    actors.append(
        user_create(
            username="grid_worker_b",
            password="fengqiao-demo",  # noqa: S106 - the public demo password
            role="grid_worker",
            jurisdiction=[micro.code],
            display_name="乙村网格员",
            check_password=False,
        )
    )
    gone = user_create(
        username="gone_centre",
        password="fengqiao-demo",  # noqa: S106 - the public demo password
        role="centre_staff",
        jurisdiction=[village_b],
        display_name="离职人员",
        check_password=False,
    )
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    actors += [gone, "system"]
    return actors


def test_every_placed_model_is_covered(db):
    labels = {m._meta.label for m in PLACED_MODELS}
    assert {
        "registry.Person",
        "registry.Household",
        "registry.Dwelling",
        "registry.HouseholdGroup",
        "registry.Organization",
        "registry.Place",
        "registry.Facility",
        "registry.PersonTagging",
        "registry.CorrectionRequest",
        "regions.Region",
        "regions.Grid",
    } <= labels


@pytest.mark.parametrize("model", PLACED_MODELS, ids=lambda m: m._meta.label)
def test_queryset_rule_and_object_check_agree_when_rows_and_actors_vary(users, model):
    rng = random.Random(model._meta.label)  # noqa: S311 - reproducible sample
    ids = list(model._default_manager.values_list("pk", flat=True))
    sample = rng.sample(ids, min(len(ids), 60))
    rows = list(model._default_manager.filter(pk__in=sample))
    for actor in _actors(users):
        by_query = set(
            model._default_manager.visible_to(actor)
            .filter(pk__in=sample)
            .values_list("pk", flat=True)
        )
        by_object = {row.pk for row in rows if row.is_visible_to(actor)}
        assert by_query == by_object, (model._meta.label, getattr(actor, "username", actor))


def test_registry_selectors_stay_inside_the_rule_when_actors_vary(users):
    from fengqiao.registry.models import (
        Dwelling,
        Facility,
        Household,
        HouseholdGroup,
        Organization,
        Person,
    )

    for actor in _actors(users):
        if actor == "system":
            continue
        for listed, model in [
            (selectors.person_list(actor=actor), Person),
            (selectors.household_list(actor=actor), Household),
            (selectors.dwelling_list(actor=actor), Dwelling),
            (selectors.household_group_list(actor=actor), HouseholdGroup),
            (selectors.organization_list(actor=actor), Organization),
            (selectors.facility_list(actor=actor), Facility),
        ]:
            visible = set(model.objects.visible_to(actor).values_list("pk", flat=True))
            assert set(listed.values_list("pk", flat=True)) <= visible, actor.username


def test_resident_sees_only_own_person_record_and_no_regions(users):
    resident = users["resident"]
    from fengqiao.registry.models import Person

    assert list(Person.objects.visible_to(resident).values_list("pk", flat=True)) == [
        resident.person_id
    ]
    assert not Region.objects.visible_to(resident).exists()
