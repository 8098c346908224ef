"""A person signs in, switches the language, and signs out, in a real browser."""

from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD


def test_sign_in_switch_language_sign_out(live_server, page, network, tmp_path):
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    sign_in(page, live_server, "sz-gs.admin", PASSWORD)
    expect(page.get_by_test_id("whoami")).to_contain_text("姑苏区总工会职工援助服务中心")
    expect(page.get_by_role("heading", level=1)).to_contain_text("您好")
    page.screenshot(path=str(tmp_path / "home-zh.png"), full_page=True)

    page.get_by_test_id("language").get_by_role("button", name="English").click()
    page.wait_for_load_state()
    expect(page.get_by_text("Centres in your network")).to_be_visible()
    page.get_by_test_id("whoami").click()  # the account menu holds sign-out
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    page.goto(f"{live_server}/")
    expect(page).to_have_url(f"{live_server}/login?next=%2F")
    assert errors == []  # no CSP violations or script errors


def test_repeated_failures_show_the_throttle_message(live_server, page, network):
    for _ in range(5):
        sign_in(page, live_server, "sz.admin", "not-the-password")
        expect(page.get_by_role("alert")).to_contain_text("用户名或密码不正确")
    sign_in(page, live_server, "sz.admin", PASSWORD)
    expect(page.get_by_test_id("throttled")).to_contain_text("登录失败次数过多")
