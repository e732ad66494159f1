"""Sealing personal data (ID numbers, phones, sensitive tags): AES-256-GCM under a key ring,
and keyed hashes for exact lookup and duplicate detection. The one sealing API of the platform.

A token is ASCII, safe for a text column:
- ``v2:<key id>:<base64>``  sealed under the key with that id, no associated data;
- ``v2:<key id>:r:<base64>`` sealed with associated data ``<table>.<column>.<row id>``, so the
  ciphertext opens only in the row and column it was written for (see `seal_field`);
- ``v1:<base64>`` written before the key ring (no key id); still read, under any key of the ring.
"""

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from fengqiao.core.keyring import derive, key_id, legacy_hash_key

_NONCE = 12


class Ring:
    """The keys of one configuration: seal under the active key, open under any key."""

    def __init__(self, active: str, retired: tuple[str, ...], hash_key: str):
        self.active_id = key_id(active)
        self.ciphers = {
            key_id(k): AESGCM(derive(k, b"fengqiao/encrypt")) for k in (active, *retired)
        }
        self.hash_key = base64.urlsafe_b64decode(hash_key.encode())

    def seal(self, plaintext: str, aad: str = "") -> str:
        if plaintext == "":
            return ""
        nonce = os.urandom(_NONCE)
        sealed = self.ciphers[self.active_id].encrypt(
            nonce, plaintext.encode(), aad.encode() if aad else None
        )
        body = base64.urlsafe_b64encode(nonce + sealed).decode()
        return f"v2:{self.active_id}:r:{body}" if aad else f"v2:{self.active_id}:{body}"

    def open(self, token: str, aad: str = "") -> str:
        if token == "":
            return ""
        version, _, rest = token.partition(":")
        if version == "v1":
            raw = base64.urlsafe_b64decode(rest.encode())
            for ring_cipher in self.ciphers.values():
                try:
                    return ring_cipher.decrypt(raw[:_NONCE], raw[_NONCE:], None).decode()
                except InvalidTag:
                    continue
            raise ValueError("no key of the ring opens this v1 token")
        if version != "v2":
            raise ValueError(f"unknown ciphertext version {version!r}")
        kid, _, body = rest.partition(":")
        bound = body.startswith("r:")
        if bound:
            if not aad:
                raise ValueError("this token is bound to its row: open it with seal_field's names")
            body = body[2:]
        cipher = self.ciphers.get(kid)
        if cipher is None:
            raise ValueError(f"the key {kid} is not in the key ring (retired and removed?)")
        raw = base64.urlsafe_b64decode(body.encode())
        try:
            plain = cipher.decrypt(raw[:_NONCE], raw[_NONCE:], aad.encode() if bound else None)
        except InvalidTag as exc:
            raise ValueError("the token does not open: changed, or moved from another row") from exc
        return plain.decode()

    def hash(self, value: str) -> str:
        if value == "":
            return ""
        return hmac.digest(self.hash_key, value.encode(), hashlib.sha256).hex()


@lru_cache(maxsize=8)
def _ring(active: str, retired: tuple[str, ...], hash_key: str) -> Ring:
    return Ring(active, retired, hash_key)


def ring() -> Ring:
    """The ring of the current settings (tests change them, so it is looked up each time)."""
    active = settings.FENGQIAO_DATA_KEY
    hash_key = getattr(settings, "FENGQIAO_HASH_KEY", "") or legacy_hash_key(active)
    return _ring(active, tuple(getattr(settings, "FENGQIAO_RETIRED_DATA_KEYS", ())), hash_key)


def row_aad(table: str, column: str, row_id) -> str:
    return f"{table}.{column}.{row_id}"


def encrypt(plaintext: str) -> str:
    """Seal a value that is not bound to a row yet (e.g. before the row has an id)."""
    return ring().seal(plaintext)


def decrypt(token: str) -> str:
    """Open an unbound (or v1) token; a row-bound token needs `open_field`."""
    return ring().open(token)


def seal_field(obj, column: str, plaintext: str) -> str:
    """Seal `plaintext` for `obj.<column>`, bound to the row (the row must have an id)."""
    return ring().seal(plaintext, row_aad(obj._meta.db_table, column, obj.pk))


def open_field(obj, column: str) -> str:
    """Open `obj.<column>`, bound to its row or not."""
    return ring().open(getattr(obj, column), row_aad(obj._meta.db_table, column, obj.pk))


def bind_row(obj) -> int:
    """After an insert: re-seal the row's unbound `*_sealed` values bound to it (the row now has
    an id), with a conditional update; returns how many were bound."""
    ring_ = ring()
    table = obj._meta.db_table
    changes, seen = {}, {}
    for f in obj._meta.concrete_fields:
        token = getattr(obj, f.attname)
        if f.attname.endswith("_sealed") and token and ":r:" not in token:
            aad = row_aad(table, f.attname, obj.pk)
            changes[f.attname], seen[f.attname] = ring_.seal(ring_.open(token), aad), token
    if not changes:
        return 0
    written = type(obj)._base_manager.filter(pk=obj.pk, **seen).update(**changes)
    if written:
        for name, token in changes.items():
            setattr(obj, name, token)
    return len(changes) if written else 0


def open_value(model, column: str, row_id, token: str) -> str:
    """Open a token read as a plain value (values_list) from `model.<column>` of row `row_id`."""
    return ring().open(token, row_aad(model._meta.db_table, column, row_id))


def token_key_id(token: str) -> str | None:
    """The key id a token was sealed under; "v1" for tokens older than the ring."""
    if not token:
        return None
    version, _, rest = token.partition(":")
    return "v1" if version == "v1" else rest.partition(":")[0]


def is_current(token: str) -> bool:
    """Sealed under the active key and bound to its row (nothing for `rekey` to do)."""
    return not token or token.startswith(f"v2:{ring().active_id}:r:")


def lookup_hash(value: str) -> str:
    """Keyed hash for exact lookup and duplicate detection; empty stays empty."""
    return ring().hash(value)
