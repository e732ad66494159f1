"""Admin is jurisdiction-aware; migrations match the models; health endpoints answer."""

from io import StringIO

from django.core.management import call_command
from django.test import Client

from fengqiao.accounts.services import user_create
from fengqiao.regions.models import Region


def test_migrations_match_models_when_checked(db):
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def test_health_and_ready_answer_when_database_up(db):
    client = Client()
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready"}


def test_admin_changelists_load_when_superuser(users):
    client = Client()
    client.force_login(users["admin"])
    for url in [
        "/admin/",
        "/admin/regions/region/",
        "/admin/regions/grid/",
        "/admin/registry/dwelling/",
        "/admin/registry/persontag/",
        "/admin/accounts/user/",
        "/admin/core/accesslog/",
        "/admin/core/workdayoverride/",
    ]:
        assert client.get(url).status_code == 200, url


def test_admin_shows_only_own_village_when_admin_is_bound_to_it(users):
    village = users["village_centre"].bindings.get().code
    village_admin = user_create(
        username="village_admin",
        password="x",
        role="admin",
        jurisdiction=[village],
        check_password=False,
    )
    client = Client()
    client.force_login(village_admin)
    page = client.get("/admin/regions/region/").content.decode()
    assert village in page
    other = Region.objects.filter(level="village").exclude(code=village).first()
    assert other.code not in page
    assert client.get(f"/admin/regions/region/{other.pk}/change/").status_code in (302, 404)
    assert client.get("/admin/accounts/user/").status_code == 200


def test_admin_refused_when_role_is_centre_staff(users):
    client = Client()
    client.force_login(users["county_centre"])
    assert client.get("/admin/regions/region/").status_code == 302
