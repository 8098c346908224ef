"""Batch printing in a real browser: start a job, watch the bar reach 100 %, download, cancel.

Set SCREENSHOT_DIR to keep the screenshots (they go to the test's tmp_path otherwise).
"""

import os
import re
from pathlib import Path

from playwright.sync_api import expect
from pypdf import PdfReader

from assist.documents import jobs
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD
from tests.documents.funds_data import paid_batch


def _shots(tmp_path) -> Path:
    return Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)


def _console_errors(page) -> list:
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def test_batch_print_runs_to_100_percent_and_downloads(live_server, page, network, tmp_path):
    shots = _shots(tmp_path)
    errors = _console_errors(page)
    batch = paid_batch(network, count=5)

    sign_in(page, live_server, "sz-gs-pj.finance", PASSWORD)
    page.goto(f"{live_server}/print-jobs/")
    page.get_by_label("文书类型").select_option("voucher")
    page.locator("select#value").select_option(str(batch.id))
    page.get_by_label("合并为一个 PDF").check()
    page.screenshot(path=str(shots / "print-jobs.png"), full_page=True)
    page.get_by_role("button", name="开始打印").click()
    expect(page).to_have_url(re.compile(r"/print-jobs/\d+$"))

    bar = page.locator("#job-bar")
    expect(page.get_by_test_id("job-state")).to_have_text("已完成", timeout=90_000)
    expect(bar).to_have_text("100%")
    expect(page.get_by_test_id("progress")).to_have_attribute("aria-valuenow", "100")
    # The width is written through the CSSOM (the CSP forbids style attributes): check that
    # Chromium applied it, i.e. the bar really fills its track.
    page.wait_for_function(
        "el => el.getBoundingClientRect().width >= el.parentElement.clientWidth - 1",
        arg=bar.element_handle(),
        timeout=5_000,
    )
    assert bar.evaluate("el => el.parentElement.clientWidth") > 100
    expect(page.locator("#job-done")).to_have_text("5")
    expect(page.locator("#job-cancel")).to_have_count(0)
    page.screenshot(path=str(shots / "print-job-done.png"), full_page=True)

    with page.expect_download() as info:
        page.get_by_test_id("download").click()
    path = tmp_path / "result.pdf"
    info.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")
    assert len(PdfReader(path).pages) == 5
    assert errors == []


def test_bar_follows_the_progress_while_printing(live_server, page, network, tmp_path):
    """Midway states come from the status JSON: the bar shows done/total as a width."""
    shots = _shots(tmp_path)
    errors = _console_errors(page)
    batch = paid_batch(network, count=4)
    sign_in(page, live_server, "sz-gs-pj.finance", PASSWORD)
    statuses = iter([("running", 1), ("running", 3), ("done", 4)])

    def fake_status(route):
        status, done = next(statuses, ("done", 4))
        route.fulfill(
            json={
                "id": 1,
                "status": status,
                "done": done,
                "total": 4,
                "percent": int(100 * done / 4),
                "error": "",
                "download_url": None,
            }
        )

    original_kick = jobs.kick
    jobs.kick = lambda app=None: None  # keep the real job queued; the route plays its progress
    try:
        page.goto(f"{live_server}/print-jobs/")
        page.get_by_label("文书类型").select_option("voucher")
        page.locator("select#value").select_option(str(batch.id))
        page.route(re.compile(r".*/print-jobs/\d+/status$"), fake_status)
        page.get_by_role("button", name="开始打印").click()
        bar = page.locator("#job-bar")
        seen = set()
        for _ in range(100):
            seen.add(bar.inner_text())
            if "75%" in seen and not (shots / "print-job-midway.png").exists():
                page.screenshot(path=str(shots / "print-job-midway.png"))
            if "100%" in seen:
                break
            page.wait_for_timeout(100)
        assert {"25%", "75%", "100%"} <= seen, seen
        # Bootstrap animates the width (0.6 s): the bar then fills its track.
        page.wait_for_function(
            "el => el.getBoundingClientRect().width >= el.parentElement.clientWidth - 1",
            arg=bar.element_handle(),
            timeout=5_000,
        )
    finally:
        jobs.kick = original_kick
    assert errors == []


def test_cancel_a_waiting_print_job(live_server, page, network, tmp_path):
    shots = _shots(tmp_path)
    errors = _console_errors(page)
    batch = paid_batch(network, count=3)
    original_kick = jobs.kick
    jobs.kick = lambda app=None: None  # no runner: the job waits until it is cancelled
    try:
        sign_in(page, live_server, "sz-gs-pj.finance", PASSWORD)
        page.goto(f"{live_server}/print-jobs/")
        page.get_by_label("文书类型").select_option("voucher")
        page.locator("select#value").select_option(str(batch.id))
        page.get_by_label("ZIP 压缩包，每份文书一个 PDF").check()
        page.get_by_role("button", name="开始打印").click()
        expect(page.get_by_test_id("job-state")).to_have_text("等待中")
        expect(page.locator("#job-bar")).to_have_text("0%")
        page.once("dialog", lambda dialog: dialog.accept())
        page.locator("#job-cancel").get_by_role("button", name="取消").click()
        expect(page.get_by_test_id("job-state")).to_have_text("已取消")
        expect(page.locator("#job-cancel")).to_have_count(0)
        expect(page.get_by_test_id("download")).to_be_hidden()
        page.screenshot(path=str(shots / "print-job-cancelled.png"), full_page=True)
        page.goto(f"{live_server}/print-jobs/")
        expect(page.locator("table")).to_contain_text("已取消")
        page.screenshot(path=str(shots / "print-jobs-list.png"), full_page=True)
    finally:
        jobs.kick = original_kick
    assert errors == []
