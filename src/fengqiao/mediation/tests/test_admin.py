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
