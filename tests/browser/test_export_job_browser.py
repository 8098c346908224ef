"""A large export in a real browser: the list's Excel link starts a job, the progress page
follows it (by polling with JavaScript, by reloading itself without), and the file downloads.

Set SCREENSHOT_DIR to keep the screenshots (they go to the test's tmp_path otherwise).
"""

import os
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from assist.extensions import db
from assist.jobs import engine
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD
from tests.factories import make_applicant, make_standard


def _shots(tmp_path) -> Path:
    return Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)


@pytest.fixture
def many_files(app, network):
    make_standard()
    pj = network["SZ-GS-PJ"]
    files = [make_applicant(pj, name=f"导出{n:02d}") for n in range(12)]
    db.session.commit()
    # A test-sized inline limit; jobs wait in the queue until the test runs them, so the
    # page is seen before, while and after the job runs.
    app.config.update(EXPORT_INLINE_ROWS=5, EXPORT_CHUNK_ROWS=4, JOBS_BACKEND="runner")
    return files


def _errors(page) -> list:
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def test_a_large_export_goes_from_the_progress_page_to_the_download(
    live_server, browser, many_files, tmp_path
):
    shots = _shots(tmp_path)
    context = browser.new_context(
        viewport={"width": 1366, "height": 768}, locale="zh-CN", accept_downloads=True
    )
    page = context.new_page()
    errors = _errors(page)
    sign_in(page, live_server, "sz-gs-pj.caseworker", PASSWORD)
    page.goto(f"{live_server}/files/?status=active")
    page.get_by_test_id("export-xlsx").click()
    expect(page).to_have_url(re.compile(r"/exports/\d+$"))
    expect(page.get_by_test_id("job-state")).to_have_text("等待中")
    expect(page.get_by_test_id("progress")).to_have_attribute("aria-valuenow", "0")
    expect(page.get_by_test_id("download")).to_be_hidden()
    page.screenshot(path=str(shots / "export-job-waiting-1366.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(shots / "export-job-waiting-390.png"), full_page=True)
    # The track is as wide as the page's content at 390 px: nothing is cut off.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # A worker runs the job; the page, polling the status JSON, shows it finished.
    assert engine.run_queued() == 1
    expect(page.get_by_test_id("job-state")).to_have_text("已完成", timeout=15_000)
    expect(page.locator("#job-bar")).to_have_text("100%")
    expect(page.locator("#job-done")).to_have_text("12")
    expect(page.get_by_test_id("download")).to_be_visible()
    bar = page.locator("#job-bar")
    for width in (390, 1366):
        page.set_viewport_size({"width": width, "height": 844 if width == 390 else 768})
        # Bootstrap animates the width (0.6 s): wait until the bar fills its track.
        page.wait_for_function(
            "el => el.getBoundingClientRect().width >= el.parentElement.clientWidth - 1",
            arg=bar.element_handle(),
            timeout=5_000,
        )
        page.screenshot(path=str(shots / f"export-job-done-{width}.png"), full_page=True)

    with page.expect_download() as info:
        page.get_by_test_id("download").click()
    path = tmp_path / "files.xlsx"
    info.value.save_as(path)
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("档案编号", "姓名", "身份证号")
    assert len(rows) == 13
    for applicant in many_files:
        line = next(r for r in rows if r[0] == applicant.file_no)
        assert line[2] == applicant.id_number[:6] + "********" + applicant.id_number[-4:]
    assert errors == []
    context.close()


def test_without_javascript_the_progress_page_reloads_itself(live_server, browser, many_files):
    context = browser.new_context(
        viewport={"width": 1366, "height": 768}, locale="zh-CN", java_script_enabled=False
    )
    page = context.new_page()
    sign_in(page, live_server, "sz-gs-pj.caseworker", PASSWORD)
    page.goto(f"{live_server}/files/?format=csv")
    expect(page).to_have_url(re.compile(r"/exports/\d+$"))
    expect(page.get_by_test_id("job-state")).to_have_text("等待中")
    assert engine.run_queued() == 1
    # No script: the <noscript> refresh reloads the page until the file is ready.
    expect(page.get_by_test_id("job-state")).to_have_text("已完成", timeout=15_000)
    expect(page.get_by_test_id("download")).to_be_visible()
    expect(page.get_by_test_id("progress")).to_have_attribute("aria-valuenow", "100")
    context.close()
