"""The demo data: funds down the network and some payments, and a ledger that verifies."""

from sqlalchemy import func, select, text

from assist.campaigns.models import Visit
from assist.extensions import db
from assist.funds.models import Balance, Fund, Payment, PaymentBatch


def test_demo_data_verifies_clean_and_a_planted_difference_is_reported(runner, seeded_demo):
    seeded = seeded_demo  # flask seed-demo, run once for the whole suite
    assert seeded.exit_code == 0, seeded.output
    assert "Funds: 4 funds" in seeded.output
    # The funds seeder's four, and the mutual-aid fund the mutual-aid seeder opens.
    assert db.session.scalar(select(func.count(Fund.id))) == 5
    assert db.session.scalar(select(func.count(Payment.id))) >= 3
    # The funds seeder's one batch; the campaign seeder pays its visits through batches of its own.
    campaign_batches = select(Visit.cash_batch_id).union(select(Visit.goods_batch_id))
    own = select(func.count(PaymentBatch.id)).where(PaymentBatch.id.not_in(campaign_batches))
    assert db.session.scalar(own) == 1
    assert db.session.scalar(select(func.count(PaymentBatch.id))) > 1
    stations_with_money = db.session.scalar(
        select(func.count(func.distinct(Balance.centre_id))).where(Balance.balance_fen > 0)
    )
    assert stations_with_money == 8  # the city, both districts and all five stations

    clean = runner.invoke(args=["ledger", "verify"])
    assert clean.exit_code == 0, clean.output
    assert "clean" in clean.output

    db.session.rollback()
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE fund_balances SET balance_fen = balance_fen - 100 WHERE id = "
                "(SELECT min(id) FROM fund_balances WHERE balance_fen > 100)"
            )
        )
    dirty = runner.invoke(args=["ledger", "verify"])
    assert dirty.exit_code == 1
    assert "1 difference" in dirty.output and "[balance_mismatch]" in dirty.output
    assert "-1.00" in dirty.output
