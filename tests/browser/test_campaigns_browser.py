"""A send-warmth campaign from the city's quota to a recorded visit, in a real browser,
at phone width (390 px) and on a desktop.

Set SCREENSHOT_DIR to keep the screenshots (they go to the test's tmp_path otherwise).
"""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from assist.campaigns.demo import photo_jpeg
from assist.extensions import db
from tests.browser.conftest import sign_in
from tests.campaigns.helpers import households, setup_money, today
from tests.conftest import PASSWORD

VIEWPORTS = {"phone": (390, 844), "desktop": (1366, 900)}


def _as(page, base: str, username: str) -> None:
    # Leave the page first: a request it still has open (the favicon is not part of the load
    # event) could land after `clear_cookies` and set the old user's session cookie again.
    page.goto("about:blank")
    page.context.clear_cookies()
    sign_in(page, base, username, PASSWORD)


def _post(page, button) -> None:
    # Wait for the form's own navigation: `wait_for_load_state` alone returns at once on the
    # page still shown, and a response landing after the next `clear_cookies` put the old
    # user's session back (the next sign-in then found no sign-in form).
    with page.expect_navigation():
        button.click()
    page.wait_for_load_state()
    expect(page.locator(".alert-danger")).to_have_count(0)


def _overflow(page, width: int) -> list[str]:
    """The elements that reach past the right edge of the screen."""
    return page.evaluate(
        """w => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > w + 1)
            .map(e => e.tagName + '.' + e.className).slice(0, 10)""",
        width,
    )


@pytest.mark.parametrize("width", list(VIEWPORTS))
def test_campaign_from_quota_to_recorded_visit(live_server, browser, network, tmp_path, width):
    import random

    shots = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    w, h = VIEWPORTS[width]
    context = browser.new_context(viewport={"width": w, "height": h}, locale="zh-CN")
    page = context.new_page()
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    fund = setup_money(network)
    network["SZ-GS-PJ"].notice_days = 0
    households(network["SZ-GS-PJ"], 3)
    db.session.commit()

    _as(page, live_server, "sz.supervisor")
    page.goto(f"{live_server}/campaigns/new")
    page.locator("#name").fill("2027年春节送温暖")
    page.locator("#occasion").select_option("spring_festival")
    page.locator("#starts_on").fill(today().isoformat())
    page.locator("#ends_on").fill(today().replace(year=today().year + 1).isoformat())
    page.locator("#households").fill("10")
    page.locator("#amount").fill("30000")
    page.locator("#cash").fill("2500")
    page.locator("#goods-0-name").fill("大米")
    page.locator("[name=goods-0-quantity]").fill("2")
    page.locator("[name=goods-0-value]").fill("100")
    page.locator(f"#fund-{fund.id}").check()
    page.screenshot(path=str(shots / f"campaign-new-{width}.png"), full_page=True)
    _post(page, page.locator("button[type=submit]").last)
    expect(page.get_by_test_id("campaign-name")).to_have_text("2027年春节送温暖")
    detail = page.url
    quota = page.get_by_test_id("quota-SZ-GS")
    quota.locator("[name=households]").fill("5")
    quota.locator("[name=amount]").fill("15000")
    _post(page, quota.locator("button"))

    _as(page, live_server, "sz-gs.supervisor")
    page.goto(detail)
    quota = page.get_by_test_id("quota-SZ-GS-PJ")
    quota.locator("[name=households]").fill("2")
    quota.locator("[name=amount]").fill("5400")
    _post(page, quota.locator("button"))
    expect(page.get_by_test_id("progress")).to_contain_text("平江街道职工服务站")
    page.screenshot(path=str(shots / f"campaign-quotas-{width}.png"), full_page=True)

    _as(page, live_server, "sz-gs-pj.caseworker")
    page.goto(detail)
    _post(page, page.get_by_test_id("start-list"))
    list_url = page.url
    _post(page, page.get_by_test_id("draw"))
    page.goto(list_url)
    _post(page, page.get_by_test_id("fill"))
    expect(page.get_by_test_id("quota-use")).to_contain_text("2")
    _post(page, page.get_by_test_id("submit"))

    _as(page, live_server, "sz-gs.supervisor")
    page.goto(list_url)
    _post(page, page.get_by_test_id("approve"))
    expect(page.get_by_test_id("list-status")).to_contain_text("已批准")

    _as(page, live_server, "sz-gs-pj.caseworker")
    page.goto(list_url)
    _post(page, page.get_by_test_id("publish"))
    page.screenshot(path=str(shots / f"campaign-list-{width}.png"), full_page=True)
    # each household's visit button is on the screen, at a phone's width too (no sideways scroll)
    for button in page.locator("[data-testid^=visit-]").all():
        box = button.bounding_box()
        assert box["x"] + box["width"] <= w, box
    page.locator("[data-testid^=visit-]").first.click()
    page.wait_for_load_state()
    expect(page.get_by_test_id("visit-form")).to_be_visible()
    page.locator("#visited_on").fill(today().isoformat())
    page.locator("[name=visitor-0-name]").fill("王建国")
    page.locator("[name=visitor-0-title]").fill("区总工会主席")
    page.locator("#visitor-0-leader").check()
    page.locator("#remarks").fill("老伴住院，孩子读初中")
    # nothing runs off the side of a phone's screen
    assert not _overflow(page, w), _overflow(page, w)
    page.screenshot(path=str(shots / f"campaign-visit-form-{width}.png"), full_page=True)
    _post(page, page.get_by_test_id("save-visit"))
    expect(page.get_by_test_id("visit-record")).to_contain_text("王建国")
    photo = tmp_path / "visit.jpg"
    photo.write_bytes(photo_jpeg(random.Random(1)))
    page.locator("input[type=file]").set_input_files(str(photo))
    _post(page, page.locator("form[enctype] button"))
    expect(page.get_by_test_id("photos").locator("img")).to_have_count(1)
    assert not _overflow(page, w), _overflow(page, w)
    page.screenshot(path=str(shots / f"campaign-visit-{width}.png"), full_page=True)

    page.goto(detail)
    progress = page.get_by_test_id("progress")
    expect(progress).to_contain_text("2,500.00")
    page.screenshot(path=str(shots / f"campaign-progress-{width}.png"), full_page=True)

    # The city's progress tab: each tier indented under its parent, and on a desktop the
    # whole table in view (a long centre name wraps rather than push the list column off screen).
    _as(page, live_server, "sz.supervisor")
    page.goto(detail)
    with page.expect_navigation():
        page.get_by_test_id("progress-tab").click()
    table = page.get_by_test_id("progress")
    expect(table).to_contain_text("平江街道职工服务站")
    indents = table.evaluate(
        """t => [...t.querySelectorAll('tbody td:first-child')]
            .map(td => parseFloat(getComputedStyle(td).paddingLeft))"""
    )
    assert len(indents) == 3 and indents[0] < indents[1] < indents[2], indents
    if w >= 1366:
        assert table.evaluate("t => t.parentElement.scrollWidth <= t.parentElement.clientWidth")
    page.screenshot(path=str(shots / f"campaign-progress-tab-{width}.png"), full_page=True)
    assert not errors, errors
    context.close()
