"""Pages: the centre workbench, the grid app (/m/) and the resident portal (/h5/)."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from fengqiao.cases import selectors, services
from fengqiao.cases.models import Case, Channel, Status

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


def report(world, *, title="楼道堆放垃圾", actor="grid_worker", category="garbage", **extra):
    return services.case_report(
        actor=world[actor],
        category=world[category],
        title=title,
        description="三单元楼道里堆了好几袋垃圾",
        **{**world["point"], **extra},
    )


def dispatched(world):
    case = report(world)
    services.case_accept(actor=world["grid_chief"], case_id=case.pk)
    return services.case_dispatch(
        actor=world["grid_chief"], case_id=case.pk, unit_id=world["police"].pk
    )


def resolved(world, case=None):
    case = case or dispatched(world)
    services.case_claim(actor=world["handler"], case_id=case.pk)
    return services.case_resolve(actor=world["handler"], case_id=case.pk, result="已清运")


def signed_in(client, user):
    """Signed in, reading English pages (the assertions quote the English msgids)."""
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def drawn_actions(html: str) -> set[str]:
    return set(re.findall(r'class="actform[^"]*" data-action="([a-z_]+)"', html))


# --- workbench ------------------------------------------------------------------------------


def test_queue_page_shows_every_queue_with_counts_when_village_centre(world, client):
    before = selectors.queue_counts(actor=world["village_centre"])
    report(world)
    report(world, title="路灯不亮", category="garbage")
    signed_in(client, world["village_centre"])
    response = client.get(reverse("cases:queue"))
    assert response.status_code == 200
    html = response.content.decode()
    counts = selectors.queue_counts(actor=world["village_centre"])
    assert counts["new"] == before["new"] + 2
    for name in selectors.QUEUES:
        assert f'data-queue="{name}"' in html
        match = re.search(rf'data-queue="{name}"[^>]*>[^<]*<span class="count">(\d+)</span>', html)
        assert match and int(match.group(1)) == counts[name], name
    assert "路灯不亮" in html


def test_queue_filters_answer_with_the_rows_only_when_asked_by_htmx(
    world, client, django_assert_max_num_queries
):
    report(world, title="楼道堆放垃圾")
    report(world, title="邻居噪音", category="noise")
    signed_in(client, world["village_centre"])
    with django_assert_max_num_queries(8):
        response = client.get(
            reverse("cases:queue"),
            {"queue": "new", "category": "disputes"},
            HTTP_HX_REQUEST="true",
            HTTP_HX_TARGET="results",
        )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert "邻居噪音" in html and "楼道堆放垃圾" not in html


def test_unknown_queue_is_not_found(world, client):
    signed_in(client, world["village_centre"])
    assert client.get(reverse("cases:queue"), {"queue": "nonsense"}).status_code == 404


def test_case_page_shows_facts_timeline_and_map_pin(world, client):
    case = dispatched(world)
    signed_in(client, world["village_centre"])
    html = client.get(reverse("cases:detail", args=[case.code])).content.decode()
    assert case.code in html and case.title in html
    assert world["police"].name in html
    assert f'data-lat="{case.lat:f}"' in html
    assert html.count('<tr data-action="') == case.events.count() == 3
    for action in ("report", "accept", "dispatch"):
        assert f'<tr data-action="{action}">' in html
    assert world["grid_chief"].label in html


def test_leader_sees_the_case_and_only_the_oversight_buttons(world, client):
    case = report(world)
    signed_in(client, world["leader"])
    response = client.get(reverse("cases:detail", args=[case.code]))
    assert response.status_code == 200
    # A leader does not handle cases: 督办 and 批示 are all they may do.
    assert drawn_actions(response.content.decode()) == {"supervise", "instruct"}


def test_buttons_match_allowed_actions_when_handler_opens_dispatched_case(world, client):
    case = dispatched(world)
    signed_in(client, world["handler"])
    html = client.get(reverse("cases:detail", args=[case.code])).content.decode()
    allowed = {a for a, _label in selectors.case_actions(actor=world["handler"], case=case)}
    assert "claim" in allowed
    assert drawn_actions(html) == allowed


def test_buttons_match_allowed_actions_when_grid_chief_opens_new_case(world, client):
    case = report(world)
    signed_in(client, world["grid_chief"])
    html = client.get(reverse("cases:detail", args=[case.code])).content.decode()
    allowed = {a for a, _label in selectors.case_actions(actor=world["grid_chief"], case=case)}
    assert {"accept", "reject"} <= allowed
    assert drawn_actions(html) == allowed


def test_refused_action_changes_nothing_when_role_or_state_is_wrong(world, client):
    case = dispatched(world)
    events = case.events.count()
    signed_in(client, world["leader"])
    response = client.post(reverse("cases:act", args=[case.code, "claim"]))
    assert response.status_code == 403
    signed_in(client, world["handler"])
    response = client.post(reverse("cases:act", args=[case.code, "accept"]))
    assert response.status_code == 409
    case.refresh_from_db()
    assert case.status == Status.DISPATCHED and case.assignee is None
    assert case.events.count() == events


def test_error_is_shown_beside_its_form_when_reason_is_missing(world, client):
    case = report(world)
    signed_in(client, world["grid_chief"])
    response = client.post(
        reverse("cases:act", args=[case.code, "reject"]), {"reason": " "}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    html = response.content.decode()
    form = re.search(r'data-action="reject".*?</form>', html, re.S).group(0)
    assert "Say why the report is rejected." in form
    case.refresh_from_db()
    assert case.status == Status.REPORTED


def test_accept_and_dispatch_through_the_forms_when_grid_chief(world, client):
    case = report(world)
    signed_in(client, world["grid_chief"])
    response = client.post(
        reverse("cases:act", args=[case.code, "accept"]), {"priority": "high", "note": "属实"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", args=[case.code])
    response = client.post(
        reverse("cases:act", args=[case.code, "dispatch"]), {"unit": world["police"].pk}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.DISPATCHED and case.unit == world["police"]
    assert case.priority == "high"


def test_dispatch_refused_when_unit_does_not_serve_the_area(world, client):
    from fengqiao.cases.models import HandlingUnit

    case = report(world)
    services.case_accept(actor=world["grid_chief"], case_id=case.pk)
    far = HandlingUnit.objects.exclude(
        region_code__in=[case.region_code[:9], case.region_code[:6]]
    ).first()
    signed_in(client, world["grid_chief"])
    response = client.post(reverse("cases:act", args=[case.code, "dispatch"]), {"unit": far.pk})
    assert response.status_code == 400
    case.refresh_from_db()
    assert case.status == Status.ACCEPTED


def test_merge_button_links_duplicate_to_its_master(world, client):
    master = report(world, title="三单元楼道堆放垃圾")
    duplicate = report(world, title="三单元楼道堆放垃圾没人管")
    assert duplicate.duplicate_candidates
    signed_in(client, world["grid_chief"])
    html = client.get(reverse("cases:detail", args=[duplicate.code])).content.decode()
    assert f'href="/cases/{master.code}/"' in html
    response = client.post(
        reverse("cases:act", args=[duplicate.code, "merge"]), {"master": master.code}
    )
    assert response.status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.status == Status.MERGED and duplicate.master == master


def test_hotline_intake_creates_case_with_channel_hotline(world, client):
    signed_in(client, world["village_centre"])
    assert client.get(reverse("cases:new")).status_code == 200
    response = client.post(
        reverse("cases:new"),
        {
            "channel": "hotline",
            "priority": "normal",
            "category": "neighbour_dispute",
            "title": "来电：隔壁装修噪音",
            "description": "市民来电反映",
            "lat": str(world["point"]["lat"]),
            "lng": str(world["point"]["lng"]),
            "reporter_name": "王先生",
            "callback_phone": "13800138000",
        },
    )
    assert response.status_code == 302
    case = Case.objects.get(title="来电：隔壁装修噪音")
    assert case.channel == Channel.HOTLINE
    assert response["Location"] == reverse("cases:detail", args=[case.code])
    html = client.get(response["Location"]).content.decode()
    assert "13800138000" not in html and case.callback_phone_masked in html


def test_hotline_intake_places_case_in_village_when_no_point(world, client):
    village = world["village_centre"].bindings.get().region
    signed_in(client, world["village_centre"])
    response = client.post(
        reverse("cases:new"),
        {"channel": "walk_in", "category": "paperwork", "village": village.code, "anonymous": "1"},
    )
    assert response.status_code == 302
    case = Case.objects.filter(channel=Channel.WALK_IN).latest("pk")
    assert case.village == village and case.grid is None and case.is_anonymous
    assert case.title == "证照办理"


def test_intake_shows_error_when_category_missing(world, client):
    signed_in(client, world["village_centre"])
    before = Case.objects.count()
    response = client.post(reverse("cases:new"), {"channel": "hotline", "title": "无类别"})
    assert response.status_code == 400
    assert "Choose a category." in response.content.decode()
    assert Case.objects.count() == before


def test_other_village_gets_not_found_when_opening_village_a_case(world, client):
    case = report(world)
    signed_in(client, world["village_centre_b"])
    assert client.get(reverse("cases:detail", args=[case.code])).status_code == 404
    response = client.post(reverse("cases:act", args=[case.code, "accept"]))
    assert response.status_code == 404
    assert case.code not in client.get(reverse("cases:queue")).content.decode()
    case.refresh_from_db()
    assert case.status == Status.REPORTED


def test_resident_is_sent_to_the_portal_from_the_workbench(world, client):
    signed_in(client, world["resident"])
    response = client.get(reverse("cases:queue"))
    assert response.status_code == 302 and response["Location"] == reverse("h5:home")


def test_inbox_lists_notifications_when_case_reported(
    world, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = report(world)
    signed_in(client, world["grid_chief"])
    html = client.get(reverse("cases:inbox")).content.decode()
    assert case.code in html


def test_photo_attached_with_resolve_and_served_to_those_who_see_the_case(world, client):
    case = dispatched(world)
    services.case_claim(actor=world["handler"], case_id=case.pk)
    signed_in(client, world["handler"])
    response = client.post(
        reverse("cases:act", args=[case.code, "resolve"]),
        {"result": "已清运", "photo": SimpleUploadedFile("after.png", PNG, "image/png")},
    )
    assert response.status_code == 302
    attachment = case.attachments.get()
    url = reverse("cases:attachment", args=[case.code, attachment.pk])
    assert client.get(url).status_code == 200
    signed_in(client, world["village_centre_b"])
    assert client.get(url).status_code == 404


# --- grid app ---------------------------------------------------------------------------------


def test_grid_app_pages_render_when_grid_worker(world, client):
    case = resolved(world)
    signed_in(client, world["grid_worker"])
    for name in ("mobile:home", "mobile:report", "mobile:tasks"):
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert 'class="ph-tabbar"' in response.content.decode()
    html = client.get(reverse("mobile:report")).content.decode()
    assert 'accept="image/*" capture="environment"' in html
    assert 'data-category="garbage"' in html
    html = client.get(reverse("mobile:tasks")).content.decode()
    assert case.code in html and 'data-act="verify"' in html
    assert client.get(reverse("mobile:task", args=[case.code])).status_code == 200


def test_service_worker_is_allowed_the_app_scope(world, client):
    signed_in(client, world["grid_worker"])
    response = client.get(reverse("mobile:sw"))
    assert response.status_code == 200
    assert response["Service-Worker-Allowed"] == "/m/"
    assert response["Content-Type"].startswith("application/javascript")
    body = response.content.decode()
    assert "self.FQ_SHELL" in body and '"/m/report/"' in body
    assert 'addEventListener("fetch"' in body


def test_verify_from_tasks_goes_back_to_the_tasks(world, client):
    case = resolved(world)
    signed_in(client, world["grid_worker"])
    response = client.post(
        reverse("cases:act", args=[case.code, "verify"]), {"next": reverse("mobile:tasks")}
    )
    assert response.status_code == 302 and response["Location"] == reverse("mobile:tasks")
    case.refresh_from_db()
    assert case.status == Status.VERIFIED


def test_refused_phone_action_is_shown_on_the_task_page(world, client):
    case = resolved(world)
    signed_in(client, world["grid_worker"])
    response = client.post(
        reverse("cases:act", args=[case.code, "reopen"]),
        {"reason": "", "next": reverse("mobile:task", args=[case.code])},
    )
    assert response.status_code == 400
    assert "Say why the case is reopened." in response.content.decode()
    assert 'class="ph-tabbar"' in response.content.decode()


def test_handler_claims_on_the_phone_when_dispatched(world, client):
    case = dispatched(world)
    signed_in(client, world["handler"])
    html = client.get(reverse("mobile:tasks")).content.decode()
    assert case.code in html and 'data-act="claim"' in html
    response = client.post(
        reverse("cases:act", args=[case.code, "claim"]),
        {"next": reverse("mobile:task", args=[case.code])},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.CLAIMED and case.assignee == world["handler"]


def test_report_without_javascript_is_filed_once_when_posted_twice(world, client):
    signed_in(client, world["grid_worker"])
    data = {
        "category": "garbage",
        "title": "河边垃圾",
        "lat": str(world["point"]["lat"]),
        "lng": str(world["point"]["lng"]),
        "client_id": "2b1f0b8e-test-client-id",
    }
    assert client.post(reverse("mobile:report"), data).status_code == 302
    assert client.post(reverse("mobile:report"), data).status_code == 302
    case = Case.objects.get(client_id="2b1f0b8e-test-client-id")
    assert case.channel == Channel.GRID_APP and case.reporter == world["grid_worker"]


# --- resident portal ------------------------------------------------------------------------


def test_resident_sees_only_own_cases(world, client):
    mine = report(world, actor="resident", title="我家门口路灯坏了")
    other = report(world, title="别人报的垃圾")
    signed_in(client, world["resident"])
    html = client.get(reverse("h5:home")).content.decode()
    assert mine.code in html and other.code not in html
    assert client.get(reverse("h5:case", args=[mine.code])).status_code == 200
    assert client.get(reverse("h5:case", args=[other.code])).status_code == 404


def test_staff_see_only_their_own_reports_on_the_portal(world, client):
    report(world, title="网格员的上报")
    signed_in(client, world["village_centre"])
    assert "网格员的上报" not in client.get(reverse("h5:home")).content.decode()


def test_resident_reports_with_photo_through_the_portal(world, client):
    signed_in(client, world["resident"])
    assert client.get(reverse("h5:report")).status_code == 200
    response = client.post(
        reverse("h5:report"),
        {
            "category": "road_damage",
            "description": "村口路面有个大坑",
            "lat": str(world["point"]["lat"]),
            "lng": str(world["point"]["lng"]),
            "photo": SimpleUploadedFile("hole.png", PNG, "image/png"),
        },
    )
    assert response.status_code == 302
    case = Case.objects.filter(reporter=world["resident"]).latest("pk")
    assert case.channel == Channel.PORTAL and case.title == "道路破损"
    assert response["Location"] == reverse("h5:case", args=[case.code])
    assert case.attachments.count() == 1


def test_resident_progress_hides_staff_names_and_internal_notes(world, client):
    case = report(world, actor="resident", title="楼道垃圾")
    services.case_note(actor=world["grid_chief"], case_id=case.pk, note="内部：此人常投诉")
    services.case_accept(actor=world["grid_chief"], case_id=case.pk)
    services.case_dispatch(actor=world["grid_chief"], case_id=case.pk, unit_id=world["police"].pk)
    signed_in(client, world["resident"])
    html = client.get(reverse("h5:case", args=[case.code])).content.decode()
    assert "内部：此人常投诉" not in html
    assert world["grid_chief"].label not in html
    assert world["police"].name in html
    assert 'data-action="dispatch"' in html and 'data-action="note"' not in html


def test_rating_closes_the_case_when_resident_is_satisfied(world, client):
    case = report(world, actor="resident", title="楼道垃圾")
    services.case_accept(actor=world["grid_chief"], case_id=case.pk)
    services.case_dispatch(actor=world["grid_chief"], case_id=case.pk, unit_id=world["police"].pk)
    resolved(world, case)
    services.case_verify(actor=world["grid_worker"], case_id=case.pk)
    signed_in(client, world["resident"])
    html = client.get(reverse("h5:case", args=[case.code])).content.decode()
    assert 'id="rating-form"' in html
    response = client.post(reverse("h5:rate", args=[case.code]), {"rating": "5", "comment": "很快"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.CLOSED and case.rating == 5
    assert (
        'id="rating-form"' not in client.get(reverse("h5:case", args=[case.code])).content.decode()
    )


def test_rating_refused_before_the_case_is_verified(world, client):
    case = report(world, actor="resident", title="楼道垃圾")
    signed_in(client, world["resident"])
    assert (
        'id="rating-form"' not in client.get(reverse("h5:case", args=[case.code])).content.decode()
    )
    response = client.post(reverse("h5:rate", args=[case.code]), {"rating": "5"})
    assert response.status_code == 409
    case.refresh_from_db()
    assert case.rating is None and case.status == Status.REPORTED


@pytest.mark.parametrize(
    "name, door",
    [
        ("h5:home", "/h5/signin/"),
        ("mobile:home", "/accounts/login/"),
        ("cases:queue", "/accounts/login/"),
    ],
)
def test_pages_ask_for_sign_in_when_anonymous(client, db, name, door):
    """Residents sign in with their phone (SMS code); staff with their password."""
    response = client.get(reverse(name))
    assert response.status_code == 302 and door in response["Location"]


def test_case_page_timeline_shows_a_reclassification_with_names(world, client):
    case = report(world)
    services.case_accept(
        actor=world["grid_chief"], case_id=case.pk, category=world["noise"], priority="urgent"
    )
    signed_in(client, world["village_centre"])
    html = client.get(reverse("cases:detail", args=[case.code])).content.decode()
    accept_row = html.split('<tr data-action="accept">')[1].split("</tr>")[0]
    assert f"{world['garbage'].name} → {world['noise'].name}" in accept_row
    assert "Priority: Normal → Urgent" in accept_row  # the test client reads English
