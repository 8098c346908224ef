"""A caseworker opens a case, the station recommends it, the district approves it: in Chromium."""

import os

from playwright.sync_api import expect

from assist.cases.models import AidCase, CaseStatus
from assist.core.timeutil import utcnow
from assist.extensions import db
from tests.browser.conftest import sign_in
from tests.cases.helpers import case_row
from tests.conftest import PASSWORD
from tests.factories import make_applicant, make_standard

SHOTS = os.environ.get("ASSIST_SCREENSHOTS", "")


def test_district_supervisor_approves_an_escalated_case(live_server, browser, network, tmp_path):
    make_standard()
    applicant = make_applicant(network["SZ-GS-PJ"], name="张三明", employer="苏州纺织厂")
    # ¥6,000 of medical aid already paid this year, of the ¥20,000 yearly cap.
    db.session.add(
        AidCase(
            case_no="SZ-GS-PJ-2026-EARLY",
            centre=network["SZ-GS-PJ"],
            applicant=applicant,
            kind="medical",
            status=CaseStatus.CLOSED,
            reason="住院",
            amount_requested_fen=600_000,
            amount_approved_fen=600_000,
            paid_fen=600_000,
            approved_at=utcnow(),
            closed_at=utcnow(),
        )
    )
    db.session.commit()
    errors = []

    def new_page():
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        p = context.new_page()
        p.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        return p

    # The caseworker opens an ¥8,000 medical aid case and submits it.
    cw = new_page()
    sign_in(cw, live_server, "sz-gs-pj.caseworker", PASSWORD)
    cw.goto(f"{live_server}/cases/new")
    cw.get_by_label("帮扶类型").select_option("medical")
    # Only the medical fields show; the schooling ones are hidden by cases.js.
    expect(cw.get_by_label("医疗费用个人自付部分（元）")).to_be_visible()
    expect(cw.get_by_label("就读阶段")).to_be_hidden()
    # The household is picked from the active files, not typed.
    cw.get_by_label("困难职工家庭（档案）").select_option(applicant.file_no)
    # Picking it shows its category and this year's medical aid against the cap at once.
    expect(cw.get_by_test_id("household-granted")).to_contain_text("6,000.00")
    expect(cw.get_by_test_id("household-cap")).to_contain_text("20,000.00")
    cw.get_by_label("申请金额（元）").fill("8000")
    cw.get_by_label("医疗费用个人自付部分（元）").fill("9200.50")
    cw.get_by_label("理由").fill("户主患尿毒症，透析费用自付部分较高。")
    # The cap is checked before saving: the household, its category and this year's aid.
    cw.get_by_test_id("check-cap").click()
    expect(cw.get_by_test_id("cap-check")).to_contain_text("未超出年度上限")
    expect(cw.get_by_test_id("cap-check")).to_contain_text("20,000.00")
    expect(cw.get_by_test_id("household-category")).to_contain_text("深度困难")
    expect(cw.get_by_test_id("household-granted")).to_contain_text("6,000.00")
    if SHOTS:
        cw.screenshot(path=f"{SHOTS}/new-case-checked.png", full_page=True)
    cw.get_by_role("button", name="保存", exact=True).click()
    expect(cw.get_by_role("status")).to_contain_text("已建立")
    case_url = cw.url
    cw.get_by_test_id("action-submit").click()
    expect(cw.get_by_role("status")).to_contain_text("已提交审批")

    # The station supervisor cannot approve ¥8,000 and recommends it up.
    st = new_page()
    sign_in(st, live_server, "sz-gs-pj.supervisor", PASSWORD)
    st.goto(case_url)
    # Approving is not offered; the page says why (the station's limit) instead.
    expect(st.get_by_test_id("blocked-approve")).to_be_disabled()
    expect(st.get_by_test_id("blocked-reasons")).to_contain_text("2,000.00")
    st.get_by_test_id("decide-recommend").click()
    st.get_by_label("意见").fill("经入户核实，情况属实，建议批准。")
    st.get_by_test_id("confirm-recommend").click()
    expect(st.get_by_role("status")).to_contain_text("已报送姑苏区总工会职工援助服务中心审批")
    expect(st.get_by_test_id("waiting-at")).to_contain_text("姑苏区")

    # The district supervisor finds it in the queue and approves ¥7,500.
    ds = new_page()
    sign_in(ds, live_server, "sz-gs.supervisor", PASSWORD)
    ds.goto(f"{live_server}/inbox/")
    queue = ds.get_by_test_id("queue-approvals")
    expect(queue).to_contain_text("张三明")
    expect(queue).to_contain_text("下级报送")
    if SHOTS:
        ds.screenshot(path=f"{SHOTS}/queue.png", full_page=True)
    queue.get_by_role("link", name=case_row(int(case_url.rsplit("/", 1)[1])).case_no).click()
    expect(ds.get_by_test_id("timeline")).to_contain_text("经入户核实，情况属实，建议批准。")
    # The evidence is on the page before deciding: the category, this year's aid and the cap.
    evidence = ds.get_by_test_id("evidence")
    expect(evidence.get_by_test_id("evidence-category")).to_contain_text("深度困难")
    expect(evidence.get_by_test_id("evidence-cap-amount")).to_contain_text("20,000.00")
    expect(evidence.get_by_test_id("evidence-granted")).to_contain_text("6,000.00")
    expect(evidence.get_by_test_id("evidence-earlier")).to_contain_text("SZ-GS-PJ-2026-EARLY")
    expect(evidence.get_by_test_id("evidence-warnings")).to_contain_text("尚未上传任何证明材料")
    if SHOTS:
        ds.screenshot(path=f"{SHOTS}/case-before-deciding.png", full_page=True)
    ds.get_by_test_id("decide-approve").click()
    expect(ds.get_by_test_id("evidence").get_by_test_id("evidence-used")).to_contain_text("70 %")
    if SHOTS:
        ds.screenshot(path=f"{SHOTS}/decide.png", full_page=True)
    amount = ds.get_by_label("金额（元）")
    expect(amount).to_have_value("8000.00")
    amount.fill("7500")
    ds.get_by_label("意见").fill("同意，按 7500 元救助。")
    ds.get_by_test_id("confirm-approve").click()
    expect(ds.get_by_role("status")).to_contain_text("案件已审批同意")
    expect(ds.get_by_test_id("approved")).to_contain_text("7,500.00")
    expect(ds.get_by_test_id("timeline")).to_contain_text("开始公示")
    if SHOTS:
        ds.screenshot(path=f"{SHOTS}/case.png", full_page=True)
    row = case_row(int(case_url.rsplit("/", 1)[1]))
    assert row.status == CaseStatus.IN_NOTICE
    assert row.approved_by.username == "sz-gs.supervisor"

    # The notice list shows the masked name only.
    cw.goto(f"{live_server}/cases/notices")
    expect(cw.get_by_test_id("notice-list")).to_contain_text("张*明")
    expect(cw.get_by_test_id("notice-list")).not_to_contain_text("张三明")
    if SHOTS:
        cw.screenshot(path=f"{SHOTS}/notices.png", full_page=True)
        cw.goto(f"{live_server}/cases/notices/print?centre=SZ-GS-PJ")
        cw.screenshot(path=f"{SHOTS}/notice-print.png", full_page=True)
        cw.goto(f"{live_server}/")
        cw.screenshot(path=f"{SHOTS}/home-caseworker.png", full_page=True)
        ds.goto(f"{live_server}/")
        ds.screenshot(path=f"{SHOTS}/home-district.png", full_page=True)
        cw.goto(f"{live_server}/cases/new")
        cw.get_by_label("帮扶类型").select_option("temporary")
        cw.screenshot(path=f"{SHOTS}/new-temporary.png", full_page=True)
    assert errors == []  # no CSP violations or script errors
