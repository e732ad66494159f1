"""Keys from the environment or the data folder; encryption and keyed hashes."""

import secrets

import pytest
from django.core.exceptions import ImproperlyConfigured

from fengqiao.core import crypto
from fengqiao.core.keys import load_keys, new_data_key


def test_demo_keys_are_generated_once_when_home_is_empty(tmp_path, monkeypatch):
    monkeypatch.delenv("FENGQIAO_SECRET_KEY", raising=False)
    monkeypatch.delenv("FENGQIAO_DATA_KEY", raising=False)
    first = load_keys(home=tmp_path, production=False)
    second = load_keys(home=tmp_path, production=False)
    assert first == second
    assert (tmp_path / "data_key").stat().st_mode & 0o777 == 0o600


def test_production_refuses_when_keys_missing(tmp_path, monkeypatch):
    monkeypatch.delenv("FENGQIAO_SECRET_KEY", raising=False)
    monkeypatch.delenv("FENGQIAO_DATA_KEY", raising=False)
    with pytest.raises(ImproperlyConfigured, match="FENGQIAO_SECRET_KEY"):
        load_keys(home=tmp_path, production=True)


def test_production_refuses_when_keys_are_the_demo_keys(tmp_path, monkeypatch):
    monkeypatch.delenv("FENGQIAO_SECRET_KEY", raising=False)
    monkeypatch.delenv("FENGQIAO_DATA_KEY", raising=False)
    secret, data = load_keys(home=tmp_path, production=False)
    monkeypatch.setenv("FENGQIAO_SECRET_KEY", "a-fresh-production-secret-key-0123456789")
    monkeypatch.setenv("FENGQIAO_DATA_KEY", data)
    with pytest.raises(ImproperlyConfigured, match="demo keys"):
        load_keys(home=tmp_path, production=True)


def test_production_accepts_when_fresh_keys_given(tmp_path, monkeypatch):
    fresh = secrets.token_urlsafe(50)
    monkeypatch.setenv("FENGQIAO_SECRET_KEY", fresh)
    monkeypatch.setenv("FENGQIAO_DATA_KEY", new_data_key())
    secret, _data = load_keys(home=tmp_path, production=True)
    assert secret == fresh


def test_bad_data_key_is_refused_when_wrong_length(tmp_path, monkeypatch):
    monkeypatch.setenv("FENGQIAO_DATA_KEY", "c2hvcnQ=")
    with pytest.raises(ImproperlyConfigured, match="32 bytes"):
        load_keys(home=tmp_path, production=False)


def test_encrypt_round_trips_with_random_nonce_when_same_plaintext():
    a, b = crypto.encrypt("11010519491231002X"), crypto.encrypt("11010519491231002X")
    assert a != b
    assert crypto.decrypt(a) == crypto.decrypt(b) == "11010519491231002X"
    assert "1101051949" not in a


def test_lookup_hash_is_stable_and_keyed_when_hash_key_changes(settings):
    h = crypto.lookup_hash("13800001234")
    assert h == crypto.lookup_hash("13800001234")
    settings.FENGQIAO_DATA_KEY = new_data_key()
    assert crypto.lookup_hash("13800001234") == h  # a data key rotation keeps every hash
    settings.FENGQIAO_HASH_KEY = new_data_key()
    assert crypto.lookup_hash("13800001234") != h


def test_decrypt_fails_when_ciphertext_tampered():
    token = crypto.encrypt("secret")
    head, body = token.rsplit(":", 1)
    flipped = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1]
    with pytest.raises(ValueError, match="does not open"):
        crypto.decrypt(f"{head}:{flipped}")
