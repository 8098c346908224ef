"""Helpers shared by the WTForms forms."""

from flask import flash

from assist.core.errors import DomainError


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
