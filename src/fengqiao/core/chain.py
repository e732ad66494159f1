"""Keyed hash chains for any app's log: HMAC-SHA256 links, before → after changes, replay.

A log row (a case event, a notice event, later a points entry) is a link: its `fields`
(everything it says, its `changes` included) are sealed with the chain key and the hash of
the link before it. The key lives outside the database (see chain_key), so someone who can
write the tables cannot forge a link, nor rewrite a whole chain with a plain hash.
"""

import base64
import functools
import hashlib
import hmac
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from fengqiao.core.keys import _read_or_create, new_data_key

GENESIS = "0" * 64
CHAIN_KEY_FILE = "chain_key"


@functools.cache
def chain_key() -> bytes:
    """The HMAC key of every chain: FENGQIAO_CHAIN_KEY (urlsafe base64 of 32 bytes), or in
    demo mode a key generated once into FENGQIAO_HOME/chain_key. Never stored in the database,
    and separate from the data key so that rotating that one leaves the logs as they are."""
    value = os.environ.get("FENGQIAO_CHAIN_KEY", "")
    if not value:
        if settings.PRODUCTION:
            raise ImproperlyConfigured("Production needs FENGQIAO_CHAIN_KEY in the environment.")
        value = _read_or_create(settings.FENGQIAO_HOME / CHAIN_KEY_FILE, new_data_key)
    try:
        raw = base64.urlsafe_b64decode(value.encode())
    except ValueError as exc:
        raise ImproperlyConfigured("FENGQIAO_CHAIN_KEY is not valid base64.") from exc
    if len(raw) != 32:
        raise ImproperlyConfigured("FENGQIAO_CHAIN_KEY must encode 32 bytes (urlsafe base64).")
    return raw


def canonical(value):
    """A value as it is hashed: aware datetimes in UTC (as the database gives them back)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def payload(kind: str, fields: dict) -> bytes:
    """The bytes a link is sealed over: its chain kind and fields, as canonical JSON."""
    values = {name: canonical(value) for name, value in fields.items()}
    values["_chain"] = kind
    text = json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return text.encode()


def seal(kind: str, prev_hash: str, fields: dict) -> str:
    """HMAC-SHA256 of the link before and this link's fields, under the chain key (hex)."""
    message = prev_hash.encode() + b"\n" + payload(kind, fields)
    return hmac.new(chain_key(), message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Link:
    """One row of a chain as it was read back: position, stored hashes, sealed fields."""

    seq: int
    prev_hash: str
    hash: str
    fields: dict


def verify(kind: str, links: Iterable[Link]) -> list[str]:
    """Problems found in one chain's links (ordered by seq); empty when the chain holds."""
    problems = []
    prev = GENESIS
    expected_seq = 1
    for link in links:
        if link.seq != expected_seq:
            problems.append(f"event #{expected_seq} is missing (found #{link.seq})")
            expected_seq = link.seq
        if link.prev_hash != prev:
            problems.append(f"event #{link.seq} does not follow the event before it")
        if not hmac.compare_digest(seal(kind, link.prev_hash, link.fields), link.hash):
            problems.append(f"event #{link.seq} was changed after it was written")
        prev = link.hash
        expected_seq += 1
    return problems


def diff(before: dict, after: dict) -> dict:
    """`{field: [old, new]}` for each field whose value differs (a missing field is None)."""
    return {
        name: [before.get(name), after.get(name)]
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    }


@dataclass(frozen=True)
class Step:
    """The changes one link made; a `baseline` link (a legacy chain re-sealed) states the
    whole record afresh, with no old values to agree with."""

    seq: int
    changes: dict
    baseline: bool = False


def replay(steps: Iterable[Step], row: dict) -> list[str]:
    """Apply each step's changes to an empty row; the result must equal `row` (the record as
    it is stored), and each step's old values must equal what the steps before it gave."""
    problems = []
    state: dict = {}
    for step in steps:
        if step.baseline:
            state = {}
        for name, change in step.changes.items():
            old, new = change
            if not step.baseline and state.get(name) != old:
                problems.append(
                    f"event #{step.seq} found {name} = {old!r}, "
                    f"but the log before it gives {state.get(name)!r}"
                )
            state[name] = new
    for name, value in row.items():
        if state.get(name) != value:
            problems.append(f"{name} is {value!r} in the record but {state.get(name)!r} by its log")
    return problems


SIGNING_KEY_FILE = "chain_signing_key"


@functools.cache
def signing_key():
    """The Ed25519 key that signs the daily digests: FENGQIAO_CHAIN_SIGNING_KEY (urlsafe base64
    of the 32-byte private seed), or in demo mode one generated into FENGQIAO_HOME. Only its
    public half (public_key_text) need be known to whoever checks an exported digest."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    value = os.environ.get("FENGQIAO_CHAIN_SIGNING_KEY", "")
    if not value:
        if settings.PRODUCTION:
            raise ImproperlyConfigured(
                "Production needs FENGQIAO_CHAIN_SIGNING_KEY in the environment."
            )
        value = _read_or_create(settings.FENGQIAO_HOME / SIGNING_KEY_FILE, new_data_key)
    try:
        raw = base64.urlsafe_b64decode(value.encode())
    except ValueError as exc:
        raise ImproperlyConfigured("FENGQIAO_CHAIN_SIGNING_KEY is not valid base64.") from exc
    if len(raw) != 32:
        raise ImproperlyConfigured("FENGQIAO_CHAIN_SIGNING_KEY must encode 32 bytes.")
    return Ed25519PrivateKey.from_private_bytes(raw)


def public_key_text() -> str:
    """The digest-signing public key, urlsafe base64 of its 32 raw bytes."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    raw = signing_key().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.urlsafe_b64encode(raw).decode()


def sign(message: bytes) -> str:
    return base64.urlsafe_b64encode(signing_key().sign(message)).decode()


def signature_holds(public_key: str, message: bytes, signature: str) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        key = Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(public_key.encode()))
        key.verify(base64.urlsafe_b64decode(signature.encode()), message)
    except (InvalidSignature, ValueError):
        return False
    return True
