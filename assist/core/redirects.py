"""The one rule for following a `next`/return URL: only a plain path on this site.

Browsers strip tabs and newlines from URLs and read a backslash as a slash, so
`/\\t/evil.example` or `/\\\\evil.example` becomes `//evil.example`: another host. Rather
than list the tricks, accept only what is certainly a local path and fall back otherwise.
"""

from urllib.parse import unquote, urlsplit

MAX_LENGTH = 2000
#: Printable ASCII without space or backslash; anything else (controls, look-alike
#: slashes, non-ASCII) sends the user to the fallback instead.
_ALLOWED = frozenset(chr(c) for c in range(0x21, 0x7F)) - {"\\"}


def _is_local_path(value: str, *, decoded: bool = False) -> bool:
    if not value.startswith("/") or value[1:2] in ("/", "\\"):
        return False
    if decoded:  # percent-encoded non-ASCII is fine; decoded controls and backslashes are not
        if any(ord(c) < 0x20 or c in "\\\x7f" for c in value):
            return False
    elif not set(value) <= _ALLOWED:
        return False
    parts = urlsplit(value)
    return not parts.scheme and not parts.netloc


def is_safe_next(value: object) -> bool:
    """Whether `value` is a path on this site that a redirect may follow."""
    if not isinstance(value, str) or not value or len(value) > MAX_LENGTH:
        return False
    # Proxies and servers may decode %2F, %5C or %09 before routing: every decoding of the
    # value must still be a plain local path.
    for depth in range(3):
        if not _is_local_path(value, decoded=depth > 0):
            return False
        decoded = unquote(value)
        if decoded == value:
            return True
        value = decoded
    return False


def safe_next(value: object, fallback: str) -> str:
    """Return `value` when it is a local path, else `fallback`."""
    return value if is_safe_next(value) else fallback  # type: ignore[return-value]
