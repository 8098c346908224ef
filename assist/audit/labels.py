"""Audit rows in words: actions, objects, links and before/after values a reader understands.

The log stores codes (``case.approve``, ``aid_cases 47``, ``amount_fen``); each domain
registers the words and links for its own codes, so this lower layer imports no domain.
"""

from collections.abc import Callable

from flask_babel import lazy_gettext as _l

from assist.core.money import format_yuan

#: The first part of an action code: the kind of action, as the filter offers it.
KINDS = {
    "auth": _l("Sign-in and sign-out"),
    "user": _l("Users"),
    "api_token": _l("API tokens"),
    "centre": _l("Centres"),
    "applicant": _l("Hardship files"),
    "attachment": _l("Attachments"),
    "subsistence_standard": _l("低保 standards"),
    "case": _l("Aid cases"),
    "fund": _l("Funds"),
    "payment": _l("Payments"),
    "batch": _l("Payment batches"),
    "ledger": _l("Ledger"),
    "document": _l("Printed documents"),
    "print_job": _l("Batch printing"),
    "list": _l("Exports"),
}

ACTIONS: dict[str, object] = {
    "auth.login": _l("Signed in"),
    "auth.login_failed": _l("Sign-in failed"),
    "auth.logout": _l("Signed out"),
    "auth.password_changed": _l("Password changed"),
    "user.created": _l("User created"),
    "user.updated": _l("User changed"),
    "user.activated": _l("User activated"),
    "user.deactivated": _l("User deactivated"),
    "user.password_reset": _l("Password reset"),
    "user.locale_changed": _l("Language changed"),
    "api_token.issued": _l("API token issued"),
    "api_token.revoked": _l("API token revoked"),
    "centre.created": _l("Centre created"),
    "centre.updated": _l("Centre changed"),
    "centre.moved": _l("Centre moved"),
    "centre.activated": _l("Centre activated"),
    "centre.deactivated": _l("Centre deactivated"),
    "centre.deleted": _l("Centre deleted"),
    "list.exported": _l("List exported"),
    "ledger.exported": _l("Ledger exported"),
}

OBJECTS: dict[str, object] = {
    "users": _l("User"),
    "centres": _l("Centre"),
    "api_tokens": _l("API token"),
}

#: object_type → fn(object_id) → URL of the object's page.
LINKS: dict[str, Callable[[str], str]] = {}

#: Stored values (states, categories, kinds) → words.
VALUES: dict[str, object] = {}

#: Keys of the before/after values → words.
FIELDS: dict[str, object] = {
    "status": _l("State"),
    "category": _l("Category"),
    "amount_fen": _l("Amount"),
    "paid_fen": _l("Paid"),
    "name": _l("Name"),
    "full_name": _l("Full name"),
    "roles": _l("Roles"),
    "centre": _l("Centre"),
    "format": _l("Format"),
    "rows": _l("Rows"),
    "filters": _l("Filters"),
}


def register(*, actions=None, kinds=None, objects=None, links=None, values=None, fields=None):
    """Add a domain's words (and links) for the codes it writes to the log."""
    for mapping, extra in (
        (ACTIONS, actions),
        (KINDS, kinds),
        (OBJECTS, objects),
        (LINKS, links),
        (VALUES, values),
        (FIELDS, fields),
    ):
        if extra:
            for key, value in extra.items():
                mapping.setdefault(str(key), value)


def action_label(action: str) -> str:
    if action in ACTIONS:
        return str(ACTIONS[action])
    kind, _dot, rest = action.partition(".")
    return f"{KINDS[kind]} · {rest}" if kind in KINDS else action


def object_label(object_type: str) -> str:
    return str(OBJECTS.get(object_type, object_type))


def object_url(object_type: str, object_id: str) -> str | None:
    link = LINKS.get(object_type)
    if link is None or not str(object_id).isdigit():
        return None
    return link(str(object_id))


def _value(key: str, value) -> str:
    if value is None or value == "":
        return "—"
    if key.endswith("_fen") and isinstance(value, int):
        return "¥" + format_yuan(value)
    if isinstance(value, bool):
        return str(_l("yes")) if value else str(_l("no"))
    if isinstance(value, list):
        return "、".join(_value(key, v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{field_label(k)}: {_value(k, v)}" for k, v in value.items())
    if isinstance(value, str) and value in VALUES:
        return str(VALUES[value])
    return str(value)


def field_label(key: str) -> str:
    return str(FIELDS.get(key, key))


def changes(before: dict | None, after: dict | None) -> list[tuple[str, str | None, str]]:
    """The changed values as (field, before or None when new, after), in words and 元."""
    before, after = before or {}, after or {}
    rows = []
    for key in list(before) + [k for k in after if k not in before]:
        old, new = before.get(key), after.get(key)
        if key in before and key in after and old == new:
            continue
        rows.append(
            (field_label(key), _value(key, old) if key in before else None, _value(key, new))
        )
    return rows
