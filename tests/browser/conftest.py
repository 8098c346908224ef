"""Browser tests: the real pages in headless Chromium (Debian's package) through Playwright."""

import threading

import pytest
from werkzeug.serving import make_server

from assist.extensions import db


@pytest.fixture
def live_server(app):
    """Serve the test app on a free local port in a background thread."""
    db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


def sign_in(page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
