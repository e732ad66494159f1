"""Revealing a case's callback phone: handling roles may (logged), everyone else is refused."""

import pytest
from django.test import Client

from fengqiao.cases import services
from fengqiao.cases.reveal import case_reveal_callback_phone
from fengqiao.core import crypto
from fengqiao.core.errors import NotAllowed
from fengqiao.core.idnumbers import mask_phone
from fengqiao.core.models import AccessLog
from fengqiao.registry.models import Organization

PHONE = "13812345678"


@pytest.fixture
def case(world):
    return services.case_report(
        actor=world["grid_worker"],
        category=world["noise"],
        title="楼上深夜噪音扰民",
        reporter_name="王五",
        callback_phone=PHONE,
        **world["point"],
    )


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _reveals(case) -> int:
    return AccessLog.objects.filter(
        action="reveal", object_type="case", object_id=str(case.pk), field="callback_phone"
    ).count()


def test_centre_staff_of_the_jurisdiction_reveals_and_it_is_logged(world, case):
    assert case.callback_phone_masked == "138****5678"
    response = _client(world["village_centre"]).post(f"/api/v1/cases/{case.code}/reveal-phone")
    assert response.status_code == 200, response.content
    assert response.json() == {"field": "callback_phone", "value": PHONE}
    entry = AccessLog.objects.get(object_type="case", object_id=str(case.pk))
    assert entry.actor == world["village_centre"] and entry.region_code == case.region_code


def test_members_of_the_dispatched_unit_reveal_on_the_page(world, case):
    services.case_accept(actor=world["grid_chief"], case_id=case.pk)
    services.case_dispatch(actor=world["grid_chief"], case_id=case.pk, unit_id=world["police"].pk)
    page = _client(world["handler"]).get(f"/cases/{case.code}/")
    assert page.status_code == 200
    assert f"/cases/{case.code}/reveal-phone/".encode() in page.content
    response = _client(world["handler"]).post(f"/cases/{case.code}/reveal-phone/")
    assert response.status_code == 200
    assert PHONE.encode() in response.content
    assert _reveals(case) == 1


@pytest.mark.parametrize("username", ["leader", "grid_worker", "grid_chief"])
def test_roles_that_do_not_handle_the_case_are_refused_and_nothing_is_logged(world, case, username):
    response = _client(world[username]).post(f"/api/v1/cases/{case.code}/reveal-phone")
    assert response.status_code == 403
    assert PHONE not in response.content.decode()
    page = _client(world[username]).get(f"/cases/{case.code}/")
    assert f"/cases/{case.code}/reveal-phone/".encode() not in page.content
    with pytest.raises(NotAllowed):
        case_reveal_callback_phone(actor=world[username], case=case)
    assert _reveals(case) == 0


def test_centre_staff_of_another_village_does_not_find_the_case(world, case):
    response = _client(world["village_centre_b"]).post(f"/api/v1/cases/{case.code}/reveal-phone")
    assert response.status_code == 404
    response = _client(world["village_centre_b"]).post(f"/cases/{case.code}/reveal-phone/")
    assert response.status_code == 404
    assert _reveals(case) == 0


def test_organisation_contact_phones_are_stored_sealed(world):
    orgs = list(Organization.objects.exclude(contact_phone_sealed=""))
    assert orgs
    for org in orgs:
        phone = crypto.decrypt(org.contact_phone_sealed)
        assert phone.isdigit() and phone not in org.contact_phone_sealed
        assert org.contact_phone_masked == mask_phone(phone)
        assert org.contact_phone_hash == crypto.lookup_hash(phone)
    assert "contact_phone" not in {f.name for f in Organization._meta.get_fields()}
