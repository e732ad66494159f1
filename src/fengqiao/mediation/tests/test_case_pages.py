"""A dispute seen on the general case page: its own step labels and a way to its file."""

from fengqiao.mediation.tests.test_flows import _register


def test_case_page_of_a_dispute_links_to_its_file_and_labels_its_steps(world, client):
    dispute = _register(world, world["village_centre"])
    from fengqiao.mediation import services

    services.dispute_accept(actor=world["village_centre"], dispute_id=dispute.pk, consent=True)
    client.force_login(world["village_centre"])
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = client.get(f"/cases/{dispute.case.code}/").content.decode()
    assert f'href="/mediation/{dispute.case.code}/"' in page
    assert "Accept for mediation" in page  # the timeline names the kind's own step
    assert 'action="/cases/' + dispute.case.code + "/act/accept/" not in page


def test_general_neighbour_case_is_upgraded_to_a_dispute_from_its_page(world, client):
    from fengqiao.cases import services as case_services
    from fengqiao.cases.models import Case, Category
    from fengqiao.mediation.models import Dispute

    case = case_services.case_report(
        actor=world["grid_worker"],
        category=Category.objects.get(code="neighbour_dispute"),
        title="邻居为占道吵架",
        description="两户因占用通道争吵",
        **world["point"],
    )
    client.force_login(world["village_centre"])
    page = client.get(f"/cases/{case.code}/").content.decode()
    assert f"/mediation/new/?origin={case.code}" in page
    form = client.get(f"/mediation/new/?origin={case.code}").content.decode()
    assert "邻居为占道吵架" in form and 'value="case_upgrade"' in form
    response = client.post(
        "/mediation/new/",
        {
            "origin": case.code,
            "source": "case_upgrade",
            "dispute_type": "neighbour_dispute",
            "title": "邻居为占道吵架",
            "party-0-name": "张某",
            "party-1-name": "李某",
            "lat": world["point"]["lat"],
            "lng": world["point"]["lng"],
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    dispute = Dispute.objects.get(origin_case=case)
    assert dispute.source == "case_upgrade"
    assert Case.objects.get(pk=case.pk).events.filter(action="note").exists()
    client.force_login(world["village_centre_b"])
    assert client.get(f"/mediation/new/?origin={case.code}").status_code == 404
