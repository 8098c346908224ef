"""Masking of personal data for lists, notices, exports and logs."""

import logging
import re


def mask_id(value: str | None, last4: str | None = None) -> str:
    """Show a resident ID as its region code, eight stars and its last four: 320502********1234."""
    if value:
        value = value.strip()
        if len(value) == 18:
            return f"{value[:6]}********{value[-4:]}"
        return "*" * max(len(value) - 4, 0) + value[-4:]
    if last4:
        return f"**************{last4}"
    return ""


def mask_name(name: str | None) -> str:
    """Mask a name for public notices: 张三明 → 张*明, 张三 → 张*, a single character stays."""
    if not name:
        return ""
    name = name.strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_account(value: str | None) -> str:
    """Show a bank account as its last four digits only."""
    if not value:
        return ""
    return mask_last4(value.replace(" ", "")[-4:])


def mask_last4(last4: str | None) -> str:
    """The one mask of a bank account known by its last four digits: **** **** 1234."""
    return f"**** **** {last4}" if last4 else ""


#: A resident ID (17 digits and a check digit or X) standing alone.
_RESIDENT_ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
#: A bank card or account number: 12 to 19 digits, perhaps grouped by spaces or hyphens.
_ACCOUNT = re.compile(r"(?<!\d)\d(?:[ -]?\d){11,18}(?!\d)")


def redact_numbers(text: str | None) -> str:
    """Mask every resident ID and account-like number in free text (logs, error messages)."""
    if not text:
        return text or ""
    text = _RESIDENT_ID.sub(lambda m: mask_id(m.group()), text)
    return _ACCOUNT.sub(lambda m: mask_account(m.group().replace("-", "")), text)


class RedactingFilter(logging.Filter):
    """A logging filter that masks resident IDs and account numbers in a record and its
    traceback, for loggers whose messages may quote personal data (exceptions from documents)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = redact_numbers(record.getMessage()), None
        if record.exc_info:
            record.exc_text = redact_numbers(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True
