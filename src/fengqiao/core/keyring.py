"""The data key ring: the active data key, retired keys still readable during a rotation, and
the lookup-hash key, which is a key of its own so that rotating the data key leaves every keyed
hash (ID, phone and tag lookups) valid."""

import base64
import hashlib
import hmac
import os
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.core.exceptions import ImproperlyConfigured

from fengqiao.core.keys import new_data_key, validate_data_key

RETIRED_DIR = "retired_data_keys"
HASH_KEY_FILE = "hash_key"


def key_id(data_key: str) -> str:
    """A short public name for a key (8 hex digits), written into every ciphertext; it is a
    keyed digest, so it tells nothing about the key."""
    raw = validate_data_key(data_key)
    return hmac.new(raw, b"fengqiao/key-id", hashlib.sha256).hexdigest()[:8]


def derive(data_key: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(
        validate_data_key(data_key)
    )


def legacy_hash_key(data_key: str) -> str:
    """The lookup-hash key as releases before the key ring derived it from the data key;
    installations that upgrade keep it, so their stored hashes stay valid."""
    return base64.urlsafe_b64encode(derive(data_key, b"fengqiao/lookup-hash")).decode()


def load_retired_keys(*, home: Path) -> list[str]:
    """Retired data keys: FENGQIAO_RETIRED_DATA_KEYS (comma-separated), and in demo mode the
    files that `fengqiao rekey rotate` moved under FENGQIAO_HOME/retired_data_keys/."""
    keys = [k.strip() for k in os.environ.get("FENGQIAO_RETIRED_DATA_KEYS", "").split(",")]
    folder = home / RETIRED_DIR
    if folder.is_dir():
        keys += [p.read_text().strip() for p in sorted(folder.glob("*.key"))]
    found = []
    for key in keys:
        if key and key not in found:
            validate_data_key(key)
            found.append(key)
    return found


def load_hash_key(
    *, home: Path, production: bool, data_key: str, retired: list[str] | None = None
) -> tuple[str, str]:
    """(hash key, where it came from: "env", "file" or "derived").

    FENGQIAO_HASH_KEY wins. In demo mode the key lives in FENGQIAO_HOME/hash_key, created on
    first start with the value earlier releases derived from the data key. In production without
    FENGQIAO_HASH_KEY it is still derived from the data key ("derived"), and the data key cannot
    be rotated until FENGQIAO_HASH_KEY is set (`fengqiao rekey hash-key` prints the value)."""
    configured = os.environ.get("FENGQIAO_HASH_KEY", "").strip()
    if configured:
        try:
            validate_data_key(configured)
        except ImproperlyConfigured as exc:
            raise ImproperlyConfigured(
                "FENGQIAO_HASH_KEY must encode 32 bytes (urlsafe base64)."
            ) from exc
        return configured, "env"
    if production:
        if retired:
            raise ImproperlyConfigured(
                "A data key rotation needs FENGQIAO_HASH_KEY: set it to what `fengqiao rekey "
                "hash-key` printed with the old data key (docs/security.md, key rotation)."
            )
        return legacy_hash_key(data_key), "derived"
    path = home / HASH_KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(legacy_hash_key(data_key) + "\n")
    return path.read_text().strip(), "file"


def rotate_demo_key(*, home: Path) -> tuple[str, str]:
    """Demo mode: make a new data key the active one and keep the old one as retired.
    Returns (old key id, new key id). The running processes pick it up when restarted."""
    current = home / "data_key"
    old = current.read_text().strip()
    folder = home / RETIRED_DIR
    folder.mkdir(parents=True, exist_ok=True)
    retired = folder / f"{key_id(old)}.key"
    if not retired.exists():
        fd = os.open(retired, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(old + "\n")
    new = new_data_key()
    staging = home / "data_key.new"
    fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(new + "\n")
    os.replace(staging, current)
    return key_id(old), key_id(new)
