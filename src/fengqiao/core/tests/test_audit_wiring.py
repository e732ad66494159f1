"""Writes outside the registry leave one audit row each: accounts, admin pages, regions,
mediation committees and participation notices."""

import pytest
from django.test import Client

from fengqiao.accounts.models import JurisdictionBinding, User
from fengqiao.accounts.services import user_change_password, user_create
from fengqiao.cases.models import Category
from fengqiao.core.models import AuditEntry
from fengqiao.demo import COUNTY_CODE
from fengqiao.mediation.committees import committee_create, mediator_add
from fengqiao.participation import services as notices
from fengqiao.regions import services as regions
from fengqiao.regions.models import Region


def _mark() -> int:
    last = AuditEntry.objects.order_by("-pk").first()
    return last.pk if last else 0


def _new(since: int) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(pk__gt=since).order_by("pk"))


def _one(since: int) -> AuditEntry:
    entries = _new(since)
    assert len(entries) == 1, [(e.entity_type, e.action, e.changes) for e in entries]
    return entries[0]


def _village(users) -> str:
    return users["village_centre"].bindings.get().code


def test_user_create_records_role_and_jurisdiction_never_password_when_created(users):
    mark = _mark()
    user = user_create(
        actor=users["admin"],
        username="new_worker",
        password="a long and secret passphrase",  # noqa: S106
        role="grid_worker",
        jurisdiction=[_village(users)],
        check_password=False,
    )
    entry = _one(mark)
    assert (entry.entity_type, entry.entity_id, entry.action) == (
        "accounts.user",
        str(user.pk),
        "create",
    )
    assert entry.actor == users["admin"]
    assert entry.changes["role"] == [None, "grid_worker"]
    assert entry.changes["jurisdiction"] == [None, [_village(users)]]
    assert entry.region_code == _village(users)
    assert "passphrase" not in str(entry.changes) and user.password not in str(entry.changes)


def test_password_change_is_logged_without_the_password_when_changed(users):
    user = users["village_centre"]
    mark = _mark()
    user_change_password(
        user=user, old_password="fengqiao-demo", new_password="Quite-another-Passw0rd-2030"
    )
    entry = _one(mark)
    assert (entry.action, entry.changes, entry.actor) == (
        "password_change",
        {"password": ["***", "***"]},
        user,
    )
    assert entry.region_code == _village(users)


def test_admin_role_change_and_deactivation_are_logged_when_saved(users):
    target = users["grid_worker"]
    client = Client()
    client.force_login(users["admin"])
    page = client.get(f"/admin/accounts/user/{target.pk}/change/")
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "password"}
    data.update(
        {
            "username": target.username,
            "role": "grid_chief",
            "is_active": "",
            "last_login_0": "",
            "last_login_1": "",
            "date_joined_0": target.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": target.date_joined.strftime("%H:%M:%S"),
            "groups": [],
            "user_permissions": [],
            "person": "",
            "bindings-TOTAL_FORMS": "0",
            "bindings-INITIAL_FORMS": "0",
        }
    )
    data = {k: v for k, v in data.items() if not isinstance(v, list)}
    data["is_active"] = ""  # unchecked: deactivated
    data.pop("is_staff", None)
    data.pop("is_superuser", None)
    mark = _mark()
    response = client.post(f"/admin/accounts/user/{target.pk}/change/", data)
    assert response.status_code == 302, response.content[:2000]
    entry = _one(mark)
    assert (entry.entity_type, entry.entity_id, entry.action) == (
        "accounts.user",
        str(target.pk),
        "update",
    )
    assert entry.changes["role"] == ["grid_worker", "grid_chief"]
    assert entry.changes["is_active"] == [True, False]
    assert entry.reason == "admin" and entry.ip == "127.0.0.1"
    assert entry.region_code == target.bindings.get().code


def test_admin_password_reset_is_logged_when_set(users):
    target = users["grid_worker"]
    client = Client()
    client.force_login(users["admin"])
    mark = _mark()
    response = client.post(
        f"/admin/accounts/user/{target.pk}/password/",
        {
            "password1": "Brand-new-Passw0rd-for-2031",
            "password2": "Brand-new-Passw0rd-for-2031",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    entry = _one(mark)
    assert (entry.action, entry.changes) == ("password_reset", {"password": ["***", "***"]})
    assert "Brand-new" not in str(entry.changes)


def test_admin_password_page_gives_no_error_when_id_is_garbage(users):
    client = Client()
    client.force_login(users["admin"])
    assert client.get("/admin/accounts/user/abc/password/").status_code in (302, 404)


def test_binding_added_and_removed_are_logged_when_inline_saved(users):
    from fengqiao.accounts.services import user_bind, user_unbind

    target = users["grid_worker"]
    other = Region.objects.filter(level="village").exclude(code=_village(users)).first()
    mark = _mark()
    binding = user_bind(user=target, target=other, actor=users["admin"])
    added = _one(mark)
    assert (added.action, added.changes) == ("bind", {"jurisdiction": [None, other.prefix]})
    user_unbind(actor=users["admin"], binding=JurisdictionBinding.objects.get(pk=binding.pk))
    removed = _one(added.pk)
    assert (removed.action, removed.changes) == ("unbind", {"jurisdiction": [other.prefix, None]})


def test_admin_config_change_and_delete_are_logged_when_saved(users):
    client = Client()
    client.force_login(users["admin"])
    category = Category.objects.filter(parent__isnull=False).first()
    page = client.get(f"/admin/cases/category/{category.pk}/change/")
    form = page.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None:
            continue
        if isinstance(value, bool):
            if value:
                data[name] = "on"
            continue
        data[name] = getattr(value, "pk", value)
    data["name"] = category.name + "（改）"
    mark = _mark()
    response = client.post(f"/admin/cases/category/{category.pk}/change/", data)
    assert response.status_code == 302, response.content[:3000]
    entry = _one(mark)
    assert (entry.entity_type, entry.action) == ("cases.category", "update")
    assert entry.changes == {"name": [category.name, category.name + "（改）"]}
    assert entry.region_code == ""  # configuration is global


def test_admin_workday_override_add_and_delete_are_logged_when_saved(users):
    from fengqiao.core.models import WorkdayOverride

    client = Client()
    client.force_login(users["admin"])
    mark = _mark()
    response = client.post(
        "/admin/core/workdayoverride/add/",
        {"date": "2031-10-09", "is_workday": "on", "note": "swap"},
    )
    assert response.status_code == 302
    created = _one(mark)
    override = WorkdayOverride.objects.get(date="2031-10-09")
    assert (created.action, created.entity_id) == ("create", str(override.pk))
    assert created.changes["date"] == [None, "2031-10-09"]
    response = client.post(f"/admin/core/workdayoverride/{override.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    deleted = _one(created.pk)
    assert deleted.action == "delete"
    assert deleted.changes["note"] == ["swap", None]


def test_region_and_grid_writes_are_logged_when_created_and_redrawn(db):
    def square(w, s, e, n):
        return {"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]}

    mark = _mark()
    village = regions.region_create(
        code="430521100201", name="Village", boundary=square(111.0, 27.0, 111.01, 27.02)
    )
    created = _one(mark)
    assert (created.entity_type, created.action) == ("regions.region", "create")
    assert created.changes["code"] == [None, "430521100201"]
    assert created.changes["boundary"][1].startswith("sha256:")
    grid = regions.grid_create(
        village=village, name="G1", boundary=square(111.0, 27.0, 111.01, 27.01)
    )
    grid_row = _one(created.pk)
    assert (grid_row.entity_type, grid_row.region_code) == ("regions.grid", grid.code)
    regions.grid_update_boundary(grid=grid, boundary=square(111.0, 27.0, 111.01, 27.015))
    redrawn = _one(grid_row.pk)
    old, new = redrawn.changes["boundary"]
    assert redrawn.action == "update" and old != new and old == grid_row.changes["boundary"][1]


def test_committee_and_mediator_writes_are_logged_when_created(users):
    village = Region.objects.get(code=_village(users))
    mark = _mark()
    committee = committee_create(
        actor=users["admin"], name="甲村第二调委会", kind="village", region=village
    )
    entry = _one(mark)
    assert entry.entity_type == "mediation.mediationcommittee"
    assert entry.entity_id == str(committee.pk)
    assert entry.changes["name"] == [None, "甲村第二调委会"]
    assert entry.region_code == village.prefix
    mediator_user = User.objects.filter(role="mediator").exclude(mediator__isnull=False).first()
    if mediator_user is None:
        mediator_user = user_create(
            username="m2",
            password="x",  # noqa: S106
            role="mediator",
            jurisdiction=[village.code],
            check_password=False,
        )
    mark = _mark()
    mediator_add(actor=users["admin"], committee=committee, user=mediator_user)
    added = _one(mark)
    assert added.entity_type == "mediation.mediator"
    assert added.changes["committee"] == [None, committee.pk]


@pytest.fixture
def notice(users):
    return notices.notice_create(
        actor=users["county_centre"],
        region_code=COUNTY_CODE,
        category="service",
        title="停水通知",
        body="明日停水",
    )


def test_notice_writes_are_logged_with_before_and_after_when_edited(users, notice):
    created = AuditEntry.objects.get(entity_type="participation.notice", entity_id=str(notice.pk))
    assert created.changes["title"] == [None, "停水通知"]
    mark = _mark()
    notices.notice_update(
        actor=users["county_centre"], notice_id=notice.pk, title="停水通知（更正）"
    )
    updated = _one(mark)
    assert updated.changes == {"title": ["停水通知", "停水通知（更正）"]}
    notices.notice_publish(actor=users["county_centre"], notice_id=notice.pk)
    published = _one(updated.pk)
    assert published.changes == {"status": ["draft", "published"]}
    notices.notice_withdraw(actor=users["county_centre"], notice_id=notice.pk, reason="写错了")
    withdrawn = _one(published.pk)
    assert withdrawn.changes == {"status": ["published", "withdrawn"]}
    assert withdrawn.reason == "写错了"


def test_default_configuration_is_logged_once_when_seeded(users):
    from fengqiao.cases.defaults import ensure_default_categories, ensure_township_units

    seeded = AuditEntry.objects.get(entity_type="cases.category", action="create_defaults")
    assert (seeded.actor, seeded.region_code) == (None, "")
    assert seeded.changes["created"][1] > 10
    township = Region.objects.filter(level="township").first()
    units = AuditEntry.objects.get(
        entity_type="cases.handlingunit", action="create_defaults", region_code=township.code[:9]
    )
    assert units.changes["created"][1] == len(units.changes["codes"][1]) > 0
    mark = _mark()
    assert ensure_default_categories() == 0
    ensure_township_units(township)
    assert _new(mark) == []  # nothing created, nothing logged
