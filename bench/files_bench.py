"""Benchmark the hardship-file list and search at 100,000 files.

    python bench/files_bench.py                          # SQLite in a temporary file
    python bench/files_bench.py --url postgresql+psycopg://postgres@127.0.0.1:5432/assist_files

The database at --url is EMPTIED (PostgreSQL: the public schema is dropped) and rebuilt
through the migrations. 100,000 files are bulk-inserted (encrypted IDs, keyed hashes, resident
ID claims), then each list or search page is requested through the app as the city
caseworker (who sees every file) and as a station caseworker; the median time of the whole
request (query and HTML) and the number of SQL statements per request are printed.
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("ASSIST_INSTANCE_DIR", tempfile.mkdtemp(prefix="assist-bench-"))

from sqlalchemy import create_engine, event, select, text  # noqa: E402

from assist import create_app  # noqa: E402
from assist.applicants.models import Applicant  # noqa: E402
from assist.extensions import db  # noqa: E402
from config import Config  # noqa: E402

PASSWORD = "Bench-Pass-2026-x"  # noqa: S105 - throwaway benchmark users


def reset(url: str) -> None:
    if url.startswith("postgresql"):
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()


def seed(n: int, rng: random.Random) -> None:
    """The demo network and `n` files, inserted as `flask seed-bulk` inserts them."""
    from assist.demo.bulk import seed_files
    from assist.demo.cli import build_network

    build_network(password=PASSWORD)
    db.session.commit()
    started = time.perf_counter()
    seed_files(n, rng)
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SELECT setval('applicants_id_seq', :n)"), {"n": n})
        db.session.commit()
        db.session.execute(text("ANALYZE"))
    db.session.commit()
    print(f"seeded {n:,} files in {time.perf_counter() - started:.1f} s")


def login(client, username: str) -> None:
    import re

    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)
    client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})


def measure(engine, label: str, request, runs: int) -> tuple[str, float, int]:
    statements = []

    def count(*_args, **_kwargs):
        statements[-1] += 1

    event.listen(engine, "before_cursor_execute", count)
    times = []
    try:
        for _ in range(runs):
            statements.append(0)
            started = time.perf_counter()
            response = request()
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code in (200, 302), (label, response.status_code)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return label, statistics.median(times[1:] or times), statements[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="", help="database URL (emptied!)")
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    url = args.url or f"sqlite:///{tempfile.mkdtemp(prefix='assist-bench-')}/bench.sqlite3"
    reset(url)
    app = create_app(
        "testing",
        # the production default: the test configuration counts the to-do badge on every page
        INBOX_BADGE_SECONDS=Config.INBOX_BADGE_SECONDS,
        SQLALCHEMY_DATABASE_URI=url,
        STORAGE_DIR=tempfile.mkdtemp(prefix="bench-"),
    )
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        seed(args.files, random.Random(2026))
        sample = db.session.scalars(select(Applicant).where(Applicant.id == args.files // 2)).one()
        full_id, last4, phone, file_no = (
            sample.id_number,
            sample.id_last4,
            sample.phone,
            sample.file_no,
        )
        db.session.remove()
        engine = db.engine

    # Requests run without an outer app context, as in production (each gets its own `g`).
    results = []
    for username in ("sz.caseworker", "sz-gs-pj.caseworker"):
        client = app.test_client()
        if True:
            login(client, username)
            token = (
                __import__("re")
                .search(
                    r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"',
                    client.get("/files/").get_data(as_text=True),
                )
                .group(1)
            )
            cases = [
                ("list, newest first, page 1", "/files/"),
                ("list, page 200", "/files/?page=200"),
                ("sort by name, page 1", "/files/?sort=name"),
                ("sort by review due, page 1", "/files/?sort=review_due"),
                ("partial name 建国", "/files/?q=建国"),
                ("last 4 of ID", f"/files/?q={last4}"),
                ("phone", f"/files/?q={phone}"),
                ("file number", f"/files/?q={file_no}"),
                ("filter: review overdue", "/files/?overdue=1&sort=review_due"),
                ("filter: women + migrant", "/files/?woman=1&migrant=1"),
                ("filter: deep + active", "/files/?category=deep&status=active"),
            ]
            for label, path in cases:
                results.append(
                    (
                        username,
                        *measure(engine, label, lambda p=path, c=client: c.get(p), args.runs),
                    )
                )
            results.append(
                (
                    username,
                    *measure(
                        engine,
                        "full ID (POST search + result page)",
                        lambda c=client, t=token: c.post(
                            "/files/search",
                            data={"q": full_id, "csrf_token": t},
                            follow_redirects=True,
                        ),
                        args.runs,
                    ),
                )
            )

    print(
        f"\n{db_label(url)}, {args.files:,} files, median of {args.runs} requests (first dropped)"
    )
    print(f"{'user':22} {'page':38} {'ms':>8} {'SQL':>4}")
    for username, label, ms, statements in results:
        print(f"{username:22} {label:38} {ms:8.1f} {statements:4d}")


def db_label(url: str) -> str:
    return "PostgreSQL" if url.startswith("postgresql") else "SQLite"


if __name__ == "__main__":
    main()
