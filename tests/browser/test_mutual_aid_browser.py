"""A caseworker enrols a unit from an xlsx roster; a hospital claim is approved and paid to the
member's card from the mutual-aid fund: in Chromium, through the real pages."""

import os

from playwright.sync_api import expect
from sqlalchemy import select

from assist.extensions import db
from assist.funds import services as fund_services
from assist.funds.models import FundSource, LedgerEntry
from assist.funds.reconcile import verify_ledger
from assist.mutual_aid.models import Claim, Enrolment
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD
from tests.factories import PDF, user
from tests.funds.factories import make_fund
from tests.mutual_aid.conftest import make_unit
from tests.mutual_aid.helpers import HOSPITAL_RULES, make_plan, people, xlsx

SHOTS = os.environ.get("ASSIST_SCREENSHOTS", "")


def test_enrol_a_unit_from_xlsx_and_pay_a_hospital_claim(live_server, browser, network, tmp_path):
    _plan, term = make_plan("HA", "hospital", HOSPITAL_RULES, name="在职职工住院津贴互助保障计划")
    unit = make_unit(network["SZ-GS-PJ"], staff=12, members=12, name="平江丝绸厂工会")
    fund_services.create_fund(
        acting_user=user("sz.finance"),
        name="职工互助保障金",
        source=FundSource.MUTUAL_AID,
        year=2026,
        allowed_kinds=["mutual_aid"],
    )
    make_fund(name="工会经费", received_fen=1_000_000)
    db.session.commit()
    rows = people(12)
    roster = tmp_path / "名册.xlsx"
    roster.write_bytes(xlsx(rows + [("坏号", "320502")]))
    errors = []

    def new_page(width=1366):
        context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
        p = context.new_page()
        p.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        return p

    def shot(p, name):
        if SHOTS:
            p.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)

    # The caseworker checks the roster (a dry run), then enrols the valid rows.
    cw = new_page()
    sign_in(cw, live_server, "sz-gs-pj.caseworker", PASSWORD)
    cw.goto(f"{live_server}/mutual-aid/units/{unit.id}")
    cw.get_by_label("计划保障期").select_option(str(term.id))
    cw.get_by_label("名册（xlsx 或 CSV，含“姓名”“身份证号”两列）").set_input_files(str(roster))
    cw.get_by_test_id("dry-run").click()
    expect(cw.get_by_test_id("rows-valid")).to_have_text("12")
    expect(cw.get_by_test_id("bad-rows")).to_contain_text("15")
    shot(cw, "ma-roster-check")
    db.session.commit()  # end the test's transaction: see what the server committed
    assert db.session.scalar(select(Enrolment.id)) is None
    cw.get_by_label("跳过有问题的行").check()
    cw.get_by_test_id("confirm-enrol").click()
    expect(cw.get_by_role("status")).to_contain_text("已为 12 名会员参保")
    expect(cw.get_by_test_id("fee-due")).to_contain_text("¥960.00")
    shot(cw, "ma-batch")
    batch_url = cw.url

    # Finance receives the unit's fee and the union's subsidy.
    fin = new_page()
    sign_in(fin, live_server, "sz.finance", PASSWORD)
    fin.goto(batch_url)
    fin.get_by_label("支付补贴的工会经费").select_option(label="2026 · 工会经费")
    fin.get_by_label("单位缴费凭证号").fill("苏银回单20260001")
    fin.get_by_role("button", name="收取").click()
    expect(fin.get_by_test_id("fee-received")).to_be_visible()

    # The caseworker records a 12-day hospital stay: ¥450 with its working.
    db.session.commit()
    enrolment = db.session.scalars(select(Enrolment).order_by(Enrolment.id)).first()
    cw.goto(batch_url)
    cw.get_by_test_id(f"claim-{enrolment.certificate_no}").click()
    admission = enrolment.cover_start.toordinal() + 10
    from datetime import date

    cw.get_by_label("出险类别").select_option("hospital")
    cw.get_by_label("入院、首次确诊或出险日期").fill(date.fromordinal(admission).isoformat())
    cw.get_by_label("出院日期").fill(date.fromordinal(admission + 12).isoformat())
    cw.get_by_label("医院").fill("苏州市立医院")
    cw.get_by_label("诊断").fill("肺炎")
    cw.get_by_label("会员开户银行").fill("中国工商银行苏州分行")
    cw.get_by_label("会员本人银行卡号").fill("6222021102009876543")
    cw.get_by_test_id("record-claim").click()
    expect(cw.get_by_test_id("working")).to_contain_text(
        "住院 12 天 − 免赔 3 天 = 9 天 × ¥50 = ¥450"
    )
    shot(cw, "ma-claim")
    cw.get_by_test_id("open-case").click()
    pdf = tmp_path / "doc.pdf"
    pdf.write_bytes(PDF)
    for kind in ("id_copy", "diagnosis", "invoice", "medical_settlement"):
        cw.get_by_label("材料类型").select_option(kind)
        cw.get_by_label("文件（PDF、JPEG 或 PNG）").set_input_files(str(pdf))
        cw.get_by_test_id("upload").click()
        cw.wait_for_load_state()
    cw.get_by_test_id("action-submit").click()
    expect(cw.get_by_role("status")).to_contain_text("已提交审批")
    case_url = cw.url

    # The station supervisor approves (¥450 is within the station's limit): no notice.
    st = new_page()
    sign_in(st, live_server, "sz-gs-pj.supervisor", PASSWORD)
    st.goto(case_url)
    st.get_by_test_id("decide-approve").click()
    st.get_by_test_id("confirm-approve").click()
    expect(st.get_by_role("status")).to_contain_text("案件已审批同意")
    shot(st, "ma-case-approved")

    # Finance pays it from the mutual-aid fund at the city, by transfer to the member's card.
    db.session.commit()
    claim = db.session.scalars(select(Claim)).one()
    fin.goto(f"{live_server}/funds/cases/{claim.case_id}/pay")
    expect(fin.get_by_test_id("account")).to_contain_text("6543")
    source = fin.locator("option", has_text="职工互助保障金")
    expect(source).to_contain_text("¥960.00")  # ¥50 staff share + ¥30 subsidy, × 12
    fin.get_by_label("发放来源").select_option(source.get_attribute("value"))
    fin.get_by_label("银行流水号").fill("ICBC2026HZ0001")
    shot(fin, "ma-pay")
    fin.get_by_test_id("pay").click()
    expect(fin.get_by_test_id("amount")).to_contain_text("450.00")
    db.session.commit()
    db.session.expire_all()
    assert claim.case.status == "paid"
    entry = db.session.scalars(
        select(LedgerEntry).where(LedgerEntry.case_id == claim.case_id)
    ).one()
    assert entry.amount_fen == -45_000
    assert verify_ledger() == []

    narrow = new_page(width=390)
    sign_in(narrow, live_server, "sz-gs-pj.caseworker", PASSWORD)
    narrow.goto(f"{live_server}/mutual-aid/claims/{claim.id}")
    expect(narrow.get_by_test_id("claim-status")).to_contain_text("已发放")
    shot(narrow, "ma-claim-narrow")
    assert errors == []
