"""Browser tests: the real pages in headless Chromium (Debian's package) through Playwright."""

import threading
from contextlib import contextmanager

import pytest
from werkzeug.serving import make_server

from assist.extensions import db


class _Tracked:
    """The app's WSGI callable, counting the requests it is serving."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app
        self.serving = 0
        self.changed = threading.Condition()

    def __call__(self, environ, start_response):
        with self.changed:
            self.serving += 1
        try:
            return self.wsgi_app(environ, start_response)
        finally:
            with self.changed:
                self.serving -= 1
                self.changed.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: self.serving == 0, timeout)


@contextmanager
def serving(app):
    """Serve the app on a free local port in a background thread; yield its base URL.

    On the way out, wait for the requests still being served (the browser may have asked for
    one more page or file as the test ended): their database connections go back to the pool
    before the test disposes of it. Returned later, to a pool already disposed, a connection is
    never closed and is collected open, which psycopg reports as an error in whatever test is
    running then.
    """
    tracked = _Tracked(app.wsgi_app)
    app.wsgi_app = tracked
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()
        idle = tracked.wait_idle(timeout=30)
        app.wsgi_app = tracked.wsgi_app
    assert idle, "a request was still being served 30 s after the test ended"


@pytest.fixture
def live_server(app):
    """Serve the test app on a free local port in a background thread."""
    db.session.commit()
    with serving(app) as url:
        yield url


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
