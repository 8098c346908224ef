"""Helpers shared by the WTForms forms and the views that act on them."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import flash
from jinja2 import pass_context
from wtforms import Form
from wtforms.csrf.core import CSRFTokenField
from wtforms.widgets import HiddenInput

from assist.core.errors import DomainError
from assist.extensions import db


class _HiddenInputWithoutId(HiddenInput):
    """A hidden input rendered without an id: nothing points at it, and a page of several forms
    would otherwise repeat `id="csrf_token"` (ids must be unique, WCAG 4.1.1)."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", False)
        return super().__call__(field, **kwargs)


CSRFTokenField.widget = _HiddenInputWithoutId()


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


def perform(action: Callable[[], Any], *, form=None, done: str | Callable | None = None) -> Outcome:
    """Run a view's one service call and end its transaction.

    Success: commit, flash `done` (a message, or a function of the service's return value).
    A DomainError: roll back, and show it beside the form's fields (`form`) or as a flash.
    """
    try:
        value = action()
    except DomainError as err:
        db.session.rollback()
        if form is not None:
            apply_field_errors(form, err)
        else:
            flash(err.message, "danger")
        return Outcome(error=err)
    db.session.commit()
    if done is not None:
        flash(done(value) if callable(done) else done, "success")
    return Outcome(value=value)


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
