"""Limits every input obeys, whether it arrives by a web form, the JSON API, an import or the CLI.

The web forms' validators (WTForms) and the API's field parsers (`assist.api.fields`) both ask
these functions, so a value refused in one place is refused, with the same words, in the other.
They take plain Python values and return a translated message (or raise), and know nothing of
HTTP.
"""

import re
import unicodedata
from datetime import date

from flask_babel import lazy_gettext as _l

#: The largest id a table's primary key holds (PostgreSQL `integer`); a larger one names nothing.
MAX_ID = 2**31 - 1
#: The widest integer a filter or count may carry (PostgreSQL `integer` as well).
MAX_INT = 2**31 - 1
#: No date before or after these is a real date in this system's work (births start in 1900;
#: plans and campaigns are not set more than a lifetime ahead). Domains narrow them further.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2099, 12, 31)

# Control characters other than tab, line feed and carriage return, and lone UTF-16
# surrogates (they cannot be stored as UTF-8, and PostgreSQL refuses NUL outright).
_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def text_problem(value: str) -> str | None:
    """Return why a text cannot be accepted (a control character, a broken character), or None."""
    match = _FORBIDDEN.search(value)
    if match is None:
        return None
    if match.group() >= "\ud800":
        return str(_l("contains a broken character (a lone surrogate); retype it"))
    return str(_l("contains a control character (such as NUL) that text may not hold"))


def clean_text(value: str) -> str:
    """The form Assist stores text in: Unicode NFC, surrounding white space trimmed."""
    return unicodedata.normalize("NFC", value).strip()


def id_or_none(value) -> int | None:
    """An id from user input (a path segment, a query parameter): a positive int up to MAX_ID,
    else None (the caller answers 404 or names the field)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip()
        if not value.isascii() or not value.isdigit():
            return None
        value = int(value)
    if not isinstance(value, int) or not 1 <= value <= MAX_ID:
        return None
    return value


def date_problem(value: date, earliest: date = EARLIEST_DATE, latest: date = LATEST_DATE):
    """Return why a date lies outside [earliest, latest], or None."""
    if value < earliest:
        return str(_l("must be on or after %(day)s", day=earliest.isoformat()))
    if value > latest:
        return str(_l("must be on or before %(day)s", day=latest.isoformat()))
    return None
