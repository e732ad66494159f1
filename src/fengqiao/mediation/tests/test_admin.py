"""Committees added in the admin go through the service, so each gets its handling unit."""


def test_admin_adds_a_committee_with_its_handling_unit(world, client):
    from fengqiao.mediation.models import MediationCommittee

    client.force_login(world["admin"])
    village = world["micro"].village
    response = client.post(
        "/admin/mediation/mediationcommittee/add/",
        {
            "name": "老杨调解室",
            "kind": "room",
            "region": village.pk,
            "specialities": '["neighbour_dispute"]',
            "address": "村委会一楼",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content[:500]
    committee = MediationCommittee.objects.get(name="老杨调解室")
    assert committee.unit.kind == "mediation" and committee.region_code == village.code


def test_committee_of_a_township_serves_its_villages(world):
    from fengqiao.mediation.committees import committee_create

    township = world["micro"].village.parent
    committee = committee_create(
        actor=world["admin"], name="枫桥镇交通事故调解委员会", kind="sector", region=township
    )
    assert committee.region_code == township.prefix == committee.unit.region_code
    assert world["micro"].village.code.startswith(committee.region_code)


def _scoped_admin(world, client):
    from fengqiao.accounts.services import user_create

    admin = user_create(
        username="village_admin",
        password="x",
        role="admin",
        jurisdiction=[world["micro"].village.code],
        check_password=False,
    )
    client.force_login(admin)
    return admin


def _committee_form(region) -> dict:
    return {
        "name": "老杨调解室",
        "kind": "room",
        "region": region.pk,
        "specialities": "[]",
        "address": "村委会一楼",
        "is_active": "on",
    }


def test_scoped_admin_adds_a_committee_only_inside_its_village(world, client):
    from fengqiao.mediation.models import MediationCommittee
    from fengqiao.regions.models import Region

    _scoped_admin(world, client)
    village = world["micro"].village
    other = Region.objects.filter(level="village").exclude(pk=village.pk).first()
    url = "/admin/mediation/mediationcommittee/add/"
    assert client.post(url, _committee_form(other)).status_code == 200
    assert not MediationCommittee.objects.filter(name="老杨调解室").exists()
    assert client.post(url, _committee_form(village)).status_code == 302
    assert MediationCommittee.objects.get(name="老杨调解室").region_code == village.code


def test_refused_mediator_shows_a_message_not_a_server_error(world, client):
    from fengqiao.mediation.models import Mediator

    client.force_login(world["admin"])
    data = {
        "user": world["grid_worker"].pk,  # not a mediator account: the service refuses
        "committee": world["village_committee"].pk,
        "name": "网格员",
        "background": "peoples",
        "specialities": "[]",
        "is_active": "on",
    }
    response = client.post("/admin/mediation/mediator/add/", data, follow=True)
    assert response.status_code == 200
    from django.contrib import messages

    assert [m.level for m in response.context["messages"]] == [messages.ERROR]
    assert not Mediator.objects.filter(user=world["grid_worker"]).exists()
