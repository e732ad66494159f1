"""One pass of every app's background sweeps, as listed in settings.FENGQIAO_SWEEPS (core
runs them by name, so it imports no app above it)."""

from datetime import datetime

from django.conf import settings
from django.utils.module_loading import import_string

from fengqiao.core import clock


def run_all_sweeps(now: datetime | None = None) -> dict[str, int]:
    """Each sweep's counts, at one instant; every sweep is idempotent."""
    now = now or clock.now()
    counts: dict[str, int] = {}
    for path in settings.FENGQIAO_SWEEPS:
        counts.update(import_string(path)(now))
    return counts
