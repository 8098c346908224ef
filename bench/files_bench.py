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
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("ASSIST_INSTANCE_DIR", tempfile.mkdtemp(prefix="assist-bench-"))

from sqlalchemy import create_engine, event, insert, select, text  # noqa: E402

from assist import create_app  # noqa: E402
from assist.applicants.models import Applicant, FileCounter, ResidentId  # noqa: E402
from assist.centres.models import Centre  # noqa: E402
from assist.core.crypto import encrypt, keyed_hash  # noqa: E402
from assist.core.resident_id import make_resident_id  # noqa: E402
from assist.extensions import db  # noqa: E402

PASSWORD = "Bench-Pass-2026-x"  # noqa: S105 - throwaway benchmark users
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "建国秀英桂英志强丽华海燕国庆红梅建华玉兰文杰晓东春梅伟芳敏静强磊军洋勇艳杰娟涛明超兰霞平刚凤东红美玲燕德宏雪丹鹏婷浩然涵怡轩桐"
STATES = ["active"] * 6 + [
    "applied",
    "initial_review",
    "home_visit",
    "final_review",
    "public_notice",
    "returned",
    "rejected",
    "exited",
    "cancelled",
]
CATEGORIES = ["deep", "relative", "accident", "not_eligible"]


def reset(url: str) -> None:
    if url.startswith("postgresql"):
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()


def seed(n: int, rng: random.Random) -> None:
    from assist.demo.cli import build_network

    build_network(password=PASSWORD)
    db.session.commit()
    stations = db.session.scalars(select(Centre).where(Centre.tier == 3).order_by(Centre.id)).all()
    today = date.today()
    seqs: dict[int, int] = {}
    batch, claims = [], []
    started = time.perf_counter()
    for i in range(1, n + 1):
        centre = stations[i % len(stations)]
        seqs[centre.id] = seqs.get(centre.id, 0) + 1
        birth = date(1950, 1, 1) + timedelta(days=(i * 7919) % 18000)
        # 18,000 birth dates × a region per block of 18,000: every number differs.
        number = make_resident_id(f"{320500 + (i // 18000) % 90:06d}", birth, i % 1000)
        status = rng.choice(STATES)
        active = status == "active"
        id_hash = keyed_hash(number)
        batch.append(
            {
                "id": i,
                "file_no": f"{centre.code}-2025-{seqs[centre.id]:05d}",
                "centre_id": centre.id,
                "status": status,
                "category": rng.choice(CATEGORIES),
                "name": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                "id_number_enc": encrypt(number),
                "id_hash": id_hash,
                "id_last4": number[-4:],
                "gender": "M" if int(number[16]) % 2 else "F",
                "birth_date": birth,
                "phone": f"139{i:08d}",
                "address": "苏州市姑苏区示例路1号",
                "employer": "苏州示例纺织有限公司",
                "work_status": "employed",
                "health": "good",
                "is_migrant_worker": rng.random() < 0.25,
                "is_union_member": True,
                "is_model_worker": False,
                "bank_name": "",
                "bank_account_last4": "",
                "main_cause": "illness",
                "secondary_causes": [],
                "status_reason": "",
                "created_at": time_at(i, n),
                "updated_at": time_at(i, n),
                "review_due_on": today + timedelta(days=rng.randint(-200, 365)) if active else None,
                "last_reviewed_on": today - timedelta(days=rng.randint(0, 500)) if active else None,
            }
        )
        claims.append({"id_hash": id_hash, "applicant_id": i})
        if len(batch) == 5000:
            db.session.execute(insert(Applicant), batch)
            db.session.execute(insert(ResidentId), claims)
            batch, claims = [], []
    if batch:
        db.session.execute(insert(Applicant), batch)
        db.session.execute(insert(ResidentId), claims)
    for centre_id, last in seqs.items():
        db.session.execute(
            insert(FileCounter).values(centre_id=centre_id, year=2025, last_seq=last)
        )
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SELECT setval('applicants_id_seq', :n)"), {"n": n})
        db.session.commit()
        db.session.execute(text("ANALYZE"))
    db.session.commit()
    print(f"seeded {n:,} files in {time.perf_counter() - started:.1f} s")


def time_at(i: int, n: int):
    from datetime import datetime

    return datetime(2025, 1, 1) + timedelta(seconds=i * (300 * 86400 // n))


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
        "testing", SQLALCHEMY_DATABASE_URI=url, STORAGE_DIR=tempfile.mkdtemp(prefix="bench-")
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
