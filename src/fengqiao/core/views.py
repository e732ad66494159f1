"""Health (process up) and readiness (database, migrations, shared cache) endpoints."""

import secrets

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse

# Caches private to one process have nothing to reach; any other backend is a shared service.
_PRIVATE_CACHES = frozenset(
    {
        "django.core.cache.backends.locmem.LocMemCache",
        "django.core.cache.backends.dummy.DummyCache",
    }
)

# Once this process has seen every migration applied it stays so until new code (and with it
# a restart) arrives, so the migration graph is loaded at most until then, not on every probe.
_migrations_seen_applied = False


def health(request):
    """The process answers; nothing else is checked (for restart decisions)."""
    return JsonResponse({"status": "ok"})


def ready(request):
    """Database reachable, migrations applied, shared cache reachable (for traffic decisions).

    A failure answers 503 naming the failed checks with the exception's class only: its
    message may carry host names or credentials.
    """
    failed = {}
    try:
        if not migrations_applied():
            failed["migrations"] = "unapplied"
    except Exception as exc:  # any database failure means not ready
        failed["database"] = type(exc).__name__
    if cache_is_shared():
        try:
            _check_cache()
        except Exception as exc:  # an unreachable or failing cache server
            failed["cache"] = type(exc).__name__
    if failed:
        return JsonResponse({"status": "unavailable", "failed": failed}, status=503)
    return JsonResponse({"status": "ready"})


def migrations_applied(alias: str = DEFAULT_DB_ALIAS) -> bool:
    """Reaches the database (raises if it cannot) and says whether every migration is applied."""
    global _migrations_seen_applied
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    if _migrations_seen_applied:
        return True
    executor = MigrationExecutor(connection)
    applied = not executor.migration_plan(executor.loader.graph.leaf_nodes())
    _migrations_seen_applied = applied
    return applied


def cache_is_shared() -> bool:
    return settings.CACHES["default"]["BACKEND"] not in _PRIVATE_CACHES


def _check_cache() -> None:
    # A key of its own per probe, so concurrent probes never read each other's value.
    value = secrets.token_hex(8)
    key = f"fengqiao:readyz:{value}"
    cache.set(key, value, timeout=10)
    try:
        if cache.get(key) != value:
            raise RuntimeError("the cache did not keep a value")
    finally:
        cache.delete(key)
