"""Benchmark a city-wide send-warmth list at 100,000 active files.

    python bench/campaign_bench.py                       # SQLite in a temporary file
    python bench/campaign_bench.py --url postgresql+psycopg://postgres@127.0.0.1:5432/assist_bench

The database at --url is EMPTIED (PostgreSQL: the public schema is dropped) and rebuilt
through the migrations. 100,000 files are bulk-inserted (executemany in batches, as
files_bench.py does) and all made active; the city opens a campaign for every active file.

1. The draw: the city's list draws its candidates as a job of the job engine (run inline
   here, as the click's commit returns), timed from the click until the list says `done`,
   beside the plain SQL baseline: the same INSERT … SELECT typed by hand, rolled back, and
   (once, on PostgreSQL) the statement the draw ran before, an anti-join on the table it
   fills. Each starts as before a city's first campaign: no entries, and statistics that say
   the entries table is empty.
2. The pages at that size: with every household listed, the list posted (公示) and one in five
   visited, the campaign's progress page (per tier), its overview page (progress, quotas and
   requests, lists, sample checks), the list page, the visit page (the form for a household
   not yet visited, and the record of one visited) and the campaign's API document are
   requested through the app, beside /healthz (the floor every request pays) and the help
   page (the floor of a signed-in page: session, user, navigation, base layout, no records).
   Each page request is paired with a /healthz request just before it, and the ratio is the
   median of the pairs' ratios (the machine's speed drifts; both sides of a pair share it).
   The issue's budget is 3 × /healthz for the pages and 5 s for the draw.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
os.environ.setdefault("ASSIST_INSTANCE_DIR", tempfile.mkdtemp(prefix="assist-bench-"))

import random  # noqa: E402

from files_bench import PASSWORD, db_label, login, reset, seed  # noqa: E402
from sqlalchemy import event, select, text  # noqa: E402

from assist import create_app  # noqa: E402
from assist.auth.models import User  # noqa: E402
from assist.campaigns import jobs, services  # noqa: E402
from assist.campaigns.models import CampaignList, ListEntry  # noqa: E402
from assist.cases import services as case_services  # noqa: E402
from assist.core.timeutil import local_today, utcnow  # noqa: E402
from assist.extensions import db  # noqa: E402
from assist.funds import services as funds  # noqa: E402
from config import Config  # noqa: E402

#: The draw's statement typed by hand: the households already on a list of the campaign are
#: read once (a materialised CTE), then every matching file not among them is inserted.
BASELINE_SQL = """
WITH on_lists AS MATERIALIZED (
  SELECT applicant_id FROM campaign_entries WHERE campaign_id = :campaign
)
INSERT INTO campaign_entries (campaign_id, list_id, applicant_id, status, is_outside_rule,
                              is_migrant, reason, removed_reason, changed_at)
SELECT :campaign, :list, a.id, 'candidate', false, a.is_migrant_worker, '', '', :now
FROM applicants a
WHERE a.status = 'active'
  AND a.centre_id IN (SELECT id FROM centres WHERE path LIKE :path)
  AND NOT EXISTS (SELECT 1 FROM on_lists o WHERE o.applicant_id = a.id)
"""

#: The statement the draw ran before on PostgreSQL (and still runs on SQLite): an anti-join on
#: the table being filled. When the statistics say the table is empty (the first campaign),
#: PostgreSQL picks a nested loop that re-scans the rows this same statement has inserted,
#: for every file.
ANTI_JOIN_SQL = """
INSERT INTO campaign_entries (campaign_id, list_id, applicant_id, status, is_outside_rule,
                              is_migrant, reason, removed_reason, changed_at)
SELECT :campaign, :list, a.id, 'candidate', false, a.is_migrant_worker, '', '', :now
FROM applicants a
WHERE a.status = 'active'
  AND a.centre_id IN (SELECT id FROM centres WHERE path LIKE :path)
  AND NOT EXISTS (SELECT 1 FROM campaign_entries e
                  WHERE e.campaign_id = :campaign AND e.applicant_id = a.id)
"""

VISITS_SQL = """
INSERT INTO campaign_visits (entry_id, centre_id, visited_on, visitors, cash_fen, goods,
                             goods_value_fen, is_signed, no_signature_reason, remarks, recorded_at)
SELECT e.id, (SELECT centre_id FROM campaign_lists WHERE id = :list), :day, '[]', 50000, '[]', 14000, true, '', '', :now
FROM campaign_entries e WHERE e.list_id = :list AND e.id % 5 = 0
"""


def _user(username: str) -> User:
    return db.session.scalars(select(User).where(User.username == username)).one()


def make_campaign(files: int):
    """A fund at the city and a campaign for every active file, with the city's own list."""
    city_finance, city = _user("sz.finance"), _user("sz.supervisor")
    fund = funds.create_fund(
        acting_user=city_finance,
        name="送温暖专项资金",
        source="special",
        year=local_today().year,
        allowed_kinds=["holiday"],
    )
    campaign = services.create_campaign(
        acting_user=city,
        data=services.CampaignInput(
            name="全市春节送温暖（基准测试）",
            occasion="spring_festival",
            starts_on=local_today() - timedelta(days=5),
            ends_on=local_today() + timedelta(days=30),
            cash_fen=50_000,
            goods=[{"name": "大米", "quantity": 1, "unit_value_fen": 14_000}],
            rule={},
            fund_ids=[fund.id],
            households=files,
            amount_fen=files * 64_000,
        ),
    )
    clist = services.list_for(campaign, city.centre, create_user=_user("sz.caseworker"))
    db.session.commit()
    return campaign.id, clist.id


def as_if_first_campaign() -> None:
    """Give every timed draw the same start: the campaign's entries deleted and, on
    PostgreSQL, the table's statistics saying it is empty (as before a city's first campaign)."""
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE campaign_entries"))


def time_baseline(campaign_id: int, list_id: int, sql: str = BASELINE_SQL) -> tuple[float, int]:
    """The hand-written INSERT … SELECT, rolled back: what the database alone needs."""
    as_if_first_campaign()
    if db.engine.dialect.name != "postgresql":
        sql = ANTI_JOIN_SQL  # the app's statement there (SQLite plans the anti-join well)
    started = time.perf_counter()
    result = db.session.execute(
        text(sql),
        {"campaign": campaign_id, "list": list_id, "now": utcnow(), "path": "/%"},
    )
    ms = (time.perf_counter() - started) * 1000
    db.session.rollback()
    return ms, result.rowcount


def time_background_draw(app, list_id: int) -> tuple[float, int, int]:
    """Queue the draw as the list page does, run it on its thread, wait for `done`."""
    as_if_first_campaign()
    clist = db.session.get(CampaignList, list_id)
    started = time.perf_counter()
    jobs.queue_draw(clist, acting_user=_user("sz.caseworker"))
    db.session.commit()
    jobs.start_draw(list_id)
    while True:
        state = db.session.scalar(select(CampaignList.draw_state).where(CampaignList.id == list_id))
        db.session.rollback()  # end the read: SQLite's BEGIN IMMEDIATE would hold the draw up
        if state in ("done", "failed"):
            break
        time.sleep(0.01)
    ms = (time.perf_counter() - started) * 1000
    clist = db.session.get(CampaignList, list_id)
    assert state == "done", state
    return ms, clist.draw_count, clist.draw_ms or 0


def ready_for_visits(campaign_id: int, list_id: int) -> tuple[int, int]:
    """Post the list and take two unvisited households through the real case path (snapshot,
    holiday case approved on the list, notice run out), as approval and posting do for every
    household; record a visit to the second. Returns (form entry, visited entry)."""
    clist = db.session.get(CampaignList, list_id)
    campaign = clist.campaign
    caseworker, supervisor = _user("sz.caseworker"), _user("sz.supervisor")
    entries = db.session.scalars(
        select(ListEntry)
        .where(ListEntry.list_id == list_id, ListEntry.id % 5 != 0)
        .order_by(ListEntry.id.desc())
        .limit(2)
    ).all()
    now = utcnow()
    for entry in entries:
        entry.snapshot = services.snapshot_entry(entry.applicant)
        case = case_services.create_case(
            acting_user=caseworker,
            data=case_services.CaseInput(
                kind="holiday",
                reason="送温暖（基准测试）",
                amount_requested_fen=campaign.standard_fen,
                applicant=entry.applicant,
                occasion="spring_festival",
                service=services.goods_text(campaign.goods),
            ),
        )
        case_services.submit_case(case, acting_user=caseworker)
        case_services.approve_on_list(case, acting_user=supervisor, list_label="bench", now=now)
        case_services.start_list_notice(case, acting_user=supervisor, now=now)
        entry.case_id = case.id
    db.session.execute(
        text("UPDATE campaign_lists SET status = 'published', published_at = :now WHERE id = :l"),
        {"now": now, "l": list_id},
    )
    db.session.flush()
    case_services.close_expired_notices(now=now + timedelta(days=30))
    db.session.commit()
    form_entry, visited_entry = entries
    db.session.refresh(visited_entry)
    services.record_visit(
        visited_entry,
        acting_user=caseworker,
        data=services.VisitInput(
            visited_on=local_today(),
            visitors=[{"name": "王建国", "title": "主席", "is_leader": True}],
            cash_fen=50_000,
            goods=[{"name": "大米", "quantity": 1, "unit_value_fen": 14_000}],
            is_signed=True,
            remarks="家中老人卧床，需要关注。",
        ),
    )
    db.session.commit()
    return form_entry.id, visited_entry.id


def measure_paired(engine, label: str, request, floor, runs: int):
    """Time `request` `runs` times, each right after a `floor` request (/healthz).

    Returns (label, page median ms, floor median ms, median of the page/floor ratios, SQL
    statements of the page). A shared machine's speed drifts between seconds; timed in pairs,
    the ratio compares the page with the floor at the same moment, not minutes apart."""
    statements = [0]

    def count(*_args, **_kwargs):
        statements[0] += 1

    pages, floors = [], []
    for _ in range(runs + 1):  # the first pair warms up and is left out
        started = time.perf_counter()
        assert floor().status_code == 200
        floors.append((time.perf_counter() - started) * 1000)
        statements[0] = 0
        event.listen(engine, "before_cursor_execute", count)
        try:
            started = time.perf_counter()
            response = request()
            pages.append((time.perf_counter() - started) * 1000)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        assert response.status_code in (200, 302), (label, response.status_code)
    pages, floors = pages[1:], floors[1:]
    ratios = [p / f for p, f in zip(pages, floors, strict=True)]
    return (
        label,
        statistics.median(pages),
        statistics.median(floors),
        statistics.median(ratios),
        statements[0],
    )


def undraw(list_id: int) -> None:
    db.session.execute(text("DELETE FROM campaign_entries WHERE list_id = :l"), {"l": list_id})
    db.session.execute(
        text("UPDATE campaign_lists SET draw_state = '', draw_count = 0 WHERE id = :l"),
        {"l": list_id},
    )
    db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="", help="database URL (emptied!)")
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=31)
    parser.add_argument("--draws", type=int, default=3)
    parser.add_argument(
        "--no-anti-join",
        dest="anti_join",
        action="store_false",
        help="skip timing the draw's former statement (tens of seconds on PostgreSQL)",
    )
    args = parser.parse_args()
    url = args.url or f"sqlite:///{tempfile.mkdtemp(prefix='assist-bench-')}/bench.sqlite3"
    reset(url)
    app = create_app(
        "testing",
        # the production default: the test configuration counts the to-do badge on every page
        INBOX_BADGE_SECONDS=Config.INBOX_BADGE_SECONDS,
        SQLALCHEMY_DATABASE_URI=url,
        STORAGE_DIR=tempfile.mkdtemp(prefix="bench-"),
        JOBS_BACKEND="inline",  # the draw job runs as the commit of the click returns
    )
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        seed(args.files, random.Random(2026))
        db.session.execute(text("UPDATE applicants SET status = 'active'"))
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        campaign_id, list_id = make_campaign(args.files)
        baseline, draws = [], []
        # The draw's statement before this change, once, where it goes wrong (PostgreSQL).
        anti_join = (
            time_baseline(campaign_id, list_id, ANTI_JOIN_SQL)
            if db.engine.dialect.name == "postgresql" and args.anti_join
            else None
        )
        for n in range(args.draws):
            baseline.append(time_baseline(campaign_id, list_id))
            draws.append(time_background_draw(app, list_id))
            if n < args.draws - 1:
                undraw(list_id)
        # Every household listed, one in five visited: the pages at full size.
        db.session.execute(
            text("UPDATE campaign_entries SET status = 'listed' WHERE list_id = :l"),
            {"l": list_id},
        )
        db.session.execute(
            text(VISITS_SQL),
            {"day": local_today(), "now": utcnow(), "list": list_id},
        )
        # The bulk SQL above went around the services: set the list's counters once.
        services.recount_list(db.session.get(CampaignList, list_id))
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        form_entry, visited_entry = ready_for_visits(campaign_id, list_id)
        visited = db.session.scalar(text("SELECT count(*) FROM campaign_visits"))
        db.session.remove()
        engine = db.engine

    results = []
    # The city's users see the whole list: the largest pages there are.
    for username in ("sz.supervisor", "sz.caseworker"):
        client = app.test_client()
        login(client, username)
        pages = [
            ("/healthz (floor)", "/healthz"),
            ("help page (signed-in floor)", "/help/"),
            ("campaign progress", f"/campaigns/{campaign_id}/progress"),
            ("campaign overview", f"/campaigns/{campaign_id}"),
            ("list page (city list)", f"/campaigns/lists/{list_id}"),
            ("visit form (not visited)", f"/campaigns/entries/{form_entry}/visit"),
            ("visit page (visited)", f"/campaigns/entries/{visited_entry}/visit"),
            ("API campaign + progress", None),
        ]
        token = None
        for label, path in pages:
            if path is None:
                if token is None:
                    token = client.post(
                        "/api/v1/auth/token", json={"username": username, "password": PASSWORD}
                    ).get_json()["token"]
                request = lambda c=client, t=token: c.get(  # noqa: E731
                    f"/api/v1/campaigns/{campaign_id}", headers={"Authorization": f"Bearer {t}"}
                )
            else:
                request = lambda c=client, p=path: c.get(p)  # noqa: E731
            first = request()
            assert first.status_code == 200, (username, label)
            # The visit pages show what they are measured for: the form, the record.
            marker = {"visit form": "visit-form", "visit page": "visit-record"}.get(label[:10])
            assert marker is None or marker in first.get_data(as_text=True), (username, label)
            floor = lambda c=client: c.get("/healthz")  # noqa: E731
            results.append((username, *measure_paired(engine, label, request, floor, args.runs)))

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\n{db_label(url)}, {args.files:,} active files, load average {load} (1/5/15 min)")
    print(f"{'draw of the city-wide list':44} {'ms':>9} {'rows':>8}")
    for n, ((base_ms, base_rows), (ms, count, inner_ms)) in enumerate(
        zip(baseline, draws, strict=True), 1
    ):
        print(f"  run {n}: plain SQL INSERT … SELECT (rolled back) {base_ms:9.1f} {base_rows:8,}")
        print(f"  run {n}: background draw, click → done       {ms:9.1f} {count:8,}")
        print(f"  run {n}:   of which the draw itself (draw_ms)  {inner_ms:9.1f}")
    if anti_join is not None:
        print(
            f"  the draw's statement before (anti-join on the table filled) {anti_join[0]:9.1f}"
            f" {anti_join[1]:8,}"
        )
    print(
        f"median: plain SQL {statistics.median(b for b, _ in baseline):.0f} ms, "
        f"background draw {statistics.median(d for d, _, _ in draws):.0f} ms (budget 5000 ms)"
    )
    print(f"\npages with {args.files:,} listed and {visited:,} visited; median of {args.runs}")
    print("each page request follows a /healthz request; × healthz is the median of the pairs'")
    print("ratios, so a change in the machine's speed during the run moves both sides of a pair")
    print(f"{'user':22} {'page':28} {'ms':>8} {'healthz':>8} {'× healthz':>10} {'SQL':>4}")
    for username, label, ms, floor_ms, ratio, statements in results:
        print(f"{username:22} {label:28} {ms:8.1f} {floor_ms:8.1f} {ratio:10.2f} {statements:4d}")


if __name__ == "__main__":
    main()
