"""The ledger: append-only in the database, reconciled by `ledger verify`, exported safely."""

import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, text

from assist.audit.models import AuditEntry
from assist.extensions import db
from assist.funds.checks import run_check
from assist.funds.exports import neutralise
from assist.funds.models import LedgerCheck
from assist.funds.reconcile import verify_ledger
from tests.conftest import api_token, login, post_form
from tests.factories import user
from tests.funds.factories import allocate_down, make_fund, make_ready_case


def _some_money(network):
    fund = make_fund(received_fen=1_000_000)
    allocate_down(fund, [("sz.finance", "SZ-GS"), ("sz-gs.finance", "SZ-GS-PJ")], 200_000)
    db.session.commit()
    return fund


def _plant_a_balance_difference() -> None:
    """A balance row changed behind the ledger's back (Pingjiang's, by 0.01)."""
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE fund_balances SET balance_fen = balance_fen + 1 WHERE centre_id = "
                "(SELECT id FROM centres WHERE code = 'SZ-GS-PJ')"
            )
        )
    db.session.rollback()  # end the test's read snapshot, see the raw writes


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_entries SET amount_fen = amount_fen + 1",
        "UPDATE ledger_entries SET note = 'changed'",
        "DELETE FROM ledger_entries",
    ],
)
def test_ledger_rows_cannot_be_changed_even_in_raw_sql(network, statement):
    _some_money(network)
    with pytest.raises(Exception, match="append-only"):
        with db.engine.begin() as conn:
            conn.execute(text(statement))
    count = db.session.scalar(text("SELECT count(*) FROM ledger_entries"))
    assert count == 5


def test_verify_is_clean_then_reports_a_planted_discrepancy(runner, network):
    _some_money(network)
    clean = runner.invoke(args=["ledger", "verify"])
    assert clean.exit_code == 0, clean.output
    assert "clean" in clean.output
    _plant_a_balance_difference()
    dirty = runner.invoke(args=["ledger", "verify"])
    assert dirty.exit_code == 1
    assert "balance_mismatch" in dirty.output
    assert "平江街道职工服务站" in dirty.output
    assert "0.01" in dirty.output


def test_verify_reports_a_forged_ledger_row_and_a_wrong_case_amount(network):
    fund = _some_money(network)
    case = make_ready_case(network["SZ-GS-PJ"])
    db.session.commit()
    # a row inserted by hand, bypassing the services: its balance row does not follow
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO ledger_entries (fund_id, centre_id, kind, amount_fen, "
                "balance_after_fen, reference, note, created_at) VALUES "
                "(:f, (SELECT id FROM centres WHERE code='SZ-GS-PJ'), 'allocation_in', 500, "
                "999, '', '', CURRENT_TIMESTAMP)"
            ),
            {"f": fund.id},
        )
        conn.execute(text("UPDATE aid_cases SET paid_fen = 100 WHERE id = :id"), {"id": case.id})
    db.session.rollback()  # end the test's read snapshot, see the raw writes
    codes = {d.code for d in verify_ledger()}
    assert {
        "balance_mismatch",
        "running_balance",
        "unpaired_transfer",
        "case_paid_mismatch",
    } <= codes


def test_verify_takes_its_scope_as_the_centres_subquery(network):
    """A check limited to a subtree (the SQL subquery of `centres.scoping`) reports what lies
    in it and nothing of a sibling's ledger."""
    from assist.centres.scoping import subtree, subtree_ids
    from assist.funds.reconcile import rows_in_scope

    _some_money(network)
    _plant_a_balance_difference()
    gusu = verify_ledger(subtree_ids(user("sz-gs.finance")))
    assert [d.code for d in gusu] == ["balance_mismatch"]
    assert gusu[0].centre_id == network["SZ-GS-PJ"].id
    assert verify_ledger(subtree(network["SZ-WZ"].path)) == []
    assert rows_in_scope(subtree(network["SZ-WZ"].path)) == 0
    assert rows_in_scope(subtree_ids(user("sz.finance"))) == rows_in_scope() == 5


def test_reconciliation_page_shows_the_stored_check_and_runs_one_on_demand(client, network):
    _some_money(network)
    login(client, "sz.auditor")
    # The first visit queues the first check (the test configuration runs jobs at once).
    html = client.get("/funds/reconciliation").get_data(as_text=True)
    assert 'data-testid="reconciliation-status"' in html and "alert-success" in html
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE fund_balances SET balance_fen = balance_fen + 7"))
    # Pages show the stored result: a change since the last check is not seen until the
    # next one runs.
    html = client.get("/funds/reconciliation").get_data(as_text=True)
    assert "alert-success" in html
    response = post_form(
        client, "/funds/reconciliation/run", {}, token_from="/funds/reconciliation"
    )
    assert response.status_code == 302
    html = client.get("/funds/reconciliation").get_data(as_text=True)
    assert "alert-danger" in html and "balance_mismatch" in html
    assert html.count("table-danger") == 3  # the city, the district and the station
    home = client.get("/").get_data(as_text=True)
    assert "funds/reconciliation" in home and "处差异待核查" in home and "共 5 行" in home
    checks = db.session.scalars(select(LedgerCheck).order_by(LedgerCheck.id)).all()
    assert [c.difference_count for c in checks] == [0, 3]
    assert checks[-1].rows_checked == 5
    actions = db.session.scalars(select(AuditEntry.action)).all()
    assert "ledger.check_requested" in actions


def test_card_and_api_read_the_stored_check_within_scope(app, client, network):
    _some_money(network)
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE fund_balances SET balance_fen = balance_fen + 1 WHERE centre_id = "
                "(SELECT id FROM centres WHERE code = 'SZ-GS-PJ')"
            )
        )
    db.session.rollback()
    run_check()
    login(client, "sz-wz.auditor")  # another district: the difference is not theirs
    assert "台账合计与余额一致" in client.get("/").get_data(as_text=True)
    api = client.get("/api/v1/ledger/verify", headers=api_token(client, "sz-wz.auditor")).json
    assert api["checked"] and api["clean"] and api["rows_checked"] == 5
    other = app.test_client()
    api = other.get("/api/v1/ledger/verify", headers=api_token(other, "sz-gs-pj.auditor")).json
    assert not api["clean"] and [d["code"] for d in api["differences"]] == ["balance_mismatch"]
    assert "0.01" in api["differences"][0]["message"]


def test_ledger_filters_and_scope(app, client, network):
    fund = _some_money(network)
    login(client, "sz-gs-pj.auditor")
    html = client.get("/funds/ledger").get_data(as_text=True)
    assert "2,000.00" in html and "10,000.00" not in html  # only the station's own rows
    client = app.test_client()
    login(client, "sz.auditor")
    only = client.get(f"/funds/ledger?fund={fund.id}&kind=receipt").get_data(as_text=True)
    assert "10,000.00" in only and "allocation" not in only.split("<tbody>")[1].split("</tbody>")[0]
    api = client.get("/api/v1/ledger?centre=SZ-GS&below=1", headers=api_token(client, "sz.auditor"))
    rows = api.get_json()["items"]
    assert {r["centre_code"] for r in rows} == {"SZ-GS", "SZ-GS-PJ"}
    assert api.get_json()["total"] == 3
    assert api.get_json()["total_is_capped"] is False


def test_api_ledger_count_stops_at_the_cap(client, network, monkeypatch):
    """The ledger list counts as the pages do: up to the cap, then "2,000+" (issue 12)."""
    from assist.core import pagination
    from tests.test_statement_counts import counting

    _some_money(network)
    headers = api_token(client, "sz.auditor")
    full = client.get("/api/v1/ledger", headers=headers).get_json()
    assert full["total"] >= 3 and full["total_is_capped"] is False
    monkeypatch.setattr(pagination, "COUNT_CAP", 2)
    with counting() as statements:
        capped = client.get("/api/v1/ledger", headers=headers).get_json()
    assert (capped["total"], capped["total_is_capped"]) == (2, True)
    assert len(capped["items"]) == len(full["items"])  # the rows themselves are all there
    counts = [s for s in statements if "count(" in s.lower() and "ledger_entries" in s]
    assert counts and all("LIMIT" in s for s in counts), counts


def test_neutralise_formula_cells():
    for raw in ("=1+1", "+1", "-2", "@SUM(A1)", "\t=x", "\r=x"):
        assert neutralise(raw) == "'" + raw
    assert neutralise("王建国") == "王建国" and neutralise(12) == 12


def test_exports_neutralise_formulas_and_keep_amounts_numeric(client, network):
    from assist.funds import services
    from tests.factories import user

    fund = make_fund(received_fen=0, name='=HYPERLINK("http://evil")')
    services.receive_funds(
        fund,
        acting_user=user("sz.finance"),
        amount_fen=123_456,
        reference="@SUM(A1:A9)",
        note="-cmd|' /C calc'!A0",
    )
    db.session.commit()
    login(client, "sz.auditor")
    response = client.get("/funds/ledger?export=csv")
    assert response.status_code == 200
    body = response.data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    row = rows[1]
    assert row[2].startswith("'=HYPERLINK")
    assert "'@SUM(A1:A9)" in row and "'-cmd|' /C calc'!A0" in row
    assert "1234.56" in row
    assert not any(cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r)

    response = client.get("/funds/ledger?export=xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [c.value for c in sheet[2]]
    assert values[2].startswith("'=HYPERLINK")
    assert any(isinstance(v, (int, float)) and float(v) == 1234.56 for v in values)
    for r in sheet.iter_rows(values_only=True):
        for v in r:
            assert not (isinstance(v, str) and v.startswith(("=", "+", "-", "@", "\t", "\r")))


def test_balance_totals_feed_the_pages_and_the_check_catches_a_change(client, network):
    _some_money(network)
    login(client, "sz.auditor")
    html = client.get("/funds/balances").get_data(as_text=True)
    assert "10,000.00" in html  # received at the city, from the balance row's totals
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE fund_balances SET entries = entries + 1"))
    db.session.rollback()
    codes = [d.code for d in verify_ledger()]
    assert codes.count("totals_mismatch") == 3
