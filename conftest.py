"""Fixtures shared by the whole suite: the small demo county and named users in it."""

import pytest

from fengqiao.core import clock


@pytest.fixture(scope="session", autouse=True)
def _flush_past_append_only_guards():
    """Transactional tests empty every table after each test (TRUNCATE on PostgreSQL, DELETE
    on SQLite), which the append-only logs refuse. The test flush lifts the guards: on
    PostgreSQL it runs with triggers off (replication role `replica`, which only a superuser
    such as the test database's owner may take); on SQLite the append-only triggers are
    dropped for the flush and created again after it."""
    from django.db import connection

    operations = type(connection.ops)  # the backend in use (importing another one can fail)
    original = operations.execute_sql_flush

    def flush_postgres(self, sql_list):
        with self.connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
        try:
            original(self, sql_list)
        finally:
            with self.connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = DEFAULT")

    def flush_sqlite(self, sql_list):
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                "AND sql LIKE '%append-only%'"
            )
            guards = cursor.fetchall()
            for name, _sql in guards:
                cursor.execute(f'DROP TRIGGER "{name}"')
        try:
            original(self, sql_list)
        finally:
            with self.connection.cursor() as cursor:
                for _name, sql in guards:
                    cursor.execute(sql)

    operations.execute_sql_flush = (
        flush_postgres if connection.vendor == "postgresql" else flush_sqlite
    )
    yield
    operations.execute_sql_flush = original


@pytest.fixture(autouse=True)
def _release_clock():
    yield
    clock.freeze(None)


@pytest.fixture(autouse=True)
def _fresh_locator():
    """Test transactions roll back, so on_commit never refreshes the grid index: do it here."""
    from fengqiao.regions.locator import grids_changed

    grids_changed()
    yield
    grids_changed()


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings):
    """Background tasks (core.taskqueue) run the moment they are queued, i.e. at commit, as
    if a worker took each at once; tests of the worker itself switch back to the database
    backend and drain its queue."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _no_demo_fieldwork(settings):
    """A test's demo county with its case history (cases' API and Open311 tests) leaves out
    the fieldwork seeds, whose patrols and campaigns raise cases of their own; the mediation
    history test seeds everything and checks the fieldwork part."""
    settings.FENGQIAO_DEMO_FIELDWORK = False


@pytest.fixture(autouse=True)
def _fresh_config_copies():
    """Rolled-back test transactions never commit, so copies of configuration tables
    (core.configcache) could outlive the rows they copied: start and end with none."""
    from fengqiao.core.configcache import forget_copies

    forget_copies()
    yield
    forget_copies()


SHARED_COUNTY = "_shared_demo_county"
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def demo_county(request, db):
    """The `small` demo county with its demo accounts (village_centre, resident, …).

    Seeded once per test module where it can be (see `_shares_county`): each test's own
    transaction nests in the module's, so what a test writes is rolled back to the seeded
    county. Elsewhere (browser and other transactional tests, or a module that says
    `OWN_DEMO_COUNTY = True`) each test seeds its own."""
    if SHARED_COUNTY in request.fixturenames:
        return request.getfixturevalue(SHARED_COUNTY)
    from fengqiao.demo.seed import seed

    return seed("small")


@pytest.fixture(scope="module")
def _shared_demo_county(django_db_setup, django_db_blocker):
    """seed("small") once for the module, inside a transaction rolled back at its end. The
    settings and language are those the function-scoped fixtures above give a test."""
    from django.db import transaction
    from django.test import override_settings
    from django.utils import translation

    from fengqiao.core.configcache import forget_copies
    from fengqiao.demo.seed import seed
    from fengqiao.regions.locator import grids_changed

    with (
        django_db_blocker.unblock(),
        override_settings(
            PASSWORD_HASHERS=FAST_HASHER,
            FENGQIAO_DEMO_CASE_HISTORY=False,
            FENGQIAO_DEMO_FIELDWORK=False,
            TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
        ),
        translation.override("en"),
        transaction.atomic(),
    ):
        stats = seed("small")
        yield stats
        transaction.set_rollback(True)
    grids_changed()
    forget_copies()


def _shares_county(item) -> bool:
    """A test shares its module's seeded county unless it commits (browser and other
    transactional tests), asks for a county made otherwise (`history`), or its module opts
    out."""
    names = set(getattr(item, "fixturenames", ()))
    if "demo_county" not in names or names & {"transactional_db", "live_server", "history"}:
        return False
    marker = item.get_closest_marker("django_db")
    if marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")):
        return False
    return not getattr(getattr(item, "module", None), "OWN_DEMO_COUNTY", False)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Within each run of one module's tests, those sharing the seeded county go last, so the
    others (which may expect an empty database) run before the module seeds it."""
    ordered, run = [], []
    for item in [*items, None]:
        if run and (
            item is None or getattr(item, "module", None) is not getattr(run[0], "module", None)
        ):
            ordered += [i for i in run if not _shares_county(i)]
            ordered += [i for i in run if _shares_county(i)]
            run = []
        if item is not None:
            run.append(item)
    for item in ordered:
        if _shares_county(item) and SHARED_COUNTY not in item.fixturenames:
            item.fixturenames.insert(0, SHARED_COUNTY)
    items[:] = ordered


@pytest.fixture
def users(demo_county):
    """Demo accounts by username, plus `village_centre_b`: centre staff of another village."""
    from fengqiao.accounts.models import User
    from fengqiao.accounts.services import user_create
    from fengqiao.regions.models import Region

    found = {u.username: u for u in User.objects.all()}
    home = found["village_centre"].bindings.get().code
    other = Region.objects.filter(level="village").exclude(code=home).order_by("-code").first()
    found["village_centre_b"] = user_create(
        username="village_centre_b",
        password="fengqiao-demo",  # noqa: S106 - the public demo password,
        role="centre_staff",
        jurisdiction=[other.code],
        display_name="乙村综治中心",
        check_password=False,
    )
    return found


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """PBKDF2 at production strength costs ~0.3 s per demo account; tests need no such cost."""
    settings.PASSWORD_HASHERS = FAST_HASHER


@pytest.fixture(autouse=True)
def _english_messages():
    """Assertions on messages read English (the msgids); pages still negotiate per request."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _no_demo_case_history(settings):
    """The demo county's year of cases is for people, not for every test that needs a county
    (tests of the history itself seed it in a module fixture of their own)."""
    settings.FENGQIAO_DEMO_CASE_HISTORY = False


# Migrations whose triggers make a table append-only (SQLITE_UP / SQLITE_DOWN lists).
APPEND_ONLY_MIGRATIONS = (
    "fengqiao.cases.migrations.0002_caseevent_append_only",
    "fengqiao.core.migrations.0003_audit_append_only",
)


@pytest.fixture(autouse=True)
def _case_log_triggers(request):
    """After a transactional test pytest-django empties the database: on SQLite with DELETE,
    which the append-only triggers (case log, audit log, access log) refuse, so such tests
    drop them at teardown (before the flush) and every database test makes sure they are
    there when it starts; on PostgreSQL with TRUNCATE, which the logs' statement triggers
    refuse unless the session says `fengqiao.allow_truncate = on` — set here, only for that
    flush, and switched off again when the next test starts."""
    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    if marker is None and not names & {"db", "transactional_db", "live_server"}:
        yield
        return
    transactional = bool(marker and marker.kwargs.get("transaction")) or bool(
        names & {"transactional_db", "live_server"}
    )
    request.getfixturevalue("transactional_db" if transactional else "db")
    import importlib

    from django.db import connection

    if connection.vendor != "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SET fengqiao.allow_truncate = 'off'")
        yield
        if transactional:
            with connection.cursor() as cursor:
                cursor.execute("SET fengqiao.allow_truncate = 'on'")
        return
    migrations = [importlib.import_module(name) for name in APPEND_ONLY_MIGRATIONS]
    with connection.cursor() as cursor:
        for triggers in migrations:
            for sql in triggers.SQLITE_UP:
                cursor.execute(sql.replace("CREATE TRIGGER", "CREATE TRIGGER IF NOT EXISTS", 1))
    yield
    if transactional:
        with connection.cursor() as cursor:
            for triggers in migrations:
                for sql in triggers.SQLITE_DOWN:
                    cursor.execute(sql)
