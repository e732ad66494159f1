"""A dispute seen on the general case page: its own step labels and a way to its file."""

from fengqiao.mediation.tests.test_flows import _register


def test_case_page_of_a_dispute_links_to_its_file_and_labels_its_steps(world, client):
    dispute = _register(world, world["village_centre"])
    from fengqiao.mediation import services

    services.dispute_accept(actor=world["village_centre"], dispute_id=dispute.pk, consent=True)
    client.force_login(world["village_centre"])
    page = client.get(f"/cases/{dispute.case.code}/").content.decode()
    assert f'href="/mediation/{dispute.case.code}/"' in page
    assert "Accept for mediation" in page  # the timeline names the kind's own step
    assert 'action="/cases/' + dispute.case.code + "/act/accept/" not in page
