"""Credentials are encrypted at rest; production refuses to start without a key."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from orderbridge.config import Environment, Settings
from orderbridge.secrets_box import SecretBox, SecretKeyMissing, SecretUnreadable, load_secret_box


def test_round_trip_and_ciphertext_hides_the_secret() -> None:
    box = SecretBox(Fernet.generate_key())
    token = box.encrypt_json({"refresh_token": "Atzr|very-secret"})
    assert "very-secret" not in token
    assert box.decrypt_json(token) == {"refresh_token": "Atzr|very-secret"}


def test_production_without_key_is_a_start_up_error(tmp_path: Path) -> None:
    settings = Settings(
        environment=Environment.PRODUCTION,
        secret_key=None,
        secret_key_file=tmp_path / "key",
        _env_file=None,  # type: ignore[call-arg]
    )
    with pytest.raises(SecretKeyMissing, match="ORDERBRIDGE_SECRET_KEY is not set"):
        load_secret_box(settings)
    assert not (tmp_path / "key").exists()


def test_development_generates_a_key_once(tmp_path: Path) -> None:
    settings = Settings(secret_key=None, secret_key_file=tmp_path / "var" / "key")
    first = load_secret_box(settings).encrypt("x")
    assert (tmp_path / "var" / "key").stat().st_mode & 0o777 == 0o600
    assert load_secret_box(settings).decrypt(first) == "x"


def test_wrong_key_names_the_fix() -> None:
    token = SecretBox(Fernet.generate_key()).encrypt("x")
    with pytest.raises(SecretUnreadable, match="re-enter the credentials"):
        SecretBox(Fernet.generate_key()).decrypt(token)


def test_malformed_key_is_refused() -> None:
    with pytest.raises(SecretKeyMissing, match="not a valid Fernet key"):
        SecretBox("short")
