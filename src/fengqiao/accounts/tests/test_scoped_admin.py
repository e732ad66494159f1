"""A scoped administrator administers only its area and can never raise privileges."""

import pytest
from django.test import Client

from fengqiao.accounts.models import JurisdictionBinding, User
from fengqiao.accounts.services import user_create
from fengqiao.regions.models import Grid, Region


@pytest.fixture
def village(users):
    return Region.objects.get(code=users["village_centre"].bindings.get().code)


@pytest.fixture
def village_admin(users, village):
    return user_create(
        username="village_admin",
        password="x",
        role="admin",
        jurisdiction=[village.code],
        check_password=False,
    )


@pytest.fixture
def client(village_admin):
    client = Client()
    client.force_login(village_admin)
    return client


def _change_data(user: User, **overrides) -> dict:
    """What the scoped change form posts for `user`, with its bindings as they stand."""
    bindings = list(user.bindings.order_by("pk"))
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "role": user.role,
        "display_name": user.display_name,
        "person": user.person_id or "",
        "is_active": "on",
        "bindings-TOTAL_FORMS": str(len(bindings)),
        "bindings-INITIAL_FORMS": str(len(bindings)),
        "bindings-MIN_NUM_FORMS": "0",
        "bindings-MAX_NUM_FORMS": "1000",
    }
    for i, b in enumerate(bindings):
        data[f"bindings-{i}-id"] = str(b.pk)
        data[f"bindings-{i}-user"] = str(user.pk)
        data[f"bindings-{i}-region"] = str(b.region_id or "")
        data[f"bindings-{i}-grid"] = str(b.grid_id or "")
    data.update(overrides)
    return data


def _state(user: User):
    user.refresh_from_db()
    codes = sorted(user.bindings.values_list("code", flat=True))
    return (user.role, user.is_superuser, user.is_staff, list(user.groups.all()), codes)


def test_user_list_shows_only_accounts_inside_the_area_when_admin_is_scoped(
    users, client, village_admin
):
    page = client.get("/admin/accounts/user/?all=")
    assert page.status_code == 200
    listed = {u.username for u in page.context["cl"].result_list}
    assert {"village_centre", "grid_chief", "grid_worker"} <= listed
    # Not itself, not the superuser, not accounts bound to the county or another village.
    assert not listed & {
        "village_admin",
        "admin",
        "county_centre",
        "town_centre",
        "leader",
        "village_centre_b",
    }


def test_change_form_has_no_privilege_fields_when_admin_is_scoped(users, client):
    page = client.get(f"/admin/accounts/user/{users['grid_worker'].pk}/change/")
    assert page.status_code == 200
    fields = page.context["adminform"].form.fields
    assert "role" in fields
    assert not {"is_superuser", "is_staff", "groups", "user_permissions"} & set(fields)
    assert "admin" not in dict(fields["role"].choices)


def test_superuser_flag_is_ignored_when_scoped_admin_posts_it(users, client):
    worker = users["grid_worker"]
    data = _change_data(worker, is_superuser="on", is_staff="on", groups="1")
    response = client.post(f"/admin/accounts/user/{worker.pk}/change/", data)
    assert response.status_code == 302  # saved: the flags are simply not fields of the form
    worker.refresh_from_db()
    assert not worker.is_superuser
    assert not worker.is_staff


def test_admin_role_is_refused_when_scoped_admin_grants_it(users, client):
    worker = users["grid_worker"]
    before = _state(worker)
    response = client.post(
        f"/admin/accounts/user/{worker.pk}/change/", _change_data(worker, role="admin")
    )
    assert response.status_code == 200
    assert "role" in response.context["adminform"].form.errors
    assert _state(worker) == before


def test_binding_to_another_county_is_refused_when_admin_is_scoped(users, client, village):
    worker = users["grid_worker"]
    before = _state(worker)
    elsewhere = [
        Region.objects.get(level="county"),
        Region.objects.filter(level="village").exclude(pk=village.pk).first(),
    ]
    for target in elsewhere:
        data = _change_data(worker, **{"bindings-0-region": str(target.pk), "bindings-0-grid": ""})
        response = client.post(f"/admin/accounts/user/{worker.pk}/change/", data)
        assert response.status_code == 200, target
        assert _state(worker) == before
    # A new binding row naming another village's grid is refused just the same.
    other_grid = Grid.objects.exclude(code__startswith=village.code).first()
    data = _change_data(worker)
    data.update(
        {
            "bindings-TOTAL_FORMS": "2",
            "bindings-1-user": str(worker.pk),
            "bindings-1-region": "",
            "bindings-1-grid": str(other_grid.pk),
        }
    )
    assert client.post(f"/admin/accounts/user/{worker.pk}/change/", data).status_code == 200
    assert _state(worker) == before


def test_binding_inside_the_area_is_kept_when_scoped_admin_changes_it(users, client, village):
    worker = users["grid_worker"]
    grid = Grid.objects.filter(village=village, parent__isnull=True).order_by("code").first()
    data = _change_data(worker, **{"bindings-0-region": "", "bindings-0-grid": str(grid.pk)})
    assert client.post(f"/admin/accounts/user/{worker.pk}/change/", data).status_code == 302
    # The changed row replaces the old one: no binding is left behind.
    assert list(worker.bindings.values_list("code", flat=True)) == [grid.code]


def test_own_account_is_out_of_reach_when_admin_is_scoped(client, village_admin, village):
    before = _state(village_admin)
    page = client.get(f"/admin/accounts/user/{village_admin.pk}/change/")
    assert page.status_code == 302  # "does not exist": back to the admin index
    county = Region.objects.get(level="county")
    data = _change_data(village_admin, is_superuser="on", **{"bindings-0-region": str(county.pk)})
    client.post(f"/admin/accounts/user/{village_admin.pk}/change/", data)
    client.post(f"/admin/accounts/user/{village_admin.pk}/password/", {})
    assert _state(village_admin) == before


def test_accounts_of_other_areas_are_out_of_reach_when_admin_is_scoped(users, client):
    for name in ("admin", "county_centre", "village_centre_b"):
        target = users[name]
        before = _state(target)
        assert client.get(f"/admin/accounts/user/{target.pk}/change/").status_code == 302
        client.post(
            f"/admin/accounts/user/{target.pk}/password/",
            {"password1": "Zq8!long-password", "password2": "Zq8!long-password"},
        )
        target.refresh_from_db()
        assert target.check_password("fengqiao-demo"), name
        assert _state(target) == before


def _add_data(role: str, **bindings) -> dict:
    data = {
        "username": "new_worker",
        "usable_password": "true",
        "password1": "Zq8!long-password",
        "password2": "Zq8!long-password",
        "role": role,
        "display_name": "新网格员",
        "person": "",
        "bindings-TOTAL_FORMS": "1",
        "bindings-INITIAL_FORMS": "0",
        "bindings-MIN_NUM_FORMS": "0",
        "bindings-MAX_NUM_FORMS": "1000",
        "bindings-0-region": "",
        "bindings-0-grid": "",
    }
    data.update(bindings)
    return data


def test_new_account_is_bound_inside_the_area_when_scoped_admin_adds_it(client, village):
    data = _add_data("grid_worker", **{"bindings-0-region": str(village.pk)})
    response = client.post("/admin/accounts/user/add/", data)
    assert response.status_code == 302
    user = User.objects.get(username="new_worker")
    assert (user.role, user.is_staff, user.is_superuser) == ("grid_worker", False, False)
    assert list(user.bindings.values_list("code", flat=True)) == [village.code]


@pytest.mark.parametrize("case", ["admin_role", "other_village", "no_binding"])
def test_new_account_is_refused_when_scoped_admin_oversteps(client, village, case):
    other = Region.objects.filter(level="village").exclude(pk=village.pk).first()
    data = {
        "admin_role": _add_data("admin", **{"bindings-0-region": str(village.pk)}),
        "other_village": _add_data("grid_worker", **{"bindings-0-region": str(other.pk)}),
        "no_binding": _add_data("grid_worker"),
    }[case]
    data["is_superuser"] = "on"
    response = client.post("/admin/accounts/user/add/", data)
    assert response.status_code == 200
    assert not User.objects.filter(username="new_worker").exists()
    assert JurisdictionBinding.objects.filter(user__username="new_worker").count() == 0


def test_superuser_still_sees_every_field_and_account(users):
    client = Client()
    client.force_login(users["admin"])
    page = client.get(f"/admin/accounts/user/{users['county_centre'].pk}/change/")
    assert page.status_code == 200
    assert {"is_superuser", "is_staff", "role"} <= set(page.context["adminform"].form.fields)
    listed = client.get("/admin/accounts/user/?all=").context["cl"].result_list
    assert {"admin", "county_centre", "village_centre_b"} <= {u.username for u in listed}


def test_member_of_a_unit_outside_the_area_is_out_of_reach_when_admin_is_scoped(users, client):
    from fengqiao.cases.models import HandlingUnit

    worker = users["grid_worker"]
    assert client.get(f"/admin/accounts/user/{worker.pk}/change/").status_code == 200
    county_unit = HandlingUnit.objects.exclude(
        region_code__startswith=worker.bindings.get().code[:12]
    ).first()
    county_unit.members.add(worker)
    assert client.get(f"/admin/accounts/user/{worker.pk}/change/").status_code == 302
    listed = {
        u.username for u in client.get("/admin/accounts/user/?all=").context["cl"].result_list
    }
    assert "grid_worker" not in listed and "village_centre" in listed


def test_resident_account_needs_a_person_inside_the_area_when_scoped_admin_adds_it(client, village):
    from fengqiao.registry.models import Person

    free = Person.objects.filter(account__isnull=True)
    inside = free.filter(region_code__startswith=village.code).first()
    outside = free.exclude(region_code__startswith=village.code).first()
    for person in ("", outside.pk):
        data = _add_data("resident", person=str(person))
        assert client.post("/admin/accounts/user/add/", data).status_code == 200, person
        assert not User.objects.filter(username="new_worker").exists()
    bound = _add_data("resident", person=str(inside.pk), **{"bindings-0-region": str(village.pk)})
    assert client.post("/admin/accounts/user/add/", bound).status_code == 200
    assert (
        client.post(
            "/admin/accounts/user/add/", _add_data("resident", person=str(inside.pk))
        ).status_code
        == 302
    )
    user = User.objects.get(username="new_worker")
    assert (user.role, user.person_id, user.bindings.count()) == ("resident", inside.pk, 0)


def test_superuser_adds_an_account_with_its_role_when_the_add_form_is_posted(users):
    client = Client()
    client.force_login(users["admin"])
    county = Region.objects.get(level="county")
    resident = _add_data("resident")
    assert client.post("/admin/accounts/user/add/", resident).status_code == 200
    data = _add_data("admin", **{"bindings-0-region": str(county.pk)})
    assert client.post("/admin/accounts/user/add/", data).status_code == 302
    user = User.objects.get(username="new_worker")
    assert (user.role, user.is_staff, user.is_superuser) == ("admin", True, False)
    assert list(user.bindings.values_list("code", flat=True)) == ["439901"]
