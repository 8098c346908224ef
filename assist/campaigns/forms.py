"""The shape of campaign and pairing input, shared by the web forms and the JSON API.

Each parser takes a mapping (a form's `request.form` or a JSON object) and returns plain
values, or raises ValidationError naming the field, so both edges refuse bad input the same
way. CSRF is checked on every form by CSRFProtect.
"""

from datetime import date

from flask_babel import gettext as _

from assist.campaigns.services import CampaignInput, VisitInput
from assist.core.errors import ValidationError
from assist.core.inputs import date_problem, text_problem
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
    if text_problem(value) is not None:  # PostgreSQL text cannot hold NUL: refuse, not a 500
        _fail(field, _("Remove the invalid characters."))
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
        result = date.fromisoformat(value.strip())
    except ValueError:
        _fail(field, _("Enter a date as YYYY-MM-DD."))
    problem = date_problem(result)
    if problem is not None:
        _fail(field, problem)
    return result


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


def _goods_line(n: int, field: str, parse, source, **kw):
    """Parse one goods line's field, naming the real field and the line in any refusal."""
    try:
        return parse(source, field, **kw)
    except ValidationError as err:
        message = _("Goods line %(n)d: %(message)s", n=n + 1, message=err.message)
        raise ValidationError(message, fields={field: message}) from err


def _keyed(item: dict, prefix: str, n: int) -> dict:
    """A JSON goods line keyed by its full field names (goods[0].quantity …)."""
    return {f"{prefix}[{n}].{key}": value for key, value in item.items()}


def goods_rows(data, prefix: str = "goods") -> list[dict]:
    """Goods lines: form fields goods-N-name/quantity/value, or a JSON list of objects.

    A JSON line gives `name`, `quantity` (whole number) and `unit_value` (yuan); a refusal
    names the field as `goods[N].quantity`, a form's as `goods-N-quantity`.
    """
    if hasattr(data, "getlist"):
        rows = []
        for n in range(12):
            name = (data.get(f"{prefix}-{n}-name") or "").strip()
            qty = (data.get(f"{prefix}-{n}-quantity") or "").strip()
            value = (data.get(f"{prefix}-{n}-value") or "").strip()
            if not (name or qty or value):
                continue
            q_field, v_field = f"{prefix}-{n}-quantity", f"{prefix}-{n}-value"
            rows.append(
                {
                    "name": name,
                    "quantity": _goods_line(n, q_field, integer, data, minimum=1, maximum=1000)
                    if qty
                    else None,
                    "unit_value_fen": _goods_line(n, v_field, money, data) if value else None,
                }
            )
        return rows
    raw = data.get(prefix) or []
    if not isinstance(raw, list):
        _fail(prefix, _("Send a list."))
    rows = []
    for n, item in enumerate(raw):
        if not isinstance(item, dict):
            _fail(f"{prefix}[{n}]", _("Send each goods line as an object."))
        name = item.get("name")
        if name is not None and not isinstance(name, str):
            _fail(f"{prefix}[{n}].name", _("Goods line %(n)d: Enter text.", n=n + 1))
        rows.append(
            {
                "name": name or "",
                "quantity": _goods_line(
                    n,
                    f"{prefix}[{n}].quantity",
                    integer,
                    _keyed(item, prefix, n),
                    minimum=1,
                    maximum=1000,
                ),
                "unit_value_fen": _goods_line(
                    n, f"{prefix}[{n}].unit_value", money, _keyed(item, prefix, n)
                ),
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


def campaign_input(data) -> CampaignInput:
    """Read a campaign from a form or a JSON object."""
    return CampaignInput(
        name=text(data, "name", 120),
        kind=text(data, "kind", 20) or "warmth",
        occasion=text(data, "occasion", 20),
        starts_on=day(data, "starts_on"),
        ends_on=day(data, "ends_on"),
        cash_fen=money(data, "cash", required=False),
        goods=goods_rows(data),
        rule={
            "categories": many(data, "categories"),
            "causes": many(data, "causes"),
            "migrant": flag(data, "migrant"),
            "women": flag(data, "women"),
            "model": flag(data, "model"),
            "employer": text(data, "employer", 120),
            "hand_picked": flag(data, "hand_picked"),
        },
        fund_ids=many(data, "funds"),
        households=integer(data, "households", minimum=0, maximum=1_000_000),
        amount_fen=money(data, "amount", required=False),
        sample_percent=integer(data, "sample_percent", default=10, maximum=100),
        age_min=integer(data, "age_min", default=35, maximum=100),
        age_max=integer(data, "age_max", default=64, maximum=100),
        repeat_years=integer(data, "repeat_years", default=3, maximum=10),
        note=text(data, "note"),
    )


def visit_input(data) -> VisitInput:
    return VisitInput(
        visited_on=day(data, "visited_on"),
        visitors=visitor_rows(data),
        cash_fen=money(data, "cash", required=False),
        goods=goods_rows(data),
        is_signed=flag(data, "is_signed"),
        no_signature_reason=text(data, "no_signature_reason", 200),
        remarks=text(data, "remarks"),
    )
