"""The audit log's write side: snapshot, mutate, write one AuditEntry in the same transaction.

Usage in a service (Zulip's RealmAuditLog pattern)::

    before = audit_snapshot(person, ["name", "phone_sealed"])
    ... change and save person ...
    audit_record(actor=actor, entity=person, action="update",
                 changes=audit_diff(before, audit_snapshot(person, ["name", "phone_sealed"])))

Personal data never reaches the table in clear: a field whose name marks it as personal
(sealed ciphertexts, keyed hashes, masks, phone and ID numbers, birth dates, passwords) is
compared in memory and written as ``["***", "***"]`` when it changed.
"""

import contextvars
import datetime as dt
import decimal
import uuid

from django.core.exceptions import FieldDoesNotExist
from django.db import models

from fengqiao.core import clock
from fengqiao.core.models import AuditEntry

SECRET = "***"  # noqa: S105 - the placeholder written instead of personal data

# A field is secret when its name contains one of these (phone, contact_phone, id_number, …)
# or ends with one of the suffixes (ciphertext, keyed hash, mask derived from the secret).
_SECRET_WORDS = (
    "password",
    "phone",
    "id_number",
    "birth",
    "secret",
    "token",
    "key_hash",
    "api_key",
)
_SECRET_SUFFIXES = ("_sealed", "_hash", "_masked")

# Actions (free text in the table; these are the ones the platform writes).
CREATE, UPDATE, DELETE = "create", "update", "delete"

# The client address of the current request, set by AuditContextMiddleware.
request_ip_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "fengqiao_audit_ip", default=None
)


def is_secret_field(name: str) -> bool:
    name = name.lower()
    return name.endswith(_SECRET_SUFFIXES) or any(word in name for word in _SECRET_WORDS)


class _Secret:
    """A value kept in memory for comparison only; it is written as "***"."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def __eq__(self, other):
        return isinstance(other, _Secret) and self.value == other.value

    def __hash__(self):
        return hash(self.value)

    def __repr__(self):
        return SECRET


def _plain(value):
    """A JSON-safe form of a field value."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple | set | frozenset):
        items = [_plain(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)


def audit_snapshot(obj, fields, *, secret=()) -> dict:
    """The current values of `fields` on `obj` (foreign keys by id), ready for audit_diff.

    A field is secret when listed in `secret` or when is_secret_field() says so.
    """
    snapshot = {}
    for name in fields:
        field = _model_field(obj, name)
        if field is not None and field.is_relation and field.many_to_one:
            value = getattr(obj, field.attname)
        elif field is not None and field.many_to_many:
            value = set(getattr(obj, name).values_list("pk", flat=True)) if obj.pk else set()
        else:
            value = getattr(obj, name, None)
        value = _plain(value)
        snapshot[name] = _Secret(value) if name in secret or is_secret_field(name) else value
    return snapshot


def _model_field(obj, name):
    """The model field `name`, or None for properties and for objects that are not models."""
    meta = getattr(obj, "_meta", None)
    if meta is None:
        return None
    try:
        return meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _written(value):
    return SECRET if isinstance(value, _Secret) else value


def audit_diff(before: dict, after: dict) -> dict:
    """`{field: [old, new]}` for every field whose value changed; secrets become "***"."""
    changes = {}
    for name in {**before, **after}:
        old, new = before.get(name), after.get(name)
        if old != new:
            changes[name] = [_written(old), _written(new)]
    return changes


def audit_created(obj, fields, *, secret=()) -> dict:
    """Changes for a new row: every non-empty field as [None, value]."""
    return {
        name: [None, _written(value)]
        for name, value in audit_snapshot(obj, fields, secret=secret).items()
        if (value.value if isinstance(value, _Secret) else value) not in (None, "", [], {})
    }


def audit_masked(changes: dict) -> dict:
    """`changes` with every value of a secret field replaced by "***" (for callers that
    build their own dict)."""
    masked = {}
    for name, pair in changes.items():
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            pair = [None, pair]
        if is_secret_field(str(name)):
            masked[str(name)] = [None if v is None else SECRET for v in pair]
        else:
            masked[str(name)] = [_plain(v) for v in pair]
    return masked


def actor_label(actor) -> str:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return "system"
    username = actor.get_username()
    label = getattr(actor, "label", "") or ""
    return f"{username} ({label})" if label and label != username else username


def audit_record(
    *,
    actor,
    entity=None,
    action: str,
    changes: dict | None = None,
    reason: str = "",
    region_code: str | None = None,
    entity_type: str | None = None,
    entity_id=None,
    ip: str | None = None,
) -> AuditEntry:
    """Write one audit row. `entity` is a model instance (its type, id and region_code are
    taken from it) or None with `entity_type`/`entity_id` given. Call it inside the
    service's transaction, after the write, so both commit or neither does."""
    if entity is not None:
        entity_type = entity_type or entity._meta.label_lower
        entity_id = entity.pk if entity_id is None else entity_id
        if region_code is None:
            region_code = getattr(entity, "region_code", None)
    if not entity_type:
        raise ValueError("audit_record needs an entity or an entity_type")
    user = actor if getattr(actor, "is_authenticated", False) and actor.pk else None
    return AuditEntry.objects.create(
        actor=user,
        actor_label=actor_label(user)[:200],
        at=clock.now(),
        entity_type=entity_type[:60],
        entity_id="" if entity_id is None else str(entity_id)[:64],
        region_code=(region_code or "")[:24],
        action=action[:32],
        changes=audit_masked(changes or {}),
        reason=(reason or "")[:500],
        ip=ip or request_ip_var.get(),
    )


class AuditContextMiddleware:
    """Keeps the client address of the request for audit_record (services do not see it)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from fengqiao.core.http import client_ip

        token = request_ip_var.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            request_ip_var.reset(token)


def common_region(codes) -> str:
    """The longest code prefix shared by `codes` (the jurisdiction a batch write lies in)."""
    codes = [c for c in codes if c]
    if not codes:
        return ""
    low, high = min(codes), max(codes)
    size = 0
    while size < min(len(low), len(high)) and low[size] == high[size]:
        size += 1
    return low[:size]


def audit_batch(
    *,
    actor,
    entity_type: str,
    action: str,
    counts: dict,
    region_codes,
    entity_id=None,
    reason: str = "",
    **info,
) -> AuditEntry:
    """One row for a bulk write (an import or one checkpointed batch of it): the counts
    as `[None, n]`, never the rows themselves."""
    changes = {name: [None, value] for name, value in {**info, **counts}.items()}
    return audit_record(
        actor=actor,
        entity_type=entity_type,
        entity_id=entity_id,
        action=action,
        changes=changes,
        reason=reason,
        region_code=common_region(region_codes),
    )
