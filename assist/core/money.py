"""Money: integer 分 inside, 元 with two decimals at the edges, and Chinese capitals."""

import re
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l

_YUAN_RE = re.compile(r"^\d{1,12}(\.\d{1,2})?$")

#: No single amount above ¥100 million: a typing-error guard, far above any real movement.
MAX_AMOUNT_FEN = 100_000_000_00


class MoneyFormatError(ValueError):
    pass


def parse_yuan(text: str | int | Decimal) -> int:
    """Parse an amount in 元 ("1500", "1500.5", "1,500.00") into 分; refuse anything else."""
    if isinstance(text, bool):
        raise MoneyFormatError(str(_l("Enter an amount in yuan, e.g. 1500.00")))
    raw = str(text).strip().replace(",", "").replace("，", "")
    if raw.startswith("¥") or raw.startswith("￥"):
        raw = raw[1:].strip()
    if not _YUAN_RE.match(raw):
        raise MoneyFormatError(str(_l("Enter an amount in yuan, e.g. 1500.00")))
    try:
        value = Decimal(raw)
    except InvalidOperation as exc:  # pragma: no cover - the regex already guards this
        raise MoneyFormatError(str(_l("Enter an amount in yuan, e.g. 1500.00"))) from exc
    return int(value * 100)


def format_yuan(fen: int | None) -> str:
    """Format 分 as 元 with two decimals and thousands separators: 1234567 -> '12,345.67'."""
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{yuan:,}.{cents:02d}"


def fen_to_decimal_str(fen: int) -> str:
    """Format 分 as a plain decimal string for the API: 150000 -> '1500.00'."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{yuan}.{cents:02d}"


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ["", "拾", "佰", "仟"]
_BIG_UNITS = ["", "万", "亿", "万亿"]


def _four_digits(n: int) -> str:
    """Spell 0 < n < 10000 with 零 for inner gaps and no leading 零."""
    out = []
    zero_pending = False
    for pos in range(3, -1, -1):
        digit = (n // 10**pos) % 10
        if digit == 0:
            if out:
                zero_pending = True
            continue
        if zero_pending:
            out.append("零")
            zero_pending = False
        out.append(_DIGITS[digit] + _SMALL_UNITS[pos])
    return "".join(out)


def fen_to_capitals(fen: int) -> str:
    """Spell an amount in 分 the way vouchers do: 1640902 -> '人民币壹万陆仟肆佰零玖元零贰分'."""
    if fen < 0:
        raise ValueError("amounts in capitals are never negative")
    yuan, cents = divmod(int(fen), 100)
    jiao, fen_digit = divmod(cents, 10)
    parts = []
    if yuan:
        groups = []
        n = yuan
        while n:
            groups.append(n % 10000)
            n //= 10000
        text = ""
        need_zero = False
        for idx in range(len(groups) - 1, -1, -1):
            group = groups[idx]
            if group == 0:
                need_zero = bool(text)
                continue
            if text and (need_zero or group < 1000):
                text += "零"
            text += _four_digits(group) + _BIG_UNITS[idx]
            need_zero = False
        parts.append(text + "元")
    if not jiao and not fen_digit:
        return "人民币" + ("".join(parts) if yuan else "零元") + "整"
    if jiao:
        parts.append(_DIGITS[jiao] + "角")
    elif yuan:
        parts.append("零")
    if fen_digit:
        parts.append(_DIGITS[fen_digit] + "分")
    else:
        parts.append("整")
    return "人民币" + "".join(parts)
