"""Open311 GeoReport v2: discovery, services, definitions, the request round trip, errors, XML."""

import json
import xml.etree.ElementTree as ET
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from fengqiao.cases import services
from fengqiao.cases.models import Case, Channel, Open311Client
from fengqiao.cases.open311 import key_hash, open311_client_create
from fengqiao.core import clock
from fengqiao.regions.models import Region

BASE = "/open311/v2"
COUNTY = "439901"


def _web() -> Client:
    # Messages are asserted in English; without this the default language (zh-Hans) answers.
    return Client(headers={"Accept-Language": "en"})


def _xml(response) -> ET.Element:
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(response.content)  # noqa: S314 - our own response, in a test


def _json(response):
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(response.content)


@pytest.fixture
def history():
    """Ask for it to keep the demo county's generated year of cases (skipped otherwise)."""


@pytest.fixture(autouse=True)
def _case_history_only_when_asked(request, settings):
    settings.FENGQIAO_DEMO_CASE_HISTORY = "history" in request.fixturenames


@pytest.fixture
def api_key(world):
    key, _client = open311_client_create(name="市民随手拍", acting_user=world["county_centre"])
    return key


def _post(fmt="xml", **form):
    return _web().post(
        f"{BASE}/requests.{fmt}",
        urlencode(form),
        content_type="application/x-www-form-urlencoded",
    )


def _form(world, api_key, **extra) -> dict:
    return {
        "api_key": api_key,
        "jurisdiction_id": COUNTY,
        "service_code": "garbage",
        "lat": world["point"]["lat"],
        "long": world["point"]["lng"],
        "address_string": "和平路12号",
        "description": "路口垃圾堆放三天无人清运",
        **extra,
    }


def _errors(response, status: int) -> list[tuple[str, str]]:
    assert response.status_code == status
    root = _xml(response)
    assert root.tag == "errors"
    found = [(e.findtext("code"), e.findtext("description")) for e in root.findall("error")]
    assert found and all(code == str(status) for code, _text in found)
    return found


def test_discovery_lists_the_v2_endpoint_in_both_formats(db):
    root = _xml(_web().get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    endpoint = root.find("endpoints/endpoint")
    assert endpoint.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint.findtext("url") == "http://testserver/open311/v2/"
    assert [f.text for f in endpoint.findall("formats/format")] == [
        "text/xml",
        "application/json",
    ]
    body = _json(_web().get(f"{BASE}/discovery.json"))
    assert body["endpoints"][0]["type"] == "production"


def test_services_list_categories_as_the_spec_says_when_jurisdiction_is_known(world):
    root = _xml(_web().get(f"{BASE}/services.xml", {"jurisdiction_id": COUNTY}))
    assert root.tag == "services"
    by_code = {s.findtext("service_code"): s for s in root.findall("service")}
    garbage = by_code["garbage"]
    assert [child.tag for child in garbage] == [
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    ]
    assert garbage.findtext("service_name") == "垃圾堆放"
    assert garbage.findtext("metadata") == "false"
    assert garbage.findtext("type") == "realtime"
    assert garbage.findtext("group") == "环境卫生"
    assert garbage.findtext("keywords") == "垃圾, 堆放, 清运"
    assert "disputes" not in by_code  # groups are not services

    city = _web().get(f"{BASE}/services.json", {"jurisdiction_id": "439900000000"})
    listed = _json(city)
    assert {s["service_code"] for s in listed} == set(by_code)
    assert all(s["metadata"] is False for s in listed)


def test_service_definition_has_no_attributes_when_metadata_is_false(world):
    root = _xml(_web().get(f"{BASE}/services/garbage.xml"))
    assert root.tag == "service_definition"
    assert root.findtext("service_code") == "garbage"
    assert list(root.find("attributes")) == []
    assert _json(_web().get(f"{BASE}/services/garbage.json")) == {
        "service_code": "garbage",
        "attributes": [],
    }
    _errors(_web().get(f"{BASE}/services/no_such_thing.xml"), 404)


def test_unknown_jurisdiction_gets_404_error_list(world):
    for url in ("services.xml", "requests.xml", "services/garbage.xml"):
        [(_code, text)] = _errors(_web().get(f"{BASE}/{url}", {"jurisdiction_id": "999999"}), 404)
        assert "999999" in text
    assert _json(_web().get(f"{BASE}/requests.json", {"jurisdiction_id": "abc"})) == [
        {"code": 404, "description": "jurisdiction_id abc was not found."}
    ]


def test_request_round_trip_shows_open_then_closed_when_services_close_it(world, api_key):
    response = _post(
        **_form(world, api_key, first_name="小明", last_name="王", phone="13812345678"),
        **{"attribute[size]": "large"},
    )
    assert response.status_code == 201, response.content
    root = _xml(response)
    assert root.tag == "service_requests"
    [request] = root.findall("request")
    code = request.findtext("service_request_id")
    assert "SJ" in request.findtext("service_notice")
    assert request.find("account_id") is not None and request.findtext("account_id") == ""

    case = Case.objects.get(code=code)
    assert case.channel == Channel.OPEN311
    assert case.reporter == world["county_centre"]
    assert case.reporter_name == "王小明" and not case.is_anonymous
    assert case.callback_phone_masked == "138****5678"
    assert case.title == "路口垃圾堆放三天无人清运"

    shown = _web().get(f"{BASE}/requests/{code}.xml", {"jurisdiction_id": COUNTY})
    [item] = _xml(shown).findall("request")
    assert item.findtext("status") == "open"
    assert item.findtext("service_code") == "garbage"
    assert item.findtext("service_name") == "垃圾堆放"
    assert item.findtext("description") == "路口垃圾堆放三天无人清运"
    assert item.findtext("address") == "和平路12号"
    # The point is public only to about 100 m.
    assert float(item.findtext("lat")) == round(world["point"]["lat"], 3)
    assert float(item.findtext("long")) == round(world["point"]["lng"], 3)
    assert item.findtext("requested_datetime").endswith("+08:00")
    assert item.findtext("expected_datetime")
    for private in ("王", "小明", "138", "5678", world["county_centre"].label):
        assert private.encode() not in shown.content

    clock.freeze(clock.now() + timedelta(hours=2))
    chief, handler = world["grid_chief"], world["handler"]
    services.case_accept(actor=chief, case_id=case.pk)
    services.case_dispatch(actor=chief, case_id=case.pk, unit_id=world["police"].pk)
    services.case_claim(actor=handler, case_id=case.pk)
    services.case_resolve(actor=handler, case_id=case.pk, result="已清运")
    services.case_verify(actor=world["grid_worker"], case_id=case.pk)
    services.case_close(actor=chief, case_id=case.pk, reason="已清运完毕")

    [item] = _json(_web().get(f"{BASE}/requests/{code}.json"))
    assert item["status"] == "closed"
    assert item["agency_responsible"] == world["police"].name
    assert item["expected_datetime"] is None
    assert item["updated_datetime"] > item["requested_datetime"]


def test_request_list_filters_by_id_code_status_dates_and_jurisdiction(world, api_key):
    first = _xml(_post(**_form(world, api_key))).findtext("request/service_request_id")
    second = _xml(_post(**_form(world, api_key, service_code="streetlight"))).findtext(
        "request/service_request_id"
    )
    services.case_reject(
        actor=world["grid_chief"], case_id=Case.objects.get(code=second).pk, reason="重复"
    )

    def codes(**params):
        return [r["service_request_id"] for r in _json(_web().get(f"{BASE}/requests.json", params))]

    assert sorted(codes()) == sorted([first, second])
    assert codes(status="open") == [first]
    assert codes(status="closed") == [second]
    assert codes(service_code="streetlight") == [second]
    assert codes(service_request_id=f"{second}, nope", status="open") == [second]
    assert codes(start_date="2000-01-01T00:00:00+08:00", end_date="2000-12-31") == []
    assert sorted(codes(jurisdiction_id="4399")) == sorted([first, second])

    city = Region.objects.get(code="439900000000")
    Region.objects.create(
        code="439902000000", name="邻县", level="county", kind="county", parent=city
    )
    assert codes(jurisdiction_id="439902") == []
    assert (
        _web().get(f"{BASE}/requests/{first}.json", {"jurisdiction_id": "439902"}).status_code
        == 404
    )

    _errors(_web().get(f"{BASE}/requests.xml", {"status": "pending"}), 400)
    _errors(_web().get(f"{BASE}/requests.xml", {"start_date": "yesterday"}), 400)


def test_post_is_refused_with_error_list_when_key_or_params_are_wrong(world, api_key):
    [(_code, text)] = _errors(_post(**_form(world, "not-a-key")), 403)
    assert "api_key" in text
    _errors(_post(**{k: v for k, v in _form(world, api_key).items() if k != "api_key"}), 400)
    [(_code, text)] = _errors(_post(**_form(world, api_key, service_code="")), 400)
    assert "service_code" in text
    _errors(_post(**_form(world, api_key, service_code="disputes")), 400)
    address_only = {k: v for k, v in _form(world, api_key).items() if k not in ("lat", "long")}
    [(_code, text)] = _errors(_post(**address_only), 400)
    assert "lat/long required" in text
    _errors(_post(**_form(world, api_key, lat="north")), 400)
    _errors(_post(**_form(world, api_key, lat="0", long="0")), 400)  # outside every village
    _errors(_post(**_form(world, api_key, phone="call me")), 400)
    unknown = _json(_post(fmt="json", **_form(world, api_key, jurisdiction_id="1")))
    assert unknown == [{"code": 404, "description": "jurisdiction_id 1 was not found."}]
    Open311Client.objects.update(is_active=False)
    _errors(_post(**_form(world, api_key)), 403)
    assert not Case.objects.exists()


def test_xml_is_well_formed_and_escaped_when_description_has_markup(world, api_key):
    text = "<b>垃圾 & 污水</b> > 三天"
    code = _xml(_post(**_form(world, api_key, description=text + " \x00\x07"))).findtext(
        "request/service_request_id"
    )
    assert Case.objects.get(code=code).description == text  # NUL and BEL never stored
    response = _web().get(f"{BASE}/requests/{code}.xml")
    assert b"&lt;b&gt;" in response.content and b"&amp;" in response.content
    assert b"<b>" not in response.content
    assert _xml(response).findtext("request/description") == text
    assert _json(_web().get(f"{BASE}/requests/{code}.json"))[0]["description"] == text

    # A control character that came in another way is dropped, not sent as broken XML.
    other = services.case_report(
        actor=world["grid_worker"],
        category=world["garbage"],
        title="铃声",
        description="响\x07铃",
        **world["point"],
    )
    response = _web().get(f"{BASE}/requests/{other.code}.xml")
    assert _xml(response).findtext("request/description") == "响铃"


def test_private_categories_show_no_description_or_point(world, api_key):
    code = _xml(
        _post(**_form(world, api_key, service_code="family_dispute", description="张家夫妻吵架"))
    ).findtext("request/service_request_id")
    response = _web().get(f"{BASE}/requests/{code}.json")
    [item] = _json(response)
    assert item["description"] == "" and item["lat"] is None and item["long"] is None
    assert item["address"] == Case.objects.get(code=code).village.name
    assert "张家".encode() not in response.content


def test_ids_and_phones_are_starred_when_a_description_or_address_carries_them(world, api_key):
    text = (
        "井盖缺失，联系人身份证４３０１０２１９９００１０１１２３Ｘ，"
        "电话138 1234 5678，损失120000元"
    )
    code = _xml(
        _post(**_form(world, api_key, description=text, address_string="和平路12号 0731-88886666"))
    ).findtext("request/service_request_id")
    assert Case.objects.get(code=code).description == text  # kept as typed inside
    response = _web().get(f"{BASE}/requests/{code}.json")
    [item] = _json(response)
    assert item["description"] == (
        "井盖缺失，联系人身份证******************，电话*** **** ****，损失120000元"
    )
    assert item["address"] == "和平路12号 ****-********"
    listed = _web().get(f"{BASE}/requests.json", {"service_request_id": code}).content
    for secret in ("１２３Ｘ", "5678", "88886666"):
        assert secret.encode() not in response.content and secret.encode() not in listed


def test_disputes_and_petitions_never_appear_when_open311_is_read(world, api_key):
    code = _xml(_post(**_form(world, api_key))).findtext("request/service_request_id")
    assert _json(_web().get(f"{BASE}/requests/{code}.json"))
    for kind in ("dispute", "petition"):
        Case.objects.filter(code=code).update(kind=kind)
        assert _web().get(f"{BASE}/requests/{code}.json").status_code == 404
        listed = _json(_web().get(f"{BASE}/requests.json", {"jurisdiction_id": COUNTY}))
        assert code not in {item["service_request_id"] for item in listed}


def test_open311_client_command_prints_a_key_that_works(world, capsys):
    call_command("open311_client", "随手拍", "--as", "county_centre")
    key = capsys.readouterr().out.strip().splitlines()[-1]
    client = Open311Client.objects.get(name="随手拍")
    assert client.key_hash == key_hash(key) and key not in client.key_hash
    assert _post(**_form(world, key)).status_code == 201


def test_request_list_shows_no_reporter_and_few_queries_over_a_year_of_cases(world, history):
    start = (clock.now() - timedelta(days=400)).isoformat()
    with CaptureQueriesContext(connection) as queries:
        response = _web().get(f"{BASE}/requests.xml", {"start_date": start})
    listed = _xml(response).findall("request")
    assert len(queries) <= 3
    assert len(listed) == min(Case.objects.filter(kind="general").count(), 1000)
    assert Case.objects.exclude(kind="general").exists()  # the disputes were left out
    assert {item.findtext("status") for item in listed} == {"open", "closed"}
    names = set(Case.objects.exclude(reporter_name="").values_list("reporter_name", flat=True))
    phones = set(
        Case.objects.exclude(callback_phone_masked="").values_list(
            "callback_phone_masked", flat=True
        )
    )
    body = response.content.decode()
    assert names and not [name for name in names if f">{name}<" in body]
    assert not [phone for phone in phones if phone in body]
