"""Helpers shared by the WTForms forms and the views that act on them."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import flash
from flask_babel import lazy_gettext as _l
from jinja2 import pass_context
from sqlalchemy.orm.exc import StaleDataError
from wtforms import FieldList, Form, FormField
from wtforms.csrf.core import CSRFTokenField
from wtforms.meta import DefaultMeta
from wtforms.validators import StopValidation
from wtforms.widgets import HiddenInput

from assist.core.errors import DomainError, Refused, ValidationError
from assist.core.inputs import MAX_INT, date_problem, text_problem
from assist.extensions import db


class _HiddenInputWithoutId(HiddenInput):
    """A hidden input rendered without an id: nothing points at it, and a page of several forms
    would otherwise repeat `id="csrf_token"` (ids must be unique, WCAG 4.1.1)."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", False)
        return super().__call__(field, **kwargs)


CSRFTokenField.widget = _HiddenInputWithoutId()


def int_problem(value: int) -> str | None:
    """Return why a whole number is out of the range any field or filter may carry, or None."""
    if -MAX_INT - 1 <= value <= MAX_INT:
        return None
    return str(_l("is too large a number"))


def value_problem(value) -> str | None:
    """Why a value from a form or a query string cannot be accepted (`inputs` decides), or None.

    Text with control characters or broken characters, whole numbers wider than the database's
    integers and dates outside EARLIEST_DATE–LATEST_DATE are refused wherever they arrive;
    lists and mappings are searched through.
    """
    if isinstance(value, str):
        return text_problem(value)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return int_problem(value)
    if isinstance(value, date):
        return date_problem(value if not hasattr(value, "date") else value.date())
    if isinstance(value, Mapping):
        value = list(value.values())
    if isinstance(value, (list, tuple, set, frozenset)):
        return next(filter(None, map(value_problem, value)), None)
    return None


def input_guard(form, field) -> None:
    """Refuse, as the field's error, a value no field may hold (see `value_problem`).

    Every form gets it first in every field's validators (`_bind_field_with_guard`), so no
    form can forget it. Sub-forms (FormField) guard their own fields; a list (FieldList)
    checks its plain entries, which are bound without the form's meta.
    """
    if isinstance(field, FormField):
        return
    if isinstance(field, FieldList):
        data = [e.data for e in field.entries if not isinstance(e, FormField)]
    else:
        data = [field.data, getattr(field, "date", None)]  # IsoDateField parses into `date`
    problem = value_problem(data)
    if problem is not None:
        field.errors[:] = []
        raise StopValidation(problem)


def input_refusal(form) -> ValidationError | None:
    """The refusal for a form whose fields hold what no field may (see `value_problem`), for
    views that let the service judge a form that failed its own checks: None when clean."""
    fields = {}
    for field in form:
        if isinstance(field, (CSRFTokenField, FormField, FieldList)):
            continue
        problem = value_problem([field.data, getattr(field, "date", None)])
        if problem is not None:
            fields[field.name] = problem
    if not fields:
        return None
    return ValidationError(
        f"{form[next(iter(fields))].label.text}: {next(iter(fields.values()))}", fields=fields
    )


_bind_field = DefaultMeta.bind_field


def _bind_field_with_guard(self, form, unbound_field, options):
    field = _bind_field(self, form, unbound_field, options)
    if not isinstance(field, CSRFTokenField):
        field.validators = [input_guard, *field.validators]
    return field


# Every WTForms form (FlaskForm and the plain sub-forms of FormField) binds its fields through
# DefaultMeta, so this is the one place the input rules reach all of them.
DefaultMeta.bind_field = _bind_field_with_guard


def int_arg(args, name: str, *, label=None) -> int | None:
    """A whole-number filter from a query string or form: None when absent or empty.

    Anything else that is not a whole number between 0 and MAX_INT is refused with a
    ValidationError naming the filter (the page answers 422 with the message, never a 500).
    """
    raw = args.get(name)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    raw = str(raw).strip()
    if raw.isascii() and raw.isdigit() and int(raw) <= MAX_INT:
        return int(raw)
    message = str(
        _l(
            "The filter %(name)s must be a whole number from 0 to %(max)d.",
            name=label or name,
            max=MAX_INT,
        )
    )
    raise ValidationError(message, fields={name: message})


def day_arg(args, name: str, *, label=None) -> datetime | None:
    """A date filter (YYYY-MM-DD) as the midnight that starts it: None when absent or empty;
    an unreadable date or one outside EARLIEST_DATE–LATEST_DATE is refused, naming the filter."""
    raw = str(args.get(name) or "").strip()
    if not raw:
        return None
    try:
        day = datetime.strptime(raw, "%Y-%m-%d")
    except ValueError:
        problem = str(_l("Enter a date as YYYY-MM-DD, e.g. 2026-03-01."))
    else:
        problem = date_problem(day.date())
        if problem is None:
            return day
    message = f"{label or name}: {problem}"
    raise ValidationError(message, fields={name: problem})


def text_arg(args, name: str, *, max_length: int | None = None, label=None) -> str:
    """A text filter from a query string or form, stripped (and cut to `max_length`): "" when
    absent; a control or broken character is refused with a ValidationError naming it."""
    raw = str(args.get(name) or "")
    problem = text_problem(raw)
    if problem is not None:
        message = f"{label or name}: {problem}"
        raise ValidationError(message, fields={name: problem})
    raw = raw.strip()
    return raw[:max_length] if max_length is not None else raw


def apply_field_errors(form, err: DomainError) -> None:
    """Show a service's refusal beside the fields it names, or at the top of the form."""
    placed = False
    for name, message in err.fields.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = [*list(field.errors or []), message]
            placed = True
    if not placed:
        flash(err.message, "danger")


def form_refusal(form) -> ValidationError:
    """The refusal for a (hidden) action form that failed its own checks: each field's first
    error, the first of them, with its label, as the message. Views answer it on the record's
    page (re-rendered, or a redirect with the message flashed), never with a bare 400."""
    fields = {}
    for field in form:
        if isinstance(field, CSRFTokenField) or not field.errors:
            continue
        first = field.errors[0]
        if isinstance(first, str):
            fields[field.name] = first
    shown = [name for name in fields if not isinstance(form[name].widget, HiddenInput)]
    if shown:
        return ValidationError(f"{form[shown[0]].label.text}: {fields[shown[0]]}", fields=fields)
    if fields:  # only hidden fields: nothing the user typed, the page was old or altered
        return ValidationError(
            str(_l("The form arrived incomplete; nothing has been saved. Please try again.")),
            fields=fields,
        )
    return ValidationError(str(_l("Please correct the marked fields; nothing has been saved.")))


def refuse_back(form, url: str):
    """Flash a form's refusal and send the browser back to the record's page (303)."""
    from flask import redirect

    flash(form_refusal(form).message, "danger")
    return redirect(url, 303)


@dataclass
class Outcome:
    """What `perform` did: the service's return value, or the DomainError that refused it."""

    value: Any = None
    error: DomainError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def status(self) -> int:
        return self.error.status if self.error is not None else 200

    @property
    def stale(self) -> bool:
        """The change was refused at commit: someone else changed the record meanwhile."""
        return self.error is not None and self.error.code == STALE


#: The code of the refusal `perform` makes of a concurrent writer (see `conflict`).
STALE = "stale"


def perform(
    action: Callable[[], Any],
    *,
    form=None,
    done: str | Callable | None = None,
    tone: str = "success",
    refused: Callable[[DomainError], Any] | None = None,
    fields: Mapping[str, str] | None = None,
    conflict: str | None = None,
    rollback: bool = False,
) -> Outcome:
    """Run a view's one service call and end its transaction.

    Success: commit, flash `done` (a message, or a function of the service's return value)
    with `tone`. A DomainError: roll back, and show it beside the form's fields (`form`; the
    service's field names renamed by `fields`), or as `refused(err)` says (a flash of the
    view's own words, or nothing when the page shows the error itself), or as a flash.
    `conflict`: the words for a commit a concurrent writer made stale (a versioned row): it
    is rolled back, flashed, and the Outcome is `stale`.
    `rollback`: a dry run: the transaction is rolled back on success too, so the service's
    answer (a report of what it would do) is kept and nothing it wrote is.
    """
    try:
        value = action()
    except DomainError as err:
        db.session.rollback()
        for name, to in (fields or {}).items():
            if name in err.fields:
                err.fields[to] = err.fields.pop(name)
        if refused is not None:
            refused(err)
        elif form is not None:
            apply_field_errors(form, err)
        else:
            flash(err.message, "danger")
        return Outcome(error=err)
    try:
        if rollback:
            db.session.rollback()
        else:
            db.session.commit()
    except StaleDataError:
        if conflict is None:
            raise
        db.session.rollback()
        flash(conflict, "danger")
        return Outcome(error=Refused(STALE, conflict))
    if done is not None:
        flash(done(value) if callable(done) else done, tone)
    return Outcome(value=value)


def audited(audit: Callable[[], Any], send: Callable[[Any], Any]):
    """Answer a read whose only change is its audit row (a download, a page showing what is
    masked elsewhere): `audit()` writes the row and gives what is sent, the row is committed,
    then `send(that)` answers. The commit comes first: a streamed body runs after the view
    has returned, too late to commit, and nothing is shown that was not recorded. A refusal
    raised by `audit` (a 404, a 410) propagates: nothing is sent and nothing kept."""
    value = audit()
    db.session.commit()  # the read's audit row
    return send(value)


class Needed:
    """Mark a field the service requires: rendered `required` (read out by screen readers)
    and with the visible mark, while the check and its message stay in the service, which
    the API shares. Forms carry `novalidate`, so the browser does not check it first."""

    field_flags = {"required": True}

    def __call__(self, form, field) -> None:
        return None


def field_aria(field, help_text=None) -> dict:
    """Return the ARIA attributes tying a field to its help text and errors."""
    ids = [f"{field.id}-help"] if help_text else []
    attrs = {}
    if field.errors:
        ids.append(f"{field.id}-error")
        attrs["aria-invalid"] = "true"
    if ids:
        attrs["aria-describedby"] = " ".join(ids)
    return attrs


def _field_errors(field):
    """Yield (field, message) for a field's errors, entering lists of sub-forms."""
    if hasattr(field, "entries"):  # FieldList: its entries, then its own messages
        for entry in field.entries:
            yield from _field_errors(entry)
        yield from ((field, m) for m in field.errors if isinstance(m, str))
    elif hasattr(field, "form") and hasattr(field.form, "_fields"):  # FormField
        for sub in field.form:
            yield from _field_errors(sub)
    else:
        yield from ((field, m) for m in field.errors or () if isinstance(m, str))


@pass_context
def form_errors(context) -> list[tuple[str | None, str, str]]:
    """Return (field id, label, message) for each error of the forms on this page.

    base.html lists them in one error summary, so every form gets one without asking; the
    id is None for an error that belongs to no field one can go to (an expired CSRF token).
    """
    rows, seen = [], set()
    for value in context.get_all().values():
        if not isinstance(value, Form) or id(value) in seen:
            continue
        seen.add(id(value))
        for field in value:
            for f, message in _field_errors(field):
                linkable = f.type not in ("CSRFTokenField", "HiddenField")
                rows.append((f.id if linkable else None, str(f.label.text), message))
        rows.extend((None, "", m) for m in getattr(value, "form_errors", ()))
    return rows
