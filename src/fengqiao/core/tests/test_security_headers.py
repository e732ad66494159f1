"""Security headers, no inline script in any template, production HSTS and cookies, the secret
key guard, and the API docs (Swagger UI from the package, behind sign-in in production)."""

import re
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from fengqiao.core import security
from fengqiao.core.keys import validate_secret_key
from fengqiao.core.tests.test_production import _fresh_keys, _run

SRC = Path(__file__).resolve().parents[2]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/(?:ld\+)?json)[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)


def _directives(policy: str) -> dict[str, list[str]]:
    return {
        part.split()[0]: part.split()[1:] for part in (p.strip() for p in policy.split(";")) if part
    }


def test_pages_carry_a_csp_without_inline_script_and_the_other_headers(users):
    client = Client()
    client.force_login(users["county_centre"])
    for url in ("/", "/cases/", "/insight/", "/accounts/login/", "/api/v1/me"):
        response = client.get(url)
        policy = _directives(response["Content-Security-Policy"])
        assert policy["script-src"] == ["'self'"], url
        assert policy["frame-ancestors"] == ["'none'"]
        assert policy["object-src"] == ["'none'"]
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Frame-Options"] == "DENY"


def test_no_template_holds_inline_script_or_event_handler_attributes():
    offenders = []
    for template in SRC.rglob("templates/**/*.html"):
        text = template.read_text()
        if INLINE_SCRIPT.search(text) or INLINE_HANDLER.search(text):
            offenders.append(str(template.relative_to(SRC)))
    assert offenders == []


def test_map_tile_origin_is_allowed_for_images_only(settings):
    settings.FENGQIAO_TILE_URL = "https://{s}.tiles.example.org/{z}/{x}/{y}.png"
    policy = _directives(security.content_security_policy())
    assert "https://*.tiles.example.org" in policy["img-src"]
    assert policy["connect-src"] == ["'self'"]
    settings.FENGQIAO_TILE_URL = ""
    assert _directives(security.content_security_policy())["img-src"] == [
        "'self'",
        "data:",
        "blob:",
    ]


HEADER_PROBE = """
import json
from django.conf import settings
print(json.dumps({
    "hsts": settings.SECURE_HSTS_SECONDS,
    "session_secure": settings.SESSION_COOKIE_SECURE,
    "csrf_secure": settings.CSRF_COOKIE_SECURE,
}))
"""


def test_production_turns_on_hsts_and_secure_cookies(tmp_path):
    import json

    result = _run(HEADER_PROBE, tmp_path, FENGQIAO_PRODUCTION="1", **_fresh_keys())
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "hsts": 31536000,
        "session_secure": True,
        "csrf_secure": True,
    }
    demo = json.loads(_run(HEADER_PROBE, tmp_path).stdout)
    assert demo == {"hsts": 0, "session_secure": False, "csrf_secure": False}


def test_hsts_header_is_sent_on_https_in_production(db, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    response = Client().get("/accounts/login/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000"


@pytest.mark.parametrize(
    "secret",
    [
        "short-but-random-Zq8xK2",
        "abcdefghij" * 5,
        "Tr0ub4dor&3" * 5,
        "replace-me-with-50-random-characters-replace-me-now!",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    ],
)
def test_weak_secret_key_is_refused(secret):
    with pytest.raises(ImproperlyConfigured, match="too weak"):
        validate_secret_key(secret)


def test_random_secret_key_is_accepted():
    validate_secret_key(_fresh_keys()["FENGQIAO_SECRET_KEY"])


def test_production_refuses_to_load_when_secret_key_is_weak(tmp_path):
    keys = _fresh_keys() | {"FENGQIAO_SECRET_KEY": "fengqiao-secret-key-fengqiao-secret-key-123456"}
    result = _run("import django; django.setup()", tmp_path, FENGQIAO_PRODUCTION="1", **keys)
    assert result.returncode != 0
    assert "FENGQIAO_SECRET_KEY is too weak" in result.stderr


def test_swagger_ui_comes_from_the_package_not_a_cdn(db):
    page = Client().get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower()
    assert Client().get("/static/ninja/swagger-ui-bundle.js").status_code == 200


def test_api_docs_need_sign_in_in_production(users, settings):
    settings.PRODUCTION = True
    anonymous = Client()
    for url in ("/api/v1/docs", "/api/v1/openapi.json"):
        response = anonymous.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    signed_in = Client()
    signed_in.force_login(users["grid_worker"])
    assert signed_in.get("/api/v1/openapi.json").status_code == 200
    assert signed_in.get("/api/v1/docs").status_code == 200


def test_api_docs_stay_open_in_demo_mode(db, settings):
    settings.PRODUCTION = False
    assert Client().get("/api/v1/openapi.json").status_code == 200
