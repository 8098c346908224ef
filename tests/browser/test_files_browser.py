"""In Chromium: a caseworker registers a household through the form; a supervisor approves it.

Set ASSIST_SHOTS=/some/dir to keep screenshots of the pages on the way.
"""

import os
import re

from playwright.sync_api import expect

from assist.extensions import db
from tests.applicants.helpers import PDF
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD
from tests.factories import make_standard, next_resident_id

SHOTS = os.environ.get("ASSIST_SHOTS", "")


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def sign_out(page) -> None:
    # The menu opens by Bootstrap's script: a click before the page's scripts have run opens
    # nothing (seen on a loaded machine), so wait for the load event first.
    page.wait_for_load_state("load")
    page.get_by_test_id("whoami").click()  # the account menu
    page.get_by_test_id("logout").click()
    page.wait_for_load_state()


def test_register_then_review_and_approve(network, live_server, page, tmp_path):
    make_standard()
    network["SZ-GS-PJ"].notice_days = 0
    db.session.commit()
    consent = tmp_path / "授权委托书.pdf"
    consent.write_bytes(PDF)
    head_id, spouse_id, child_id = (
        next_resident_id(),
        next_resident_id(female=True),
        next_resident_id(),
    )

    sign_in(page, live_server, "sz-gs-pj.caseworker", PASSWORD)
    page.get_by_role("button", name="困难帮扶").click()  # the top bar's menu
    page.get_by_role("link", name="困难职工档案").click()
    page.get_by_test_id("new-file").click()

    # A first attempt with a mistyped ID: the message sits by the field and nothing is saved.
    page.locator("#name").fill("周<script>建国</script>")
    page.locator("#id_number").fill(head_id[:-1] + ("1" if head_id[-1] != "1" else "2"))
    page.locator("#phone").fill("13912345678")
    page.locator("#address").fill("苏州市姑苏区示例路9号")
    page.locator("#employer").fill("苏州示例纺织有限公司")
    page.locator("#annual_income").fill("30000")
    page.locator("#consent_signed_on").fill("2026-01-05")
    page.get_by_test_id("save-file").click()
    expect(page.locator('[data-field-error="id_number"]')).to_contain_text("校验码")
    shot(page, "form-with-errors")

    page.locator("#id_number").fill(head_id)
    page.locator("#annual_income").fill("30000")
    page.locator("#consent_signed_on").fill("2026-01-05")
    rows = page.locator("#member-rows tr.member-row")
    first = rows.nth(0)
    first.locator("select[name='members-0-relation']").select_option("spouse")
    first.locator("input[name='members-0-name']").fill("李秀英")
    first.locator("input[name='members-0-id_number']").fill(spouse_id)
    first.locator("input[name='members-0-monthly_income']").fill("800")
    # More rows than the blank ones: the add-row button (static JS) adds another.
    count = rows.count()
    page.get_by_test_id("add-member").click()
    expect(rows).to_have_count(count + 1)
    added = rows.nth(count)
    added.locator(f"select[name='members-{count}-relation']").select_option("child")
    added.locator(f"input[name='members-{count}-name']").fill("周小明")
    added.locator(f"input[name='members-{count}-id_number']").fill(child_id)
    added.locator(f"input[name='members-{count}-is_student']").check()
    page.get_by_label("授权委托书扫描件（PDF、JPEG 或 PNG）").set_input_files(str(consent))
    page.get_by_test_id("save-file").click()

    expect(page.get_by_test_id("file-no")).to_have_text(re.compile(r"^SZ-GS-PJ-\d{4}-00001$"))
    expect(page.get_by_test_id("applicant-name")).to_have_text("周<script>建国</script>")
    # (30,000 − 0) ÷ 12 ÷ 3 = 833.33 per person and month, below 1,060.00
    expect(page.get_by_test_id("per-capita")).to_have_text("833.33")
    expect(page.get_by_test_id("head-id")).to_have_text(f"{head_id[:6]}********{head_id[-4:]}")
    shot(page, "detail")
    page.locator('[data-action="submit"]').click()
    expect(page.locator(".alert-success")).to_be_visible()
    sign_out(page)

    sign_in(page, live_server, "sz-gs-pj.supervisor", PASSWORD)
    page.goto(f"{live_server}/files/?status=initial_review")
    shot(page, "list")
    page.get_by_role("link", name=re.compile(r"SZ-GS-PJ-\d{4}-00001")).click()
    page.locator('[data-action="pass_initial"]').click()
    expect(page.locator(".alert-success")).to_contain_text("入户调查")
    sign_out(page)

    sign_in(page, live_server, "sz-gs-pj.caseworker", PASSWORD)
    page.goto(f"{live_server}/files/")
    page.get_by_role("link", name=re.compile(r"SZ-GS-PJ-\d{4}-00001")).click()
    form = page.get_by_test_id("visit-form")
    form.get_by_label("走访日期").fill("2026-01-10")
    form.get_by_label("走访人员").fill("李芳、王强")
    form.get_by_label("调查情况").fill("家中陈设简陋，情况属实。")
    form.get_by_role("button", name="记录走访", exact=True).click()
    page.locator('[data-action="complete_visit"]').click()
    expect(page.locator(".alert-success")).to_contain_text("复核")
    sign_out(page)

    sign_in(page, live_server, "sz-gs-pj.supervisor", PASSWORD)
    page.goto(f"{live_server}/files/?status=final_review")
    page.get_by_role("link", name=re.compile(r"SZ-GS-PJ-\d{4}-00001")).click()
    page.locator('[data-action="approve"]').click()
    expect(page.locator("[data-status]").first).to_have_attribute("data-status", "public_notice")
    page.locator('[data-action="activate"]').click()
    expect(page.locator("[data-status]").first).to_have_attribute("data-status", "active")
    expect(page.get_by_test_id("timeline")).to_contain_text("李芳、王强")
    shot(page, "approved")
