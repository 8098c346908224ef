"""seed-bulk: a consistent city's worth of data, fast (here a small one)."""

from sqlalchemy import func, select

from assist.applicants.models import Applicant
from assist.cases.models import AidCase
from assist.extensions import db
from assist.funds.models import LedgerEntry, Payment


def test_seed_bulk_makes_files_cases_payments_and_a_clean_ledger(runner):
    result = runner.invoke(
        args=["seed-bulk", "--files", "300", "--cases-per-file", "3", "--password", "x" * 12]
    )
    assert result.exit_code == 0, result.output
    count = lambda model: db.session.scalar(select(func.count(model.id)))  # noqa: E731
    assert count(Applicant) == 300 and count(AidCase) == 900
    paid = db.session.scalar(select(func.count(AidCase.id)).where(AidCase.status == "paid"))
    assert 0 < paid == count(Payment) < 900
    assert count(LedgerEntry) == paid + 1 + 2 * 2 + 2 * 5  # receipt, districts, stations
    verify = runner.invoke(args=["ledger", "verify"])
    assert verify.exit_code == 0 and "clean" in verify.output, verify.output
    again = runner.invoke(args=["seed-bulk", "--files", "1"])
    assert again.exit_code != 0 and "empty database" in again.output
