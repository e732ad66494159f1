"""督办 and 批示 reach disputes and petitions too: a leader supervises or instructs through the
kind's API action endpoint or its page, the step lands in the case log and in the inbox of
whoever handles the matter now, and the kind's page and API detail show it."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from fengqiao.accounts.services import token_issue
from fengqiao.cases.models import Notification
from fengqiao.core import clock
from fengqiao.mediation.tests.test_views import (
    START,
    in_mediation,
    petition,
    register,
    signed_in,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def at_start():
    clock.freeze(START)
    yield START
    clock.freeze(None)


def _api(user) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token_issue(user=user)[0]}")


def test_leader_supervises_a_dispute_through_the_api_and_the_mediator_is_told(world):
    dispute = in_mediation(world, register(world))
    deadline = (clock.localdate() + timedelta(days=5)).isoformat()

    response = _api(world["leader"]).post(
        f"/api/v1/disputes/{dispute.case.code}/actions/supervise",
        {"deadline": deadline, "instruction": "五日内化解到位"},
        content_type="application/json",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["supervision"]["deadline"] == deadline
    assert body["supervision"]["instruction"] == "五日内化解到位"
    event = dispute.case.events.order_by("-seq").first()
    assert (event.action, event.actor_id) == ("supervise", world["leader"].pk)
    assert Notification.objects.filter(
        recipient=world["mediator_a"], case_id=dispute.pk, kind="supervise"
    ).exists()
    detail = _api(world["mediator_a"]).get(f"/api/v1/disputes/{dispute.case.code}").json()
    assert detail["supervision"]["deadline"] == deadline


def test_leader_instructs_a_petition_from_its_page_and_the_page_shows_it(world, client):
    case = petition(world).case
    signed_in(client, world["leader"])

    response = client.post(
        reverse("mediation:petition_act", args=[case.code, "instruct"]),
        {"instruction": "依法按期答复信访人"},
    )

    assert response.status_code == 302, response.content[:400]
    assert case.events.order_by("-seq").first().action == "instruct"
    page = client.get(reverse("mediation:petition", args=[case.code])).content.decode()
    assert 'id="oversight"' in page and "依法按期答复信访人" in page


def test_the_dispute_page_offers_supervise_to_a_leader_and_not_to_the_mediator(world, client):
    dispute = in_mediation(world, register(world))
    url = reverse("mediation:dispute", args=[dispute.case.code])

    leader_page = signed_in(client, world["leader"]).get(url).content.decode()
    mediator_page = signed_in(Client(), world["mediator_a"]).get(url).content.decode()

    assert 'data-action="supervise"' in leader_page and 'data-action="instruct"' in leader_page
    assert 'data-action="supervise"' not in mediator_page


def test_mediator_cannot_supervise_a_dispute_and_nothing_is_logged(world):
    dispute = in_mediation(world, register(world))
    before = dispute.case.events.count()

    response = _api(world["mediator_a"]).post(
        f"/api/v1/disputes/{dispute.case.code}/actions/instruct",
        {"instruction": "自己批示自己"},
        content_type="application/json",
    )

    assert response.status_code == 403
    assert dispute.case.events.count() == before
