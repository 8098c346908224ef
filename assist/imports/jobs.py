"""Checking and confirming a large ledger as jobs of the one engine (assist.jobs).

The import row carries the progress (`done` of `total`) and its state: checking → checked,
importing → imported. A job runs the same service functions the request runs for a small
file, as the user who started it; a failure is written on the import for its page.
"""

import logging

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from assist.auth.models import User
from assist.core.errors import DomainError
from assist.extensions import db
from assist.imports import services
from assist.imports.models import LedgerImport
from assist.jobs import engine
from assist.jobs.registry import register_kind

log = logging.getLogger(__name__)

CHECK_KIND = "imports.check"
CONFIRM_KIND = "imports.confirm"
#: The state an import is in while each kind runs, and the one it returns to on failure.
_STATES = {CHECK_KIND: ("checking", "uploaded"), CONFIRM_KIND: ("importing", "checked")}


def in_background(batch: LedgerImport) -> bool:
    """Large files are checked and imported by a job of the engine, with progress."""
    return batch.total > current_app.config["IMPORT_INLINE_ROWS"]


def start(batch: LedgerImport, kind: str, *, acting_user, then_confirm: bool = False) -> None:
    """Mark the import as running `kind` and queue the job; the caller commits.

    `then_confirm` (the API's upload without dry_run): a check that ends with the import
    checked queues the confirm job as the same user.
    """
    batch.status, batch.done, batch.error = _STATES[kind][0], 0, ""
    params = {"import_id": batch.id, "user_id": acting_user.id, "locale": acting_user.locale}
    if then_confirm:
        params["then_confirm"] = True
    engine.submit(kind, params)


def _progress(batch: LedgerImport) -> None:
    db.session.commit()


def _run(kind: str, params: dict) -> dict:
    batch = db.session.get(LedgerImport, int(params["import_id"]))
    user = db.session.get(User, int(params["user_id"]))
    if batch is None or user is None or batch.status != _STATES[kind][0]:
        return {"skipped": True}
    try:
        with force_locale(params.get("locale") or "zh_Hans"):
            if kind == CHECK_KIND:
                services.check(batch, acting_user=user, progress=_progress)
                if params.get("then_confirm") and batch.status == "checked":
                    services.check_confirm(batch, acting_user=user)
                    start(batch, CONFIRM_KIND, acting_user=user)
            else:
                services.confirm(batch, acting_user=user, progress=_progress)
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        batch = db.session.get(LedgerImport, int(params["import_id"]))
        if isinstance(exc, DomainError):
            batch.error = exc.message[:500]
        else:
            log.exception("ledger import %s: %s failed", batch.id, kind)
            with force_locale(params.get("locale") or "zh_Hans"):
                batch.error = _("The work stopped on an unexpected error; start it again.")
        if batch.status == _STATES[kind][0]:
            # Back to where it can be started again: a confirm carries on from the households
            # it committed (they are no longer valid rows, so none is registered twice).
            batch.status = _STATES[kind][1]
        db.session.commit()
        if not isinstance(exc, DomainError):
            raise
        return {"error": batch.error}
    return {
        "status": batch.status,
        "valid_rows": batch.valid_rows,
        "invalid_rows": batch.invalid_rows,
        "imported_files": batch.imported_files,
    }


register_kind(CHECK_KIND, lambda params: _run(CHECK_KIND, params), timeout=3600)
register_kind(CONFIRM_KIND, lambda params: _run(CONFIRM_KIND, params), timeout=4 * 3600)
