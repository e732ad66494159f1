"""Crafted inputs at every GET API operation and page: huge integers, dates out of range,
control characters, NaN; then bodies with lone surrogates and deep JSON. None may give a 5xx."""

import json

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from fengqiao.api.router import api

HUGE = [str(2**70), str(-(2**70)), str(2**63), "99999999999999999999"]
TEXT = ["a\x00b", "\x01", "\x7f", "%ff", "9999-12-31", "0001-01-01"]
CRAFTED = {
    "integer": [*HUGE, "-1", "0", "999999999999"],
    "number": ["nan", "inf", "-inf", "1e308", *HUGE],
    "boolean": ["\x00", "2"],
    "date-time": ["0001-01-01", "9999-12-31", "0001-01-01T00:00:00", "9999-12-31T23:59:59"],
    "string": [*TEXT, *HUGE],
}
# The names pages read from their query strings (request.GET), plus Open311's filters.
PAGE_PARAMETERS = [
    "page", "q", "grid", "jurisdiction_id", "queue", "days", "month", "tag", "use", "status",
    "category", "scope", "slot", "tab", "origin", "all", "start_date", "end_date", "start",
    "end", "service_request_id", "service_code", "lat", "long", "household", "next",
]  # fmt: skip
PAGE_VALUES = [*HUGE, "0001-01-01", "9999-12-31", "a\x00b", "nan", "-1", "1e308"]


def _kind(schema: dict) -> str:
    for option in [schema, *schema.get("anyOf", [])]:
        if option.get("format") == "date-time":
            return "date-time"
        if option.get("type") in CRAFTED:
            return option["type"]
    return "string"


def _get_operations():
    schema = api.get_openapi_schema()
    for path, operations in schema["paths"].items():
        if "get" in operations:
            yield path, operations["get"].get("parameters", [])


def _fill_path(path: str, parameters: list, value_for_int: str) -> str:
    for parameter in parameters:
        if parameter["in"] == "path":
            value = value_for_int if _kind(parameter["schema"]) == "integer" else "x"
            path = path.replace("{" + parameter["name"] + "}", value)
    return path


def _pages(resolver=None, prefix=""):
    """(route, has_int_argument) for every page pattern outside the API and the admin."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if route.startswith(("api/", "admin/")):
                continue
            yield from _pages(pattern, route)
        elif isinstance(pattern, URLPattern):
            yield route


def _concrete(route: str, value: str) -> str | None:
    route = route.lstrip("^").rstrip("$").replace("\\Z", "")
    parts = []
    for part in route.split("/"):
        if part.startswith("<int:") or part.startswith("<str:") or part.startswith("<slug:"):
            parts.append(value if part.startswith("<int:") else "x")
        elif "<" in part or "(" in part:
            return None
        else:
            parts.append(part)
    return "/" + "/".join(parts)


@pytest.fixture
def staff(users):
    client = Client(raise_request_exception=False)
    client.force_login(users["county_centre"])
    return client


@pytest.fixture
def superuser(users):
    client = Client(raise_request_exception=False)
    client.force_login(users["admin"])
    return client


def test_no_get_operation_of_the_api_gives_5xx_on_crafted_parameters(staff, superuser):
    failures = []
    for path, parameters in _get_operations():
        for client in (staff, superuser):
            for int_value in (HUGE[0], "0", "-1"):
                url = _fill_path(path, parameters, int_value)
                response = client.get(url)
                if response.status_code >= 500:
                    failures.append((url, response.status_code))
                for parameter in parameters:
                    if parameter["in"] != "query":
                        continue
                    for value in CRAFTED[_kind(parameter["schema"])]:
                        response = client.get(url, {parameter["name"]: value})
                        if response.status_code >= 500:
                            failures.append((url, parameter["name"], value, response.status_code))
            if client is staff:
                continue
    assert failures == [], "\n".join(map(str, failures))


def test_no_page_gives_5xx_on_crafted_query_strings(staff, superuser, users):
    resident = Client(raise_request_exception=False)
    resident.force_login(users["resident"])
    anonymous = Client(raise_request_exception=False)
    failures = []
    for route in _pages():
        for path_value in ("1", HUGE[0]):
            url = _concrete(route, path_value)
            if url is None or "logout" in url:
                continue
            for client in (staff, superuser, resident, anonymous):
                for value in PAGE_VALUES:
                    response = client.get(url, dict.fromkeys(PAGE_PARAMETERS, value))
                    if response.status_code >= 500:
                        failures.append((url, repr(value), response.status_code))
    assert failures == [], "\n".join(map(str, failures))


def test_huge_id_in_a_path_is_not_found(staff):
    assert staff.get(f"/api/v1/people/{2**70}").status_code == 404
    assert staff.get(f"/registry/people/{2**70}/").status_code == 404


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ("0001-01-01", "start"),
        ("9999-12-31", "end"),
    ],
)
def test_metrics_date_out_of_range_is_400_naming_the_field(staff, value, field):
    response = staff.get("/api/v1/disputes/metrics", {field: value})
    assert response.status_code == 400
    assert response.json()["field"] == field


def test_case_title_with_a_lone_surrogate_is_refused(users):
    client = Client(raise_request_exception=False)
    client.force_login(users["grid_worker"])
    body = '{"title": "road \\ud800 broken", "category": "x", "lat": 28.1, "lng": 112.9}'
    response = client.post("/api/v1/cases", body, content_type="application/json")
    assert (response.status_code, response.json()["field"]) == (400, "title")


def test_lone_surrogate_deep_in_a_json_body_is_refused_with_its_path(staff):
    body = '{"parties": [{"name": "\\udc00"}]}'
    response = staff.post(
        "/api/v1/disputes/X/actions/party_add", body, content_type="application/json"
    )
    assert (response.status_code, response.json()["field"]) == (400, "parties[0].name")


def test_control_characters_in_a_page_form_are_dropped_before_the_view(users):
    client = Client()
    client.force_login(users["grid_worker"])
    response = client.get("/cases/", {"q": "垃圾\x00\x1b"})
    assert response.wsgi_request.GET["q"] == "垃圾"
    assert response.status_code == 200


def test_deeply_nested_geojson_is_refused_before_it_is_parsed(superuser):
    body = '{"type": "Polygon", "coordinates": ' + "[" * 100_000 + "]" * 100_000 + "}"
    response = superuser.post("/api/v1/regions/import", body, content_type="application/json")
    assert response.status_code == 400
    assert "nested" in response.json()["message"]


def test_nan_in_json_is_refused(users):
    client = Client(raise_request_exception=False)
    client.force_login(users["grid_worker"])
    body = '{"title": "t", "category": "x", "lat": NaN, "lng": Infinity}'
    response = client.post("/api/v1/cases", body, content_type="application/json")
    assert response.status_code == 400


def test_tab_and_newline_stay_allowed_in_text(users):
    client = Client(raise_request_exception=False)
    client.force_login(users["grid_worker"])
    body = json.dumps({"title": "line one\n\tline two", "category": "nope", "lat": 1, "lng": 1})
    response = client.post("/api/v1/cases", body, content_type="application/json")
    assert response.json().get("code") != "invalid_input"
