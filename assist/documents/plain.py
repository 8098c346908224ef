"""Small helpers that turn records into the plain strings printed documents show.

Documents are Chinese forms whatever the reader's UI language, and their data is
fingerprinted to tell later whether the record changed: so every label is taken in
Simplified Chinese (`printed_labels`) and nothing here depends on the clock.
"""

from datetime import date, datetime

from assist.core.i18n import record_language
from assist.core.money import fen_to_capitals, format_yuan
from assist.core.timeutil import to_local

#: How a printed form names each tier of the network.
TIER_NAMES = {1: "市级", 2: "区级", 3: "站级"}


#: Translate labels in the records' language (Chinese) while a document's data is built.
printed_labels = record_language


def label(mapping: dict, value) -> str:
    """The label for an enum value (as a plain str), or the raw value when unknown."""
    if value is None or value == "":
        return ""
    found = mapping.get(value)
    return str(found) if found is not None else str(value)


def day(value: date | datetime | None) -> str:
    """A date (a stored UTC datetime is shown on its Asia/Shanghai day): 2026-05-01."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value).date()
    return f"{value:%Y-%m-%d}"


def yuan(fen: int | None) -> str:
    return format_yuan(fen) if fen is not None else ""


def capitals(fen: int | None) -> str:
    return fen_to_capitals(fen) if fen is not None and fen >= 0 else ""


def person(user) -> str:
    """How a user signs on paper: the full name, else the username."""
    if user is None:
        return ""
    return user.full_name or user.username
