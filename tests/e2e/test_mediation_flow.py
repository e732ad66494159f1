"""Mediation in a real browser: a dispute found in screening registered, accepted with consent,
assigned, mediated in two sessions and settled by agreement (DOCX, follow-up, figures); a failed
mediation referred to the county court; a resident applying on the phone; a petition
acknowledged with its limits shown."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest
from django.utils import timezone

from fengqiao.accounts.services import user_create
from fengqiao.cases import services as case_services
from fengqiao.cases.models import HandlingUnit, Status
from fengqiao.core import clock
from fengqiao.demo import COUNTY_CODE
from fengqiao.mediation import services as mediation
from fengqiao.mediation import sessions
from fengqiao.mediation.committees import mediator_add
from fengqiao.mediation.defaults import ensure_county_mediation
from fengqiao.mediation.models import (
    Dispute,
    FollowUp,
    MediationCommittee,
    Outcome,
    Petition,
    Referral,
)
from fengqiao.regions.models import Region
from fengqiao.registry.models import Person

from .conftest import DEMO_PASSWORD, login, open_step, screenshot, url

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
# A Monday morning in Asia/Shanghai; the live server runs in this process, so the frozen
# clock (fengqiao.core.clock) moves for the pages too.
START = timezone.make_aware(timezone.datetime(2026, 3, 2, 9, 0))
DOCX_BODY = "word/document.xml"  # the part every DOCX package carries


def _staff(username: str, role: str, code: str, name: str):
    return user_create(
        username=username,
        password=DEMO_PASSWORD,
        role=role,
        jurisdiction=[code],
        display_name=name,
        check_password=False,
    )


@pytest.fixture
def mediation_world(users):
    """The county's mediation set-up, a neighbour-dispute mediator of village A
    (`mediator_a`), and a court clerk in the county court's unit; the clock frozen at START."""
    clock.freeze(START)
    ensure_county_mediation(Region.objects.get(code=COUNTY_CODE))
    village_code = users["village_centre"].bindings.get().code
    committee = MediationCommittee.objects.get(region_code=village_code)
    mediator_a = _staff("mediator_a", "mediator", village_code, "甲村调解员 王调解")
    village_mediator = mediator_add(
        actor=users["admin"],
        committee=committee,
        user=mediator_a,
        specialities=["neighbour_dispute"],
    )
    court = HandlingUnit.objects.get(kind="court", region_code=COUNTY_CODE[:6])
    court_clerk = _staff("court_clerk", "handler", COUNTY_CODE, "县法院 立案庭")
    court.members.add(court_clerk)
    micro = users["grid_worker"].bindings.get().grid
    return {
        **users,
        "mediator_a": mediator_a,
        "court_clerk": court_clerk,
        "village_committee": committee,
        "village_mediator": village_mediator,
        "court": court,
        "micro": micro,
        "point": {"lat": micro.centroid_lat, "lng": micro.centroid_lng},
    }


def neighbours(world) -> tuple[Person, Person]:
    """Two people of the grid worker's micro-grid (or of its village, if it has fewer)."""
    people = Person.objects.filter(region_code__startswith=world["micro"].code).order_by("pk")
    if people.count() < 2:
        people = Person.objects.filter(
            region_code__startswith=world["micro"].village.code
        ).order_by("pk")
    return people[0], people[1]


def local_input(at) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%dT%H:%M")


def local_text(at, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return timezone.localtime(at).strftime(fmt)


def act(page, action: str, **fields) -> None:
    """Fill and submit one action form on a dispute or petition page; wait for the page after
    it and check it took (no error beside a form)."""
    form = page.locator(f"form.actform[data-action='{action}']")
    assert form.count() == 1, f"no form for {action}"
    open_step(page, action)
    for name, value in fields.items():
        field = form.locator(f"[name='{name}']")
        kind = field.first.evaluate("e => e.tagName === 'INPUT' ? e.type : e.tagName")
        if kind == "SELECT":
            field.select_option(value)
        elif kind == "checkbox":
            field.set_checked(bool(value))
        elif kind == "radio":
            form.locator(f"[name='{name}'][value='{value}']").check()
        else:
            field.fill(value)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    errors = page.locator(".field-error, .errorbox").all_inner_texts()
    assert not errors, f"{action}: {errors}"


def fresh(dispute: Dispute) -> Dispute:
    """The dispute and its case as stored now (refresh_from_db keeps the cached case)."""
    return Dispute.objects.select_related("case").get(pk=dispute.pk)


def drawn_actions(page) -> set[str]:
    return set(
        page.eval_on_selector_all("form.actform", "forms => forms.map(f => f.dataset.action)")
    )


def timeline_actions(page) -> list[str]:
    return page.eval_on_selector_all("tr[data-action]", "rows => rows.map(r => r.dataset.action)")


def overflow(page) -> int:
    """How many pixels the page is wider than its viewport (0 when nothing sticks out)."""
    return page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def type_point(page, point: dict) -> None:
    """Type the coordinates and leave the field, so the map's change handler runs before the
    submit button is pressed (it moves the page: a click straight from the field misses)."""
    page.fill("#id_lat", str(point["lat"]))
    page.fill("#id_lng", str(point["lng"]))
    page.press("#id_lng", "Tab")
    page.wait_for_selector("#case-map .leaflet-interactive")


def pick_person(page, slot: int, person: Person) -> None:
    """Search the registry from a party block and choose the person among the results."""
    page.fill(f"input[name='party-{slot}-q']", person.name)
    radio = page.locator(f"#party-{slot}-results input[value='{person.pk}']")
    radio.wait_for()
    radio.check()


def docx_text(content: bytes) -> str:
    from docx import Document

    document = Document(io.BytesIO(content))
    texts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            texts += [cell.text for cell in row.cells]
    return "\n".join(texts)


# 1 -------------------------------------------------------------------------------------------


def test_dispute_found_in_screening_is_mediated_to_an_agreement_and_followed_up(
    new_page, mediation_world, tmp_path
):
    world = mediation_world
    applicant, respondent = neighbours(world)

    # The grid worker registers what screening found, picking both parties in the registry.
    worker = new_page("grid_worker")
    login(worker, "grid_worker")
    worker.goto(url(worker, "/mediation/new/"))
    worker.select_option("#id_source", "screening")
    worker.select_option("#id_dispute_type", "neighbour_dispute")
    worker.fill("#id_title", "楼上漏水致楼下受损")
    worker.fill("#id_description", "排查发现：楼上卫生间漏水，楼下天花板受损，双方多次争吵。")
    pick_person(worker, 0, applicant)
    pick_person(worker, 1, respondent)
    type_point(worker, world["point"])
    screenshot(worker, "mediation_flow_register_filled")
    assert overflow(worker) == 0
    with worker.expect_navigation():
        worker.click("#dispute-form button[type=submit]")
    dispute = Dispute.objects.get(case__title="楼上漏水致楼下受损")
    code = dispute.case.code
    page_path = f"/mediation/{code}/"
    assert worker.url == url(worker, page_path)
    assert dispute.source == "screening" and dispute.case.reporter == world["grid_worker"]
    assert {p.person_id for p in dispute.parties.all()} == {applicant.pk, respondent.pk}
    parties = worker.inner_text("#parties")
    assert applicant.name in parties and respondent.name in parties
    screenshot(worker, "mediation_flow_registered")

    # The village centre accepts it with the parties' consent and assigns the suggested mediator.
    centre = new_page("village_centre")
    login(centre, "village_centre")
    centre.goto(url(centre, "/mediation/?queue=to_accept"))
    assert centre.locator(f"[data-code='{code}']").count() >= 1
    screenshot(centre, "mediation_flow_queue_to_accept")
    centre.goto(url(centre, page_path))
    assert {"accept_mediation", "reject"} <= drawn_actions(centre)
    act(centre, "accept_mediation", consent=True, consent_note="双方在申请书上签字同意调解")
    assert "双方在申请书上签字同意调解" in centre.inner_text("dl.facts")
    open_step(centre, "assign")
    first = centre.locator("form.actform[data-action='assign'] label.suggestion").first
    assert world["village_mediator"].name in first.inner_text()
    assert first.locator("input[name=mediator_id]").is_checked()
    screenshot(centre, "mediation_flow_assign")
    act(centre, "assign")
    dispute = fresh(dispute)
    assert dispute.mediator == world["village_mediator"]
    assert dispute.case.status == Status.DISPATCHED

    # The mediator claims, plans a session, holds two and concludes with an agreement.
    mediator = new_page("mediator_a")
    login(mediator, "mediator_a")
    mediator.goto(url(mediator, page_path))
    act(mediator, "claim")
    planned_at = START + timedelta(days=1, hours=1)
    act(mediator, "session_plan", starts_at=local_input(planned_at), place="村调解室")
    assert "村调解室" in mediator.inner_text("#sessions")

    clock.freeze(planned_at + timedelta(hours=2))
    mediator.reload()
    planned = dispute.sessions.get()
    act(
        mediator,
        "session",
        session_id=str(planned.pk),
        held_at=local_input(planned_at),
        place="村调解室",
        participants="申请人、被申请人、调解员",
        record="双方陈述意见，对赔偿金额分歧较大。",
    )
    clock.freeze(planned_at + timedelta(days=2))
    mediator.reload()
    act(
        mediator,
        "session",
        place="楼下住户家中",
        participants="申请人、被申请人、调解员、物业人员",
        record="现场查看受损情况，双方就赔偿和维修达成一致。",
    )
    rows = mediator.locator("#sessions tbody tr.held")
    assert rows.count() == 2
    screenshot(mediator, "mediation_flow_sessions")
    act(
        mediator,
        "conclude",
        outcome="agreement",
        result="达成调解协议",
        facts="楼上卫生间漏水致楼下天花板受损。",
        terms="被申请人赔偿维修费2000元。\n被申请人十日内修复卫生间防水层。\n",
        performance="赔偿款于三日内当面付清。",
    )
    dispute = fresh(dispute)
    assert dispute.outcome == Outcome.AGREEMENT and dispute.case.status == Status.RESOLVED
    agreement = dispute.agreement
    card = mediator.inner_text("#agreement")
    assert agreement.number in card
    assert mediator.locator("#agreement ol.terms li").all_inner_texts() == [
        "被申请人赔偿维修费2000元。",
        "被申请人十日内修复卫生间防水层。",
    ]

    # The follow-up visit is scheduled with its due date.
    follow_up = FollowUp.objects.get(dispute=dispute)
    assert follow_up.due_on.isoformat() in mediator.inner_text("#follow-ups")
    screenshot(mediator, "mediation_flow_concluded")

    # The agreement downloads as a DOCX naming both parties.
    with mediator.expect_download() as info:
        mediator.click("#agreement-download")
    download = info.value
    assert download.suggested_filename.endswith(".docx")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    content = saved.read_bytes()
    assert content[:2] == b"PK"
    assert DOCX_BODY in zipfile.ZipFile(io.BytesIO(content)).namelist()
    text = docx_text(content)
    for name in (applicant.name, respondent.name, "被申请人赔偿维修费2000元。"):
        assert name in text

    # The figures show the village committee with one dispute settled this month.
    centre.goto(url(centre, "/mediation/metrics/?period=this_month"))
    committee_row = centre.locator(
        "table.figures tbody tr", has_text=world["village_committee"].name
    ).first
    cells = committee_row.locator("td").all_inner_texts()
    assert cells[1].strip() == "1", cells
    assert centre.inner_text("[data-figure=settled] b").strip() == "1"
    screenshot(centre, "mediation_flow_metrics")
    assert overflow(centre) == 0

    # When the visit comes due it is listed on the follow-ups page and recorded there.
    clock.freeze(timezone.make_aware(timezone.datetime.combine(follow_up.due_on, START.time())))
    mediator.goto(url(mediator, "/mediation/follow-ups/"))
    row = mediator.locator(f"tr[data-follow-up='{follow_up.pk}']")
    assert row.count() == 1 and code in row.inner_text()
    assert follow_up.due_on.isoformat() in row.inner_text()
    row.locator("select[name=result]").select_option("stable")
    row.locator("input[name=note]").fill("协议已履行完毕，双方关系缓和")
    screenshot(mediator, "mediation_flow_follow_up_due")
    with mediator.expect_navigation():
        row.locator("button[type=submit]").click()
    follow_up.refresh_from_db()
    assert follow_up.result == "stable" and follow_up.done_by == world["mediator_a"]
    assert mediator.locator(f"tr[data-follow-up='{follow_up.pk}']").count() == 0

    mediator.goto(url(mediator, page_path))
    assert "协议已履行完毕" in mediator.inner_text("#follow-ups")
    assert timeline_actions(mediator) == [
        "report",
        "accept_mediation",
        "assign",
        "claim",
        "session_plan",
        "session",
        "session",
        "conclude",
        "follow_up",
    ]
    screenshot(mediator, "mediation_flow_dispute_done")


# 2 -------------------------------------------------------------------------------------------


def test_failed_mediation_is_referred_to_the_court_and_its_result_shown(new_page, mediation_world):
    world = mediation_world
    applicant, respondent = neighbours(world)
    dispute = mediation.dispute_register(
        actor=world["village_centre"],
        dispute_type="neighbour_dispute",
        title="宅前通道占用纠纷",
        source="walk_in",
        parties=[
            mediation.PartyIn(side="applicant", person_id=applicant.pk),
            mediation.PartyIn(side="respondent", person_id=respondent.pk),
        ],
        **world["point"],
    )
    mediation.dispute_accept(actor=world["village_centre"], dispute_id=dispute.pk, consent=True)
    mediation.dispute_assign(
        actor=world["village_centre"],
        dispute_id=dispute.pk,
        mediator_id=world["village_mediator"].pk,
    )
    case_services.case_claim(actor=world["mediator_a"], case_id=dispute.pk)
    sessions.session_record(
        actor=world["mediator_a"],
        dispute_id=dispute.pk,
        held_at=START - timedelta(hours=1),
        place="村调解室",
        participants="申请人、被申请人、调解员",
        record="双方各执一词，调解未果。",
    )
    code = dispute.case.code
    page_path = f"/mediation/{code}/"

    mediator = new_page("mediator_a")
    login(mediator, "mediator_a")
    mediator.goto(url(mediator, page_path))
    open_step(mediator, "refer")
    refer = mediator.locator("form.actform[data-action='refer']")
    assert world["court"].name in refer.inner_text()
    screenshot(mediator, "mediation_referral_refer_form")
    act(
        mediator,
        "refer",
        way="court",
        to_unit_id=str(world["court"].pk),
        reason="调解不成，当事人同意诉调对接。",
    )
    referral = Referral.objects.get(dispute=dispute)
    assert referral.to_unit == world["court"] and referral.way == "court"
    assert world["court"].name in mediator.inner_text("#referrals")

    clerk = new_page("court_clerk")
    login(clerk, "court_clerk")
    clerk.goto(url(clerk, "/mediation/referrals/"))
    row = clerk.locator(f"tr[data-referral='{referral.pk}']")
    assert row.count() == 1
    assert code in row.inner_text() and "调解不成" in row.inner_text()
    screenshot(clerk, "mediation_referral_received")
    with clerk.expect_navigation():
        row.locator("input[name=action][value=referral_accept] ~ button").click()
    referral.refresh_from_db()
    assert referral.state == Referral.State.ACCEPTED

    row = clerk.locator(f"tr[data-referral='{referral.pk}']")
    form = row.locator("form:has(select[name=action])")
    form.locator("select[name=action]").select_option("referral_settled")
    form.locator("input[name=result]").fill("诉前调解成功，双方签订调解协议。")
    screenshot(clerk, "mediation_referral_return")
    with clerk.expect_navigation():
        form.locator("button[type=submit]").click()
    assert not clerk.locator(".field-error, .errorbox").all_inner_texts()
    referral.refresh_from_db()
    dispute.case.refresh_from_db()
    assert referral.is_settled is True and dispute.case.status == Status.RESOLVED
    clerk.goto(url(clerk, "/mediation/referrals/?tab=in&all=1"))
    assert "诉前调解成功" in clerk.inner_text(f"tr[data-referral='{referral.pk}']")

    mediator.goto(url(mediator, page_path))
    referrals = mediator.inner_text("#referrals")
    assert "诉前调解成功，双方签订调解协议。" in referrals and "✓" in referrals
    assert "诉前调解成功" in mediator.inner_text("dl.facts")
    assert {"refer", "referral_settled"} <= set(timeline_actions(mediator))
    screenshot(mediator, "mediation_referral_result")


# 3 -------------------------------------------------------------------------------------------


def test_resident_applies_on_the_phone_and_follows_progress(new_page, mediation_world):
    world = mediation_world
    resident = world["resident"]
    dwelling = resident.person.dwelling
    point = (
        {"latitude": dwelling.lat, "longitude": dwelling.lng}
        if dwelling is not None and dwelling.lat is not None
        else {"latitude": world["point"]["lat"], "longitude": world["point"]["lng"]}
    )
    tab = new_page("resident", viewport=PHONE)
    tab.context.grant_permissions(["geolocation"])
    tab.context.set_geolocation(point)
    login(tab, "resident")
    tab.goto(url(tab, "/h5/mediation/"))
    assert tab.locator("#my-disputes li[data-code]").count() == 0
    screenshot(tab, "mediation_h5_home_empty")

    with tab.expect_navigation():
        tab.click("#apply-tile")
    assert tab.url == url(tab, "/h5/mediation/apply/")
    tab.select_option("#id_dispute_type", "neighbour_dispute")
    tab.fill("#id_title", "邻居占用楼道")
    tab.fill("#id_description", "邻居长期在楼道堆放杂物，影响通行，沟通无果。")
    tab.fill("#id_other_name", "张某")
    tab.fill("#id_other_phone", "13800001111")
    tab.click("#gps-button")
    tab.wait_for_selector("#gps-state[data-state=found]")
    assert tab.input_value("#id_lat")
    screenshot(tab, "mediation_h5_apply")
    assert overflow(tab) == 0
    with tab.expect_navigation():
        tab.click("#submit-apply")
    dispute = Dispute.objects.get(case__reporter=resident)
    code = dispute.case.code
    assert tab.url == url(tab, f"/h5/mediation/{code}/")
    assert dispute.source == "application"
    assert {p.side: p.name for p in dispute.parties.all()}["respondent"] == "张某"
    stages = tab.locator("#stages li")
    assert stages.count() == 5
    assert stages.nth(0).get_attribute("class") == "current"
    assert tab.locator("#progress li[data-action=report]").count() == 1
    screenshot(tab, "mediation_h5_progress")
    assert overflow(tab) == 0

    tab.goto(url(tab, "/h5/mediation/"))
    card = tab.locator(f"#my-disputes li[data-code='{code}']")
    assert card.count() == 1 and "邻居占用楼道" in card.inner_text()
    screenshot(tab, "mediation_h5_home_listed")
    assert overflow(tab) == 0

    # Accepted and assigned: the resident sees the stage move and the committee, no staff names.
    mediation.dispute_accept(actor=world["village_centre"], dispute_id=dispute.pk, consent=True)
    mediation.dispute_assign(
        actor=world["village_centre"],
        dispute_id=dispute.pk,
        mediator_id=world["village_mediator"].pk,
    )
    with tab.expect_navigation():
        card.locator("a").click()
    assert tab.locator("#stages li.done").count() == 2
    assert world["village_committee"].name in tab.inner_text("main")
    assert world["mediator_a"].label not in tab.inner_text("body")
    screenshot(tab, "mediation_h5_progress_assigned")

    # Staff pages send the resident back to the portal; actions are refused.
    for path in ("/mediation/", f"/mediation/{code}/", "/mediation/metrics/", "/mediation/new/"):
        tab.goto(url(tab, path))
        assert tab.url == url(tab, "/h5/"), path
    # A POST with a valid CSRF token (from the application form) is refused by the view.
    tab.goto(url(tab, "/h5/mediation/apply/"))
    token = tab.input_value("#apply-form input[name=csrfmiddlewaretoken]")
    response = tab.request.post(
        url(tab, f"/mediation/{code}/act/note/"),
        form={"csrfmiddlewaretoken": token, "note": "居民不能添加备注"},
        max_redirects=0,
    )
    assert response.status == 403
    assert not dispute.case.events.filter(action="note").exists()


# 4 -------------------------------------------------------------------------------------------


def test_petition_registered_acknowledged_and_its_limits_shown(new_page, mediation_world):
    world = mediation_world
    desk = new_page("county_centre")
    login(desk, "county_centre")
    desk.goto(url(desk, "/mediation/petitions/new/"))
    desk.select_option("#id_form", "visit")
    desk.select_option("#id_category", "petition_land")
    desk.fill("#id_title", "反映征地补偿款未到位")
    desk.fill("#id_matter", "村民六人来访，要求落实二〇二五年征地补偿款。")
    desk.fill("#id_petitioner_name", "李某")
    desk.fill("#id_id_number", "11010519491231002X")
    desk.fill("input[name=visitors]", "6")
    type_point(desk, world["point"])
    screenshot(desk, "mediation_petition_new")
    assert overflow(desk) == 0
    with desk.expect_navigation():
        desk.click("#petition-form button[type=submit]")
    petition = Petition.objects.get(case__title="反映征地补偿款未到位")
    code = petition.case.code
    assert desk.url == url(desk, f"/mediation/petitions/{code}/")
    main = desk.inner_text("main")
    assert petition.petitioner_id_masked in main and "11010519491231002X" not in main
    assert desk.locator(".badge.collective").count() == 1
    limits = desk.inner_text("#limits")
    assert local_text(petition.acknowledge_due_at) in limits
    assert petition.reply_due_at is None
    screenshot(desk, "mediation_petition_registered")

    act(desk, "acknowledge", note="材料齐全，予以受理")
    petition.refresh_from_db()
    assert petition.acknowledged_at is not None and petition.is_accepted
    assert petition.reply_due_at == petition.acknowledged_at + timedelta(days=60)
    limits = desk.inner_text("#limits")
    assert local_text(petition.acknowledge_due_at) in limits
    assert local_text(petition.acknowledged_at, "%Y-%m-%d") in limits
    assert local_text(petition.reply_due_at) in limits
    assert desk.locator("#limits .badge.overdue").count() == 0
    assert desk.locator("#overdue").count() == 0
    assert "acknowledge" in timeline_actions(desk)
    screenshot(desk, "mediation_petition_acknowledged")
    assert overflow(desk) == 0
