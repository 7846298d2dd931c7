"""Encryption at rest for connection credentials and target secrets (Fernet).

The key comes from settings. A production install without a key refuses to start,
because secrets written with a throw-away key could never be read again.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from orderbridge.config import Environment, Settings


class SecretKeyMissing(RuntimeError):
    """Start-up error: production needs ORDERBRIDGE_SECRET_KEY."""


class SecretUnreadable(RuntimeError):
    """A stored secret that the current key cannot decrypt (the key changed)."""


class SecretBox:
    def __init__(self, key: str | bytes) -> None:
        try:
            self._fernet = Fernet(key)
        except (ValueError, TypeError) as exc:
            raise SecretKeyMissing(
                "ORDERBRIDGE_SECRET_KEY is not a valid Fernet key (32 url-safe base64 bytes); "
                "make one with `orderbridge secret-key`"
            ) from exc

    def encrypt(self, plain: str) -> str:
        return self._fernet.encrypt(plain.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise SecretUnreadable(
                "a stored secret cannot be decrypted with the current ORDERBRIDGE_SECRET_KEY; "
                "restore the key it was written with, or re-enter the credentials"
            ) from exc

    def encrypt_json(self, values: dict[str, str]) -> str:
        return self.encrypt(json.dumps(values, sort_keys=True))

    def decrypt_json(self, token: str) -> dict[str, str]:
        loaded = json.loads(self.decrypt(token))
        return {str(key): str(value) for key, value in loaded.items()}


def load_secret_box(settings: Settings) -> SecretBox:
    if settings.secret_key:
        return SecretBox(settings.secret_key)
    if settings.environment is Environment.PRODUCTION:
        raise SecretKeyMissing(
            "ORDERBRIDGE_SECRET_KEY is not set. Production refuses to start without it, since "
            "credentials are encrypted with it. Create one with `orderbridge secret-key` and "
            "keep it safe: without it the stored credentials cannot be read."
        )
    return SecretBox(_development_key(settings.secret_key_file))


def _development_key(path: Path) -> bytes:
    if path.exists():
        return path.read_bytes().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    # Created with owner-only permissions before any byte is written.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
    return key
