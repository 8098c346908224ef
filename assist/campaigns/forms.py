"""The shape of campaign and pairing input, shared by the web forms and the JSON API.

Each parser takes a mapping (a form's `request.form` or a JSON object) and returns plain
values, or raises ValidationError naming the field, so both edges refuse bad input the same
way. CSRF is checked on every form by CSRFProtect.
"""

from datetime import date

from flask_babel import gettext as _

from assist.core.errors import ValidationError
from assist.core.money import MoneyFormatError, parse_yuan


def _fail(field: str, message: str):
    raise ValidationError(message, fields={field: message})


def text(data, field: str, max_len: int = 2000) -> str:
    value = data.get(field)
    if value is None:
        return ""
    if not isinstance(value, str):
        _fail(field, _("Enter text."))
    value = value.strip()
    if len(value) > max_len:
        _fail(field, _("Keep this under %(n)d characters.", n=max_len))
    return value


def integer(data, field: str, *, default=None, minimum=0, maximum=10**9, required=True):
    value = data.get(field)
    if value in (None, ""):
        if default is not None or not required:
            return default
        _fail(field, _("Enter a whole number."))
    if isinstance(value, bool):
        _fail(field, _("Enter a whole number."))
    if isinstance(value, str):
        value = value.strip()
        if not value.isdigit():
            _fail(field, _("Enter a whole number."))
        value = int(value)
    if not isinstance(value, int):
        _fail(field, _("Enter a whole number."))
    if not minimum <= value <= maximum:
        _fail(field, _("Enter a number from %(a)d to %(b)d.", a=minimum, b=maximum))
    return value


def money(data, field: str, *, required=True) -> int:
    value = data.get(field)
    if value in (None, ""):
        if required:
            _fail(field, _("Enter an amount in yuan, e.g. 1500.00"))
        return 0
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        _fail(field, _("Enter an amount in yuan, e.g. 1500.00"))
    try:
        return parse_yuan(value)
    except MoneyFormatError:
        _fail(field, _("Enter an amount in yuan, e.g. 1500.00"))


def day(data, field: str, *, required=True) -> date | None:
    value = data.get(field)
    if value in (None, ""):
        if required:
            _fail(field, _("Enter a date as YYYY-MM-DD."))
        return None
    if not isinstance(value, str):
        _fail(field, _("Enter a date as YYYY-MM-DD."))
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        _fail(field, _("Enter a date as YYYY-MM-DD."))


def flag(data, field: str) -> bool:
    value = data.get(field)
    if isinstance(value, bool):
        return value
    return value in ("1", "on", "true", "yes", "y")


def many(data, field: str) -> list:
    """A repeated form field, or a JSON list."""
    if hasattr(data, "getlist"):
        return [v for v in data.getlist(field) if v != ""]
    value = data.get(field) or []
    if not isinstance(value, list):
        _fail(field, _("Send a list."))
    return value


def goods_rows(data, prefix: str = "goods") -> list[dict]:
    """Goods lines: form fields goods-N-name/quantity/value, or a JSON list of objects."""
    if hasattr(data, "getlist"):
        rows = []
        for n in range(12):
            name = (data.get(f"{prefix}-{n}-name") or "").strip()
            qty = (data.get(f"{prefix}-{n}-quantity") or "").strip()
            value = (data.get(f"{prefix}-{n}-value") or "").strip()
            if not (name or qty or value):
                continue
            rows.append(
                {
                    "name": name,
                    "quantity": integer({"q": qty}, "q", minimum=1, maximum=1000) if qty else None,
                    "unit_value_fen": money({"v": value}, "v") if value else None,
                }
            )
        return rows
    raw = data.get(prefix) or []
    if not isinstance(raw, list):
        _fail(prefix, _("Send a list."))
    rows = []
    for item in raw:
        if not isinstance(item, dict):
            _fail(prefix, _("Send a list."))
        rows.append(
            {
                "name": item.get("name") if isinstance(item.get("name"), str) else "",
                "quantity": item.get("quantity"),
                "unit_value_fen": money(item, "unit_value") if "unit_value" in item else None,
            }
        )
    return rows


def visitor_rows(data) -> list[dict]:
    if hasattr(data, "getlist"):
        rows = []
        for n in range(8):
            rows.append(
                {
                    "name": (data.get(f"visitor-{n}-name") or "").strip(),
                    "title": (data.get(f"visitor-{n}-title") or "").strip(),
                    "is_leader": flag(data, f"visitor-{n}-leader"),
                }
            )
        return rows
    raw = data.get("visitors") or []
    if not isinstance(raw, list) or not all(isinstance(v, dict) for v in raw):
        _fail("visitors", _("Send a list."))
    return raw
