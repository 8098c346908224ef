"""Sign-in throttling that keeps guessing expensive without handing attackers a lockout.

Three counters, all in the rate limiter's store (Redis in production, so every worker
shares them):

- per (account, address) pair: a few failures, then this address waits for this account;
- per address: a wider limit across accounts (one address spraying many usernames);
- per account, whatever the address: after ``LOGIN_BACKOFF_AFTER`` failures each further
  failure doubles a wait, capped at ``LOGIN_BACKOFF_MAX_SECONDS``. An attacker spread over
  many addresses gets one guess per wait; the real user waits minutes at most, never a
  long lockout, and is told at their next sign-in how many attempts failed.
"""

import time

from flask import current_app, g, request
from flask_limiter.util import get_remote_address

from assist.extensions import limiter

#: Failures on one account are forgotten this long after the first (or at a good sign-in).
FAILURE_MEMORY_SECONDS = 24 * 3600


def account_key(username: str | None) -> str:
    return str(username or "").strip().lower()[:64]


def _request_username() -> str:
    if request.is_json:
        body = request.get_json(silent=True)
        name = body.get("username") if isinstance(body, dict) else None
    else:
        name = request.form.get("username")
    return account_key(name if isinstance(name, str) else "")


def _pair_key() -> str:
    return f"pair:{get_remote_address()}:{_request_username()}"


def _failed(response) -> bool:
    return bool(g.get("login_failed"))


#: Failed sign-ins from one address on one account (web form and API alike).
throttle_pair = limiter.shared_limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_PAIR"],
    scope="login-pair",
    key_func=_pair_key,
    methods=["POST"],
    deduct_when=_failed,
)
#: Failed sign-ins from one address over every account.
throttle_address = limiter.shared_limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"],
    scope="login-address",
    key_func=get_remote_address,
    methods=["POST"],
    deduct_when=_failed,
)


# --- the per-account back-off ------------------------------------------------------------


def _key(*parts) -> str:
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX") or "assist"
    return "/".join((prefix, "login-backoff", *(str(p) for p in parts)))


def _failures(account: str) -> int:
    return limiter.storage.get(_key("failures", account))


def backoff_seconds(failures: int) -> int:
    """The wait after `failures` failed sign-ins on one account (0 within the free ones)."""
    free = current_app.config["LOGIN_BACKOFF_AFTER"]
    if failures <= free:
        return 0
    cap = current_app.config["LOGIN_BACKOFF_MAX_SECONDS"]
    return min(2 ** min(failures - free, 20), cap)


def wait_for(username: str) -> int:
    """Seconds before this account may try again (0: it may try now)."""
    account = account_key(username)
    if not account:
        return 0
    wait_key = _key("wait", account, _failures(account))
    if limiter.storage.get(wait_key) <= 0:
        return 0
    return max(int(limiter.storage.get_expiry(wait_key) - time.time()) + 1, 1)


def register_failure(username: str) -> tuple[int, int]:
    """Count one failed sign-in on this account; return (failures so far, wait now due)."""
    account = account_key(username)
    if not account:
        return 0, 0
    failures = limiter.storage.incr(_key("failures", account), FAILURE_MEMORY_SECONDS)
    wait = backoff_seconds(failures)
    if wait:
        limiter.storage.incr(_key("wait", account, failures), wait)
    return failures, wait


def forget_failures(username: str) -> None:
    """A good sign-in starts the account's count afresh."""
    account = account_key(username)
    if account:
        limiter.storage.clear(_key("failures", account))
