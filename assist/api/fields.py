"""The one place the JSON API reads its input: JSON bodies, query parameters and form fields.

Each endpoint declares what it takes as a `Schema` of named fields; `Schema.parse` reads a
mapping (a JSON object, `request.args`, `request.form`), converts every field, collects every
refusal and raises one `ValidationError` (a 422 naming each field, in the user's language).
The same declaration writes the endpoint's request body or query parameters into the OpenAPI
document (`api_route(request_schema=…, parameters=…)` accept a Schema), so the document and
the code cannot disagree.

The rules every field obeys come from `assist.core.inputs` (control characters, lone
surrogates, id and integer limits, date bounds), shared with the web forms.

Money, the one rule of the API contract: an amount is in 元 (yuan), sent as a string with at
most two decimals ("1500", "1500.5", "1500.00") or as a whole number of yuan (1500); it is
returned as a string with two decimals ("1500.00"). Inside, amounts are integer 分.
"""

from __future__ import annotations

import math
import re
from abc import ABC, abstractmethod
from copy import copy
from datetime import date
from decimal import Decimal

from flask import request
from flask_babel import gettext as _

from assist.core.errors import ValidationError
from assist.core.inputs import (
    EARLIEST_DATE,
    LATEST_DATE,
    MAX_ID,
    MAX_INT,
    clean_text,
    date_problem,
    id_or_none,
    text_problem,
)
from assist.core.money import MAX_AMOUNT_FEN, fen_to_decimal_str

#: An amount in yuan as the API takes it and documents it.
MONEY_PATTERN = r"^\d{1,12}(\.\d{1,2})?$"
_MONEY_RE = re.compile(MONEY_PATTERN)
#: The longest text any field takes unless it says otherwise.
TEXT_MAX = 2000


class Invalid(Exception):
    """One field's refusal; `Schema.parse` collects them under the field's name."""

    def __init__(self, message: str, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields


_MISSING = object()


def money_out(fen: int | None) -> str | None:
    """An amount in 分 as the API answers it: "1500.00" (None stays None)."""
    return None if fen is None else fen_to_decimal_str(fen)


# --------------------------------------------------------------------------------- fields


class Field(ABC):
    """A named input. `required` refuses a missing or empty value; otherwise it is `default`.

    Each kind of field says in `convert` how a present value becomes the field's value."""

    json_type: str | list = "string"

    def __init__(self, *, required: bool = False, default=None, description: str = ""):
        self.required = required
        self.default = default
        self.description = description

    def empty(self, value) -> bool:
        return value is None or value == ""

    @abstractmethod
    def convert(self, value, *, text_input: bool):
        """Return the value read from a present, non-empty input, or raise Invalid."""

    def read(self, value, *, text_input: bool):
        """Return the field's value from a raw input (or _MISSING), or raise Invalid."""
        if value is _MISSING or self.empty(value):
            if self.required:
                raise Invalid(_("Required."))
            return self.default
        return self.convert(value, text_input=text_input)

    def json_schema(self) -> dict:
        out = {"type": self.json_type, **self.extra_schema()}
        if self.description:
            out["description"] = self.description
        return out

    def extra_schema(self) -> dict:
        return {}


class Text(Field):
    """Text: NFC, trimmed, at most `max_len` characters, no control characters (tab, line
    feed and carriage return apart) and no lone surrogates. Missing or null: `default`."""

    def __init__(
        self, max_len: int = TEXT_MAX, *, default: str = "", pattern=None, verbatim=False, **kw
    ):
        super().__init__(default=default, **kw)
        self.max_len = max_len
        self.pattern = pattern
        self.verbatim = verbatim  # a secret: neither trimmed nor normalised

    def empty(self, value) -> bool:
        return value is None or (isinstance(value, str) and not value.strip())

    def convert(self, value, *, text_input: bool):
        if not isinstance(value, str):
            raise Invalid(_("Send text."))
        problem = text_problem(value)
        if problem:
            raise Invalid(problem)
        if not self.verbatim:
            value = clean_text(value)
        if len(value) > self.max_len:
            raise Invalid(_("Keep this under %(n)d characters.", n=self.max_len))
        if self.pattern and not re.fullmatch(self.pattern, value):
            raise Invalid(_("This is not in the expected form."))
        return value

    def extra_schema(self) -> dict:
        out = {"maxLength": self.max_len}
        if self.pattern:
            out["pattern"] = self.pattern
        return out


class Choice(Text):
    """One of a declared set of codes; missing, null or empty: `default`."""

    def __init__(self, values, *, default: str = "", **kw):
        self.values = [str(v) for v in values]
        super().__init__(max(len(v) for v in self.values), default=default, **kw)

    def convert(self, value, *, text_input: bool):
        if not isinstance(value, str) or value.strip() not in self.values:
            raise Invalid(_("Choose one of: %(values)s.", values=", ".join(self.values)))
        return value.strip()

    def extra_schema(self) -> dict:
        return {"enum": list(self.values)}


class Bool(Field):
    """true or false (in a query or a form also "true"/"false", "1"/"0", "yes"/"no", "on")."""

    json_type = "boolean"
    TRUE = ("true", "1", "yes", "on")
    FALSE = ("false", "0", "no", "off")

    def __init__(self, *, default: bool = False, **kw):
        super().__init__(default=default, **kw)

    def convert(self, value, *, text_input: bool):
        if isinstance(value, bool):
            return value
        if text_input and isinstance(value, str):
            lowered = value.strip().lower()
            if lowered in self.TRUE:
                return True
            if lowered in self.FALSE:
                return False
        raise Invalid(_("Send true or false."))


class Integer(Field):
    """A whole number from `minimum` to `maximum` (never beyond the database's integers)."""

    json_type = "integer"

    def __init__(self, *, minimum: int = 0, maximum: int = MAX_INT, **kw):
        super().__init__(**kw)
        self.minimum, self.maximum = max(minimum, -MAX_INT), min(maximum, MAX_INT)

    def whole(self, value) -> int:
        if isinstance(value, bool):
            raise Invalid(_("Send a whole number."))
        if isinstance(value, str):
            raw = value.strip()
            digits = raw[1:] if raw.startswith("-") else raw
            if not digits.isascii() or not digits.isdigit() or len(digits) > 12:
                raise Invalid(_("Send a whole number."))
            value = int(raw)
        if not isinstance(value, int):
            raise Invalid(_("Send a whole number."))
        return value

    def convert(self, value, *, text_input: bool):
        value = self.whole(value)
        if not self.minimum <= value <= self.maximum:
            raise Invalid(_("Enter a number from %(a)d to %(b)d.", a=self.minimum, b=self.maximum))
        return value

    def extra_schema(self) -> dict:
        return {"minimum": self.minimum, "maximum": self.maximum}


class Id(Integer):
    """A record's id: a whole number from 1 to MAX_ID (a digit string is taken too)."""

    def __init__(self, **kw):
        super().__init__(minimum=1, maximum=MAX_ID, **kw)

    def convert(self, value, *, text_input: bool):
        number = id_or_none(value)
        if number is None:
            self.whole(value)  # the type's message first
            raise Invalid(_("Not a valid id."))
        return number


class Money(Field):
    """An amount in 元: "1500.00" or 1500 → 150000 分; never negative, at most ¥100 million."""

    json_type = ["string", "integer"]

    def convert(self, value, *, text_input: bool):
        message = _("Enter an amount in yuan, e.g. 1500.00")
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise Invalid(message)
        if isinstance(value, int):
            if value < 0 or value > MAX_AMOUNT_FEN // 100:
                raise Invalid(message)
            fen = value * 100
        else:
            raw = value.strip()
            if not raw.isascii() or not _MONEY_RE.match(raw):
                raise Invalid(message)
            fen = int(Decimal(raw) * 100)
        if fen > MAX_AMOUNT_FEN:
            raise Invalid(_("At most %(amount)s yuan.", amount=fen_to_decimal_str(MAX_AMOUNT_FEN)))
        return fen

    def json_schema(self) -> dict:
        out = {
            "oneOf": [
                {"type": "string", "pattern": MONEY_PATTERN, "examples": ["1500.00"]},
                {"type": "integer", "minimum": 0, "maximum": MAX_AMOUNT_FEN // 100},
            ],
            "description": self.description or "yuan",
        }
        return out


class Day(Field):
    """A date as YYYY-MM-DD between `earliest` and `latest`."""

    def __init__(self, *, earliest: date = EARLIEST_DATE, latest: date = LATEST_DATE, **kw):
        super().__init__(**kw)
        self.earliest, self.latest = earliest, latest

    def convert(self, value, *, text_input: bool):
        if not isinstance(value, str):
            raise Invalid(_("Send a date as YYYY-MM-DD."))
        raw = value.strip()
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
            raise Invalid(_("Send a date as YYYY-MM-DD."))
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            raise Invalid(_("Send a date as YYYY-MM-DD.")) from None
        problem = date_problem(day, self.earliest, self.latest)
        if problem:
            raise Invalid(problem)
        return day

    def extra_schema(self) -> dict:
        return {"format": "date"}


class Centre(Text):
    """A centre by its code, within the acting user's scope (`below=True`: directly below the
    user's centre). Returns the Centre."""

    def __init__(self, *, below: bool = False, outside_is_404: bool = False, **kw):
        kw.setdefault("description", "centre code")
        super().__init__(40, default=None, **kw)
        self.below = below
        self.outside_is_404 = outside_is_404

    def convert(self, value, *, text_input: bool):
        from flask_login import current_user
        from sqlalchemy import select

        from assist.centres.models import Centre as CentreModel
        from assist.centres.scoping import centre_in_scope
        from assist.extensions import db

        code = super().convert(value, text_input=text_input).upper()
        centre = db.session.scalars(select(CentreModel).where(CentreModel.code == code)).first()
        if not centre_in_scope(current_user, centre) or (
            self.below and centre.parent_id != current_user.centre_id
        ):
            if self.outside_is_404:  # a filter: a centre outside the scope does not exist
                from assist.centres.scoping import not_found

                raise not_found()
            if self.below:
                raise Invalid(_("Choose a centre directly below yours."))
            raise Invalid(_("No centre with that code in your scope."))
        return centre


class ListOf(Field):
    """A JSON list of `item` (a Field or a Schema); refusals name `field[n]` / `field[n].key`."""

    json_type = "array"

    def __init__(self, item, *, max_items: int = 200, default=None, key_format="[{n}].{key}", **kw):
        super().__init__(default=[] if default is None else default, **kw)
        self.item = item
        self.max_items = max_items
        self.key_format = key_format

    def empty(self, value) -> bool:
        return value is None

    def convert(self, value, *, text_input: bool):
        if not isinstance(value, list):
            raise Invalid(_("Send a list."))
        if len(value) > self.max_items:
            raise Invalid(_("Send at most %(n)d items.", n=self.max_items))
        out, errors = [], {}
        for n, raw in enumerate(value):
            try:
                if isinstance(self.item, Schema):
                    out.append(self.item.parse(raw, raise_=False))
                else:
                    out.append(self.item.read(raw, text_input=False))
            except Invalid as err:
                if err.fields:
                    for key, message in err.fields.items():
                        errors[self.key_format.format(n=n, key=key)] = message
                else:
                    errors[""] = _("Item %(n)d: %(message)s", n=n + 1, message=err.message)
        if errors:
            raise Invalid(next(iter(errors.values())), fields=errors)
        return out

    def extra_schema(self) -> dict:
        item = self.item.json() if isinstance(self.item, Schema) else self.item.json_schema()
        return {"items": item, "maxItems": self.max_items}


class Nested(Field):
    """A JSON object read by its own Schema; refusals name `field.key`."""

    json_type = "object"

    def __init__(self, schema: Schema, *, flat: bool = False, **kw):
        super().__init__(**kw)
        self.schema = schema
        self.flat = flat  # refusals name the inner field alone (`fee`, not `term.fee`)

    def empty(self, value) -> bool:
        return value is None

    def convert(self, value, *, text_input: bool):
        try:
            return self.schema.parse(value, raise_=False)
        except Invalid as err:
            if err.fields and not self.flat:
                err.fields = {f".{key}": message for key, message in err.fields.items()}
            raise

    def json_schema(self) -> dict:
        out = self.schema.json()
        if self.description:
            out["description"] = self.description
        return out


class Data(Field):
    """Free-form JSON data (an object of rules, a mapping): every string in it, keys and
    values, obeys the text rules; at most `max_depth` levels and `max_len` characters."""

    json_type = "object"

    def __init__(self, *, max_depth: int = 6, max_len: int = 20_000, values=None, **kw):
        super().__init__(**kw)
        self.max_depth, self.max_len, self.values = max_depth, max_len, values

    def empty(self, value) -> bool:
        return value is None

    def convert(self, value, *, text_input: bool):
        import json

        if not isinstance(value, dict):
            raise Invalid(_("Send an object."))
        if len(json.dumps(value, ensure_ascii=False, default=str)) > self.max_len:
            raise Invalid(_("Keep this under %(n)d characters.", n=self.max_len))
        self._check(value, 0)
        return value

    def _check(self, value, depth: int) -> None:
        if depth > self.max_depth:
            raise Invalid(_("Send an object."))
        if isinstance(value, str):
            problem = text_problem(value)
            if problem:
                raise Invalid(problem)
        elif isinstance(value, float):
            if not math.isfinite(value):  # NaN and Infinity are not JSON, whatever parsed them
                raise Invalid(_("Send an object."))
        elif isinstance(value, bool) or value is None:
            return
        elif isinstance(value, int):
            if abs(value) > 2**63 - 1:
                raise Invalid(_("Enter a number from %(a)d to %(b)d.", a=-MAX_INT, b=MAX_INT))
        elif isinstance(value, list):
            for item in value:
                self._check(item, depth + 1)
        elif isinstance(value, dict):
            for key, item in value.items():
                self._check(key, depth + 1)
                if self.values is not None and depth == 0:
                    self.values.read(item, text_input=False)
                else:
                    self._check(item, depth + 1)

    def extra_schema(self) -> dict:
        if self.values is not None:
            return {"additionalProperties": self.values.json_schema()}
        return {}


# --------------------------------------------------------------------------------- schemas


class Values(dict):
    """The parsed input: every declared field (its default when not sent); `sent` names the
    fields the input carried (for PATCH)."""

    sent: frozenset = frozenset()

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


class Schema:
    """Named fields read together. `parse` raises one ValidationError listing every field."""

    def __init__(self, **fields: Field):
        self.fields = fields

    def parse(self, data, *, text_input: bool = False, raise_: bool = True):
        if not isinstance(data, dict) and not hasattr(data, "getlist"):
            if not raise_:
                raise Invalid(_("Send an object."))
            raise ValidationError(_("Send a JSON object."), fields={})
        values, errors, sent = Values(), {}, set()
        for name, field in self.fields.items():
            raw = data.get(name, _MISSING)
            if raw is not _MISSING:
                sent.add(name)
            try:
                values[name] = field.read(raw, text_input=text_input)
            except Invalid as err:
                if err.fields:
                    flat = isinstance(field, Nested) and field.flat
                    for key, message in err.fields.items():
                        errors[key if flat else f"{name}{key}"] = message
                else:
                    errors[name] = err.message
        values.sent = frozenset(sent)
        if errors:
            if not raise_:
                raise Invalid(next(iter(errors.values())), fields=errors)
            raise refusal(errors)
        return values

    def body(self) -> Values:
        """The request's JSON object, parsed (an empty or missing body counts as `{}` when no
        field is required)."""
        raw = request.get_json(silent=True)
        if raw is None and not request.get_data() and not self.required:
            raw = {}
        return self.parse(raw)

    def args(self) -> Values:
        return self.parse(request.args, text_input=True)

    def form(self) -> Values:
        return self.parse(request.form, text_input=True)

    @property
    def required(self) -> list[str]:
        return [name for name, f in self.fields.items() if f.required]

    def json(self) -> dict:
        out = {
            "type": "object",
            "properties": {name: f.json_schema() for name, f in self.fields.items()},
        }
        if self.required:
            out["required"] = self.required
        return out

    def parameters(self, where: str = "query") -> list[dict]:
        out = []
        for name, field in self.fields.items():
            schema = field.json_schema()
            if isinstance(field, Money):
                schema = {"type": "string", "pattern": MONEY_PATTERN}
            param = {"name": name, "in": where, "required": field.required, "schema": schema}
            if field.description:
                param["description"] = field.description
            out.append(param)
        return out


def required(field: Field) -> Field:
    """The same field, required (for a create schema sharing its fields with a PATCH)."""
    twin = copy(field)
    twin.required = True
    return twin


def refusal(errors: dict[str, str]) -> ValidationError:
    return ValidationError(
        _("Please correct the %(n)d marked field(s); nothing has been saved.", n=len(errors)),
        fields=errors,
    )
