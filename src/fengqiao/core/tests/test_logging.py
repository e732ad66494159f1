"""Structured logs: the JSON formatter, the request log middleware, the settings switch."""

import io
import json
import logging
import os
import subprocess
import sys
from datetime import datetime

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.test import Client, RequestFactory

from fengqiao.core.logging import JsonFormatter, logging_config, request_id_var
from fengqiao.core.middleware import RequestLogMiddleware, loggable_path


def _record(message="hello %s", args=("world",), level=logging.INFO, **extra):
    record = logging.LogRecord("fengqiao.test", level, __file__, 1, message, args, None)
    for key, value in extra.items():
        setattr(record, key, value)
    return record


@pytest.fixture
def request_logs(caplog):
    caplog.set_level(logging.DEBUG, logger="fengqiao.request")
    return lambda: [r for r in caplog.records if r.name == "fengqiao.request"]


# --- the JSON formatter -------------------------------------------------------------------


def test_json_line_has_time_level_logger_message_when_formatted():
    line = JsonFormatter().format(_record())
    entry = json.loads(line)
    assert "\n" not in line
    assert entry["level"] == "INFO"
    assert entry["logger"] == "fengqiao.test"
    assert entry["message"] == "hello world"
    assert entry["pid"] == os.getpid()
    assert datetime.fromisoformat(entry["time"]).utcoffset() is not None


def test_json_keeps_plain_extra_fields_and_drops_objects_when_given():
    class Request:
        def __str__(self):
            return "<WSGIRequest: GET '/registry/people/?q=11010519491231002X'>"

    entry = json.loads(
        JsonFormatter().format(_record(status=404, duration_ms=1.5, request=Request(), ok=True))
    )
    assert (entry["status"], entry["duration_ms"], entry["ok"]) == (404, 1.5, True)
    assert "request" not in entry
    assert "11010519491231002X" not in json.dumps(entry)


def test_json_writes_chinese_as_is_and_exception_on_one_line_when_raised():
    try:
        raise ValueError("坏了")
    except ValueError:
        record = _record("处理失败 %s", ("案件",), level=logging.ERROR)
        record.exc_info = sys.exc_info()
    line = JsonFormatter().format(record)
    entry = json.loads(line)
    assert "\n" not in line
    assert entry["message"] == "处理失败 案件"
    assert "ValueError: 坏了" in entry["exception"]


def test_json_carries_request_id_when_logged_while_serving_a_request():
    token = request_id_var.set("req-1")
    try:
        entry = json.loads(JsonFormatter().format(_record()))
    finally:
        request_id_var.reset(token)
    assert entry["request_id"] == "req-1"
    assert "request_id" not in json.loads(JsonFormatter().format(_record()))


def test_logging_config_selects_json_formatter_when_asked():
    config = logging_config(log_format="json", level="INFO")
    assert config["handlers"]["console"]["formatter"] == "json"
    assert config["formatters"]["json"]["()"] == "fengqiao.core.logging.JsonFormatter"
    assert logging_config(log_format="plain", level="INFO")["handlers"]["console"]["formatter"] == (
        "plain"
    )


def test_logging_config_refuses_unknown_format():
    with pytest.raises(ImproperlyConfigured, match="FENGQIAO_LOG_FORMAT"):
        logging_config(log_format="xml", level="INFO")


def test_process_writes_json_lines_when_log_format_json(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FENGQIAO_", "DATABASE_URL"))}
    env.update(
        FENGQIAO_HOME=str(tmp_path),
        FENGQIAO_LOG_FORMAT="json",
        DJANGO_SETTINGS_MODULE="fengqiao.settings",
    )
    code = "import django, logging; django.setup(); logging.getLogger('fengqiao.x').info('你好')"
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    entry = json.loads(result.stderr.strip().splitlines()[-1])
    assert (entry["logger"], entry["message"]) == ("fengqiao.x", "你好")


# --- the request log middleware -----------------------------------------------------------


def test_request_logged_with_id_method_path_status_duration_when_served(db, request_logs):
    response = Client().get("/accounts/login/")
    (record,) = request_logs()
    assert record.levelno == logging.INFO
    assert (record.method, record.path, record.status) == ("GET", "/accounts/login/", 200)
    assert record.duration_ms >= 0
    assert response["X-Request-ID"] == record.request_id
    assert len(record.request_id) == 32


def test_query_string_never_logged_when_it_carries_secrets(db, request_logs, caplog):
    Client().get(
        "/accounts/login/?api_key=OPEN311KEY&password=hunter2&token=BEARER&q=11010519491231002X"
    )
    (record,) = request_logs()
    assert record.path == "/accounts/login/"
    formatted = [JsonFormatter().format(r) for r in caplog.records]
    formatted += [logging.Formatter("%(message)s").format(r) for r in caplog.records]
    for secret in ["OPEN311KEY", "hunter2", "BEARER", "11010519491231002X", "?"]:
        assert not any(secret in line for line in formatted), secret


def test_incoming_request_id_kept_when_well_formed(db, request_logs):
    response = Client().get("/accounts/login/", HTTP_X_REQUEST_ID="nginx-7f3a.1")
    assert response["X-Request-ID"] == "nginx-7f3a.1"
    assert request_logs()[0].request_id == "nginx-7f3a.1"


def test_incoming_request_id_replaced_when_malformed(db, request_logs):
    response = Client().get("/accounts/login/", HTTP_X_REQUEST_ID="forged\nline " + "x" * 80)
    assert response["X-Request-ID"] != "forged"
    assert len(response["X-Request-ID"]) == 32


def test_django_not_found_line_carries_request_id_when_logged_after_middleware(db):
    """Django logs "Not Found" after the middleware chain has returned; the id is still set."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    django_request = logging.getLogger("django.request")
    django_request.addHandler(handler)
    try:
        response = Client().get("/no-such-page/")
    finally:
        django_request.removeHandler(handler)
    assert response.status_code == 404
    (entry,) = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert entry["message"] == "Not Found: /no-such-page/"
    assert entry["request_id"] == response["X-Request-ID"]
    assert request_id_var.get() is None  # forgotten once the response was closed


def test_server_error_logged_at_error_level_when_status_500(request_logs):
    middleware = RequestLogMiddleware(lambda request: HttpResponse(status=500))
    middleware(RequestFactory().post("/cases/1/claim"))
    (record,) = request_logs()
    assert (record.levelno, record.method, record.status) == (logging.ERROR, "POST", 500)


def test_probes_logged_at_debug_when_healthy(request_logs):
    middleware = RequestLogMiddleware(lambda request: HttpResponse())
    middleware(RequestFactory().get("/readyz"))
    assert request_logs()[0].levelno == logging.DEBUG


def test_path_control_characters_escaped_when_logged():
    assert loggable_path("/a\nfake 200\r") == "/a\\x0afake 200\\x0d"
    assert len(loggable_path("/" + "x" * 1000)) == 301
