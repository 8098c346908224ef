"""Helpers shared by the WTForms forms and the views that act on them."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import flash

from assist.core.errors import DomainError
from assist.extensions import db


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
