"""Log formatting: one JSON object per line (FENGQIAO_LOG_FORMAT=json) and the request id."""

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime

from django.core.exceptions import ImproperlyConfigured

# The id of the request this thread is serving (set by core.middleware.RequestLogMiddleware),
# so every line logged while serving it carries the id, not only the request line itself.
request_id_var: ContextVar[str | None] = ContextVar("fengqiao_request_id", default=None)

# Attributes every LogRecord has; anything else on a record came from `extra=`.
_RECORD_ATTRIBUTES = frozenset(
    vars(logging.LogRecord("", logging.INFO, "", 0, "", None, None)).keys()
) | {"message", "asctime", "taskName"}

_PLAIN_TYPES = (str, int, float, bool)


class JsonFormatter(logging.Formatter):
    """time, level, logger, message, pid; the request id when serving one; `extra=` fields.

    Extra fields are kept only when they are plain values: Django's own loggers pass the whole
    request object (`extra={"request": …}`), whose text would carry the query string.
    """

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            # Local time with its offset (Django sets the process zone to TIME_ZONE).
            "time": datetime.fromtimestamp(record.created, tz=UTC)
            .astimezone()
            .isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
        }
        request_id = getattr(record, "request_id", None) or request_id_var.get()
        if request_id:
            entry["request_id"] = request_id
        for key, value in vars(record).items():
            if key in _RECORD_ATTRIBUTES or key in entry or key.startswith("_"):
                continue
            if value is None or isinstance(value, _PLAIN_TYPES):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def logging_config(*, log_format: str, level: str) -> dict:
    """The LOGGING dict for settings: console output, plain text or JSON lines."""
    if log_format not in {"plain", "json"}:
        raise ImproperlyConfigured(
            f"FENGQIAO_LOG_FORMAT must be 'plain' or 'json', not {log_format!r}."
        )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
            "json": {"()": "fengqiao.core.logging.JsonFormatter"},
        },
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": log_format}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {"django.db.backends": {"level": "WARNING"}},
    }
