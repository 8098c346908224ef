"""Errors that services raise with a message fit for the user."""

from flask_babel import gettext as _


class DomainError(Exception):
    """A business rule refused the action; the message is shown to the user."""

    status = 409
    code = "conflict"

    def __init__(self, message: str, *, fields: dict[str, str] | None = None, **extra):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        self.extra = extra


class ValidationError(DomainError):
    """The input is malformed; `fields` says which field and why."""

    status = 422
    code = "invalid"


class PermissionDenied(DomainError):
    """The acting user's role does not allow this action."""

    status = 403
    code = "forbidden"


class NotFound(DomainError):
    """The record does not exist or lies outside the acting user's scope."""

    status = 404
    code = "not_found"


class Refused(DomainError):
    """An action refused for a reason the API names in `code` (and in `reason`)."""

    def __init__(self, code: str, message: str, **extra):
        super().__init__(message, reason=code, **extra)
        self.code = code


def refusal(check, *args, **kwargs) -> DomainError | None:
    """Run a `check_<action>` function; return the DomainError it raises, or None if it passes.

    For views offering an action as a button: show it when None, else say why not.
    """
    try:
        check(*args, **kwargs)
    except DomainError as err:
        return err
    return None


def refuse_fields(fields: dict[str, str], *, summary: bool = False) -> None:
    """Raise one ValidationError naming every bad field in `fields`; nothing when it is empty.

    Its message is the first field's, or with `summary` how many fields are marked.
    """
    if not fields:
        return
    message = (
        _("Please correct the %(n)d marked field(s); nothing has been saved.", n=len(fields))
        if summary
        else next(iter(fields.values()))
    )
    raise ValidationError(message, fields=fields)
