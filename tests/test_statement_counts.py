"""Every list and detail page costs a fixed number of SQL statements, whatever the data.

The demo network gives each list dozens of rows (files, cases, ledger rows, payments, audit
entries); a page that loaded something per row would go far above the limit.
"""

from contextlib import contextmanager

import pytest
from sqlalchemy import event, func, select

from assist.applicants.models import Applicant
from assist.audit.models import AuditEntry
from assist.cases.models import AidCase
from assist.extensions import db
from assist.funds.models import Fund, LedgerEntry, Payment, PaymentBatch
from tests.conftest import login

#: The most statements any page may run: sign-in and session checks, the scoped query, a
#: bounded count, the page's own lookups. A per-row query on a 50-row page breaks it.
#: The inbox count in the top bar adds one bounded query per inbox section the user has.
LIMIT = 35
#: The landing page runs one bounded query per card its roles see, and each domain (files,
#: cases, funds, figures, returns, exchange, mutual aid) registers its own cards.
HOME_LIMIT = 45


@contextmanager
def counting():
    statements: list[str] = []

    def before(conn, cursor, statement, params, context, executemany):
        if not statement.startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


def _first(stmt):
    return db.session.scalars(stmt.limit(1)).first()


@pytest.fixture
def demo(runner, seeded_demo):
    result = seeded_demo  # flask seed-demo, run once for the whole suite
    assert result.exit_code == 0, result.output
    # The landing page of an auditor reads the stored ledger check; store one.
    assert runner.invoke(args=["ledger", "verify"]).exit_code == 0
    return dict(line.split()[:2] for line in result.output.splitlines() if line.startswith("sz"))


def _pages() -> list[tuple[str, str]]:
    file = _first(select(Applicant).order_by(Applicant.id.desc()))
    case = _first(select(AidCase).where(AidCase.paid_fen > 0).order_by(AidCase.id))
    payment = _first(select(Payment).order_by(Payment.id))
    batch = _first(select(PaymentBatch).order_by(PaymentBatch.id))
    fund = _first(select(Fund).order_by(Fund.id))
    # A deep page is one reached by its key (old `?page=N` links go back to page 1).
    audit_key = db.session.scalar(select(func.max(AuditEntry.id)))
    ledger_key = db.session.scalar(select(func.max(LedgerEntry.id)))
    return [
        ("sz.admin", "/"),
        ("sz.admin", "/admin/users/"),
        ("sz.admin", "/admin/centres/"),
        ("sz.admin", "/admin/standards/"),
        ("sz.admin", "/audit/"),
        ("sz.admin", f"/audit/?after={audit_key}&page=2"),
        ("sz.auditor", "/"),
        ("sz.auditor", "/funds/balances"),
        ("sz.auditor", f"/funds/{fund.id}"),
        ("sz.auditor", "/funds/ledger"),
        ("sz.auditor", f"/funds/ledger?after={ledger_key}&page=2"),
        ("sz.auditor", "/funds/reconciliation"),
        ("sz.auditor", "/funds/payments"),
        ("sz.auditor", f"/funds/payments/{payment.id}"),
        ("sz.auditor", "/funds/batches"),
        ("sz.auditor", f"/funds/batches/{batch.id}"),
        ("sz.finance", "/"),
        ("sz.finance", "/funds/to-pay"),
        ("sz.auditor", "/mutual-aid/units"),
        ("sz.auditor", "/mutual-aid/claims"),
        ("sz.supervisor", "/"),
        ("sz.supervisor", "/files/"),
        ("sz.supervisor", "/files/?q=%E5%BB%BA"),
        ("sz.supervisor", "/files/?q=%E5%BB%BA%E5%9B%BD"),
        ("sz.supervisor", f"/files/{file.id}"),
        ("sz.supervisor", "/files/transfers"),
        ("sz.supervisor", "/cases/"),
        ("sz.supervisor", f"/cases/{case.id}"),
        ("sz.supervisor", "/cases/notices"),
        ("sz.supervisor", "/inbox/"),
        ("sz.supervisor", "/print-jobs/"),
        ("sz.supervisor", "/account"),
    ]


def test_every_page_runs_a_fixed_number_of_statements(app, demo):
    pages = _pages()
    counts = {}
    clients = {}
    for username, url in pages:
        if username not in clients:
            clients[username] = app.test_client()
            login(clients[username], username, demo[username])
        client = clients[username]
        with counting() as statements:
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        counts[(username, url)] = len(statements)
    print("\n".join(f"{n:3} {u:14} {url}" for (u, url), n in counts.items()))
    over = {k: v for k, v in counts.items() if v > (HOME_LIMIT if k[1] == "/" else LIMIT)}
    assert not over, f"pages above {LIMIT} statements: {over}"
