"""Scoped administrators' configuration pages: choices, saves and global tables."""

import pytest
from django.test import Client

from fengqiao.accounts.services import user_create
from fengqiao.cases.models import Category, HandlingUnit
from fengqiao.regions.models import Grid, Region


@pytest.fixture
def village(users):
    return Region.objects.get(code=users["village_centre"].bindings.get().code)


@pytest.fixture
def client(users, village):
    admin = user_create(
        username="village_admin",
        password="x",
        role="admin",
        jurisdiction=[village.code],
        check_password=False,
    )
    client = Client()
    client.force_login(admin)
    return client


def _form_data(page) -> dict:
    """The change form as the page shows it, ready to post back."""
    data = {}
    for field in page.context["adminform"].form:
        value = field.value()
        if isinstance(value, bool):
            if value:
                data[field.name] = "on"
        elif isinstance(value, list | tuple):
            data[field.name] = [str(v) for v in value]
        else:
            data[field.name] = "" if value is None else str(value)
    return data


def test_own_village_is_renamed_when_scoped_admin_changes_its_name(client, village):
    url = f"/admin/regions/region/{village.pk}/change/"
    data = _form_data(client.get(url))
    data["name"] = "新名字社区"
    county = Region.objects.get(level="county")
    data.update({"code": "439901999999", "parent": str(county.pk)})  # read-only: ignored
    assert client.post(url, data).status_code == 302
    village.refresh_from_db()
    assert (village.name, village.code) == ("新名字社区", village.code)


def test_region_outside_the_area_is_refused_when_scoped_admin_adds_it(client, village):
    data = {
        "code": "439901002201",
        "name": "越界村",
        "level": "village",
        "kind": "village",
        "parent": str(village.parent_id),
        "boundary": "null",
    }
    response = client.post("/admin/regions/region/add/", data)
    assert response.status_code == 200
    assert not Region.objects.filter(code="439901002201").exists()


def test_grid_chief_from_another_village_is_refused_when_admin_is_scoped(users, client, village):
    grid = Grid.objects.filter(village=village, parent__isnull=True).order_by("code").first()
    url = f"/admin/regions/grid/{grid.pk}/change/"
    data = _form_data(client.get(url))
    before = grid.chief_id
    data["chief"] = str(users["village_centre_b"].pk)
    assert client.post(url, data).status_code == 200
    other_village = Region.objects.filter(level="village").exclude(pk=village.pk).first()
    data = _form_data(client.get(url))
    data["village"] = str(other_village.pk)
    assert client.post(url, data).status_code == 200
    grid.refresh_from_db()
    assert (grid.chief_id, grid.village_id) == (before, village.pk)
    # A chief inside the village is accepted.
    data = _form_data(client.get(url))
    data["chief"] = str(users["grid_worker"].pk)
    assert client.post(url, data).status_code == 302
    grid.refresh_from_db()
    assert grid.chief_id == users["grid_worker"].pk


def test_row_whose_code_is_typed_outside_is_refused_when_admin_is_scoped(client, village):
    unit = HandlingUnit.objects.create(
        code="village-office",
        name="村便民服务站",
        kind="service",
        region=village,
        region_code=village.code,
    )
    url = f"/admin/cases/handlingunit/{unit.pk}/change/"
    data = _form_data(client.get(url))
    data["region_code"] = "439901"
    assert client.post(url, data).status_code == 200
    unit.refresh_from_db()
    assert unit.region_code == village.code
    assert client.get("/admin/cases/handlingunit/").status_code == 200


def test_global_configuration_is_read_only_when_admin_is_scoped(users, client):
    category = Category.objects.first()
    url = f"/admin/cases/category/{category.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    assert not page.context["has_change_permission"]
    data = {"code": category.code, "name": "改名", "start_level": category.start_level}
    client.post(url, data)
    category.refresh_from_db()
    assert category.name != "改名"
    assert client.get("/admin/cases/open311client/add/").status_code == 403
    assert client.get("/admin/core/workdayoverride/add/").status_code == 403
    assert client.get("/admin/cases/slarule/add/").status_code == 403
