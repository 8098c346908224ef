"""The navigation's to-do count is kept in the session for INBOX_BADGE_SECONDS.

Counting every source is the costliest statement of an ordinary page, so pages other than the
landing page and the inbox reuse the count for a while. What must hold: the landing page and the
inbox always count afresh, the user's own change (any POST) makes the next page count afresh,
and work sent by others shows once the kept count is older than the setting.
"""

import re

import pytest

from assist.cases.models import CaseStatus
from assist.extensions import db
from tests.conftest import post_form
from tests.inbox.test_inbox import _case, web  # noqa: F401 - the fixture

PAGE = "/help/"


@pytest.fixture(autouse=True)
def kept_for_a_minute(app):
    """The production default (the test configuration counts on every page)."""
    app.config["INBOX_BADGE_SECONDS"] = 60


def _badge(client, path=PAGE) -> int:
    response = client.get(path)
    assert response.status_code == 200, path
    found = re.search(r'data-testid="nav-badge">(\d+)<', response.get_data(as_text=True))
    return int(found.group(1)) if found else 0


def _age_kept_count(client, seconds: float) -> None:
    with client.session_transaction() as session:
        user_id, total, counted_at = session["inbox_badge"]
        session["inbox_badge"] = [user_id, total, counted_at - seconds]


def _statements(app, client, path=PAGE) -> list[str]:
    from sqlalchemy import event

    seen = []
    engine = db.engine

    def note(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", note)
    return seen


def test_others_work_shows_once_the_kept_count_is_older_than_the_setting(web, network):  # noqa: F811
    pj = network["SZ-GS-PJ"]
    _case(pj, CaseStatus.SUBMITTED, created_by="sz-gs-pj.caseworker")
    db.session.commit()
    sup = web("sz-gs-pj.supervisor")
    assert _badge(sup) == 1
    _case(pj, CaseStatus.SUBMITTED, created_by="sz-gs-pj.caseworker")  # sent by someone else
    db.session.commit()
    assert _badge(sup) == 1  # kept
    _age_kept_count(sup, 59)
    assert _badge(sup) == 1  # still within the 60 s
    _age_kept_count(sup, 2)
    assert _badge(sup) == 2  # older than the setting: counted afresh
    _case(pj, CaseStatus.SUBMITTED, created_by="sz-gs-pj.caseworker")
    db.session.commit()
    assert _badge(sup) == 2
    assert _badge(sup, "/") == 3  # the landing page counts afresh, and keeps what it counted
    assert _badge(sup) == 3
    _case(pj, CaseStatus.SUBMITTED, created_by="sz-gs-pj.caseworker")
    db.session.commit()
    assert _badge(sup, "/inbox/") == 4  # so does the inbox


def test_the_users_own_change_makes_the_next_page_count_afresh(web, network):  # noqa: F811
    pj = network["SZ-GS-PJ"]
    case = _case(pj, CaseStatus.SUBMITTED, created_by="sz-gs-pj.caseworker")
    db.session.commit()
    sup = web("sz-gs-pj.supervisor")
    assert _badge(sup) == 1
    _case(pj, CaseStatus.SUBMITTED, created_by="sz-gs-pj.caseworker")
    db.session.commit()
    # any POST of the user's forgets the kept count (here one the case page offers: a refused
    # decision without a comment changes nothing else)
    response = post_form(sup, f"/cases/{case.id}/decide/reject", {"comment": ""})
    assert response.status_code in (200, 302, 400, 422), response.status_code
    assert _badge(sup) == 2


def test_a_page_with_a_kept_count_does_not_count_the_sources(app, web, network):  # noqa: F811
    pj = network["SZ-GS-PJ"]
    _case(pj, CaseStatus.SUBMITTED, created_by="sz-gs-pj.caseworker")
    db.session.commit()
    sup = web("sz-gs-pj.supervisor")
    first = _statements(app, sup)
    kept = _statements(app, sup)
    assert any("aid_cases" in s for s in first), first  # the count of the approvals waiting
    assert not any("aid_cases" in s for s in kept), kept
    assert len(kept) < len(first)


def test_setting_zero_counts_on_every_page(app, web, network):  # noqa: F811
    app.config["INBOX_BADGE_SECONDS"] = 0
    pj = network["SZ-GS-PJ"]
    _case(pj, CaseStatus.SUBMITTED, created_by="sz-gs-pj.caseworker")
    db.session.commit()
    sup = web("sz-gs-pj.supervisor")
    assert _badge(sup) == 1
    _case(pj, CaseStatus.SUBMITTED, created_by="sz-gs-pj.caseworker")
    db.session.commit()
    assert _badge(sup) == 2
    with sup.session_transaction() as session:
        assert "inbox_badge" not in session
