"""Production: the gunicorn configuration, the production guard, settings from env, readyz."""

import base64
import json
import os
import secrets
import socket
import subprocess
import sys
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError, connection
from django.test import Client
from gunicorn.config import Config

from fengqiao.core import views
from fengqiao.core.management.commands import serve

# --- the gunicorn configuration ------------------------------------------------------------


def test_gunicorn_workers_are_two_per_core_plus_one_when_not_given():
    options = serve.gunicorn_options(host="127.0.0.1", port=8000, cores=2)
    assert options["workers"] == 5
    assert options["worker_class"] == "gthread"
    assert options["threads"] == serve.PRODUCTION_THREADS
    assert options["bind"] == "127.0.0.1:8000"


def test_gunicorn_takes_workers_and_threads_when_given():
    options = serve.gunicorn_options(host="0.0.0.0", port=9000, workers=3, threads=2, cores=16)  # noqa: S104
    assert (options["workers"], options["threads"], options["bind"]) == (3, 2, "0.0.0.0:9000")


def test_gunicorn_brackets_the_address_when_host_is_ipv6():
    assert serve.gunicorn_options(host="::1", port=8000, cores=1)["bind"] == "[::1]:8000"


def test_gunicorn_refuses_when_workers_below_one():
    with pytest.raises(CommandError, match="at least 1"):
        serve.gunicorn_options(host="127.0.0.1", port=8000, workers=0)


def test_gunicorn_accepts_every_option_when_loaded_by_its_own_config():
    """Every name and value is one gunicorn knows (a renamed setting fails here, not at 2 a.m.)."""
    cfg = Config()
    for name, value in serve.gunicorn_options(host="127.0.0.1", port=8000, cores=2).items():
        cfg.set(name, value)
    assert cfg.workers == 5
    assert cfg.worker_class_str == "gthread"
    assert cfg.accesslog is None  # the request log has the requests, without query strings


def test_gunicorn_logs_through_django_handler_when_configured():
    logging_config = serve.gunicorn_options(host="127.0.0.1", port=8000, cores=1)["logconfig_dict"]
    assert logging_config["loggers"]["gunicorn.error"] == {
        "level": "INFO",
        "handlers": [],
        "propagate": True,
    }
    assert logging_config["root"]["handlers"] == ["console"]
    assert logging_config["loggers"]["django.db.backends"] == {"level": "WARNING"}


def test_run_gunicorn_loads_config_and_django_app_when_started():
    """The arbiter is replaced: what it would run with is checked, no server starts."""
    started = {}

    class FakeArbiter:
        def __init__(self, app):
            started["app"] = app

        def run(self):
            started["ran"] = True

    options = serve.gunicorn_options(host="127.0.0.1", port=8123, workers=2, threads=3)
    with mock.patch("gunicorn.app.base.Arbiter", FakeArbiter):
        serve.run_gunicorn(options)
    app = started["app"]
    assert started["ran"]
    assert (app.cfg.workers, app.cfg.threads, app.cfg.bind) == (2, 3, ["127.0.0.1:8123"])
    from fengqiao.wsgi import application

    assert app.wsgi() is application


# --- the production guard in `serve --production` ----------------------------------------


@pytest.fixture
def production_ready(settings, tmp_path, monkeypatch):
    """Settings as FENGQIAO_PRODUCTION=1 with collected static files and the chain keys."""
    for name in ("FENGQIAO_CHAIN_KEY", "FENGQIAO_CHAIN_SIGNING_KEY"):
        monkeypatch.setenv(name, base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
    settings.PRODUCTION = True
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path
    (tmp_path / "staticfiles.json").write_text("{}")
    return settings


def test_serve_production_refuses_when_not_production_mode(settings):
    settings.PRODUCTION = False
    with (
        mock.patch.object(serve, "run_gunicorn") as run,
        pytest.raises(CommandError, match="FENGQIAO_PRODUCTION=1"),
    ):
        call_command("serve", "--production")
    run.assert_not_called()


def test_serve_production_refuses_when_debug_on(production_ready):
    production_ready.DEBUG = True
    with (
        mock.patch.object(serve, "run_gunicorn") as run,
        pytest.raises(CommandError, match="DEBUG"),
    ):
        call_command("serve", "--production")
    run.assert_not_called()


def test_serve_production_refuses_when_static_files_not_collected(production_ready, tmp_path):
    (tmp_path / "staticfiles.json").unlink()
    with (
        mock.patch.object(serve, "run_gunicorn") as run,
        pytest.raises(CommandError, match="collectstatic"),
    ):
        call_command("serve", "--production")
    run.assert_not_called()


def test_serve_production_refuses_when_a_chain_key_is_not_set(production_ready, monkeypatch):
    monkeypatch.delenv("FENGQIAO_CHAIN_SIGNING_KEY")
    with (
        mock.patch.object(serve, "run_gunicorn") as run,
        pytest.raises(CommandError, match="FENGQIAO_CHAIN_SIGNING_KEY is not set"),
    ):
        call_command("serve", "--production")
    run.assert_not_called()


def test_serve_production_runs_gunicorn_when_settings_fit(production_ready, capsys):
    with mock.patch.object(serve, "run_gunicorn") as run:
        call_command("serve", "--production", "--port", "8124", "--workers", "3")
    config = run.call_args.args[0]
    assert (config["bind"], config["workers"], config["worker_class"]) == (
        "127.0.0.1:8124",
        3,
        "gthread",
    )
    assert "3 workers × 4 threads" in capsys.readouterr().out


def test_serve_uses_waitress_when_not_production():
    """`make demo` and `make serve` keep waitress: nothing of gunicorn is involved."""
    with (
        mock.patch("waitress.serve") as waitress_serve,
        mock.patch.object(serve, "run_gunicorn") as run,
    ):
        call_command("serve", "--port", "8125")
    run.assert_not_called()
    assert waitress_serve.call_args.kwargs == {
        "host": "127.0.0.1",
        "port": 8125,
        "threads": serve.WAITRESS_THREADS,
        "ident": "fengqiao",
    }


# --- settings from the environment (a fresh process each: settings load once) --------------

SETTINGS_PROBE = """
import json
from django.conf import settings
db = settings.DATABASES["default"]
print(json.dumps({
    "staticfiles": settings.STORAGES["staticfiles"]["BACKEND"],
    "use_finders": settings.WHITENOISE_USE_FINDERS,
    "cache": settings.CACHES["default"],
    "engine": db["ENGINE"],
    "conn_max_age": db.get("CONN_MAX_AGE"),
    "conn_health_checks": db.get("CONN_HEALTH_CHECKS"),
    "options": db.get("OPTIONS", {}),
}, default=str))
"""


def _fresh_keys() -> dict[str, str]:
    return {
        "FENGQIAO_SECRET_KEY": secrets.token_urlsafe(50),
        "FENGQIAO_DATA_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
    }


def _run(code: str, home, **env) -> subprocess.CompletedProcess:
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("FENGQIAO_", "DATABASE_URL", "REDIS_URL", "CONN_", "DEBUG"))
    }
    base.update(FENGQIAO_HOME=str(home), DJANGO_SETTINGS_MODULE="fengqiao.settings", **env)
    return subprocess.run(
        [sys.executable, "-c", code], env=base, capture_output=True, text=True, timeout=120
    )


def _settings(home, **env) -> dict:
    result = _run(SETTINGS_PROBE, home, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_production_selects_manifest_storage_and_shared_cache_when_enabled(tmp_path):
    found = _settings(tmp_path, FENGQIAO_PRODUCTION="1", **_fresh_keys())
    assert found["staticfiles"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert found["use_finders"] is False
    assert found["cache"]["BACKEND"] == "django.core.cache.backends.filebased.FileBasedCache"


def test_demo_keeps_plain_storage_and_memory_cache_when_not_production(tmp_path):
    found = _settings(tmp_path)
    assert found["staticfiles"] == "django.contrib.staticfiles.storage.StaticFilesStorage"
    assert found["use_finders"] is True
    assert found["cache"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


def test_production_refuses_to_load_when_keys_are_the_demo_keys(tmp_path):
    from fengqiao.core.keys import load_keys

    with mock.patch.dict(os.environ, {"FENGQIAO_SECRET_KEY": "", "FENGQIAO_DATA_KEY": ""}):
        secret, data = load_keys(home=tmp_path, production=False)  # what `make demo` makes
    result = _run(
        SETTINGS_PROBE,
        tmp_path,
        FENGQIAO_PRODUCTION="1",
        FENGQIAO_SECRET_KEY=secret,
        FENGQIAO_DATA_KEY=data,
    )
    assert result.returncode != 0
    assert "refuses the generated demo keys" in result.stderr


def test_production_refuses_to_load_when_keys_missing(tmp_path):
    result = _run(SETTINGS_PROBE, tmp_path, FENGQIAO_PRODUCTION="1")
    assert result.returncode != 0
    assert "FENGQIAO_SECRET_KEY and FENGQIAO_DATA_KEY" in result.stderr


def test_collectstatic_writes_manifest_and_compressed_files_when_production(tmp_path):
    result = _run(
        "from fengqiao.cli import main; main(['collectstatic', '--noinput', '-v0'])",
        tmp_path,
        FENGQIAO_PRODUCTION="1",
        **_fresh_keys(),
    )
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())
    hashed = manifest["paths"]["fengqiao/app.css"]
    assert hashed != "fengqiao/app.css"
    assert (tmp_path / "static" / (hashed + ".gz")).exists()


def test_database_keeps_connections_with_health_checks_when_postgres_url(tmp_path):
    found = _settings(tmp_path, DATABASE_URL="postgres://fq@db.example:5432/fq", CONN_MAX_AGE="120")
    assert found["engine"] == "django.db.backends.postgresql"
    assert (found["conn_max_age"], found["conn_health_checks"]) == (120, True)
    assert found["options"] == {"connect_timeout": 5}


def test_database_health_checks_off_and_timeout_kept_when_env_says_so(tmp_path):
    found = _settings(
        tmp_path,
        DATABASE_URL="postgres://fq@db.example:5432/fq?connect_timeout=2",
        CONN_HEALTH_CHECKS="0",
    )
    assert found["conn_health_checks"] is False
    assert found["options"]["connect_timeout"] == 2


def test_database_uses_psycopg_pool_without_persistent_connections_when_pool_on(tmp_path):
    found = _settings(
        tmp_path,
        DATABASE_URL="postgres://fq@db.example:5432/fq",
        FENGQIAO_DB_POOL="1",
        FENGQIAO_DB_POOL_MAX_SIZE="8",
        CONN_MAX_AGE="600",
    )
    assert found["conn_max_age"] == 0  # Django refuses a pool with persistent connections
    assert found["options"]["pool"] == {"min_size": 2, "max_size": 8}


def test_database_pool_refused_when_sqlite(tmp_path):
    result = _run(SETTINGS_PROBE, tmp_path, FENGQIAO_DB_POOL="1")
    assert result.returncode != 0
    assert "FENGQIAO_DB_POOL needs a PostgreSQL DATABASE_URL" in result.stderr


@pytest.mark.skipif(
    not os.environ.get("FENGQIAO_TEST_DATABASE_URL"), reason="needs FENGQIAO_TEST_DATABASE_URL"
)
def test_database_pool_lends_connections_when_postgres_reachable(tmp_path):
    code = (
        "import django; django.setup()\n"
        "from django.db import connection\n"
        "with connection.cursor() as c: c.execute('SELECT 1'); row = c.fetchone()\n"
        "print(type(connection.pool).__name__, row[0])\n"
        "connection.close(); connection.close_pool()\n"
    )
    # The maintenance database, which exists wherever the test database can be created.
    url = urlsplit(os.environ["FENGQIAO_TEST_DATABASE_URL"])._replace(path="/postgres").geturl()
    result = _run(code, tmp_path, DATABASE_URL=url, FENGQIAO_DB_POOL="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["ConnectionPool", "1"]


def test_cache_is_redis_with_timeouts_when_redis_url_set(tmp_path):
    cache = _settings(tmp_path, REDIS_URL="redis://127.0.0.1:6379/3")["cache"]
    assert cache["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert cache["LOCATION"] == "redis://127.0.0.1:6379/3"
    assert cache["OPTIONS"] == {"socket_connect_timeout": 2, "socket_timeout": 2}


# --- /healthz and /readyz -----------------------------------------------------------------


def test_ready_when_database_up_and_migrated(db):
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


def test_not_ready_when_database_unreachable(db):
    refused = OperationalError("connection refused")
    with mock.patch.object(connection, "ensure_connection", side_effect=refused):
        response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "failed": {"database": "OperationalError"}}
    assert "refused" not in response.content.decode()  # no server messages to the outside


def test_health_answers_when_database_unreachable(db):
    with mock.patch.object(connection, "ensure_connection", side_effect=OperationalError("down")):
        response = Client().get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_not_ready_when_migrations_unapplied(db, monkeypatch):
    monkeypatch.setattr(views, "_migrations_seen_applied", False)
    with mock.patch(
        "fengqiao.core.views.MigrationExecutor.migration_plan", return_value=[("m", False)]
    ):
        response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["failed"] == {"migrations": "unapplied"}


def test_not_ready_when_redis_unreachable(db, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["failed"] == {"cache": "ConnectionError"}


def test_ready_when_shared_file_cache_works(db, settings, tmp_path):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        }
    }
    assert views.cache_is_shared()
    response = Client().get("/readyz")
    assert (response.status_code, response.json()) == (200, {"status": "ready"})
    assert list((tmp_path / "cache").iterdir()) == []  # the probe's key is removed again


def _redis_reachable() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _redis_reachable(), reason="needs Redis on 127.0.0.1:6379")
def test_ready_when_redis_reachable(db, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/0",
            "KEY_PREFIX": "fengqiao-test",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    response = Client().get("/readyz")
    assert (response.status_code, response.json()) == (200, {"status": "ready"})
