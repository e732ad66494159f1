"""Mediation pages: the workbench (disputes, desk pages, petitions) and the resident portal,
driven through the test client as the people who use them."""

import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from fengqiao.cases import selectors as case_selectors
from fengqiao.cases import services as case_services
from fengqiao.cases.models import Status
from fengqiao.core import clock
from fengqiao.mediation import petitions as petition_services
from fengqiao.mediation import screening, sessions
from fengqiao.mediation import services as mediation
from fengqiao.mediation.models import (
    Dispute,
    FollowUp,
    MediationAgreement,
    Outcome,
    Petition,
    Referral,
    ScreeningReport,
)
from fengqiao.registry.models import Person

START = timezone.make_aware(timezone.datetime(2026, 3, 2, 9, 0))
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture(autouse=True)
def at_start():
    clock.freeze(START)
    yield START
    clock.freeze(None)


def signed_in(client, user):
    """Signed in, reading English pages (the assertions quote the English msgids)."""
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def drawn_actions(html: str) -> set[str]:
    return set(re.findall(r'class="actform[^"]*" data-action="([a-z_]+)"', html))


def form_of(html: str, action: str) -> str:
    return re.search(rf'data-action="{action}".*?</form>', html, re.S).group(0)


def local_input(at) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%dT%H:%M")


def neighbours(world):
    people = Person.objects.filter(region_code__startswith=world["micro"].code).order_by("pk")
    if people.count() < 2:
        people = Person.objects.filter(
            region_code__startswith=world["micro"].village.code
        ).order_by("pk")
    return people[0], people[1]


def register(world, actor="village_centre", title="邻居楼上漏水纠纷"):
    applicant, respondent = neighbours(world)
    return mediation.dispute_register(
        actor=world[actor],
        dispute_type="neighbour_dispute",
        title=title,
        source="walk_in",
        parties=[
            mediation.PartyIn(side="applicant", person_id=applicant.pk),
            mediation.PartyIn(side="respondent", person_id=respondent.pk, phone="13800001111"),
        ],
        **world["point"],
    )


def in_mediation(world, dispute):
    """Accepted, assigned to the village mediator and claimed by them."""
    mediation.dispute_accept(actor=world["village_centre"], dispute_id=dispute.pk, consent=True)
    mediation.dispute_assign(
        actor=world["village_centre"],
        dispute_id=dispute.pk,
        mediator_id=world["village_mediator"].pk,
    )
    case_services.case_claim(actor=world["mediator_a"], case_id=dispute.pk)
    return dispute


def held_session(world, dispute, record="双方陈述各自意见"):
    return sessions.session_record(
        actor=world["mediator_a"],
        dispute_id=dispute.pk,
        held_at=clock.now() - timedelta(hours=1),
        place="村调解室",
        participants="申请人、被申请人、调解员",
        record=record,
    )


def settled_dispute(world, title="邻居楼上漏水纠纷"):
    """Registered, mediated in one session and concluded with an agreement."""
    dispute = in_mediation(world, register(world, title=title))
    held_session(world, dispute)
    return settled(world, dispute)


def settled(world, dispute):
    mediation.dispute_conclude(
        actor=world["mediator_a"],
        dispute_id=dispute.pk,
        outcome="agreement",
        result="达成协议",
        facts="漏水",
        terms=["赔偿2000元"],
        performance="当场履行",
    )
    return Dispute.objects.get(pk=dispute.pk)


def petition(world, *, title="反映征地补偿款未到位"):
    return petition_services.petition_register(
        actor=world["county_centre"],
        form="visit",
        category_code="petition_land",
        title=title,
        matter="要求落实征地补偿款。",
        petitioner_name="李某",
        id_number="11010519491231002X",
        visitors=6,
        **world["point"],
    )


# --- every page, for the right people and not for others ---------------------------------------

LIST_PAGES = [
    ("mediation:disputes", {}),
    ("mediation:disputes", {"queue": "to_accept"}),
    ("mediation:disputes", {"queue": "overdue", "risk_grade": "major"}),
    ("mediation:calendar", {}),
    ("mediation:calendar", {"month": "2026-04"}),
    ("mediation:agreements", {}),
    ("mediation:follow_ups", {}),
    ("mediation:referrals", {}),
    ("mediation:referrals", {"tab": "out"}),
    ("mediation:screening", {}),
    ("mediation:committees", {}),
    ("mediation:metrics", {}),
    ("mediation:metrics", {"period": "this_year"}),
    ("mediation:petitions", {}),
    ("mediation:petitions", {"queue": "overdue"}),
]


@pytest.mark.parametrize("username", ["village_centre", "mediator_a", "county_centre", "leader"])
def test_workbench_pages_render_when_staff(world, client, username):
    dispute = register(world)
    found = petition(world)
    signed_in(client, world[username])
    for name, params in LIST_PAGES:
        response = client.get(reverse(name), params)
        assert response.status_code == 200, (name, params)
        assert 'class="subnav"' in response.content.decode()
    may_register = {
        "mediation:dispute_new": username != "leader",
        "mediation:petition_new": username in ("village_centre", "county_centre"),
    }
    for name, allowed in may_register.items():
        assert client.get(reverse(name)).status_code == (200 if allowed else 403), name
    response = client.get(reverse("mediation:dispute", args=[dispute.case.code]))
    assert response.status_code == 200
    response = client.get(reverse("mediation:petition", args=[found.case.code]))
    assert response.status_code == 200


def test_other_village_gets_not_found_on_dispute_and_petition_pages(world, client):
    dispute = settled_dispute(world)
    signed_in(client, world["village_centre_b"])
    code = dispute.case.code
    assert client.get(reverse("mediation:dispute", args=[code])).status_code == 404
    assert client.post(reverse("mediation:dispute_act", args=[code, "note"])).status_code == 404
    assert client.get(reverse("mediation:agreement_download", args=[code])).status_code == 404
    for name, params in LIST_PAGES:
        response = client.get(reverse(name), params)
        assert response.status_code == 200, name
        assert code not in response.content.decode(), name
    village_petition = mediation_petition_in_village(world)
    assert (
        client.get(reverse("mediation:petition", args=[village_petition.case.code])).status_code
        == 404
    )
    response = client.post(
        reverse("mediation:petition_act", args=[village_petition.case.code, "note"]),
        {"note": "x"},
    )
    assert response.status_code == 404


def mediation_petition_in_village(world):
    return petition_services.petition_register(
        actor=world["village_centre"],
        form="visit",
        category_code="petition_other",
        title="村里来访",
        matter="反映村务",
        petitioner_name="王某",
        **world["point"],
    )


def test_resident_is_sent_to_the_portal_from_staff_pages(world, client):
    dispute = register(world)
    signed_in(client, world["resident"])
    for name, params in LIST_PAGES:
        response = client.get(reverse(name), params)
        assert response.status_code == 302 and response["Location"] == reverse("h5:home"), name
    response = client.get(reverse("mediation:dispute", args=[dispute.case.code]))
    assert response.status_code == 302
    response = client.post(
        reverse("mediation:dispute_act", args=[dispute.case.code, "accept_mediation"]),
        {"consent": "1"},
    )
    assert response.status_code == 403
    dispute.case.refresh_from_db()
    assert dispute.case.status == Status.REPORTED


def test_navigation_links_to_mediation_and_petitions_when_staff(world, client):
    signed_in(client, world["village_centre"])
    html = client.get(reverse("cases:queue")).content.decode()
    assert f'href="{reverse("mediation:disputes")}"' in html
    assert f'href="{reverse("mediation:petitions")}"' in html


# --- dispute queue ------------------------------------------------------------------------------


def test_dispute_queue_shows_every_queue_with_its_count(world, client):
    register(world)
    in_mediation(world, register(world, title="第二起纠纷"))
    signed_in(client, world["village_centre"])
    html = client.get(reverse("mediation:disputes")).content.decode()
    from fengqiao.mediation import selectors

    counts = selectors.dispute_queue_counts(actor=world["village_centre"])
    for name in selectors.DISPUTE_QUEUES:
        match = re.search(rf'data-queue="{name}"[^>]*>[^<]*<span class="count">(\d+)</span>', html)
        assert match and int(match.group(1)) == counts[name], name
    assert counts["to_accept"] == 1
    assert "第二起纠纷" in html


def test_dispute_list_query_count_stays_flat(world, client, django_assert_max_num_queries):
    for n in range(6):
        register(world, title=f"纠纷{n}")
    signed_in(client, world["village_centre"])
    client.get(reverse("mediation:disputes"))  # warm the session and caches
    with django_assert_max_num_queries(16):
        response = client.get(reverse("mediation:disputes"))
    assert response.content.decode().count("data-code=") == 6
    with django_assert_max_num_queries(8):
        response = client.get(
            reverse("mediation:disputes"),
            {"queue": "to_accept", "q": "纠纷"},
            HTTP_HX_REQUEST="true",
            HTTP_HX_TARGET="results",
        )
    assert "<html" not in response.content.decode()


def test_petition_list_query_count_stays_flat(world, client, django_assert_max_num_queries):
    for n in range(6):
        petition(world, title=f"来访{n}")
    signed_in(client, world["county_centre"])
    client.get(reverse("mediation:petitions"))
    with django_assert_max_num_queries(12):
        response = client.get(reverse("mediation:petitions"))
    html = response.content.decode()
    assert html.count("data-code=") == 6
    assert "6 people" in html


# --- register a dispute ------------------------------------------------------------------------


def test_register_form_records_parties_from_registry_and_typed(world, client):
    applicant, _respondent = neighbours(world)
    signed_in(client, world["village_centre"])
    response = client.get(
        reverse("mediation:person_search"), {"slot": "0", "party-0-q": applicant.name}
    )
    assert f'name="party-0-person" value="{applicant.pk}"' in response.content.decode()
    response = client.post(
        reverse("mediation:dispute_new"),
        {
            "source": "walk_in",
            "dispute_type": "land_dispute",
            "description": "宅基地边界争议",
            "amount": "12000",
            "risk_grade": "significant",
            "risk_reasons": ["long_standing"],
            "party-0-side": "applicant",
            "party-0-person": str(applicant.pk),
            "party-1-side": "respondent",
            "party-1-name": "赵某",
            "party-1-phone": "13900002222",
            "lat": str(world["point"]["lat"]),
            "lng": str(world["point"]["lng"]),
        },
    )
    assert response.status_code == 302
    dispute = Dispute.objects.latest("case__reported_at")
    assert response["Location"] == reverse("mediation:dispute", args=[dispute.case.code])
    assert dispute.case.title == "土地山林草场权属纠纷"
    assert dispute.risk_grade == "significant" and dispute.risk_reasons == ["long_standing"]
    assert {p.name for p in dispute.parties.all()} == {applicant.name, "赵某"}
    html = client.get(response["Location"]).content.decode()
    assert "13900002222" not in html and "139****2222" in html


def test_register_shows_each_error_beside_its_field(world, client):
    signed_in(client, world["village_centre"])
    point = {"lat": str(world["point"]["lat"]), "lng": str(world["point"]["lng"])}
    response = client.post(
        reverse("mediation:dispute_new"),
        {"dispute_type": "neighbour_dispute", "source": "walk_in", "party-1-phone": "13900002222"}
        | point,
    )
    assert response.status_code == 400
    block = re.search(r'id="party-1".*?</fieldset>', response.content.decode(), re.S).group(0)
    assert "Each party needs a name." in block
    response = client.post(
        reverse("mediation:dispute_new"),
        {
            "dispute_type": "neighbour_dispute",
            "source": "walk_in",
            "risk_grade": "major",
            "party-0-name": "甲",
        }
        | point,
    )
    assert response.status_code == 400
    assert "A significant or major risk grade needs at least one reason." in (
        response.content.decode()
    )
    assert not Dispute.objects.exists()


# --- the dispute page, step by step --------------------------------------------------------------


def test_walk_from_registration_to_follow_up_through_the_pages(world, client):
    applicant, respondent = neighbours(world)
    centre = signed_in(client, world["village_centre"])
    response = centre.post(
        reverse("mediation:dispute_new"),
        {
            "source": "walk_in",
            "dispute_type": "neighbour_dispute",
            "title": "楼上漏水",
            "party-0-person": str(applicant.pk),
            "party-1-person": str(respondent.pk),
            **{k: str(v) for k, v in world["point"].items()},
        },
    )
    dispute = Dispute.objects.get(case__title="楼上漏水")
    code = dispute.case.code
    page = reverse("mediation:dispute", args=[code])

    def act(action, data=None, files=None):
        response = client.post(
            reverse("mediation:dispute_act", args=[code, action]), {**(data or {}), **(files or {})}
        )
        assert response.status_code == 302, (action, response.content.decode()[-3000:])
        assert response["Location"] == page
        return response

    html = centre.get(page).content.decode()
    assert {"accept_mediation", "reject"} <= drawn_actions(html)
    act("accept_mediation", {"consent": "1", "consent_note": "双方签字同意"})
    html = centre.get(page).content.decode()
    assert "assign" in drawn_actions(html)
    assert world["village_mediator"].name in form_of(html, "assign")
    act("assign", {"mediator": str(world["village_mediator"].pk)})

    signed_in(client, world["mediator_a"])
    act("claim")
    act(
        "session_plan",
        {"starts_at": local_input(clock.now() + timedelta(days=1)), "place": "村调解室"},
    )
    planned = dispute.sessions.get()
    clock.freeze(clock.now() + timedelta(days=1, hours=1))
    act(
        "session",
        {
            "session": str(planned.pk),
            "held_at": local_input(clock.now() - timedelta(hours=1)),
            "place": "村调解室",
            "participants": "双方当事人、调解员",
            "record": "双方就赔偿金额达成一致",
        },
    )
    planned.refresh_from_db()
    assert planned.is_held
    act(
        "conclude",
        {
            "outcome": "agreement",
            "result": "达成调解协议",
            "facts": "楼上漏水致楼下天花板受损。",
            "terms": "赔偿维修费2000元。\n\n十日内修复防水层。\n",
            "performance": "三日内付清。",
        },
    )
    agreement = MediationAgreement.objects.get(dispute=dispute)
    assert agreement.terms == ["赔偿维修费2000元。", "十日内修复防水层。"]
    html = client.get(page).content.decode()
    assert agreement.number in html and 'id="agreement-download"' in html

    response = client.get(reverse("mediation:agreement_download", args=[code]))
    assert response.status_code == 200
    assert response["Content-Type"] == DOCX
    assert response["Content-Disposition"].startswith("attachment;")
    assert response.content[:2] == b"PK"

    from django.core.files.uploadedfile import SimpleUploadedFile

    from fengqiao.cases.tests.test_views import PNG

    act("agreement_signed", files={"signed": SimpleUploadedFile("signed.png", PNG, "image/png")})
    agreement.refresh_from_db()
    assert agreement.signed_at is not None

    clock.freeze(clock.now() + timedelta(days=28))
    follow_up = FollowUp.objects.get(dispute=dispute)
    html = client.get(reverse("mediation:follow_ups")).content.decode()
    assert f'data-follow-up="{follow_up.pk}"' in html
    response = client.post(
        reverse("mediation:follow_ups") + "?days=7",
        {"follow_up": str(follow_up.pk), "result": "stable", "note": "已履行完毕"},
    )
    assert response.status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.result == "stable" and follow_up.done_by == world["mediator_a"]
    actions = list(dispute.case.events.values_list("action", flat=True))
    assert actions == [
        "report",
        "accept_mediation",
        "assign",
        "claim",
        "session_plan",
        "session",
        "conclude",
        "agreement_signed",
        "follow_up",
    ]
    html = client.get(page).content.decode()
    for action in actions:
        assert f'<tr data-action="{action}">' in html


def test_buttons_match_allowed_actions_on_the_dispute_page(world, client):
    dispute = register(world)
    signed_in(client, world["village_centre"])
    html = client.get(reverse("mediation:dispute", args=[dispute.case.code])).content.decode()
    actions = case_selectors.case_actions(actor=world["village_centre"], case=dispute.case)
    allowed = {action for action, _label in actions}
    assert "accept_mediation" in allowed
    assert drawn_actions(html) == allowed
    signed_in(client, world["leader"])
    html = client.get(reverse("mediation:dispute", args=[dispute.case.code])).content.decode()
    assert drawn_actions(html) == {"supervise", "instruct"}  # a leader oversees, no more


def test_refused_action_shows_its_error_beside_the_form(world, client):
    dispute = register(world)
    signed_in(client, world["village_centre"])
    url = reverse("mediation:dispute_act", args=[dispute.case.code, "accept_mediation"])
    response = client.post(url, {"consent_note": "电话联系"})
    assert response.status_code == 400
    form = form_of(response.content.decode(), "accept_mediation")
    assert "People&#x27;s mediation needs the consent of the parties" in form
    assert 'value="电话联系"' in form  # what was typed is kept
    dispute.case.refresh_from_db()
    assert dispute.case.status == Status.REPORTED

    in_mediation(world, dispute)
    held_session(world, dispute)
    signed_in(client, world["mediator_a"])
    response = client.post(
        reverse("mediation:dispute_act", args=[dispute.case.code, "conclude"]),
        {"outcome": "agreement", "result": "达成", "facts": "漏水", "performance": "当场"},
    )
    assert response.status_code == 400
    form = form_of(response.content.decode(), "conclude")
    terms = re.search(
        r'name="terms".*?</label>\s*(<p class="field-error"[^>]*>[^<]*</p>)', form, re.S
    )
    assert terms and "An agreement needs at least one term." in terms.group(1)
    # The wrong person or state answers 403/409 whatever was typed.
    signed_in(client, world["village_centre"])
    response = client.post(
        reverse("mediation:dispute_act", args=[dispute.case.code, "session"]), {"record": "x"}
    )
    assert response.status_code == 403


def test_failed_mediation_is_referred_and_the_court_answers_on_its_page(world, client):
    dispute = in_mediation(world, register(world))
    held_session(world, dispute, "调解未果")
    signed_in(client, world["mediator_a"])
    html = client.get(reverse("mediation:dispute", args=[dispute.case.code])).content.decode()
    assert world["court"].name in form_of(html, "refer")
    response = client.post(
        reverse("mediation:dispute_act", args=[dispute.case.code, "refer"]),
        {"way": "court", "to_unit": str(world["court"].pk), "reason": "调解不成，诉调对接"},
    )
    assert response.status_code == 302
    referral = Referral.objects.get(dispute=dispute)

    signed_in(client, world["court_clerk"])
    html = client.get(reverse("mediation:referrals")).content.decode()
    assert f'data-referral="{referral.pk}"' in html
    response = client.post(
        reverse("mediation:referrals"), {"referral": referral.pk, "action": "referral_accept"}
    )
    assert response.status_code == 302
    response = client.post(
        reverse("mediation:referrals"),
        {"referral": referral.pk, "action": "referral_settled", "result": " "},
    )
    assert response.status_code == 400
    row = re.search(rf'data-referral="{referral.pk}".*?</tr>', response.content.decode(), re.S)
    assert "Describe the result." in row.group(0)
    response = client.post(
        reverse("mediation:dispute_act", args=[dispute.case.code, "referral_settled"]),
        {"result": "诉前调解成功"},
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    dispute.case.refresh_from_db()
    assert referral.is_settled is True and dispute.case.status == Status.RESOLVED


# --- desk pages --------------------------------------------------------------------------------


def test_calendar_shows_planned_and_held_sessions_of_the_month(world, client):
    dispute = in_mediation(world, register(world, title="日历上的纠纷"))
    held_session(world, dispute)
    sessions.session_plan(
        actor=world["mediator_a"],
        dispute_id=dispute.pk,
        starts_at=clock.now() + timedelta(days=3),
        place="镇调解室",
    )
    signed_in(client, world["village_centre"])
    html = client.get(reverse("mediation:calendar"), {"month": "2026-03"}).content.decode()
    day = re.search(r'data-day="2026-03-05">.*?</td>', html, re.S).group(0)
    assert "cal-session planned" in day and "日历上的纠纷" in day
    day = re.search(r'data-day="2026-03-02">.*?</td>', html, re.S).group(0)
    assert "cal-session held" in day
    html = client.get(reverse("mediation:calendar"), {"month": "2026-05"}).content.decode()
    assert "日历上的纠纷" not in html
    assert client.get(reverse("mediation:calendar"), {"month": "2026-13"}).status_code == 404


def test_agreements_page_lists_to_conclude_and_unsigned(world, client):
    waiting = in_mediation(world, register(world, title="待结案"))
    held_session(world, waiting)
    done = settled_dispute(world, title="已达成")
    signed_in(client, world["village_centre"])
    html = client.get(reverse("mediation:agreements")).content.decode()
    to_draft = re.search(r'id="to-draft".*?</table>', html, re.S).group(0)
    unsigned = re.search(r'id="unsigned".*?</table>', html, re.S).group(0)
    assert "待结案" in to_draft and "已达成" not in to_draft
    assert done.agreement.number in unsigned


def test_follow_up_refused_shows_error_in_its_row(world, client):
    dispute = settled_dispute(world)
    follow_up = FollowUp.objects.get(dispute=dispute)
    clock.freeze(clock.now() + timedelta(days=30))
    signed_in(client, world["mediator_a"])
    response = client.post(
        reverse("mediation:follow_ups"), {"follow_up": follow_up.pk, "result": "relapsed"}
    )
    assert response.status_code == 400
    row = re.search(rf'data-follow-up="{follow_up.pk}".*?</tr>', response.content.decode(), re.S)
    assert "Say what went wrong." in row.group(0)
    follow_up.refresh_from_db()
    assert follow_up.done_at is None


def test_committees_page_shows_each_mediators_load(world, client):
    in_mediation(world, register(world))
    signed_in(client, world["village_centre"])
    html = client.get(reverse("mediation:committees")).content.decode()
    card = re.search(
        rf'data-committee="{world["village_committee"].pk}".*?</table>', html, re.S
    ).group(0)
    assert world["village_mediator"].name in card
    assert re.search(r'<td class="num">1</td>', card)


def test_metrics_page_shows_the_rates_of_the_period(world, client):
    dispute = settled_dispute(world)
    assert dispute.outcome == Outcome.AGREEMENT
    signed_in(client, world["village_centre"])
    html = client.get(reverse("mediation:metrics"), {"period": "this_month"}).content.decode()
    figure = re.search(r'data-figure="mediation_success_rate"><b>([^<]+)</b>', html)
    assert figure.group(1) == "100.0%"
    assert world["village_committee"].name in html
    response = client.get(
        reverse("mediation:metrics"), {"start": "2026-03-10", "end": "2026-03-01"}
    )
    assert response.status_code == 400
    assert "The period ends before it starts." in response.content.decode()


def test_screening_round_opened_and_a_grid_reports_through_the_pages(world, client):
    signed_in(client, world["village_centre"])
    village = world["micro"].village
    response = client.post(
        reverse("mediation:screening"),
        {"region": village.code, "starts_on": "2026-03-01", "ends_on": "2026-03-15"},
    )
    assert response.status_code == 302
    round_ = screening.ScreeningRound.objects.get(village=village, starts_on=date(2026, 3, 1))
    signed_in(client, world["grid_worker"])
    page = reverse("mediation:screening_round", args=[round_.pk])
    html = client.get(page).content.decode()
    grid = world["micro"].parent
    assert f'value="{grid.pk}"' in html
    response = client.post(page, {"grid": grid.pk})
    assert response.status_code == 400
    assert "List the disputes found, or report that nothing was found." in response.content.decode()
    response = client.post(page, {"grid": grid.pk, "nothing_found": "1"})
    assert response.status_code == 302
    assert ScreeningReport.objects.get(round=round_, grid=grid).nothing_found
    signed_in(client, world["village_centre_b"])
    assert client.get(page).status_code == 404


# --- petitions ---------------------------------------------------------------------------------


def test_petition_registered_acknowledged_routed_and_replied_through_the_pages(world, client):
    signed_in(client, world["county_centre"])
    response = client.post(
        reverse("mediation:petition_new"),
        {
            "form": "visit",
            "category": "petition_labour",
            "title": "反映欠薪",
            "matter": "要求支付拖欠工资。",
            "petitioner_name": "王某",
            "id_number": "11010519491231002X",
            "visitors": "2",
            **{k: str(v) for k, v in world["point"].items()},
        },
    )
    assert response.status_code == 302
    found = Petition.objects.get(case__title="反映欠薪")
    page = reverse("mediation:petition", args=[found.case.code])
    assert response["Location"] == page
    html = client.get(page).content.decode()
    assert found.petitioner_id_masked in html and "11010519491231002X" not in html
    assert drawn_actions(html) >= {"acknowledge", "not_accept"}

    act = lambda action, data: client.post(  # noqa: E731
        reverse("mediation:petition_act", args=[found.case.code, action]), data
    )
    response = act("not_accept", {})
    assert response.status_code == 400
    assert "Say why the petition is not accepted." in form_of(
        response.content.decode(), "not_accept"
    )
    assert act("acknowledge", {"accepted": "no"}).status_code == 400  # refusing is not_accept
    assert act("acknowledge", {}).status_code == 302
    assert act("extend_reply", {"days": "45", "reason": "复杂"}).status_code == 400
    assert act("extend_reply", {"days": "20", "reason": "情况复杂"}).status_code == 302
    assert act("dispatch", {"unit": str(world["petition_office"].pk)}).status_code == 302
    found.refresh_from_db()
    assert found.extended_days == 20 and found.case.status == Status.DISPATCHED

    signed_in(client, world["petition_clerk"])
    assert act("claim", {}).status_code == 302
    assert act("reply", {"reply": "工资已于本月结清。"}).status_code == 302
    found.refresh_from_db()
    assert found.replied_at is not None and found.case.status == Status.RESOLVED
    html = client.get(reverse("mediation:petitions"), {"queue": "replied"}).content.decode()
    assert found.case.code in html


def test_petition_page_shows_overdue_and_the_petitioners_history(world, client):
    first = petition(world, title="第一次来访")
    second = petition(world, title="第二次来访")
    clock.freeze(clock.now() + timedelta(days=16))
    signed_in(client, world["county_centre"])
    html = client.get(reverse("mediation:petition", args=[second.case.code])).content.decode()
    assert 'id="overdue"' in html
    history = re.search(r'id="history".*?</div>', html, re.S).group(0)
    assert first.case.code in history and second.case.code not in history
    html = client.get(reverse("mediation:petitions"), {"queue": "overdue"}).content.decode()
    assert first.case.code in html and second.case.code in html


def test_petition_links_to_a_dispute_by_its_number(world, client):
    dispute = register(world)
    found = mediation_petition_in_village(world)
    petition_services.petition_acknowledge(
        actor=world["village_centre"], petition_id=found.pk, accepted=True
    )
    signed_in(client, world["village_centre"])
    url = reverse("mediation:petition_act", args=[found.case.code, "link_dispute"])
    response = client.post(url, {"dispute": "SJ0000"})
    assert response.status_code == 404
    assert "Dispute not found." in form_of(response.content.decode(), "link_dispute")
    assert client.post(url, {"dispute": dispute.case.code}).status_code == 302
    found.refresh_from_db()
    assert found.dispute_id == dispute.pk


# --- resident portal ---------------------------------------------------------------------------


def test_resident_applies_and_sees_only_their_own(world, client):
    other = register(world, title="别人的纠纷")
    signed_in(client, world["resident"])
    html = client.get(reverse("h5:home")).content.decode()
    assert f'href="{reverse("resident_mediation:home")}"' in html
    assert client.get(reverse("resident_mediation:apply")).status_code == 200
    response = client.post(
        reverse("resident_mediation:apply"),
        {
            "dispute_type": "neighbour_dispute",
            "description": "邻居长期占用楼道堆放杂物。",
            "other_name": "张某",
            "other_phone": "13800001111",
            "client_id": "apply-once-1",
            **{k: str(v) for k, v in world["point"].items()},
        },
    )
    assert response.status_code == 302
    mine = Dispute.objects.get(case__client_id="apply-once-1")
    assert mine.source == "application" and mine.case.reporter == world["resident"]
    assert response["Location"] == reverse("resident_mediation:dispute", args=[mine.case.code])
    html = client.get(reverse("resident_mediation:home")).content.decode()
    assert mine.case.code in html and other.case.code not in html
    assert client.get(response["Location"]).status_code == 200
    response = client.get(reverse("resident_mediation:dispute", args=[other.case.code]))
    assert response.status_code == 404
    signed_in(client, world["village_centre"])  # staff see only what they applied for here
    response = client.get(reverse("resident_mediation:dispute", args=[mine.case.code]))
    assert response.status_code == 404


def test_resident_application_error_is_shown(world, client):
    signed_in(client, world["resident"])
    response = client.post(
        reverse("resident_mediation:apply"),
        {"dispute_type": "", "description": "x", **{k: str(v) for k, v in world["point"].items()}},
    )
    assert response.status_code == 400
    assert "Unknown dispute type." in response.content.decode()


def test_resident_progress_shows_sessions_and_outcome_but_no_staff_notes(world, client):
    dispute = mediation.dispute_register(
        actor=world["resident"],
        dispute_type="neighbour_dispute",
        title="申请调解",
        source="application",
        parties=[mediation.PartyIn(side="respondent", name="张某")],
        **world["point"],
    )
    in_mediation(world, dispute)
    case_services.case_note(
        actor=world["village_centre"], case_id=dispute.pk, note="内部备注勿外传"
    )
    held_session(world, dispute, record="调解记录勿外传")
    settled(world, dispute)
    signed_in(client, world["resident"])
    html = client.get(
        reverse("resident_mediation:dispute", args=[dispute.case.code])
    ).content.decode()
    assert "村调解室" in html
    assert "Agreement reached" in html
    assert world["village_committee"].name in html
    for secret in ("内部备注勿外传", "调解记录勿外传", world["mediator_a"].label):
        assert secret not in html
    assert html.count('class="done"') == 4 and 'class="current"' in html
