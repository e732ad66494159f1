"""Idempotent background work for accounts: forget stale sign-in throttle rows and SMS codes."""

from datetime import datetime

from fengqiao.accounts.otp import sweep_sms_codes
from fengqiao.accounts.throttling import sweep_login_throttles
from fengqiao.core import clock


def run_all(now: datetime | None = None) -> dict[str, int]:
    """One pass at one instant; returns how many rows each sweep removed."""
    now = now or clock.now()
    return {
        "login_throttles_purged": sweep_login_throttles(now),
        "sms_codes_purged": sweep_sms_codes(now),
    }
