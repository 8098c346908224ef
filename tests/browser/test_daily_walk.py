"""Each role's day in Chromium, from the inbox: register → on record → case → escalation →
decision → payment → Excel export → printed case file → the auditor's filtered log.

It counts the page loads of the core walk (register → active file → case → approval →
payment → printed case file) and prints them; ASSIST_SHOTS=/dir keeps screenshots of the
changed pages at 1366 px and 768 px.
"""

import io
import os
import re
from collections import Counter
from pathlib import Path

from openpyxl import load_workbook
from playwright.sync_api import expect

from assist.core.timeutil import local_today
from assist.extensions import db
from tests.applicants.helpers import PDF
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD
from tests.factories import make_standard, next_resident_id
from tests.funds.factories import allocate_down, make_fund

SHOTS = os.environ.get("ASSIST_SHOTS", "")


def test_each_roles_day_walks_from_the_inbox(live_server, browser, network, tmp_path):
    make_standard()
    network["SZ-GS-PJ"].notice_days = 0  # notices end at once, so the walk can go on today
    fund = make_fund(received_fen=5_000_000)
    allocate_down(fund, [("sz.finance", "SZ-GS"), ("sz-gs.finance", "SZ-GS-PJ")], 1_000_000)
    db.session.commit()
    consent = tmp_path / "授权委托书.pdf"
    consent.write_bytes(PDF)
    head_id = next_resident_id()
    loads: Counter = Counter()
    errors: list[str] = []
    pages = {}

    def person(username):
        if username not in pages:
            context = browser.new_context(
                viewport={"width": 1366, "height": 768}, locale="zh-CN", accept_downloads=True
            )
            page = context.new_page()
            page.on(
                "framenavigated",
                lambda frame, p=page, u=username: (
                    loads.update([u]) if frame == p.main_frame else None
                ),
            )
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            sign_in(page, live_server, username, PASSWORD)
            pages[username] = page
        return pages[username]

    def shot(page, name):
        if not SHOTS:
            return
        for width in (1366, 768):
            page.set_viewport_size({"width": width, "height": 768})
            page.screenshot(path=os.path.join(SHOTS, f"{name}-{width}.png"), full_page=True)
        page.set_viewport_size({"width": 1366, "height": 768})

    # --- The caseworker registers a household (quick action on the start page) and submits it.
    cw = person("sz-gs-pj.caseworker")
    shot(cw, "home-caseworker")
    cw.get_by_test_id("quick-new-file").click()
    cw.locator("#name").fill("钱志强")
    cw.locator("#id_number").fill(head_id)
    cw.locator("#phone").fill("13800001111")
    cw.locator("#address").fill("苏州市姑苏区示例路12号")
    cw.locator("#employer").fill("苏州示例机械厂")
    cw.locator("#bank_name").fill("中国工商银行苏州分行")
    cw.locator("#bank_account").fill("6222021102009876543")
    cw.locator("#annual_income").fill("24000")
    cw.locator("#consent_signed_on").fill("2026-01-05")
    cw.get_by_label("授权委托书扫描件（PDF、JPEG 或 PNG）").set_input_files(str(consent))
    cw.get_by_test_id("save-and-submit").click()
    expect(cw.locator(".alert-success").last).to_contain_text("已提交初审")
    file_no = cw.get_by_test_id("file-no").inner_text()

    # --- The station supervisor: the start page's card opens exactly the files to review.
    st = person("sz-gs-pj.supervisor")
    card = st.get_by_test_id("cards").locator(".card", has_text="待初审档案")
    expect(card.locator(".card-figure")).to_have_text("1")
    shot(st, "home-supervisor")
    card.get_by_role("link").click()
    section = st.get_by_test_id("queue-files_initial_review")
    expect(section.locator("tbody tr")).to_have_count(1)
    shot(st, "inbox-supervisor")
    section.get_by_role("link", name=file_no).click()
    st.locator('[data-action="pass_initial"]').click()
    expect(st.locator(".alert-success")).to_contain_text("入户调查")
    shot(st, "file-detail")

    # --- The caseworker's inbox lists the home visit due; the visit sends it to final review.
    cw.get_by_role("link", name=re.compile("我的待办")).click()
    cw.get_by_test_id("queue-files_home_visit").get_by_role("link", name=file_no).click()
    form = cw.get_by_test_id("visit-form")
    form.get_by_label("走访日期").fill(local_today().isoformat())
    form.get_by_label("走访人员").fill("李芳、王强")
    form.get_by_label("调查情况").fill("家中陈设简陋，情况属实。")
    form.get_by_test_id("visit-and-complete").click()
    expect(cw.locator(".alert-success")).to_contain_text("复核")

    # --- The supervisor approves it for notice; the notice (0 days here) ends: on record.
    st.get_by_role("link", name=re.compile("我的待办")).click()
    st.get_by_test_id("queue-files_final_review").get_by_role("link", name=file_no).click()
    st.locator('[data-action="approve"]').click()
    st.locator('[data-action="activate"]').click()
    expect(st.locator("[data-status]").first).to_have_attribute("data-status", "active")

    # --- The caseworker opens a ¥5,000 living-relief case from the file and submits it.
    cw.reload()
    cw.get_by_test_id("open-case").click()
    cw.get_by_label("帮扶类型").select_option("living")
    cw.get_by_label("申请金额（元）").fill("5000")
    cw.get_by_label("理由").fill("户主失业，家庭收入骤减。")
    cw.get_by_test_id("save-and-submit").click()
    expect(cw.get_by_role("status").last).to_contain_text("已提交审批")
    case_no = cw.locator("h1 .mono").inner_text()

    # --- The station supervisor sees why approving is not offered, and recommends it up.
    st.get_by_role("link", name=re.compile("我的待办")).click()
    st.get_by_test_id("queue-approvals").get_by_role("link", name=case_no).click()
    expect(st.get_by_test_id("blocked-approve")).to_be_disabled()
    reasons = st.get_by_test_id("blocked-reasons")
    expect(reasons).to_contain_text("2,000.00")
    expect(reasons).to_contain_text("姑苏区")
    shot(st, "case-blocked-approve")
    st.get_by_test_id("decide-recommend").click()
    st.get_by_label("意见").fill("经入户核实，建议批准。")
    st.get_by_test_id("confirm-recommend").click()
    expect(st.get_by_role("status")).to_contain_text("已报送")

    # --- The district supervisor decides from the inbox (escalated from the station).
    ds = person("sz-gs.supervisor")
    ds.get_by_role("link", name=re.compile("我的待办")).click()
    row = ds.get_by_test_id("queue-approvals").locator("tr", has_text=case_no)
    expect(row).to_contain_text("下级报送")
    row.get_by_role("link", name=case_no).click()
    expect(ds.get_by_test_id("timeline")).to_contain_text("经入户核实，建议批准。")
    ds.get_by_test_id("decide-approve").click()
    ds.get_by_label("意见").fill("同意。")
    ds.get_by_test_id("confirm-approve").click()
    expect(ds.get_by_role("status")).to_contain_text("案件已审批同意")

    # --- Finance pays from the inbox and exports the day's payments to Excel.
    fin = person("sz-gs-pj.finance")
    card = fin.get_by_test_id("cards").locator(".card", has_text="待发放")
    expect(card.locator(".card-figure")).to_have_text("1")
    card.get_by_role("link").click()
    fin.get_by_test_id("queue-to_pay").get_by_role("link", name=case_no).click()
    fin.get_by_label("银行流水号").fill("ICBC2026120100042")
    fin.get_by_test_id("pay").click()
    expect(fin.get_by_test_id("amount")).to_contain_text("5,000.00")
    today = local_today().isoformat()
    fin.goto(f"{live_server}/funds/payments?from={today}&to={today}")
    shot(fin, "payments-export")
    with fin.expect_download() as info:
        fin.get_by_test_id("export-xlsx").click()
    sheet = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes())).active
    rows = list(sheet.iter_rows(values_only=True))
    headers = list(rows[0])
    assert len(rows) == 2, rows
    assert rows[1][headers.index("案件")] == case_no
    assert rows[1][headers.index("金额")] == 5000
    assert rows[1][headers.index("银行流水号")] == "ICBC2026120100042"

    # --- The caseworker prints the case file from the file page.
    cw.goto(f"{live_server}/files/?q={file_no}")
    cw.get_by_role("link", name=file_no).click()
    with cw.context.expect_page() as popup:
        cw.get_by_test_id("print-case-file").click()
    pdf = popup.value
    pdf.wait_for_load_state()
    core_walk = sum(loads.values())

    # --- The auditor filters the log by user and date, reads it in words and exports it.
    au = person("sz-gs-pj.auditor")
    au.goto(f"{live_server}/audit/")
    au.locator("#user").select_option("sz-gs-pj.finance")
    au.locator("#from").fill(today)
    au.locator("#to").fill(today)
    au.get_by_role("button", name="筛选").click()
    rows_el = au.get_by_test_id("audit-rows")
    expect(rows_el).to_contain_text("发放")
    expect(rows_el).to_contain_text("¥5,000.00")
    expect(rows_el).not_to_contain_text("payment.created")
    shot(au, "audit-log")
    with au.expect_download() as info:
        au.get_by_test_id("export-xlsx").click()
    log = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes())).active
    users = {r[1] for r in log.iter_rows(min_row=2, values_only=True)}
    assert users == {"sz-gs-pj.finance"}, users

    # --- The search box finds the household by the last four of its ID.
    au.locator("#top-q").fill(head_id[-4:])
    au.locator("#top-q").press("Enter")
    expect(au.locator("h1")).to_contain_text(file_no)
    au.locator("#top-q").fill("钱")
    au.locator("#top-q").press("Enter")
    expect(au.get_by_test_id("search-results")).to_contain_text(case_no)
    shot(au, "search-results")
    au.goto(f"{live_server}/help/limits")
    shot(au, "help-limits")

    print(f"\ncore walk page loads: {core_walk} ({dict(loads)})")
    assert core_walk < 45
    assert errors == []
