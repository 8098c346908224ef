"""The ledger check as background work: run it on the job engine, keep its result.

`funds.verify_ledger` runs every hour (and on demand from the reconciliation page or
`flask --app assist jobs submit funds.verify_ledger`); pages read the latest stored result.
"""

from sqlalchemy import select

from assist.core.timeutil import utcnow
from assist.extensions import db
from assist.funds.models import Fund, LedgerCheck
from assist.funds.reconcile import Difference, Line, ledger_lines, rows_in_scope, verify_ledger
from assist.jobs import engine
from assist.jobs.registry import register_kind

KIND = "funds.verify_ledger"
MAX_STORED = 500
EVERY = 3600


def run_check(job_id: int | None = None) -> LedgerCheck:
    """Verify the whole ledger now and store the result."""
    started = utcnow()
    differences = verify_ledger()
    lines = [
        {
            "fund_id": ln.fund.id,
            "centre_id": ln.centre.id,
            "entries": ln.entries,
            "ledger_fen": ln.ledger_fen,
            "balance_fen": ln.balance_fen,
        }
        for ln in ledger_lines()
    ]
    check = LedgerCheck(
        started_at=started,
        finished_at=utcnow(),
        rows_checked=rows_in_scope(),
        difference_count=len(differences),
        differences=[_stored(d) for d in differences[:MAX_STORED]],
        lines=lines,
        job_id=job_id,
    )
    db.session.add(check)
    db.session.commit()
    return check


def _stored(d: Difference) -> dict:
    data = d.as_dict()
    data.pop("message")
    return data


def _run_job(params: dict) -> dict:
    job = engine.latest(KIND, status="running")
    check = run_check(job.id if job else None)
    return {"check_id": check.id, "differences": check.difference_count}


register_kind(KIND, _run_job, every=EVERY, timeout=4 * 3600)


def latest_check() -> LedgerCheck | None:
    return db.session.scalars(select(LedgerCheck).order_by(LedgerCheck.id.desc()).limit(1)).first()


def request_check():
    """Queue a check now (once: a check already waiting is not queued twice)."""
    return engine.submit(KIND, dedupe=True)


def pending_check():
    """The queued or running check, if any."""
    job = engine.latest(KIND)
    return job if job is not None and job.status in ("queued", "running") else None


def _ids(scope) -> set[int]:
    """The centre ids of `scope` (a SELECT of them): the stored result is JSON, read here."""
    return set(db.session.scalars(scope))


def differences_in_scope(check: LedgerCheck | None, scope) -> list[Difference]:
    """The stored differences of the centres in `scope` (a SELECT of centre ids)."""
    if check is None:
        return []
    ids = _ids(scope)
    return [Difference.from_dict(d) for d in check.differences or [] if d.get("centre_id") in ids]


def lines_in_scope(check: LedgerCheck | None, scope) -> list[Line]:
    """The stored lines of the centres in `scope` (a SELECT of centre ids), with their funds
    and centres loaded at once."""
    from assist.centres.models import Centre

    if check is None:
        return []
    ids = _ids(scope)
    stored = [ln for ln in check.lines or [] if ln["centre_id"] in ids]
    funds = {
        f.id: f
        for f in db.session.scalars(
            select(Fund).where(Fund.id.in_({ln["fund_id"] for ln in stored}))
        )
    }
    centres = {c.id: c for c in db.session.scalars(select(Centre).where(Centre.id.in_(ids)))}
    lines = [
        Line(
            fund=funds[ln["fund_id"]],
            centre=centres[ln["centre_id"]],
            ledger_fen=ln["ledger_fen"],
            entries=ln["entries"],
            balance_fen=ln["balance_fen"],
        )
        for ln in stored
        if ln["fund_id"] in funds
    ]
    lines.sort(key=lambda ln: (-ln.fund.year, ln.fund.name, ln.centre.path))
    return lines
