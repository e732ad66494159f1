"""A resident's own data on /h5/me/: record, visible tags, who looked, correction requests."""

import pytest
from django.test import Client

from fengqiao.core.scoping import code_within
from fengqiao.registry import corrections, services
from fengqiao.registry.models import CorrectionRequest

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def resident(users):
    user = users["resident"]
    assert user.person_id
    return user


def test_the_resident_sees_their_record_and_only_tags_they_may_see(users, resident):
    person = resident.person
    services.person_tag(actor=users["admin"], person=person, tag_code="veteran")
    services.person_tag(actor=users["admin"], person=person, tag_code="community_correction")
    page = _client(resident).get("/h5/me/")
    assert page.status_code == 200
    text = page.content.decode()
    assert person.name in text and person.id_number_masked in text
    assert str(person.birth_year) in text
    assert "退役军人" in text  # veteran, not sensitive
    assert "社区矫正" not in text  # community correction is sensitive
    shown = corrections.own_tags(actor=resident, person=person)
    assert "veteran" in {t.code for t in shown}
    assert not any(t.is_sensitive for t in shown)


def test_reveals_and_searches_show_by_role_and_area_not_by_name(users, resident):
    person = resident.person
    centre = users["county_centre"]
    services.person_reveal(actor=centre, person=person, field="phone")
    history = corrections.access_history(person=person)
    assert len(history) == 1
    assert history[0].what == "your phone number"
    assert history[0].by_role == "Centre staff"
    text = _client(resident).get("/h5/me/").content.decode()
    assert "Nobody has revealed" not in text and "没有人查看" not in text
    assert centre.username not in text
    assert (centre.display_name or centre.username) not in text


def test_a_correction_request_reaches_the_centre_of_the_jurisdiction_only(users, resident):
    response = _client(resident).post(
        "/h5/me/", {"field": "ethnicity", "requested_value": "  土家族 "}
    )
    assert response.status_code == 302
    request = CorrectionRequest.objects.get()
    assert request.person == resident.person and request.requested_value == "土家族"
    assert request.status == "open" and request.requested_by == resident

    centre = users["county_centre"]
    listed = _client(centre).get("/registry/corrections/").content.decode()
    assert "土家族" in listed
    other = next(
        u
        for u in (users["village_centre"], users["village_centre_b"])
        if not code_within(u, request.region_code)
    )
    assert "土家族" not in _client(other).get("/registry/corrections/").content.decode()
    assert (
        _client(other)
        .post(f"/registry/corrections/{request.pk}/resolve/", {"status": "done"})
        .status_code
        == 404
    )
    assert _client(users["leader"]).get("/registry/corrections/").status_code == 404

    refused = _client(centre).post(
        f"/registry/corrections/{request.pk}/resolve/", {"status": "rejected"}
    )
    assert refused.status_code == 302
    request.refresh_from_db()
    assert request.status == "open"  # a rejection needs a reason
    _client(centre).post(f"/registry/corrections/{request.pk}/resolve/", {"status": "done"})
    request.refresh_from_db()
    assert request.status == "done" and request.handled_by == centre
    assert "土家族" in _client(resident).get("/h5/me/").content.decode()


def test_bad_requests_are_refused_and_staff_have_no_own_page(users, resident):
    response = _client(resident).post("/h5/me/", {"field": "nonsense", "requested_value": "x"})
    assert response.status_code == 400
    response = _client(resident).post("/h5/me/", {"field": "name", "requested_value": "   "})
    assert response.status_code == 400
    assert not CorrectionRequest.objects.exists()
    assert _client(users["village_centre"]).get("/h5/me/").status_code == 404
