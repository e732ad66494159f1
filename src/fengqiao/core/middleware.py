"""Request logging: one line per request with its id, method, path, status and duration."""

import logging
import re
import time
import uuid

from django.core.signals import request_finished
from django.dispatch import receiver

from fengqiao.core.logging import request_id_var

logger = logging.getLogger("fengqiao.request")

# nginx sends its $request_id here (deploy/nginx/fengqiao.conf); anything else is replaced.
REQUEST_ID_HEADER = "X-Request-ID"
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
_MAX_PATH_LENGTH = 300

# Probes hit these every few seconds; they are logged at DEBUG so they do not drown the log.
QUIET_PATHS = frozenset({"/healthz", "/readyz"})


class RequestLogMiddleware:
    """Logs `fengqiao.request` after each response and echoes the id as X-Request-ID.

    Only the path is logged, never the query string: it carries Open311 `api_key`s and
    registry searches by ID or phone number, which are stored encrypted and must not
    reappear in plain text in a log file.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = _incoming_request_id(request) or uuid.uuid4().hex
        request.request_id = request_id
        # Kept until the response is closed (request_finished, below), not only until this
        # returns: Django logs "Not Found: …" and the like after the middleware chain.
        request_id_var.set(request_id)
        started = time.perf_counter()
        response = self.get_response(request)
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        response[REQUEST_ID_HEADER] = request_id
        status = response.status_code
        level = _level(request.path, status)
        if not logger.isEnabledFor(level):  # LOG_LEVEL=WARNING: no cost beyond the id
            return response
        path = loggable_path(request.path)
        logger.log(
            level,
            "%s %s %s %.1fms",
            request.method,
            path,
            status,
            duration_ms,
            extra={
                "request_id": request_id,
                "method": request.method,
                "path": path,
                "status": status,
                "duration_ms": duration_ms,
            },
        )
        return response


@receiver(request_finished, dispatch_uid="fengqiao.core.middleware.forget_request_id")
def forget_request_id(**kwargs) -> None:
    """The thread goes back to the server's pool: lines it logs next belong to no request."""
    request_id_var.set(None)


def loggable_path(path: str) -> str:
    """The path with control characters escaped (no forged log lines) and a bounded length."""
    path = _CONTROL_CHARACTERS.sub(lambda match: f"\\x{ord(match.group()):02x}", path)
    if len(path) > _MAX_PATH_LENGTH:
        path = path[:_MAX_PATH_LENGTH] + "…"
    return path


def _incoming_request_id(request) -> str | None:
    value = request.headers.get(REQUEST_ID_HEADER, "")
    return value if _VALID_REQUEST_ID.fullmatch(value) else None


def _level(path: str, status: int) -> int:
    if status >= 500:
        return logging.ERROR
    if path in QUIET_PATHS:
        return logging.DEBUG
    return logging.INFO
