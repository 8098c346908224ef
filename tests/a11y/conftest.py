"""Accessibility checks: one seeded demo served once per package, one Chromium for the run."""

import shutil
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from assist import create_app
from assist.cases.models import AidCase, CaseStatus
from assist.centres.models import Centre
from assist.extensions import db
from tests.browser.conftest import serving, sign_in
from tests.conftest import PG_URL, _restore, _truncate_all

#: One demo user per role: the station's caseworker, supervisor and finance officer, the
#: district's auditor and the city's administrator (each sees the pages of their role).
ROLE_USERS = {
    "caseworker": "sz-gs-pj.caseworker",
    "supervisor": "sz-gs-pj.supervisor",
    "finance": "sz-gs-pj.finance",
    "auditor": "sz-gs.auditor",
    "admin": "sz.admin",
}

LANGUAGES = {"zh_Hans": "zh-CN", "en": "en-US"}


@pytest.fixture(scope="package")
def demo_site(demo_template, tmp_path_factory):
    """A copy of the seeded demo (`seed-demo`, run once per worker: `demo_template`), served."""
    tmp = tmp_path_factory.mktemp("a11y")
    if PG_URL:
        url = PG_URL
        _restore(PG_URL, demo_template.source)
    else:
        shutil.copy(demo_template.source, tmp / "demo.sqlite3")
        url = f"sqlite:///{tmp / 'demo.sqlite3'}"
    settings = demo_template.app_settings(tmp / "storage")
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, **settings)
    try:
        with serving(app) as url:
            yield SimpleNamespace(url=url, app=app, passwords=demo_template.passwords())
    finally:  # PostgreSQL is one database for the run: leave it empty even when set-up fails
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if PG_URL:
            _truncate_all(PG_URL)


def new_page(browser, base_url: str, locale: str = "zh-CN", width: int = 1366, height: int = 900):
    context = browser.new_context(
        base_url=base_url, viewport={"width": width, "height": height}, locale=locale
    )
    return context.new_page()


def sign_in_as(browser, site, role: str, locale: str = "zh-CN", **size):
    page = new_page(browser, site.url, locale, **size)
    sign_in(page, site.url, ROLE_USERS[role], site.passwords[ROLE_USERS[role]])
    return page


def set_language(page, language: str) -> None:
    """Switch the UI language through the top bar's own control (remembered per user)."""
    if not page.locator("form.lang-form").count():  # a print page has no top bar
        page.goto("/")
    current = page.evaluate("document.documentElement.lang")
    if current == LANGUAGES[language].split("-")[0] or current == LANGUAGES[language]:
        return
    with page.expect_navigation():
        page.locator(f"form.lang-form [name=locale][value={language}]").click()
    page.wait_for_load_state()


def cases_at_station(demo_site, status: CaseStatus) -> list[int]:
    """The demo cases in `status` at the station whose users the checks sign in as."""
    with demo_site.app.app_context():
        station = db.session.scalar(select(Centre).where(Centre.code == "SZ-GS-PJ"))
        return db.session.scalars(
            select(AidCase.id)
            .where(AidCase.status == status, AidCase.centre_id == station.id)
            .order_by(AidCase.id)
        ).all()
