"""`flask --app assist ledger …`: reconcile the ledger from the command line."""

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from assist.core.money import format_yuan
from assist.extensions import db
from assist.funds.checks import run_check
from assist.funds.models import Balance
from assist.funds.reconcile import Difference

ledger_cli = AppGroup("ledger", help="Check the funds ledger.")


@ledger_cli.command("verify")
def verify():
    """Check balances, running balances, transfers, payments and cases against the ledger.

    Exits 0 when everything agrees, 1 when any difference is found (each one is listed).
    The result is stored as the latest check, which the reconciliation page shows.
    """
    check = run_check()
    differences = [Difference.from_dict(d) for d in check.differences]
    entries = check.rows_checked
    balances = db.session.scalar(select(func.count(Balance.id))) or 0
    total = db.session.scalar(select(func.sum(Balance.balance_fen))) or 0
    db.session.rollback()
    if not differences:
        click.echo(
            f"ledger verify: clean — {entries} ledger rows, {balances} balances "
            f"(¥{format_yuan(total)} held) agree."
        )
        return
    click.echo(f"ledger verify: {check.difference_count} difference(s) in {entries} ledger rows:")
    for d in differences:
        click.echo(f"  [{d.code}] {d.message}")
    raise SystemExit(1)
