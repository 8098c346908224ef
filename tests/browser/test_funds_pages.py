"""A finance officer pays a case, builds a batch and prints its roster, in a real browser.

Set SCREENSHOT_DIR to keep the screenshots (they go to the test's tmp_path otherwise).
"""

import os
from pathlib import Path

from playwright.sync_api import expect

from assist.cases.models import AidKind
from assist.extensions import db
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD
from tests.funds.factories import allocate_down, make_fund, make_ready_case


def _shots(tmp_path) -> Path:
    return Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)


def test_pay_a_case_and_batch_in_the_browser(live_server, page, network, tmp_path):
    shots = _shots(tmp_path)
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    fund = make_fund(
        received_fen=50_000_000, name="送温暖专项资金", kinds=(AidKind.HOLIDAY, AidKind.LIVING)
    )
    allocate_down(fund, [("sz.finance", "SZ-GS"), ("sz-gs.finance", "SZ-GS-PJ")], 2_000_000)
    case = make_ready_case(network["SZ-GS-PJ"], amount_fen=150_000, name="陈秀英")
    holiday = [
        make_ready_case(network["SZ-GS-PJ"], kind=AidKind.HOLIDAY, amount_fen=50_000, name=n)
        for n in ("周建华", "吴桂兰", "<script>alert(1)</script>")
    ]
    db.session.commit()

    sign_in(page, live_server, "sz-gs-pj.finance", PASSWORD)
    expect(page.get_by_test_id("cards")).to_contain_text("待发放")
    page.screenshot(path=str(shots / "funds-home.png"), full_page=True)

    page.goto(f"{live_server}/funds/to-pay")
    expect(page.get_by_test_id("to-pay-summary")).to_contain_text("4 件")
    page.screenshot(path=str(shots / "funds-to-pay.png"), full_page=True)

    page.goto(f"{live_server}/funds/cases/{case.id}/pay")
    expect(page.get_by_test_id("account")).to_contain_text("4567")
    page.get_by_label("金额（元）").fill("1000")
    page.get_by_label("银行流水号").fill("ICBC2026000123")
    page.screenshot(path=str(shots / "funds-pay-form.png"), full_page=True)
    page.get_by_test_id("pay").click()
    page.wait_for_load_state()
    expect(page.get_by_test_id("amount")).to_contain_text("1,000.00")
    expect(page.get_by_text("人民币壹仟元整")).to_be_visible()
    page.screenshot(path=str(shots / "funds-payment.png"), full_page=True)

    page.goto(f"{live_server}/funds/batches/new")
    page.get_by_label("标题").fill("2027年春节送温暖慰问金")
    page.get_by_label("发放方式").select_option("cash")
    page.get_by_role("button", name="创建批次").click()
    page.wait_for_load_state()
    for c in holiday:
        page.locator(f"#case-{c.id}").check()
    page.get_by_role("button", name="添加所选案件").click()
    page.wait_for_load_state()
    expect(page.get_by_text("<script>alert(1)</script>").first).to_be_visible()  # inert text
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("pay-batch").click()
    page.wait_for_load_state()
    expect(page.get_by_test_id("batch-status")).to_contain_text("已发放")
    page.screenshot(path=str(shots / "funds-batch.png"), full_page=True)

    page.get_by_test_id("roster-link").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", level=2)).to_contain_text("发放花名册")
    expect(page.get_by_text("人民币壹仟伍佰元整")).to_be_visible()
    page.screenshot(path=str(shots / "funds-roster.png"), full_page=True)

    page.goto("about:blank")  # no request of the old page may land after the cookies go
    page.context.clear_cookies()
    sign_in(page, live_server, "sz-gs.auditor", PASSWORD)
    page.goto(f"{live_server}/funds/balances")
    page.screenshot(path=str(shots / "funds-balances.png"), full_page=True)
    page.goto(f"{live_server}/funds/ledger")
    page.screenshot(path=str(shots / "funds-ledger.png"), full_page=True)
    page.goto(f"{live_server}/funds/reconciliation")
    expect(page.get_by_test_id("reconciliation-status")).to_contain_text("核对无误")
    page.screenshot(path=str(shots / "funds-reconciliation.png"), full_page=True)
    assert errors == []
