"""Campaign progress reads the lists' counters; they always equal a direct count.

The counters are kept by the services that list, remove and visit households (issue 15: the
progress page must not grow with the households listed). After each step of a list's life the
API's progress per tier is compared with a count made here straight from the entries and
visits, and the progress page is checked to read no entry rows at all.
"""

import importlib.util
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy import text as sa_text

from assist.campaigns.models import CampaignList, ListEntry, Visit
from assist.centres.models import Centre
from assist.extensions import db
from tests.campaigns.helpers import (
    as_user,
    create_campaign,
    give_quota,
    households,
    listed,
    open_list,
    published_list,
    setup_money,
    today,
)
from tests.conftest import api_token, post_form
from tests.test_statement_counts import counting


def _fen(money: str) -> int:
    return int(Decimal(money) * 100)


def _direct(campaign_id: int, centre: Centre) -> dict:
    """The figures of `centre`'s subtree counted from the rows, not from the counters."""
    in_subtree = (
        select(CampaignList.id)
        .join(Centre, Centre.id == CampaignList.centre_id)
        .where(CampaignList.campaign_id == campaign_id, Centre.path.startswith(centre.path))
    )
    on_list = select(ListEntry).where(
        ListEntry.list_id.in_(in_subtree), ListEntry.status == "listed"
    )
    entries = db.session.scalars(on_list).all()
    visits = db.session.scalars(
        select(Visit)
        .join(ListEntry, ListEntry.id == Visit.entry_id)
        .where(ListEntry.list_id.in_(in_subtree))
    ).all()
    return {
        "listed": len(entries),
        "listed_migrant": sum(1 for e in entries if e.is_migrant),
        "approved": sum(1 for e in entries if e.list.status in ("approved", "published")),
        "visited": len(visits),
        "visited_migrant": sum(1 for v in visits if v.entry.is_migrant),
        "cash_given": sum(v.cash_fen for v in visits),
        "goods_given": sum(v.goods_value_fen for v in visits),
    }


def _migration(filename: str):
    """A migration module, loaded from its file (its backfill is run by the tests)."""
    spec = importlib.util.spec_from_file_location(
        f"migration_{filename[:-3]}", Path(__file__).parents[2] / "migrations/versions" / filename
    )
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    return migration


def _station_list(client, network, *, files: int, places: int):
    """A campaign with `files` active files at the Pingjiang station and `places` households of
    quota there: (the station, its list, its caseworker's client)."""
    fund = setup_money(network)
    station = network["SZ-GS-PJ"]
    households(station, files)
    campaign = create_campaign(client, fund)
    give_quota(client, campaign, "sz.supervisor", network["SZ-GS"], 10, "30000")
    give_quota(client, campaign, "sz-gs.supervisor", station, places, str(places * 3000))
    clist = open_list(client, campaign, "sz-gs-pj.caseworker")
    return station, clist, as_user(client, "sz-gs-pj.caseworker")


def _check(client, headers, campaign_id: int) -> list[dict]:
    response = client.get(f"/api/v1/campaigns/{campaign_id}", headers=headers)
    assert response.status_code == 200, response.get_json()
    rows = response.get_json()["progress"]
    assert rows
    db.session.expire_all()
    for row in rows:
        centre = db.session.scalars(select(Centre).where(Centre.code == row["centre"])).one()
        shown = {
            key: _fen(row[key]) if key.endswith("_given") else row[key]
            for key in _direct(campaign_id, centre)
        }
        assert shown == _direct(campaign_id, centre), row["centre"]
    return rows


def _check_goods(clist: CampaignList) -> dict:
    """The list's stored goods per item equal a sum made here from its visits' goods."""
    db.session.expire_all()
    direct: dict[str, int] = {}
    for goods in db.session.scalars(
        select(Visit.goods)
        .join(ListEntry, ListEntry.id == Visit.entry_id)
        .where(ListEntry.list_id == clist.id)
    ):
        for g in goods:
            direct[g["name"]] = direct.get(g["name"], 0) + g["quantity"]
    stored = db.session.get(CampaignList, clist.id).goods_items
    assert stored == direct
    return stored


def _check_tabs(client, headers, clist: CampaignList) -> dict:
    """The list's counts per status (its page's tabs, its API document) equal a count of its
    entries made here."""
    db.session.expire_all()
    direct = dict.fromkeys(("candidate", "listed", "removed"), 0)
    for status in db.session.scalars(select(ListEntry.status).where(ListEntry.list_id == clist.id)):
        direct[status] += 1
    response = client.get(f"/api/v1/campaigns/lists/{clist.id}", headers=headers)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["counts"] == direct
    return direct


def _visit(worker, entry, **extra):
    data = {
        "visited_on": today().isoformat(),
        "visitor-0-name": "张主席",
        "cash": "2500",
        "is_signed": "",
        "no_signature_reason": "本人住院，由家属代收",
        **extra,
    }
    response = post_form(worker, f"/campaigns/entries/{entry.id}/visit", data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]


def test_progress_equals_a_direct_count_through_adds_removals_and_visits(client, network):
    fund = setup_money(network)
    station = network["SZ-GS-PJ"]
    station.notice_days = 0
    households(station, 3)
    migrants = households(station, 2, is_migrant_worker=True)
    campaign = create_campaign(client, fund)
    give_quota(client, campaign, "sz.supervisor", network["SZ-GS"], 10, "30000")
    give_quota(client, campaign, "sz-gs.supervisor", station, 5, "15000")
    city = api_token(client, "sz.supervisor")
    clist = open_list(client, campaign, "sz-gs-pj.caseworker")
    worker = as_user(client, "sz-gs-pj.caseworker")

    post_form(worker, f"/campaigns/lists/{clist.id}/draw")
    db.session.refresh(clist)
    # the stored draw count is the rows inserted (PostgreSQL's ORM path used to store -1)
    assert (clist.draw_state, clist.draw_count) == ("done", 5)
    _check(client, city, campaign.id)  # candidates are not listed
    assert _check_tabs(client, city, clist) == {"candidate": 5, "listed": 0, "removed": 0}
    post_form(worker, f"/campaigns/lists/{clist.id}/fill")
    rows = _check(client, city, campaign.id)
    assert rows[0]["listed"] == 5 and rows[0]["listed_migrant"] == 2
    assert _check_tabs(client, city, clist) == {"candidate": 0, "listed": 5, "removed": 0}
    # take a migrant and another household off, put the migrant back, by hand
    migrant_entry = next(e for e in listed(clist) if e.applicant_id == migrants[0].id)
    other = next(e for e in listed(clist) if not e.is_migrant)
    for entry in (migrant_entry, other):
        response = post_form(
            worker, f"/campaigns/entries/{entry.id}/remove", {"reason": "已迁出本辖区"}
        )
        assert response.status_code == 302
    rows = _check(client, city, campaign.id)
    assert rows[0]["listed"] == 3 and rows[0]["listed_migrant"] == 1
    assert _check_tabs(client, city, clist) == {"candidate": 0, "listed": 3, "removed": 2}
    # a removal refused (not on the list any more) changes no figure
    post_form(worker, f"/campaigns/entries/{other.id}/remove", {"reason": "重复"})
    assert _check_tabs(client, city, clist) == {"candidate": 0, "listed": 3, "removed": 2}
    post_form(worker, f"/campaigns/lists/{clist.id}/add", {"file_no": migrants[0].file_no})
    rows = _check(client, city, campaign.id)
    assert rows[0]["listed"] == 4 and rows[0]["listed_migrant"] == 2
    # the household put back leaves the removed tab; a second draw finds nobody new
    assert _check_tabs(client, city, clist) == {"candidate": 0, "listed": 4, "removed": 1}
    post_form(worker, f"/campaigns/lists/{clist.id}/draw")
    assert _check_tabs(client, city, clist) == {"candidate": 0, "listed": 4, "removed": 1}
    page = worker.get(f"/campaigns/lists/{clist.id}?show=removed").get_data(as_text=True)
    assert "(1)" in page and "(4)" in page

    post_form(worker, f"/campaigns/lists/{clist.id}/submit")
    post_form(as_user(client, "sz-gs.supervisor"), f"/campaigns/lists/{clist.id}/approve")
    post_form(worker, f"/campaigns/lists/{clist.id}/publish")
    db.session.refresh(clist)
    assert clist.status == "published"
    rows = _check(client, city, campaign.id)
    assert rows[0]["approved"] == 4

    entries = listed(clist)
    _visit(worker, next(e for e in entries if e.is_migrant))
    _check_goods(clist)  # a visit with cash only moves no goods item
    _visit(
        worker,
        next(e for e in entries if not e.is_migrant),
        **{"goods-0-name": "大米", "goods-0-quantity": "2", "goods-0-value": "100"},
    )
    rows = _check(client, city, campaign.id)
    assert (rows[0]["visited"], rows[0]["visited_migrant"]) == (2, 1)
    assert (rows[0]["cash_given"], rows[0]["goods_given"]) == ("5000.00", "200.00")
    assert _check_goods(clist) == {"大米": 2}
    # two more households, one item shared with the first pack and one new
    rest = [e for e in entries if e.visit is None]
    _visit(
        worker,
        rest[0],
        cash="0",
        **{"goods-0-name": "大米", "goods-0-quantity": "3", "goods-0-value": "100"},
        **{"goods-1-name": "食用油", "goods-1-quantity": "1", "goods-1-value": "80"},
    )
    _visit(
        worker,
        rest[1],
        cash="1000",
        **{"goods-0-name": "食用油", "goods-0-quantity": "2", "goods-0-value": "80"},
    )
    _check(client, city, campaign.id)
    assert _check_goods(clist) == {"大米": 5, "食用油": 3}
    # a visit refused (already recorded) moves no item
    post_form(worker, f"/campaigns/entries/{rest[1].id}/visit", {"cash": "1"})
    assert _check_goods(clist) == {"大米": 5, "食用油": 3}
    page = worker.get(f"/campaigns/lists/{clist.id}").get_data(as_text=True)
    assert "大米 × 5" in page and "食用油 × 3" in page
    # the district and the station see their own subtree's figures, equal to the count too
    _check(client, api_token(client, "sz-gs.supervisor"), campaign.id)
    assert db.session.scalar(select(func.count(Visit.id))) == 4


def test_the_progress_page_reads_no_entry_rows(client, network):
    """Its statements are the same whether 1 or 6 households are listed: it reads counters."""
    fund = setup_money(network)
    station = network["SZ-GS-PJ"]
    first = households(station, 1)
    campaign = create_campaign(client, fund)
    give_quota(client, campaign, "sz.supervisor", network["SZ-GS"], 10, "30000")
    give_quota(client, campaign, "sz-gs.supervisor", station, 8, "24000")
    clist = open_list(client, campaign, "sz-gs-pj.caseworker")
    worker = as_user(client, "sz-gs-pj.caseworker")
    post_form(worker, f"/campaigns/lists/{clist.id}/add", {"file_no": first[0].file_no})
    boss = as_user(client, "sz.supervisor")
    counts = []
    for more in (0, 5):
        for applicant in households(station, more):
            post_form(worker, f"/campaigns/lists/{clist.id}/add", {"file_no": applicant.file_no})
        with counting() as statements:
            page = boss.get(f"/campaigns/{campaign.id}")
        assert page.status_code == 200
        assert not [s for s in statements if "campaign_entries" in s], statements
        counts.append(len(statements))
    assert len(listed(clist)) == 6
    assert counts[0] == counts[1]


def test_the_list_page_reads_no_visit_goods(client, network):
    """Goods given per item come from the list's counter: the page's statements are the same
    whether 1 or 5 households were visited, and none reads the visits' goods. The visits table
    is read only for the shown page of households (whether each was visited, by id)."""
    fund = setup_money(network)
    campaign, clist = published_list(client, network, fund, n=6, notice_days=0)
    assert clist.status == "published"
    worker = as_user(client, "sz-gs-pj.caseworker")
    entries = listed(clist)
    counts, pages = [], []
    for batch in (entries[:1], entries[1:5]):
        for entry in batch:
            _visit(
                worker,
                entry,
                cash="2000",
                **{"goods-0-name": "大米", "goods-0-quantity": "2", "goods-0-value": "100"},
                **{"goods-1-name": "棉被", "goods-1-quantity": "1", "goods-1-value": "300"},
            )
        with counting() as statements:
            page = worker.get(f"/campaigns/lists/{clist.id}")
        assert page.status_code == 200
        visits_read = [s for s in statements if "campaign_visits" in s]
        assert len(visits_read) == 1, statements
        assert "campaign_visits.entry_id IN" in visits_read[0], visits_read
        assert "campaign_visits.goods" not in visits_read[0], visits_read
        counts.append(len(statements))
        pages.append(page.get_data(as_text=True))
    assert counts[0] == counts[1]
    assert "大米 × 2" in pages[0] and "棉被 × 1" in pages[0]
    assert "大米 × 10" in pages[1] and "棉被 × 5" in pages[1]
    assert pages[1].count('data-testid="visit-') == 6
    assert _check_goods(clist) == {"大米": 10, "棉被": 5}


def test_the_goods_migration_adds_up_the_visits_already_recorded(client, network):
    """Migration `goods` fills the new counter from the visits recorded before it."""
    migration = _migration("0016_goods.py")
    fund = setup_money(network)
    campaign, clist = published_list(client, network, fund, n=3, notice_days=0)
    worker = as_user(client, "sz-gs-pj.caseworker")
    entries = listed(clist)
    _visit(
        worker,
        entries[0],
        **{"goods-0-name": "大米", "goods-0-quantity": "2", "goods-0-value": "100"},
    )
    _visit(
        worker,
        entries[1],
        cash="0",
        **{"goods-0-name": "大米", "goods-0-quantity": "1", "goods-0-value": "100"},
        **{"goods-1-name": "棉被", "goods-1-quantity": "3", "goods-1-value": "300"},
    )
    _visit(worker, entries[2])  # cash only
    other = open_list(client, campaign, "sz-gs.caseworker")  # a list with no visits
    # as the column stands right after it is added: empty on every list
    db.session.execute(update(CampaignList).values(goods_items={}))
    migration.backfill(db.session.connection())
    db.session.commit()
    assert _check_goods(clist) == {"大米": 3, "棉被": 3}
    assert _check_goods(other) == {}


def test_the_list_page_counts_no_entries(client, network):
    """The tabs' counts come from the list's counters: the page runs the same statements with
    2 or 7 candidates and no statement counts the list's entries."""
    station, clist, worker = _station_list(client, network, files=2, places=8)
    counts = []
    for more in (0, 5):
        households(station, more)
        post_form(worker, f"/campaigns/lists/{clist.id}/draw")
        with counting() as statements:
            page = worker.get(f"/campaigns/lists/{clist.id}?show=candidates")
        assert page.status_code == 200
        counted = [s for s in statements if "count(" in s.lower() and "campaign_entries" in s]
        assert not counted, counted
        counts.append(len(statements))
    assert counts[0] == counts[1]
    assert _check_tabs(client, api_token(client, "sz.supervisor"), clist)["candidate"] == 7


def test_the_entry_counts_migration_counts_the_entries_already_there(client, network):
    """Migration `entry_counts` fills the new counters from the entries written before it."""
    migration = _migration("0017_entry_counts.py")
    _station, clist, worker = _station_list(client, network, files=4, places=2)
    campaign = clist.campaign
    post_form(worker, f"/campaigns/lists/{clist.id}/draw")
    post_form(worker, f"/campaigns/lists/{clist.id}/fill")  # 2 places: 2 listed, 2 candidates
    entry = listed(clist)[0]
    post_form(worker, f"/campaigns/entries/{entry.id}/remove", {"reason": "已迁出本辖区"})
    other = open_list(client, campaign, "sz-gs.caseworker")  # a list with no entries
    # as the columns stand right after they are added: zero on every list
    db.session.execute(update(CampaignList).values(candidate_count=0, removed_count=0))
    db.session.execute(sa_text(migration.BACKFILL))
    db.session.commit()
    city = api_token(client, "sz.supervisor")
    assert _check_tabs(client, city, clist) == {"candidate": 2, "listed": 1, "removed": 1}
    assert _check_tabs(client, city, other) == {"candidate": 0, "listed": 0, "removed": 0}


def test_the_campaign_page_runs_the_same_statements_for_more_lists_and_requests(client, network):
    """The district's campaign page names each station of a quota request, each list and
    each sample check: one request, list and check or three of each, the same statements
    (none loaded per row), and every one is shown. Its progress tab likewise: the quotas,
    their centres and lists in one statement, none reading the entries."""
    fund = setup_money(network)
    campaign = create_campaign(client, fund)
    give_quota(client, campaign, "sz.supervisor", network["SZ-GS"], 30, "90000")
    boss = as_user(client, "sz-gs.supervisor")
    counts, progress_counts = [], []
    stations = ["SZ-GS-PJ", "SZ-GS-CL", "SZ-GS-JC"]
    for step, codes in enumerate((stations[:1], stations[1:])):
        for code in codes:
            give_quota(client, campaign, "sz-gs.supervisor", network[code], 5, "15000")
            open_list(client, campaign, f"{code.lower()}.caseworker")
            station = as_user(client, f"{code.lower()}.supervisor")
            response = post_form(
                station,
                f"/campaigns/{campaign.id}/quota-requests",
                {"households": "2", "amount": "600", "reason": f"{code} 新增困难户"},
            )
            assert response.status_code == 302
        with counting() as statements:
            page = boss.get(f"/campaigns/{campaign.id}")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        shown = stations[: 1 + 2 * step]
        for code in shown:
            assert f"{code} 新增困难户" in html
            assert network[code].name in html
        counts.append(len(statements))
        with counting() as statements:
            assert boss.get(f"/campaigns/{campaign.id}/progress").status_code == 200
        assert not [s for s in statements if "campaign_entries" in s], statements
        progress_counts.append(len(statements))
    assert counts[0] == counts[1], counts
    assert progress_counts[0] == progress_counts[1], progress_counts


class _TableRows(HTMLParser):
    """The cells of each body row of the table marked data-testid="progress"."""

    def __init__(self):
        super().__init__()
        self.rows, self._in_table, self._in_body, self._cell = [], False, False, None

    def handle_starttag(self, tag, attrs):
        if tag == "table" and dict(attrs).get("data-testid") == "progress":
            self._in_table = True
        elif self._in_table and tag == "tbody":
            self._in_body = True
        elif self._in_body and tag == "tr":
            self.rows.append([])
        elif self._in_body and tag == "td":
            self._cell = ""

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            self.rows[-1].append(self._cell.strip())
            self._cell = None
        elif tag == "table":
            self._in_table = self._in_body = False

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data


def _progress_page(client, campaign_id: int) -> dict[str, list[str]]:
    response = client.get(f"/campaigns/{campaign_id}/progress")
    assert response.status_code == 200
    parser = _TableRows()
    parser.feed(response.get_data(as_text=True))
    return {cells[0]: cells[1:] for cells in parser.rows}


def test_the_progress_page_shows_each_tier_as_counted_from_the_rows(client, network):
    """The progress page (its own tab) shows per centre the quota, listed (migrant), approved,
    visited (migrant), the share of the quota visited, cash and goods: equal to a count made
    here from the entries and visits; a station sees only its own row, a centre outside the
    campaign's quotas does not find the page."""
    fund = setup_money(network)
    station = network["SZ-GS-PJ"]
    station.notice_days = 0
    households(station, 2)
    households(station, 2, is_migrant_worker=True)
    campaign = create_campaign(client, fund)
    give_quota(client, campaign, "sz.supervisor", network["SZ-GS"], 10, "30000")
    give_quota(client, campaign, "sz-gs.supervisor", station, 5, "15000")
    give_quota(client, campaign, "sz-gs.supervisor", network["SZ-GS-CL"], 3, "9000")
    clist = open_list(client, campaign, "sz-gs-pj.caseworker")
    worker = as_user(client, "sz-gs-pj.caseworker")
    for step in ("draw", "fill", "submit"):
        post_form(worker, f"/campaigns/lists/{clist.id}/{step}")
    post_form(as_user(client, "sz-gs.supervisor"), f"/campaigns/lists/{clist.id}/approve")
    post_form(worker, f"/campaigns/lists/{clist.id}/publish")
    entries = listed(clist)
    assert len(entries) == 4
    _visit(worker, next(e for e in entries if e.is_migrant))
    _visit(worker, next(e for e in entries if not e.is_migrant), cash="1000")

    district = _progress_page(as_user(client, "sz-gs.supervisor"), campaign.id)
    assert list(district) == [network[c].name for c in ("SZ-GS", "SZ-GS-PJ", "SZ-GS-CL")]
    for code, quota in (("SZ-GS", 10), ("SZ-GS-PJ", 5), ("SZ-GS-CL", 3)):
        count = _direct(campaign.id, network[code])
        cells = district[network[code].name]
        share = f"{count['visited'] * 100 // quota}%"
        assert cells[:9] == [
            str(quota),
            f"{quota * 3000:,.2f}",
            str(count["listed"]),
            str(count["listed_migrant"]),
            str(count["approved"]),
            str(count["visited"]),
            str(count["visited_migrant"]),
            share,
            f"{count['cash_given'] / 100:,.2f}",
        ], code
    assert district[station.name][:9] == [
        "5",
        "15,000.00",
        "4",
        "2",
        "4",
        "2",
        "1",
        "40%",
        "3,500.00",
    ]

    own = _progress_page(as_user(client, "sz-gs-pj.supervisor"), campaign.id)
    assert list(own) == [station.name]
    outside = as_user(client, "sz-wz.supervisor").get(f"/campaigns/{campaign.id}/progress")
    assert outside.status_code == 404
