"""Notice services: who may write where, the states, the log."""

import pytest

from fengqiao.core.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from fengqiao.participation import services
from fengqiao.participation.models import Notice, NoticeEvent, Status

pytestmark = pytest.mark.django_db


def _create(actor, region, **fields):
    return services.notice_create(
        actor=actor,
        region_code=region.code,
        category=fields.get("category", "finance"),
        title=fields.get("title", "财务公开"),
        body=fields.get("body", "收入\n支出"),
    )


def test_notice_walks_draft_published_withdrawn_with_a_log_row_each(users, village_a):
    centre = users["village_centre"]
    notice = _create(centre, village_a)
    assert notice.status == Status.DRAFT and notice.published_at is None
    assert notice.region_code == village_a.prefix
    services.notice_update(actor=centre, notice_id=notice.pk, title="第一季度财务公开")
    services.notice_publish(actor=centre, notice_id=notice.pk)
    services.notice_withdraw(actor=centre, notice_id=notice.pk, reason="数字有误")
    notice.refresh_from_db()
    assert notice.status == Status.WITHDRAWN and notice.published_at is not None
    assert notice.title == "第一季度财务公开"
    actions = list(notice.events.values_list("action", "actor__username", "note"))
    assert actions == [
        ("create", "village_centre", ""),
        ("update", "village_centre", ""),
        ("publish", "village_centre", ""),
        ("withdraw", "village_centre", "数字有误"),
    ]


def test_publish_refused_when_notice_is_already_published(users, village_a):
    notice = _create(users["village_centre"], village_a)
    services.notice_publish(actor=users["village_centre"], notice_id=notice.pk)
    with pytest.raises(Conflict):
        services.notice_publish(actor=users["village_centre"], notice_id=notice.pk)
    with pytest.raises(Conflict):
        services.notice_withdraw(
            actor=users["village_centre"], notice_id=_create(users["village_centre"], village_a).pk
        )


def test_withdrawn_notice_cannot_be_edited(users, village_a):
    notice = _create(users["village_centre"], village_a)
    services.notice_publish(actor=users["village_centre"], notice_id=notice.pk)
    services.notice_withdraw(actor=users["village_centre"], notice_id=notice.pk)
    with pytest.raises(Conflict):
        services.notice_update(actor=users["village_centre"], notice_id=notice.pk, title="x")


@pytest.mark.parametrize("username", ["grid_chief", "grid_worker", "leader", "handler", "resident"])
def test_create_refused_when_role_is_not_centre_staff(users, village_a, username):
    with pytest.raises(NotAllowed):
        _create(users[username], village_a)
    assert (
        not Notice.objects.exists()
        or not NoticeEvent.objects.filter(actor=users[username]).exists()
    )


def test_create_refused_when_region_is_outside_jurisdiction(users, village_a, village_b):
    with pytest.raises(NotAllowed):
        _create(users["village_centre_b"], village_a)
    # A village's centre may not publish for the township above it either.
    with pytest.raises(NotAllowed):
        _create(users["village_centre"], village_a.parent)


def test_township_centre_publishes_for_the_whole_township(users, village_a):
    notice = _create(users["town_centre"], village_a.parent)
    assert notice.region_code == village_a.parent.prefix


def test_write_is_not_found_when_notice_is_of_another_village(users, village_a):
    notice = _create(users["village_centre"], village_a)
    other = users["village_centre_b"]
    with pytest.raises(NotFound):
        services.notice_publish(actor=other, notice_id=notice.pk)
    with pytest.raises(NotFound):
        services.notice_update(actor=other, notice_id=notice.pk, title="篡改")
    notice.refresh_from_db()
    assert notice.status == Status.DRAFT and notice.title == "财务公开"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": "  "}, "title"),
        ({"body": ""}, "body"),
        ({"category": "gossip"}, "category"),
        ({"title": "长" * 121}, "title"),
    ],
)
def test_create_refused_when_text_is_invalid(users, village_a, fields, field):
    with pytest.raises(ValidationFailed) as raised:
        _create(users["village_centre"], village_a, **fields)
    assert raised.value.field == field


def test_create_refused_when_region_is_a_grid_or_unknown(users, village_a):
    from fengqiao.regions.models import Grid

    grid = Grid.objects.filter(village=village_a).first()
    for code in (grid.code, "999999999999"):
        with pytest.raises(ValidationFailed):
            services.notice_create(
                actor=users["admin"], region_code=code, category="village", title="t", body="b"
            )
