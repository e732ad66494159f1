"""Encryption at rest and keyed hashes for personal data (ID numbers, phones, sensitive tags)."""

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

from fengqiao.core.keys import validate_data_key

_VERSION = "v1"


@lru_cache(maxsize=4)
def _derived(data_key: str, purpose: bytes) -> bytes:
    master = validate_data_key(data_key)
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(master)


def _enc_key() -> bytes:
    return _derived(settings.FENGQIAO_DATA_KEY, b"fengqiao/encrypt")


def _hash_key() -> bytes:
    return _derived(settings.FENGQIAO_DATA_KEY, b"fengqiao/lookup-hash")


def encrypt(plaintext: str) -> str:
    """AES-256-GCM with a random nonce; the output is ASCII, safe for a text column."""
    if plaintext == "":
        return ""
    nonce = os.urandom(12)
    sealed = AESGCM(_enc_key()).encrypt(nonce, plaintext.encode(), None)
    return f"{_VERSION}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def decrypt(token: str) -> str:
    if token == "":
        return ""
    version, _, body = token.partition(":")
    if version != _VERSION:
        raise ValueError(f"unknown ciphertext version {version!r}")
    raw = base64.urlsafe_b64decode(body.encode())
    return AESGCM(_enc_key()).decrypt(raw[:12], raw[12:], None).decode()


def lookup_hash(value: str) -> str:
    """Keyed hash for exact lookup and duplicate detection; empty stays empty."""
    if value == "":
        return ""
    return hmac.new(_hash_key(), value.encode(), hashlib.sha256).hexdigest()
