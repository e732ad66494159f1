"""Mediation API over HTTP with bearer tokens: walks, refusals, jurisdiction, query counts."""

import io
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fengqiao.cases import services as case_services
from fengqiao.cases.models import Case
from fengqiao.core import clock
from fengqiao.demo import COUNTY_CODE
from fengqiao.mediation import petitions, referrals, selectors, sessions
from fengqiao.mediation import services as mediation
from fengqiao.mediation.models import Dispute, FollowUp, Referral
from fengqiao.regions.models import Grid
from fengqiao.registry.models import Person

PASSWORD = "fengqiao-demo"
START = timezone.make_aware(timezone.datetime(2026, 3, 2, 9, 0))
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ID_NUMBER = "11010519491231002X"


@pytest.fixture(autouse=True)
def at_start():
    clock.freeze(START)
    yield START
    clock.freeze(None)


@pytest.fixture
def api(world):
    """api("mediator_a") → a Client with a fresh bearer token of that account (tokens are
    issued at the frozen time, so a test that moves the clock asks again)."""

    def client_for(username: str) -> Client:
        response = Client().post(
            "/api/v1/auth/token",
            {"username": username, "password": PASSWORD},
            content_type="application/json",
        )
        assert response.status_code == 200, response.content
        token = response.json()["token"]
        return Client(headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"})

    return client_for


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _post(client: Client, url: str, body: dict | None = None):
    return client.post(url, body or {}, content_type="application/json")


def _ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.content
    return response.json()


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _advance(days: float) -> None:
    clock.freeze(clock.now() + timedelta(days=days))


def _neighbours(world) -> tuple[Person, Person]:
    people = Person.objects.filter(region_code__startswith=world["micro"].code).order_by("pk")
    if people.count() < 2:
        people = Person.objects.filter(
            region_code__startswith=world["micro"].village.code
        ).order_by("pk")
    return people[0], people[1]


def _dispute_body(world, **extra) -> dict:
    applicant, respondent = _neighbours(world)
    return {
        "dispute_type": "neighbour_dispute",
        "title": "邻居楼上漏水纠纷",
        "description": "楼上卫生间漏水，楼下天花板受损。",
        "source": "walk_in",
        "parties": [
            {"side": "applicant", "person_id": applicant.pk},
            {"side": "respondent", "person_id": respondent.pk},
            {"side": "third_party", "name": "物业公司经理", "phone": "13800001111"},
        ],
        "amount": "3500",
        **world["point"],
        **extra,
    }


def _register(client: Client, world, **extra) -> dict:
    return _ok(_post(client, "/api/v1/disputes", _dispute_body(world, **extra)), 201)


def _service_dispute(world, title="邻居漏水纠纷") -> Dispute:
    applicant, respondent = _neighbours(world)
    return mediation.dispute_register(
        actor=world["village_centre"],
        dispute_type="neighbour_dispute",
        title=title,
        source="walk_in",
        parties=[
            mediation.PartyIn(side="applicant", person_id=applicant.pk),
            mediation.PartyIn(side="respondent", person_id=respondent.pk),
        ],
        **world["point"],
    )


def _service_in_mediation(world, title="邻居漏水纠纷") -> Dispute:
    """A dispute claimed by mediator_a with one session held."""
    dispute = _service_dispute(world, title)
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
        held_at=clock.now() - timedelta(hours=1),
        place="村调解室",
        participants="双方当事人、调解员",
        record="双方陈述意见",
    )
    return dispute


def _service_petition(world, title="反映征地补偿款未到位", **extra):
    return petitions.petition_register(
        actor=world["county_centre"],
        form="visit",
        category_code="petition_land",
        title=title,
        matter="要求落实征地补偿款。",
        petitioner_name="李某",
        id_number=ID_NUMBER,
        **world["point"],
        **extra,
    )


# --- the walks ---------------------------------------------------------------------------------


def test_dispute_walks_register_to_follow_up_when_each_account_acts_over_api(api, world, media):
    centre, mediator = api("village_centre"), api("mediator_a")
    registered = _register(centre, world)
    code = registered["code"]
    assert registered["status"] == "reported" and registered["source"] == "walk_in"
    assert registered["amount"] == "3500.00"
    third = [p for p in registered["parties"] if p["side"] == "third_party"][0]
    assert third["phone"] == "138****1111"
    assert "13800001111" not in str(registered)
    assert {"accept_mediation", "reject"} <= {a["action"] for a in registered["actions"]}

    act = f"/api/v1/disputes/{code}/actions"
    accepted = _ok(_post(centre, f"{act}/accept_mediation", {"consent": True}))
    assert accepted["status"] == "accepted" and accepted["consent_at"]
    suggestions = _ok(centre.get(f"/api/v1/disputes/{code}/mediators"))
    assert suggestions[0]["id"] == world["village_mediator"].pk
    assert suggestions[0]["specialist"] is True and suggestions[0]["near"] == 12
    assigned = _ok(_post(centre, f"{act}/assign", {"mediator_id": suggestions[0]["id"]}))
    assert assigned["status"] == "dispatched"
    assert assigned["mediator_name"] == world["village_mediator"].name
    assert assigned["committee_name"] == world["village_committee"].name
    assert _ok(_post(mediator, f"{act}/claim"))["status"] == "claimed"

    starts_at = (clock.now() + timedelta(days=2)).isoformat()
    plan = _post(mediator, f"{act}/session_plan", {"starts_at": starts_at, "place": "村调解室"})
    (planned,) = _ok(plan)["sessions"]
    assert planned["is_held"] is False and planned["seq"] == 1 and planned["dispute"] == code
    calendar = _ok(api("village_centre").get("/api/v1/mediation/sessions"))
    assert [s["id"] for s in calendar["items"]] == [planned["id"]]
    _advance(2)
    mediator = api("mediator_a")
    held = _post(
        mediator,
        f"{act}/session",
        {
            "session_id": planned["id"],
            "held_at": clock.now().isoformat(),
            "place": "村调解室",
            "participants": "申请人、被申请人、调解员",
            "record": "经释法说理，双方就赔偿金额达成一致。",
        },
    )
    (session,) = _ok(held)["sessions"]
    assert session["id"] == planned["id"] and session["is_held"] is True

    concluded = _ok(
        _post(
            mediator,
            f"{act}/conclude",
            {
                "outcome": "agreement",
                "result": "双方达成调解协议",
                "facts": "楼上卫生间漏水致楼下天花板受损。",
                "terms": ["被申请人赔偿维修费2000元。", "被申请人于十日内修复防水层。"],
                "performance": "2026年3月20日前一次性付清。",
            },
        )
    )
    assert concluded["status"] == "resolved" and concluded["outcome"] == "agreement"
    agreement = concluded["agreement"]
    assert agreement["number"].endswith("调字第0001号") and agreement["is_signed"] is False
    assert [f["due_on"] for f in concluded["follow_ups"]] == [
        (clock.localdate() + timedelta(days=30)).isoformat()
    ]

    download = mediator.get(agreement["url"])
    assert download.status_code == 200
    assert download["Content-Type"] == DOCX
    assert download["Content-Disposition"] == f'attachment; filename="{code}-agreement.docx"'
    from docx import Document

    text = "\n".join(p.text for p in Document(io.BytesIO(download.content)).paragraphs)
    assert "一、被申请人赔偿维修费2000元。" in text
    signed = mediator.post(
        f"/api/v1/disputes/{code}/agreement/signed", {"file": _upload("signed.pdf", PDF)}
    )
    assert _ok(signed)["is_signed"] is True and len(signed.json()["signed_sha256"]) == 64

    _advance(30)
    mediator = api("mediator_a")
    due = _ok(mediator.get("/api/v1/follow-ups"))["items"]
    assert [(f["dispute"], f["done_at"]) for f in due] == [(code, None)]
    visit = {"follow_up_id": due[0]["id"], "result": "stable", "note": "已履行"}
    (visited,) = _ok(_post(mediator, f"{act}/follow_up", visit))["follow_ups"]
    assert visited["result"] == "stable" and visited["done_at"]
    assert _ok(mediator.get("/api/v1/follow-ups"))["count"] == 0
    page = _ok(mediator.get(f"/api/v1/disputes/{code}"))
    assert [s["is_held"] for s in page["sessions"]] == [True]
    assert list(Case.objects.get(code=code).events.values_list("action", flat=True)) == [
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
    assert case_services.verify_log(Case.objects.get(code=code)) == []


def test_court_referral_walks_refer_accept_and_return_when_mediation_fails(api, world):
    code = _service_in_mediation(world).case.code
    mediator = api("mediator_a")
    act = f"/api/v1/disputes/{code}/actions"
    wrong_way = _post(
        mediator,
        f"{act}/refer",
        {"way": "police", "to_unit_id": world["court"].pk, "reason": "调解不成"},
    )
    assert wrong_way.status_code == 400 and wrong_way.json()["field"] == "to_unit_id"
    (referral,) = _ok(
        _post(
            mediator,
            f"{act}/refer",
            {"way": "court", "to_unit_id": world["court"].pk, "reason": "调解不成，诉调对接"},
        )
    )["referrals"]
    assert referral["state"] == "pending" and referral["dispute"] == code
    assert referral["to_unit_name"] == world["court"].name

    clerk = api("court_clerk")
    inbox = _ok(clerk.get("/api/v1/referrals/in"))["items"]
    assert [r["id"] for r in inbox] == [referral["id"]]
    assert _ok(api("village_centre").get("/api/v1/disputes", {"queue": "referred"}))["count"] == 1
    answer = {"referral_id": referral["id"]}
    (accepted,) = _ok(_post(clerk, f"{act}/referral_accept", answer))["referrals"]
    assert accepted["state"] == "accepted" and accepted["accepted_at"]
    assert _ok(clerk.get(f"/api/v1/disputes/{code}"))["assignee_label"] == "县法院 立案庭"
    (returned,) = _ok(
        _post(
            clerk, f"{act}/referral_settled", {**answer, "result": "诉前调解成功，出具民事调解书"}
        )
    )["referrals"]
    assert returned["state"] == "returned" and returned["is_settled"] is True
    again = _post(clerk, f"{act}/referral_accept", answer)
    # The dispute is settled now: the table refuses the step before the referral is read.
    assert again.status_code == 409 and again.json()["code"] == "illegal_transition"

    page = _ok(mediator.get(f"/api/v1/disputes/{code}"))
    assert page["status"] == "resolved"
    assert [(r["state"], r["result"]) for r in page["referrals"]] == [
        ("returned", "诉前调解成功，出具民事调解书")
    ]
    sent = _ok(mediator.get("/api/v1/referrals/out"))["items"]
    assert [(r["id"], r["state"]) for r in sent] == [(referral["id"], "returned")]
    assert _ok(clerk.get("/api/v1/referrals/in"))["count"] == 0
    everything = _ok(clerk.get("/api/v1/referrals/in", {"open_only": False}))["items"]
    assert [r["id"] for r in everything] == [referral["id"]]


def test_declined_referral_goes_back_to_the_mediator_when_the_court_refuses(api, world):
    code = _service_in_mediation(world).case.code
    referral = referrals.dispute_refer(
        actor=world["mediator_a"],
        dispute_id=Case.objects.get(code=code).pk,
        way="court",
        to_unit_id=world["court"].pk,
        reason="调解不成",
    )
    url = f"/api/v1/disputes/{code}/actions/referral_decline"
    refused = _post(api("court_clerk"), url, {"referral_id": referral.pk, "reason": " "})
    assert refused.status_code == 400 and refused.json()["field"] == "reason"
    (declined,) = _ok(_post(api("court_clerk"), url, {"reason": "材料不全"}))["referrals"]
    assert declined["state"] == "declined"
    page = _ok(api("mediator_a").get(f"/api/v1/disputes/{code}"))
    assert page["status"] == "claimed" and page["assignee_label"] == world["mediator_a"].label
    assert "refer" in {a["action"] for a in page["actions"]}


def test_court_outside_the_jurisdiction_answers_a_confirmation_request_on_the_dispute(api, world):
    from fengqiao.accounts.services import user_create

    dispute = _service_in_mediation(world)
    mediation.dispute_conclude(
        actor=world["mediator_a"],
        dispute_id=dispute.pk,
        outcome="agreement",
        result="达成协议",
        facts="漏水",
        terms=["赔偿2000元"],
        performance="当场履行",
    )
    referrals.confirmation_request(
        actor=world["mediator_a"], dispute_id=dispute.pk, to_unit_id=world["court"].pk
    )
    clerk = user_create(
        username="court_clerk_b",
        password=PASSWORD,
        role="handler",
        jurisdiction=[world["village_centre_b"].bindings.get().code],
        display_name="法院 乙村联络员",
        check_password=False,
    )
    world["court"].members.add(clerk)
    client, code = api("court_clerk_b"), dispute.case.code
    act = f"/api/v1/disputes/{code}/actions"
    assert client.get(f"/api/v1/disputes/{code}").status_code == 404
    (accepted,) = _ok(_post(client, f"{act}/confirmation_accept"))["referrals"]
    assert accepted["purpose"] == "confirmation" and accepted["state"] == "accepted"
    note = _post(client, f"{act}/note", {"note": "x"})  # the referral admits its answers only
    assert note.status_code == 403
    ruled = _post(client, f"{act}/confirmation_result", {"confirmed": True, "result": "确认有效"})
    (returned,) = _ok(ruled)["referrals"]
    assert returned["state"] == "returned" and returned["is_settled"] is True
    assert _post(client, f"{act}/confirmation_accept").status_code == 404  # answered: out of reach


def test_petition_is_acknowledged_routed_claimed_and_replied_over_api(api, world):
    centre = api("county_centre")
    registered = _ok(
        _post(
            centre,
            "/api/v1/petitions",
            {
                "form": "visit",
                "category": "petition_land",
                "title": "反映征地补偿款未到位",
                "matter": "要求落实征地补偿款。",
                "petitioner_name": "李某",
                "id_number": ID_NUMBER,
                "phone": "13912345678",
                "visitors": 6,
                **world["point"],
            },
        ),
        201,
    )
    code = registered["code"]
    assert registered["is_collective"] is True and registered["status"] == "reported"
    assert registered["petitioner_id_masked"] and ID_NUMBER not in str(registered)
    assert registered["phone"] == "139****5678"
    assert _at(registered["acknowledge_due_at"]) == START + timedelta(days=15)
    assert {"acknowledge", "not_accept"} <= {a["action"] for a in registered["actions"]}

    _advance(3)
    centre = api("county_centre")
    act = f"/api/v1/petitions/{code}/actions"
    acknowledged = _ok(_post(centre, f"{act}/acknowledge", {"accepted": True}))
    assert acknowledged["status"] == "accepted" and acknowledged["is_accepted"] is True
    assert _at(acknowledged["reply_due_at"]) == clock.now() + timedelta(days=60)
    routed = _ok(_post(centre, f"{act}/dispatch", {"unit_id": world["petition_office"].pk}))
    assert routed["status"] == "dispatched" and routed["unit_name"] == world["petition_office"].name
    clerk = api("petition_clerk")
    assert _ok(clerk.get("/api/v1/petitions", {"queue": "mine"}))["count"] == 1
    assert _ok(_post(clerk, f"{act}/claim"))["status"] == "claimed"
    _advance(40)
    clerk = api("petition_clerk")
    replied = _ok(_post(clerk, f"{act}/reply", {"reply": "补偿款已发放到位。"}))
    assert replied["status"] == "resolved" and replied["reply"] == "补偿款已发放到位。"
    assert replied["reply_overdue"] is False

    figures = _ok(api("county_centre").get("/api/v1/petitions/metrics"))
    assert figures["registered"] == 1 and figures["collective"] == 1
    assert figures["acknowledged_on_time_rate"] == 1.0
    assert figures["replied_on_time_rate"] == 1.0 and figures["overdue_now"] == 0


def test_petition_shows_overdue_and_history_when_its_limits_pass(api, world):
    silent = _service_petition(world, title="来信反映问题")
    late = _service_petition(world, title="反映欠薪")
    dispute = _service_dispute(world)
    centre = api("county_centre")
    act = f"/api/v1/petitions/{late.case.code}/actions"
    _ok(_post(centre, f"{act}/acknowledge"))
    extended = _post(centre, f"{act}/extend_reply", {"days": 30, "reason": "情况复杂"})
    assert _ok(extended)["extended_days"] == 30
    again = _post(centre, f"{act}/extend_reply", {"days": 5, "reason": "再次延期"})
    assert again.status_code == 409 and again.json()["code"] == "extended"
    linked = _post(centre, f"{act}/link_dispute", {"dispute": dispute.case.code})
    assert _ok(linked)["dispute"] == dispute.case.code

    _advance(16)
    centre = api("county_centre")
    overdue = _ok(centre.get("/api/v1/petitions", {"queue": "overdue"}))["items"]
    assert [p["code"] for p in overdue] == [silent.case.code]
    assert overdue[0]["acknowledge_overdue"] is True and overdue[0]["reply_overdue"] is False
    _advance(75)  # 91 days: past 60 + 30
    centre = api("county_centre")
    overdue = _ok(centre.get("/api/v1/petitions", {"queue": "overdue"}))["items"]
    assert {p["code"] for p in overdue} == {silent.case.code, late.case.code}
    page = _ok(centre.get(f"/api/v1/petitions/{silent.case.code}"))
    assert page["acknowledge_overdue"] is True and page["history_count"] == 1
    history = _ok(centre.get(f"/api/v1/petitions/{silent.case.code}/history"))["items"]
    assert [(p["code"], p["reply_overdue"]) for p in history] == [(late.case.code, True)]
    assert _ok(centre.get("/api/v1/petitions/metrics"))["overdue_now"] == 2


def test_screening_round_is_opened_and_reported_with_its_findings_over_api(api, world):
    village = world["micro"].village
    opened = _post(
        api("village_centre"),
        "/api/v1/screening/rounds",
        {"region": village.code, "starts_on": "2026-03-01", "ends_on": "2026-03-15"},
    )
    (round_,) = _ok(opened, 201)
    assert round_["village_code"] == village.code
    code = _register(api("grid_worker"), world, source="screening")["code"]
    worker = api("grid_worker")
    url = f"/api/v1/screening/rounds/{round_['id']}/reports"
    contradictory = _post(
        worker, url, {"grid": world["micro"].parent.code, "nothing_found": True, "disputes": [code]}
    )
    assert contradictory.status_code == 400 and contradictory.json()["field"] == "nothing_found"
    report = _ok(_post(worker, url, {"grid": world["micro"].parent.code, "disputes": [code]}), 201)
    assert report["disputes"] == [code] and report["grid_code"] == world["micro"].parent.code
    again = _post(worker, url, {"grid_id": world["micro"].parent.pk, "nothing_found": True})
    assert again.status_code == 409 and again.json()["field"] == "grid"
    (row,) = _ok(api("village_centre").get("/api/v1/screening/rounds"))["items"]
    assert (row["report_count"], row["finding_count"]) == (1, 1)
    assert row["grid_count"] == Grid.objects.filter(village=village, parent=None).count()


def test_queues_metrics_and_committees_answer_for_the_caller(api, world):
    dispute = _service_in_mediation(world)
    mediation.dispute_conclude(
        actor=world["mediator_a"],
        dispute_id=dispute.pk,
        outcome="agreement",
        result="达成协议",
        facts="漏水",
        terms=["赔偿2000元"],
        performance="当场履行",
    )
    _service_dispute(world, title="另一起纠纷")
    centre = api("village_centre")
    queues = {row["queue"]: row["count"] for row in _ok(centre.get("/api/v1/disputes/queues"))}
    assert set(queues) == set(selectors.DISPUTE_QUEUES)
    assert queues["to_accept"] == 1 and queues["settled"] == 1
    figures = _ok(centre.get("/api/v1/disputes/metrics"))
    assert figures["settled"] == 1 and figures["mediation_success_rate"] == 1.0
    assert [c["name"] for c in figures["committees"]] == [world["village_committee"].name]
    assert _ok(centre.get("/api/v1/disputes/metrics", {"end": "2026-01-01"}))["settled"] == 0
    backwards = centre.get("/api/v1/disputes/metrics", {"start": "2026-03-02", "end": "2026-03-01"})
    assert backwards.status_code == 400 and backwards.json()["field"] == "end"
    committees = _ok(centre.get("/api/v1/mediation/committees"))["items"]
    names = {c["name"] for c in committees}
    assert {world["village_committee"].name, world["township_committee"].name} <= names
    assert _ok(api("resident").get("/api/v1/mediation/committees"))["count"] == 0


def test_register_is_idempotent_when_the_same_client_id_is_sent_twice(api, world):
    client = api("grid_worker")
    first = _register(client, world, client_id="phone-7f3a-0101")
    again = _post(client, "/api/v1/disputes", _dispute_body(world, client_id="phone-7f3a-0101"))
    assert again.status_code == 200 and again.json()["code"] == first["code"]
    assert Dispute.objects.filter(case__client_id="phone-7f3a-0101").count() == 1


# --- refusals ----------------------------------------------------------------------------------


def test_errors_come_with_code_and_field_when_requests_are_refused(api, world):
    centre = api("village_centre")
    code = _register(centre, world)["code"]

    act = f"/api/v1/disputes/{code}/actions"
    # The step is checked before its body is read: the state refuses it first.
    assert _post(centre, f"{act}/assign", {"mediator_id": "one"}).status_code == 409
    bad_queue = centre.get("/api/v1/disputes", {"queue": "nonsense"})
    assert bad_queue.status_code == 422 and bad_queue.json()["field"] == "queue"

    no_consent = _post(centre, f"{act}/accept_mediation", {"consent": False})
    assert no_consent.status_code == 400
    assert no_consent.json()["code"] == "invalid" and no_consent.json()["field"] == "consent"
    bad_type = _post(centre, "/api/v1/disputes", _dispute_body(world, dispute_type="feud"))
    assert bad_type.status_code == 400 and bad_type.json()["field"] == "dispute_type"

    too_early = _post(centre, f"{act}/claim")
    assert too_early.status_code == 409 and too_early.json()["code"] == "illegal_transition"
    _ok(_post(centre, f"{act}/accept_mediation", {"consent": True}))
    malformed = _post(centre, f"{act}/assign", {})
    assert malformed.status_code == 400  # a step's form answers 400, naming the field
    assert malformed.json()["code"] == "invalid" and malformed.json()["field"] == "mediator_id"
    unreadable = _post(centre, f"{act}/assign", {"mediator_id": "one"})
    assert unreadable.status_code == 400 and unreadable.json()["field"] == "mediator_id"
    _ok(_post(centre, f"{act}/assign", {"mediator_id": world["village_mediator"].pk}))
    not_theirs = _post(api("mediator"), f"{act}/claim")
    assert not_theirs.status_code == 403 and not_theirs.json()["code"] == "forbidden"
    _ok(_post(api("mediator_a"), f"{act}/claim"))
    no_session = _post(api("mediator_a"), f"{act}/conclude", {"outcome": "failed", "result": "x"})
    unknown_step = _post(api("mediator_a"), f"{act}/fly")
    assert unknown_step.status_code == 404 and unknown_step.json()["code"] == "unknown_action"
    assert no_session.status_code == 409 and no_session.json()["code"] == "no_session"
    no_agreement = api("mediator_a").get(f"/api/v1/disputes/{code}/agreement.docx")
    assert no_agreement.status_code == 404
    no_file = api("mediator_a").post(f"/api/v1/disputes/{code}/agreement/signed")
    assert no_file.status_code == 400 and no_file.json()["field"] == "file"

    unknown = centre.get("/api/v1/disputes/SJ000000000000")
    assert unknown.status_code == 404 and unknown.json()["code"] == "not_found"
    petition = _service_petition(world)
    petition_act = f"/api/v1/petitions/{petition.case.code}/actions"
    _ok(_post(api("county_centre"), f"{petition_act}/acknowledge"))  # linking needs it
    link = _post(api("county_centre"), f"{petition_act}/link_dispute", {"dispute": "SJ0"})
    assert link.status_code == 404 and link.json()["field"] == "dispute"
    not_a_petition = centre.get(f"/api/v1/petitions/{code}")
    assert not_a_petition.status_code == 404
    assert centre.get(f"/api/v1/disputes/{petition.case.code}").status_code == 404
    assert Client().get("/api/v1/disputes").status_code == 401


def test_resident_applies_and_sees_only_their_own_disputes(api, world):
    staff_code = _service_dispute(world).case.code
    resident = api("resident")
    own = _ok(
        _post(
            resident,
            "/api/v1/disputes",
            {
                "dispute_type": "neighbour_dispute",
                "title": "申请调解：邻居占用通道",
                "source": "application",
                "parties": [{"side": "respondent", "name": "张某", "phone": "13800001111"}],
                **world["point"],
            },
        ),
        201,
    )
    applicant = [p for p in own["parties"] if p["side"] == "applicant"][0]
    assert applicant["person_id"] == world["resident"].person_id
    listed = _ok(resident.get("/api/v1/disputes", {"page_size": 100}))
    assert [d["code"] for d in listed["items"]] == [own["code"]]
    assert resident.get(f"/api/v1/disputes/{staff_code}").status_code == 404
    staff_accept = f"/api/v1/disputes/{staff_code}/actions/accept_mediation"
    assert _post(resident, staff_accept, {"consent": True}).status_code == 404
    walk_in = _post(resident, "/api/v1/disputes", _dispute_body(world, source="walk_in"))
    assert walk_in.status_code == 403 and walk_in.json()["field"] == "source"
    accept = _post(
        resident, f"/api/v1/disputes/{own['code']}/actions/accept_mediation", {"consent": True}
    )
    assert accept.status_code == 403
    assert _ok(resident.get("/api/v1/referrals/out"))["count"] == 0
    assert _ok(resident.get("/api/v1/screening/rounds"))["count"] == 0


def test_another_village_centre_gets_404_for_every_dispute_petition_and_referral(api, world):
    dispute = _service_in_mediation(world)
    code = dispute.case.code
    referral = referrals.dispute_refer(
        actor=world["mediator_a"],
        dispute_id=dispute.pk,
        way="court",
        to_unit_id=world["court"].pk,
        reason="调解不成",
    )
    petition_code = _service_petition(world).case.code
    other = api("village_centre_b")
    assert other.get(f"/api/v1/disputes/{code}").status_code == 404
    assert other.get(f"/api/v1/disputes/{code}/mediators").status_code == 404
    act = f"/api/v1/disputes/{code}/actions"
    assert _post(other, f"{act}/reject", {"reason": "x"}).status_code == 404
    answer = {"referral_id": referral.pk}
    assert _post(other, f"{act}/referral_accept", answer).status_code == 404
    assert other.get(f"/api/v1/petitions/{petition_code}").status_code == 404
    assert other.get(f"/api/v1/petitions/{petition_code}/history").status_code == 404
    assert _ok(other.get("/api/v1/disputes", {"q": code}))["count"] == 0
    assert _ok(other.get("/api/v1/petitions"))["count"] == 0
    assert _ok(other.get("/api/v1/referrals/out"))["count"] == 0
    referral.refresh_from_db()
    assert referral.state == Referral.State.PENDING
    assert api("village_centre").get(f"/api/v1/disputes/{code}").status_code == 200


# --- lists -------------------------------------------------------------------------------------


@pytest.fixture
def busy(world):
    """Several of everything the lists show, in village A."""
    disputes = [_service_in_mediation(world, f"第{n}起纠纷") for n in range(4)]
    for dispute in disputes[:2]:
        sessions.session_plan(
            actor=world["mediator_a"],
            dispute_id=dispute.pk,
            starts_at=clock.now() + timedelta(days=1),
            place="村调解室",
        )
        mediation.dispute_conclude(
            actor=world["mediator_a"],
            dispute_id=dispute.pk,
            outcome="agreement",
            result="达成协议",
            facts="漏水",
            terms=["赔偿2000元"],
            performance="当场履行",
        )
    for dispute in disputes[2:]:
        referrals.dispute_refer(
            actor=world["mediator_a"],
            dispute_id=dispute.pk,
            way="court",
            to_unit_id=world["court"].pk,
            reason="调解不成",
        )
    for n in range(3):
        _service_petition(world, title=f"第{n}件信访")
    _advance(31)
    assert FollowUp.objects.filter(done_at=None).count() == 2


def test_list_query_counts_stay_flat_when_the_page_grows(
    api, world, busy, django_assert_max_num_queries
):
    opened = _post(
        api("county_centre"),
        "/api/v1/screening/rounds",
        {"region": COUNTY_CODE, "starts_on": "2026-04-01", "ends_on": "2026-04-15"},
    )
    assert len(_ok(opened, 201)) >= 2
    petition = selectors.petition_list(actor=world["county_centre"]).first().case.code
    lists = [
        ("village_centre", "/api/v1/disputes", {}),
        ("village_centre", "/api/v1/mediation/sessions", {"start": "2026-03-01"}),
        ("mediator_a", "/api/v1/follow-ups", {}),
        ("mediator_a", "/api/v1/referrals/out", {}),
        ("court_clerk", "/api/v1/referrals/in", {}),
        ("county_centre", "/api/v1/petitions", {}),
        ("county_centre", f"/api/v1/petitions/{petition}/history", {}),
        ("county_centre", "/api/v1/mediation/committees", {}),
        ("county_centre", "/api/v1/screening/rounds", {}),
    ]
    for username, url, params in lists:
        client = api(username)
        client.get(url, {**params, "page_size": 1})  # warm the token and jurisdiction lookups
        with CaptureQueriesContext(connection) as small:
            one = _ok(client.get(url, {**params, "page_size": 1}))
        with django_assert_max_num_queries(5):  # token, jurisdiction, count, page (+ petition)
            many = _ok(client.get(url, {**params, "page_size": 50}))
        with CaptureQueriesContext(connection) as large:
            client.get(url, {**params, "page_size": 50})
        assert len(one["items"]) == 1, url
        assert len(many["items"]) == min(many["count"], 50) >= 2, url
        assert len(large) == len(small), url


def test_every_step_of_the_dispute_and_petition_kinds_is_taken_through_an_endpoint(api, world):
    from fengqiao.cases import steps
    from fengqiao.cases.workflow import KIND_STEPS

    kind_steps = [step for table in KIND_STEPS.values() for step in table.values() if step]
    for step in kind_steps:
        if step.service:
            assert callable(steps.service_of(step)) and steps.form_class(step)
    without = {
        action
        for table in KIND_STEPS.values()
        for (_s, action), step in table.items()
        if step and not step.service
    }
    # Steps that only change who may take a general step keep its service; a scan is a file,
    # uploaded through its own endpoint; a relapse is taken by the follow-up visit finding it.
    assert without == {"escalate", "claim", "return", "agreement_signed", "relapse"}
    paths = _ok(api("village_centre").get("/api/v1/openapi.json"))["paths"]
    for path in (
        "/api/v1/disputes/{code}/actions/{action}",
        "/api/v1/petitions/{code}/actions/{action}",
        "/api/v1/disputes/{code}/agreement/signed",
    ):
        assert "post" in paths[path], path


def test_openapi_documents_the_mediation_and_petition_endpoints(api, world):
    schema = _ok(api("village_centre").get("/api/v1/openapi.json"))
    assert "petitions" in schema["info"]["description"]
    for path in (
        "/api/v1/disputes/{code}/agreement.docx",
        "/api/v1/disputes/{code}/actions/{action}",
        "/api/v1/petitions/{code}/actions/{action}",
        "/api/v1/screening/rounds/{round_id}/reports",
    ):
        assert path in schema["paths"], path
    assert schema["paths"]["/api/v1/disputes/metrics"]["get"]["tags"] == ["disputes"]
    assert schema["paths"]["/api/v1/petitions"]["post"]["tags"] == ["petitions"]


def _upload(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/octet-stream")
