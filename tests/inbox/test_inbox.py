"""我的待办: one inbox per person, its cards and its navigation count, within scope."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import event

from assist.applicants.models import FileEvent, FileStatus
from assist.cases.models import AidCase, AidKind, CaseStatus
from assist.core.timeutil import local_today, utcnow
from assist.extensions import db
from tests.conftest import login
from tests.factories import make_applicant, make_standard, user
from tests.funds.factories import make_ready_case


@pytest.fixture
def web(app, network):
    make_standard()
    db.session.commit()

    def make(username):
        client = app.test_client()
        assert login(client, username).status_code == 302
        return client

    return make


def _file(centre, status, *, by=None, **kw):
    applicant = make_applicant(centre, status=status, **kw)
    if by is not None:
        applicant.created_by_id = user(by).id
        db.session.add(
            FileEvent(
                applicant_id=applicant.id,
                action="submit",
                to_status=status,
                centre_id=centre.id,
                user_id=user(by).id,
                at=utcnow() - timedelta(days=3),
            )
        )
    db.session.flush()
    return applicant


def _case(centre, status, *, created_by, amount_fen=150_000, **kw):
    applicant = make_applicant(centre)
    case = AidCase(
        case_no=f"{centre.code}-2026-C{applicant.id:05d}",
        centre_id=centre.id,
        applicant_id=applicant.id,
        kind=AidKind.LIVING,
        status=status,
        amount_requested_fen=amount_fen,
        reason="测试",
        created_by_id=user(created_by).id,
        approval_centre_id=centre.id if status == CaseStatus.SUBMITTED else None,
        **kw,
    )
    db.session.add(case)
    db.session.flush()
    return case


def _section(html: str, key: str) -> str:
    start = html.index(f'data-testid="queue-{key}"')
    end = html.find("</section>", start)
    return html[start:end]


def test_supervisor_inbox_lists_each_kind_of_work_and_cards_count_what_they_open(web, network):
    pj = network["SZ-GS-PJ"]
    initial = _file(pj, FileStatus.INITIAL_REVIEW, by="sz-gs-pj.caseworker", name="初审甲")
    final = _file(pj, FileStatus.FINAL_REVIEW, by="sz-gs-pj.caseworker", name="复核乙")
    ended = _file(
        pj,
        FileStatus.PUBLIC_NOTICE,
        by="sz-gs-pj.caseworker",
        name="期满丙",
        notice_started_on=local_today() - timedelta(days=pj.notice_days),
    )
    running = _file(
        pj,
        FileStatus.PUBLIC_NOTICE,
        by="sz-gs-pj.caseworker",
        name="公示丁",
        notice_started_on=local_today() - timedelta(days=1),
    )
    # A file this supervisor submitted is not theirs to review: it is not in their inbox.
    own = _file(pj, FileStatus.INITIAL_REVIEW, by="sz-gs-pj.supervisor", name="自交戊")
    case = _case(pj, CaseStatus.SUBMITTED, created_by="sz-gs-pj.caseworker", amount_fen=120_000)
    db.session.commit()

    sup = web("sz-gs-pj.supervisor")
    html = sup.get("/inbox/").get_data(as_text=True)
    assert initial.file_no in _section(html, "files_initial_review")
    assert own.file_no not in html
    assert final.file_no in _section(html, "files_final_review")
    activate = _section(html, "files_to_activate")
    assert ended.file_no in activate and running.file_no not in activate
    approvals = _section(html, "approvals")
    assert case.case_no in approvals and "1,200.00" in approvals
    assert f'href="/files/{initial.id}"' in html and f'href="/cases/{case.id}"' in html
    assert "3 天" in _section(html, "files_initial_review")  # its age

    # Every card on the landing page counts exactly the rows its link lists.
    home = sup.get("/").get_data(as_text=True)
    cards = re.findall(
        r'card-figure mb-1">([^<]+)</p>.*?href="(/inbox/\?kind=[a-z_]+)"', home, re.S
    )
    assert {url for _n, url in cards} >= {
        "/inbox/?kind=files_initial_review",
        "/inbox/?kind=approvals",
    }
    total = 0
    for number, url in cards:
        listed = sup.get(url).get_data(as_text=True)
        rows = listed.count("<tr>") - 1  # minus the heading row
        assert int(number) == max(rows, 0), (url, number, rows)
        total += int(number)
    # The navigation shows the sum.
    badge = re.search(r'data-testid="nav-badge">(\d+)<', home)
    assert badge and int(badge.group(1)) == total == 4


def test_each_role_sees_only_its_own_work_within_its_scope(web, network):
    pj, wz = network["SZ-GS-PJ"], network["SZ-WZ"]
    returned = _file(pj, FileStatus.RETURNED, name="退回甲", status_reason="缺少收入证明")
    visit = _file(pj, FileStatus.HOME_VISIT, name="走访乙")
    elsewhere = _file(wz, FileStatus.HOME_VISIT, name="别处丙")
    ready = make_ready_case(pj, amount_fen=80_000)
    db.session.commit()

    cw = web("sz-gs-pj.caseworker").get("/inbox/").get_data(as_text=True)
    assert returned.file_no in _section(cw, "files_to_submit") and "缺少收入证明" in cw
    assert visit.file_no in _section(cw, "files_home_visit")
    assert elsewhere.file_no not in cw
    assert 'data-testid="queue-approvals"' not in cw
    assert 'data-testid="queue-to_pay"' not in cw

    fin = web("sz-gs-pj.finance").get("/inbox/").get_data(as_text=True)
    to_pay = _section(fin, "to_pay")
    assert ready.case_no in to_pay and "800.00" in to_pay
    assert f'href="/funds/cases/{ready.id}/pay"' in to_pay  # one click from paying
    assert 'data-testid="queue-files_home_visit"' not in fin

    # The sibling district sees none of it; the parent district sees its station's work.
    wz_cw = web("sz-wz.caseworker").get("/inbox/").get_data(as_text=True)
    assert elsewhere.file_no in wz_cw and visit.file_no not in wz_cw
    assert visit.file_no in web("sz-gs.caseworker").get("/inbox/").get_data(as_text=True)

    # An auditor has no inbox sections; an unknown section is 404.
    auditor = web("sz-gs-pj.auditor")
    assert "nav-badge" not in auditor.get("/").get_data(as_text=True)
    assert web("sz-gs-pj.caseworker").get("/inbox/?kind=to_pay").status_code == 404
    assert web("sz-gs-pj.caseworker").get("/cases/queue").status_code == 301


def test_inbox_costs_a_fixed_number_of_queries(app, web, network):
    pj = network["SZ-GS-PJ"]
    sup = web("sz-gs-pj.supervisor")

    def statements():
        seen = []

        def count(*_args):
            seen.append(1)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert sup.get("/inbox/").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(seen)

    for _ in range(3):
        _file(pj, FileStatus.INITIAL_REVIEW, by="sz-gs-pj.caseworker")
        _case(pj, CaseStatus.SUBMITTED, created_by="sz-gs-pj.caseworker")
    db.session.commit()
    few = statements()
    for _ in range(12):
        _file(pj, FileStatus.INITIAL_REVIEW, by="sz-gs-pj.caseworker")
        _case(pj, CaseStatus.SUBMITTED, created_by="sz-gs-pj.caseworker")
    db.session.commit()
    assert statements() == few


def test_all_counts_come_from_one_statement_and_stop_at_the_cap(app, web, network, monkeypatch):
    from assist.inbox import registry

    pj = network["SZ-GS-PJ"]
    for _ in range(3):
        _file(pj, FileStatus.INITIAL_REVIEW, by="sz-gs-pj.caseworker")
    _case(pj, CaseStatus.SUBMITTED, created_by="sz-gs-pj.caseworker", amount_fen=120_000)
    db.session.commit()
    sup = web("sz-gs-pj.supervisor")
    counted = []

    def count(_conn, _cursor, statement, *_args):
        # The inbox's own: a SELECT of counts over its sources (not the figures' refresh).
        if statement.startswith("SELECT") and "UNION ALL" in statement:
            counted.append(statement[:120])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        home = sup.get("/").get_data(as_text=True)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    # The badge and the cards share one statement for every section the supervisor has.
    assert len(counted) == 1, counted
    assert re.search(r'data-testid="nav-badge">4<', home)
    # A section stops counting at the cap and says so ("2+"); the badge adds the capped counts
    # and says "2+" too once their sum passes the cap (it says only "more than 2").
    monkeypatch.setattr(registry, "COUNT_CAP", 2)
    home = sup.get("/").get_data(as_text=True)
    assert re.search(r'card-figure mb-1">2\+</p>', home)
    assert re.search(r'data-testid="nav-badge">2\+<', home)
