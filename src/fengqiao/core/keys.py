"""Secret and data keys: from the environment, or generated under FENGQIAO_HOME in demo mode."""

import base64
import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

SECRET_KEY_FILE = "secret_key"  # noqa: S105 - a file name, not a secret
DATA_KEY_FILE = "data_key"


def _read_or_create(path: Path, make) -> str:
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = make()
    # Created with owner-only permissions: this key decrypts every ID number.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(value + "\n")
    return value


def new_data_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def load_keys(*, home: Path, production: bool) -> tuple[str, str]:
    """Return (secret_key, data_key).

    Production takes both from the environment and refuses keys that equal the
    generated demo keys; demo mode generates them once and keeps them in `home`.
    """
    secret = os.environ.get("FENGQIAO_SECRET_KEY", "")
    data = os.environ.get("FENGQIAO_DATA_KEY", "")
    if production:
        if not secret or not data:
            raise ImproperlyConfigured(
                "Production needs FENGQIAO_SECRET_KEY and FENGQIAO_DATA_KEY in the environment."
            )
        demo_keys = set()
        for name in (SECRET_KEY_FILE, DATA_KEY_FILE):
            if (home / name).exists():
                demo_keys.add((home / name).read_text().strip())
        if secret in demo_keys or data in demo_keys:
            raise ImproperlyConfigured(
                "Production refuses the generated demo keys: set fresh FENGQIAO_SECRET_KEY "
                "and FENGQIAO_DATA_KEY."
            )
        validate_secret_key(secret)
        validate_data_key(data)
        return secret, data
    secret = secret or _read_or_create(home / SECRET_KEY_FILE, lambda: secrets.token_urlsafe(50))
    data = data or _read_or_create(home / DATA_KEY_FILE, new_data_key)
    validate_data_key(data)
    return secret, data


MIN_SECRET_LENGTH = 50
MIN_SECRET_DISTINCT = 10
# zxcvbn's estimate, as log10 of guesses: 10^40 ≈ 2^133, out of reach of any search.
MIN_SECRET_GUESSES_LOG10 = 40


def validate_secret_key(secret: str) -> None:
    """Refuse a secret key that is short, made of few characters, or patterned (repeats,
    words, keyboard walks): it signs sessions and password-reset links."""
    from zxcvbn import zxcvbn

    weak = (
        len(secret) < MIN_SECRET_LENGTH
        or len(set(secret)) < MIN_SECRET_DISTINCT
        or secret.startswith(("django-insecure", "replace-me"))
        or zxcvbn(secret[:100])["guesses_log10"] < MIN_SECRET_GUESSES_LOG10
    )
    if weak:
        raise ImproperlyConfigured(
            "FENGQIAO_SECRET_KEY is too weak for production: use at least 50 random characters, "
            "e.g. python3 -c 'import secrets; print(secrets.token_urlsafe(50))'."
        )


def validate_data_key(data_key: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(data_key.encode())
    except ValueError as exc:
        raise ImproperlyConfigured("FENGQIAO_DATA_KEY is not valid base64.") from exc
    if len(raw) != 32:
        raise ImproperlyConfigured("FENGQIAO_DATA_KEY must encode 32 bytes (urlsafe base64).")
    return raw
