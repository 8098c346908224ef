"""Personal data at rest: Fernet encryption, and a keyed hash for exact lookup and uniqueness."""

import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app


def _fernet() -> Fernet:
    return Fernet(current_app.config["DATA_KEY"].encode())


def encrypt(value: str | None) -> str | None:
    """Encrypt a sensitive value (resident ID, bank account) for storage."""
    if value is None or value == "":
        return None
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str | None) -> str | None:
    if not token:
        return None
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:  # a wrong key must fail loudly, not show garbage
        raise RuntimeError("personal data cannot be decrypted with the configured key") from exc


def keyed_hash(value: str, *, purpose: str = "resident-id") -> str:
    """Return an HMAC-SHA256 of `value` under a key derived from the data key and `purpose`."""
    key = hmac.new(current_app.config["DATA_KEY"].encode(), purpose.encode(), hashlib.sha256)
    return hmac.new(key.digest(), value.strip().upper().encode(), hashlib.sha256).hexdigest()
