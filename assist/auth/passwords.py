"""Password hashing (argon2id) and the password policy (OWASP ASVS 5.0, V6)."""

import gzip
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app
from flask_babel import gettext as _

MIN_LENGTH = 8
MAX_LENGTH = 128

_COMMON_FILE = Path(__file__).with_name("common-passwords.txt.gz")


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    with gzip.open(_COMMON_FILE, "rt", encoding="utf-8") as fh:
        return frozenset(line.strip().lower() for line in fh if line.strip())


def _hasher() -> PasswordHasher:
    cfg = current_app.config
    kwargs = {
        name: cfg[key]
        for name, key in (
            ("time_cost", "ARGON2_TIME_COST"),
            ("memory_cost", "ARGON2_MEMORY_COST"),
            ("parallelism", "ARGON2_PARALLELISM"),
        )
        if cfg.get(key)
    }
    return PasswordHasher(**kwargs)


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


_DUMMY_HASH: dict[str, str] = {}


def burn_verify_time(password: str) -> None:
    """Spend the time of one verification so unknown usernames are not revealed by timing."""
    key = repr(_hasher())
    if key not in _DUMMY_HASH:
        _DUMMY_HASH[key] = hash_password("dummy-password-for-timing")
    verify_password(_DUMMY_HASH[key], password)


def password_problems(password: str, *, username: str = "") -> list[str]:
    """Return what is wrong with a new password, in the UI language (empty when it is fine)."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(_("Use at least %(n)d characters.", n=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        problems.append(_("Use at most %(n)d characters.", n=MAX_LENGTH))
    if not password.strip():
        problems.append(_("A password of only spaces is not allowed."))
    lowered = password.lower()
    if lowered in _common_passwords():
        problems.append(_("This password is too common; choose another."))
    elif username and username.lower() in lowered:
        problems.append(_("The password must not contain the username."))
    return problems
