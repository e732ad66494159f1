"""Django settings, read from the environment (see README "Configuration")."""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from fengqiao.core.keyring import load_hash_key, load_retired_keys
from fengqiao.core.keys import load_keys
from fengqiao.core.logging import logging_config

BASE_DIR = Path(__file__).resolve().parent
REPO_DIR = BASE_DIR.parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


FENGQIAO_HOME = Path(os.environ.get("FENGQIAO_HOME", "var")).resolve()
PRODUCTION = env_bool("FENGQIAO_PRODUCTION")
DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY, FENGQIAO_DATA_KEY = load_keys(home=FENGQIAO_HOME, production=PRODUCTION)
# The key ring (core.keyring): retired data keys still read during a rotation, and the
# lookup-hash key, separate from the data key so that a rotation keeps every hash valid.
FENGQIAO_RETIRED_DATA_KEYS = load_retired_keys(home=FENGQIAO_HOME)
FENGQIAO_HASH_KEY, FENGQIAO_HASH_KEY_SOURCE = load_hash_key(
    home=FENGQIAO_HOME,
    production=PRODUCTION,
    data_key=FENGQIAO_DATA_KEY,
    retired=FENGQIAO_RETIRED_DATA_KEYS,
)

ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

# Background sweeps `fengqiao worker` runs each pass (each takes `now`, returns counts).
FENGQIAO_SWEEPS = [
    "fengqiao.cases.sweeps.run_all",
    "fengqiao.mediation.sweeps.run_all",
    "fengqiao.insight.sweeps.run_all",
    "fengqiao.accounts.sweeps.run_all",
    "fengqiao.cases.held_reports.sweep",
    "fengqiao.core.digest.sweep",
    "fengqiao.regions.gazetteer.sweep",
    "fengqiao.core.taskqueue.sweep",
    "fengqiao.campaigns.services.remind_stragglers",
]
# Keyed chains whose heads the signed daily digest seals (core.digest; docs/security.md).
FENGQIAO_CHAINS = [
    "fengqiao.cases.hashchain.digest_source",
    "fengqiao.participation.chainlog.digest_source",
]
# Panels other apps add to the resident portal's home (each a callable: request -> HTML).
FENGQIAO_PORTAL_PANELS = ["fengqiao.participation.resident_views.latest_notices_panel"]
# Sources of the gazetteer besides regions, grids and roads (regions.gazetteer): each a
# callable prefix -> unsaved GazetteerEntry rows for the source rows under that code prefix.
FENGQIAO_GAZETTEER_SOURCES = ["fengqiao.registry.gazetteer.registry_source"]

# The work panels of each role's home page (accounts.selectors.home_panels), by the apps that
# own the work: role → dotted paths of `f(*, user) -> dict` (the dict names its template).
FENGQIAO_HOME_PANELS = {
    "centre_staff": ["fengqiao.cases.home.queues_panel"],
    "grid_chief": ["fengqiao.cases.home.queues_panel"],
    "mediator": ["fengqiao.mediation.home.mediator_panel"],
}

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    # Only for its static files: Swagger UI is served from the package, not from a CDN.
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "fengqiao.core",
    "fengqiao.regions",
    "fengqiao.registry",
    "fengqiao.accounts",
    "fengqiao.cases",
    "fengqiao.campaigns",
    "fengqiao.mediation",
    "fengqiao.fieldwork",
    "fengqiao.participation",
    "fengqiao.insight",
    # No tables: installed for its `demo` and `seed` commands.
    "fengqiao.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy (no inline script) and Permissions-Policy on every response.
    "fengqiao.core.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise: static files are not application requests (nginx logs them).
    "fengqiao.core.middleware.RequestLogMiddleware",
    "fengqiao.core.audit.AuditContextMiddleware",  # the client address for audit rows
    # Control characters, lone surrogates, out-of-range numbers and dates never reach a view.
    "fengqiao.core.inputguard.InputGuardMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "fengqiao.urls"
WSGI_APPLICATION = "fengqiao.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "fengqiao.accounts.context.account_context",
            ],
        },
    },
]


def _database() -> dict:
    url = os.environ.get("DATABASE_URL")
    pool = env_bool("FENGQIAO_DB_POOL")
    if not url:
        if pool:
            raise ImproperlyConfigured("FENGQIAO_DB_POOL needs a PostgreSQL DATABASE_URL.")
        FENGQIAO_HOME.mkdir(parents=True, exist_ok=True)
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(FENGQIAO_HOME / "fengqiao.sqlite3"),
            # Kept open as on PostgreSQL: opening one (functions, PRAGMAs) costs a small page
            # as much CPU as rendering it.
            "CONN_MAX_AGE": int(os.environ.get("CONN_MAX_AGE", "60")),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000;"
                ),
            },
        }
    config = dj_database_url.parse(
        url,
        # A pool lends a connection per request instead; Django refuses both at once.
        conn_max_age=0 if pool else int(os.environ.get("CONN_MAX_AGE", "60")),
        # One cheap check before a kept connection is reused (with a pool: before one is
        # lent), so a PostgreSQL restart costs no failed request.
        conn_health_checks=env_bool("CONN_HEALTH_CHECKS", default=True),
    )
    if "postgresql" not in config["ENGINE"]:
        if pool:
            raise ImproperlyConfigured("FENGQIAO_DB_POOL needs a PostgreSQL DATABASE_URL.")
        return config
    # Fail fast when the server is gone instead of waiting for the TCP timeout (readyz too);
    # a `?connect_timeout=` in DATABASE_URL wins.
    config.setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
    if pool:
        # Per process: the threads of one gunicorn worker share it (psycopg_pool).
        config["OPTIONS"]["pool"] = {
            "min_size": int(os.environ.get("FENGQIAO_DB_POOL_MIN_SIZE", "2")),
            "max_size": int(os.environ.get("FENGQIAO_DB_POOL_MAX_SIZE", "4")),
        }
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# Staff hold personal data: at least 12 characters, not common, not like the user's names, and
# hard to guess by zxcvbn's estimate (accounts/passwords.py). Applied by `createuser`, the
# password page, /admin/ and `changepassword`; the demo accounts are made without the check.
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("username", "display_name", "first_name", "last_name")},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": int(os.environ.get("FENGQIAO_PASSWORD_MIN_LENGTH", "12"))},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {
        "NAME": "fengqiao.accounts.passwords.StrengthValidator",
        "OPTIONS": {"min_score": int(os.environ.get("FENGQIAO_PASSWORD_MIN_SCORE", "3"))},
    },
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = FENGQIAO_HOME / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
# Front-end packages come from npm (package.json at the repository root).
NODE_MODULES = Path(os.environ.get("FENGQIAO_NODE_MODULES", REPO_DIR / "node_modules"))
if (NODE_MODULES / "leaflet" / "dist").is_dir():
    STATICFILES_DIRS.append(("vendor/leaflet", NODE_MODULES / "leaflet" / "dist"))
if (NODE_MODULES / "echarts" / "dist").is_dir():
    STATICFILES_DIRS.append(("vendor/echarts", NODE_MODULES / "echarts" / "dist"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = FENGQIAO_HOME / "media"
WHITENOISE_USE_FINDERS = not PRODUCTION

# Map tiles: a URL template, or empty to draw the base from our own data only (offline).
FENGQIAO_TILE_URL = os.environ.get("FENGQIAO_TILE_URL", "")
FENGQIAO_TILE_ATTRIBUTION = os.environ.get("FENGQIAO_TILE_ATTRIBUTION", "")
# 天地图 (Tianditu): with a key, its vector and annotation layers are the base (docs/maps.md).
FENGQIAO_TIANDITU_TOKEN = os.environ.get("FENGQIAO_TIANDITU_TOKEN", "")

REDIS_URL = os.environ.get("REDIS_URL", "")


def _cache() -> dict:
    # The cache must be shared by every process that serves or changes data: the grid locator
    # learns there that polygons changed. One process (demo, tests) keeps it in memory; in
    # production without Redis, the web workers, `fengqiao worker` and one-off commands on the
    # same machine share files under FENGQIAO_HOME.
    if REDIS_URL:
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "fengqiao",
            # A stalled Redis must slow a request by seconds at most, not hang it.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    if PRODUCTION:
        return {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(FENGQIAO_HOME / "cache"),
        }
    return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}


CACHES = {"default": _cache()}

# Background tasks (core/taskqueue.py): queued in the database at commit, run by `fengqiao
# worker`. Tests run them at once instead (conftest.py).
TASKS = {"default": {"BACKEND": "django_tasks_db.backend.DatabaseBackend"}}

# Signed-in requests read their session from the shared cache (Redis, or files in production
# without Redis), falling back to the database, which still holds every session.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"  # and CSP frame-ancestors 'none' (core/security.py)
# Production is served over HTTPS only (nginx redirects port 80): browsers are told to keep it
# so. HSTS goes out on HTTPS responses (gunicorn trusts nginx's X-Forwarded-Proto).
SECURE_HSTS_SECONDS = (
    int(os.environ.get("FENGQIAO_HSTS_SECONDS", str(365 * 24 * 3600))) if PRODUCTION else 0
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("FENGQIAO_HSTS_INCLUDE_SUBDOMAINS")

# Sign-in throttle (accounts/throttling.py), the one backend behind every door: failures per
# (user name, address), per user name and per address; each refusal lasts DELAY × 2^k seconds
# (at most MAX_DELAY); counters are forgotten WINDOW seconds after the last failure; a pair
# that signed in within TRUST_DAYS is not held back by the user-name and address counters.
AUTHENTICATION_BACKENDS = ["fengqiao.accounts.throttling.ThrottledModelBackend"]
FENGQIAO_LOGIN_MAX_FAILURES = int(os.environ.get("FENGQIAO_LOGIN_MAX_FAILURES", "5"))
FENGQIAO_LOGIN_USER_MAX_FAILURES = int(os.environ.get("FENGQIAO_LOGIN_USER_MAX_FAILURES", "20"))
FENGQIAO_LOGIN_IP_MAX_FAILURES = int(os.environ.get("FENGQIAO_LOGIN_IP_MAX_FAILURES", "50"))
FENGQIAO_LOGIN_DELAY_SECONDS = int(os.environ.get("FENGQIAO_LOGIN_DELAY_SECONDS", "30"))
FENGQIAO_LOGIN_MAX_DELAY_SECONDS = int(os.environ.get("FENGQIAO_LOGIN_MAX_DELAY_SECONDS", "3600"))
FENGQIAO_LOGIN_WINDOW_SECONDS = int(os.environ.get("FENGQIAO_LOGIN_WINDOW_SECONDS", "86400"))
FENGQIAO_LOGIN_TRUST_DAYS = int(os.environ.get("FENGQIAO_LOGIN_TRUST_DAYS", "30"))
# Who hears of a case step besides its log: the inbox (in the transaction) and text messages
# (a background task after commit; cases/notify_sms.py, each person's preferences decide).
FENGQIAO_NOTIFICATION_SENDERS = [
    "fengqiao.cases.notify.InboxSender",
    "fengqiao.cases.notify_sms.SmsSender",
]
# Text messages (accounts/sms.py): the dotted path of the backend class; the default prints
# them on the console (demo). A real provider (Aliyun, Tencent Cloud) plugs in here.
FENGQIAO_SMS_BACKEND = os.environ.get(
    "FENGQIAO_SMS_BACKEND", "fengqiao.accounts.sms.ConsoleBackend"
)
# Hours an API bearer token stays valid (sign-out, a password change or revoke end it sooner).
FENGQIAO_API_TOKEN_HOURS = int(os.environ.get("FENGQIAO_API_TOKEN_HOURS", "12"))

# Plain text by default; FENGQIAO_LOG_FORMAT=json writes one JSON object per line.
LOGGING = logging_config(
    log_format=os.environ.get("FENGQIAO_LOG_FORMAT", "plain").strip().lower() or "plain",
    level=os.environ.get("LOG_LEVEL", "INFO"),
)
FENGQIAO_TRUST_X_FORWARDED_FOR = env_bool("FENGQIAO_TRUST_X_FORWARDED_FOR")
# Dates outside these years are refused at the edge (core/inputguard.py).
FENGQIAO_MIN_YEAR = 1900
FENGQIAO_MAX_YEAR = 2100
