"""The web lists that paged by OFFSET page by keyset now (issue 12), in the order users expect.

The to-pay list (oldest approval first), users (by centre, then username), mutual-aid units
(by name), a batch's members (enrolment order) and claims (newest first) are walked through
their routes with the Next links, then back with the Previous links: every row in scope
comes exactly once, in the one-page order. Pages are made small (3 rows) by wrapping the
views' own `paginate`; the demo's data has ties in the order columns (centre codes, dates,
unit names), which a composite key must neither repeat nor lose. A deep page reads no
OFFSET, and an old `?page=N` link lands on the first page with its filters kept.
"""

import html
import re

import pytest
from flask import template_rendered
from sqlalchemy import func, select

from assist.auth import views as auth_views
from assist.cases.models import AidCase
from assist.core import pagination
from assist.extensions import db
from assist.funds import views as funds_views
from assist.mutual_aid import views as mutual_views
from assist.mutual_aid.models import Claim, Enrolment, Unit
from tests.conftest import centres, login
from tests.mutual_aid.conftest import make_unit
from tests.test_statement_counts import counting

LINKS = re.compile(r'<li class="page-item( disabled)?">\s*<a class="page-link" href="([^"]+)">')
SIZE = 3


@pytest.fixture
def small_pages(monkeypatch):
    """Each view's `paginate`, with pages of SIZE rows."""
    for module in (auth_views, funds_views, mutual_views):
        monkeypatch.setattr(
            module,
            "paginate",
            lambda stmt, **kw: pagination.paginate(stmt, **{**kw, "per_page": SIZE}),
        )


@pytest.fixture
def demo(seeded_demo, small_pages):
    """The demo, plus ties where the demo has none: units of one name, an undated approval."""
    network = centres()
    for _ in range(4):
        make_unit(network["SZ-GS-PJ"], name="同名工会")
    case = db.session.scalars(
        select(AidCase).where(AidCase.status == "ready_to_pay").order_by(AidCase.id)
    ).first()
    case.approved_at = None  # an imported or odd row: it still gets its place, once
    db.session.commit()
    return dict(line.split()[:2] for line in seeded_demo.output.splitlines() if line[:2] == "sz")


def _page(client, url, name):
    """The rows (ids) the list `name` rendered, and its Previous and Next links."""
    seen = []

    def record(sender, template, context, **extra):
        if name in context:
            seen.append([row.id for row in context[name].items])

    template_rendered.connect(record)
    try:
        response = client.get(url)
    finally:
        template_rendered.disconnect(record)
    assert response.status_code == 200, (url, response.status_code)
    text = response.get_data(as_text=True)
    links = [(not off, html.unescape(href)) for off, href in LINKS.findall(text)]
    prev, nxt = links if links else ((False, ""), (False, ""))
    return seen[0], (prev[1] if prev[0] else None), (nxt[1] if nxt[0] else None)


def _walk(client, url, name):
    pages, urls = [], []
    while url:
        urls.append(url)
        rows, _prev, url = _page(client, url, name)
        pages.append(rows)
        assert url is None or ("after=" in url and "page=" in url), url
    # and back with Previous, page by page, from the last
    rows, back, _next = _page(client, urls[-1], name)
    seen = [rows]
    while back:
        rows, back, _next = _page(client, back, name)
        seen.append(rows)
    assert list(reversed(seen)) == pages
    return pages


def _user_order(u):
    return (u.centre.code, u.username, u.id)


CASES = [
    # (user, list URL, template variable, the expected ids in order)
    (
        "sz.finance",
        "/funds/to-pay",
        "page",
        lambda: [
            c.id
            for c in sorted(
                db.session.scalars(
                    select(AidCase).where(AidCase.status.in_(["ready_to_pay", "partly_paid"]))
                ),
                key=lambda c: (c.approved_at or c.created_at, c.id),
            )
        ],
    ),
    (
        "sz.admin",
        "/admin/users/",
        "page",
        lambda: [
            u.id
            for u in sorted(
                db.session.scalars(select(auth_views.User)).unique(),
                key=_user_order,
            )
        ],
    ),
    (
        "sz.auditor",
        "/mutual-aid/units",
        "page",
        lambda: [
            u.id for u in sorted(db.session.scalars(select(Unit)), key=lambda u: (u.name, u.id))
        ],
    ),
    (
        "sz.auditor",
        "/mutual-aid/claims",
        "page",
        lambda: list(db.session.scalars(select(Claim.id).order_by(Claim.id.desc()))),
    ),
]


@pytest.mark.parametrize("username,url,name,expected", CASES, ids=[c[1] for c in CASES])
def test_walking_a_list_gives_each_row_once_in_its_order(app, demo, username, url, name, expected):
    client = app.test_client()
    login(client, username, demo[username])
    want = expected()
    assert len(want) > 2 * SIZE  # more than two pages, or the walk proves little
    pages = _walk(client, url, name)
    assert [row for rows in pages for row in rows] == want
    assert all(len(rows) == SIZE for rows in pages[:-1])


def test_a_batchs_members_page_by_key_in_enrolment_order(app, demo):
    batch_id, n = db.session.execute(
        select(Enrolment.batch_id, func.count())
        .group_by(Enrolment.batch_id)
        .order_by(func.count().desc(), Enrolment.batch_id)
    ).first()
    want = list(
        db.session.scalars(
            select(Enrolment.id).where(Enrolment.batch_id == batch_id).order_by(Enrolment.id)
        )
    )
    client = app.test_client()
    login(client, "sz.auditor", demo["sz.auditor"])
    pages = _walk(client, f"/mutual-aid/batches/{batch_id}", "members")
    assert [row for rows in pages for row in rows] == want
    assert len(pages) == -(-n // SIZE)


def test_filters_stay_on_the_pages_and_an_old_page_number_starts_again(app, demo):
    client = app.test_client()
    login(client, "sz.admin", demo["sz.admin"])
    everyone = _walk(client, "/admin/users/?role=finance", "page")
    finance = [row for rows in everyone for row in rows]
    assert finance and all(
        "finance" in db.session.get(auth_views.User, i).username for i in finance
    )
    # an old numbered link: to page 1, the filter kept, and a word why
    response = client.get("/admin/users/?role=finance&page=4")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/users/?role=finance"
    followed = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "列表现按顺序逐行翻页，已回到第一页" in followed
    response = client.get("/mutual-aid/claims?view=refused&page=9")
    assert response.headers["Location"] == "/mutual-aid/claims?view=refused"
    batch_id = db.session.scalar(select(Enrolment.batch_id).limit(1))
    response = client.get(f"/mutual-aid/batches/{batch_id}?page=2")
    assert response.headers["Location"] == f"/mutual-aid/batches/{batch_id}"
    # nonsense keys are no keys: the first page
    rows, _prev, _next = _page(client, "/mutual-aid/units?after=abc", "page")
    assert len(rows) == SIZE


@pytest.mark.parametrize(
    "username,url,order",
    [
        ("sz.finance", "/funds/to-pay", "ORDER BY coalesce("),
        ("sz.admin", "/admin/users/", "ORDER BY centres.code"),
        ("sz.auditor", "/mutual-aid/units", "ORDER BY ma_units.name"),
        ("sz.auditor", "/mutual-aid/claims", "ORDER BY ma_claims.id"),
    ],
)
def test_a_deep_page_reads_no_offset(app, demo, username, url, order):
    client = app.test_client()
    login(client, username, demo[username])
    _rows, _prev, nxt = _page(client, url, "page")
    _rows, _prev, nxt = _page(client, nxt, "page")
    with counting() as statements:
        rows, prev, _nxt = _page(client, nxt, "page")
    assert len(rows) == SIZE and prev
    (page_query,) = [s for s in statements if order in s and "LIMIT" in s and "count(" not in s]
    if db.engine.dialect.name != "sqlite":  # SQLite's compiler always writes OFFSET 0
        assert "OFFSET" not in page_query, page_query
    assert ") > (" in page_query or ".id < " in page_query, page_query


def test_a_key_outside_the_scope_positions_nothing(app, demo):
    """A unit of another district as the key of a station's list gives an empty page."""
    far = make_unit(centres()["SZ-WZ-MD"], name="远方工会").id
    client = app.test_client()
    login(client, "sz-gs-pj.auditor", demo["sz-gs-pj.auditor"])
    rows, _prev, _next = _page(client, f"/mutual-aid/units?after={far}&page=2", "page")
    assert rows == []
