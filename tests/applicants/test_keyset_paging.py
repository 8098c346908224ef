"""The file list pages by keyset (issue 12): the same files, in the same order, as one page.

Each order (newest, file number, name, review date; both ways) is walked page by page with
the Next links and back with the Previous links; duplicates in the sort column (names, dates)
and files without a review date must neither repeat nor go missing. A deep page reads no
OFFSET, a key outside the user's scope positions nothing, and the export ignores the keys.
"""

import html
import re
from datetime import date

import pytest

from assist.extensions import db
from tests.applicants.helpers import standard
from tests.conftest import login
from tests.factories import make_applicant
from tests.test_statement_counts import counting

LINKS = re.compile(r'<li class="page-item( disabled)?"><a class="page-link" href="([^"]+)">')
FILE_NO = re.compile(r'<td class="mono"><a href="/files/\d+">([^<]+)</a>')


@pytest.fixture
def many(network):
    standard()
    pj = network["SZ-GS-PJ"]
    for i in range(23):
        due = None if i % 4 == 0 else date(2027, 1 + i % 3, 1)  # repeated dates and none
        make_applicant(pj, name=f"测试{i % 7}", review_due_on=due)
    far = make_applicant(network["SZ-WZ-MD"], name="测试0")
    db.session.commit()
    return far


def _page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    text = response.get_data(as_text=True)
    links = [(not disabled, html.unescape(href)) for disabled, href in LINKS.findall(text)]
    prev, nxt = links if links else ((False, ""), (False, ""))
    return FILE_NO.findall(text), (prev[1] if prev[0] else None), (nxt[1] if nxt[0] else None)


@pytest.mark.parametrize(
    "sort", ["new", "file_no", "-file_no", "name", "-name", "review_due", "-review_due"]
)
def test_walking_the_pages_gives_the_one_page_order(client, many, sort):
    login(client, "sz-gs-pj.caseworker")
    whole, _prev, _next = _page(client, f"/files/?sort={sort}&per_page=200")
    assert len(whole) == 23
    url, pages, urls = f"/files/?sort={sort}&per_page=5", [], []
    while url:
        urls.append(url)
        rows, _prev, url = _page(client, url)
        pages.append(rows)
        assert url is None or ("after=" in url and "page=" in url), url
    assert [f for rows in pages for f in rows] == whole
    assert [len(rows) for rows in pages] == [5, 5, 5, 5, 3]
    # and back again with Previous, page by page
    rows, back, _next = _page(client, urls[-1])
    seen = [rows]
    while back:
        assert "before=" in back or "after=" not in back
        rows, back, _next = _page(client, back)
        seen.append(rows)
    assert list(reversed(seen)) == pages


def test_a_deep_page_reads_no_offset_and_a_foreign_key_positions_nothing(client, many):
    login(client, "sz-gs-pj.caseworker")
    _rows, _prev, nxt = _page(client, "/files/?sort=name&per_page=5")
    _rows, _prev, nxt = _page(client, nxt)
    with counting() as statements:
        rows, _prev, _nxt = _page(client, nxt)
    assert len(rows) == 5
    (page_query,) = [s for s in statements if "ORDER BY applicants.name" in s]
    assert "applicants.name >" in page_query  # a range from the key, not rows skipped
    if db.engine.dialect.name != "sqlite":  # SQLite's compiler always writes OFFSET 0
        assert "OFFSET" not in page_query, page_query
    # the far district's file is out of scope: as a key it gives an empty page, not its place
    rows, _prev, _nxt = _page(client, f"/files/?sort=name&after={many.id}")
    assert rows == []
    rows, _prev, _nxt = _page(client, "/files/?sort=name&after=abc")  # nonsense: first page
    assert len(rows) == 23


def test_export_ignores_the_page_keys(client, many):
    login(client, "sz-gs-pj.caseworker")
    _rows, _prev, nxt = _page(client, "/files/?sort=name&per_page=5")
    response = client.get(nxt + "&format=xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    from io import BytesIO

    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(response.data)).active
    assert sheet.max_row - 1 >= 23  # every file, not the page's five


def test_an_old_page_number_bookmark_starts_at_the_first_page(client, many):
    """`?page=N` without its key is no position (it would be served by OFFSET): the list
    answers with its first page and says why, keeping the filters and the order."""
    login(client, "sz-gs-pj.caseworker")
    response = client.get("/files/?sort=name&per_page=5&page=3")
    assert response.status_code == 302
    assert "&page=" not in response.location and "sort=name" in response.location
    first, _prev, _nxt = _page(client, "/files/?sort=name&per_page=5")
    with counting() as statements:
        page = client.get("/files/?sort=name&per_page=5&page=3", follow_redirects=True)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "已回到第一页" in text
    assert FILE_NO.findall(text) == first
    (page_query,) = [s for s in statements if "ORDER BY applicants.name" in s]
    if db.engine.dialect.name != "sqlite":  # SQLite's compiler always writes OFFSET 0
        assert "OFFSET" not in page_query, page_query
