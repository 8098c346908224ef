"""Benchmark the roster dry run at 5,000 rows beside a plain openpyxl read of the same file.

    python bench/roster_bench.py [--rows 5000] [--repeat 3] [--url postgresql+psycopg://…]

A temporary SQLite database (or the database at --url, which is EMPTIED) is migrated and
given the demo network, a hospital-allowance plan and one unit of `rows` staff. An xlsx roster
of `rows` valid people (plus the header rows) is written once; then, interleaved, the plain
read (openpyxl read-only, every cell's value) and the full dry run (read, ID checks, keyed
hashes, the database checks, the participation rule) are timed. Medians are printed with the
ratio, and the dry run once as a `mutual_aid.roster` job; the issue's target is a 5,000-row dry run in at most 10 s.
"""

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("ASSIST_INSTANCE_DIR", tempfile.mkdtemp(prefix="assist-bench-"))

from openpyxl import Workbook, load_workbook  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from assist import create_app  # noqa: E402
from assist.core.resident_id import make_resident_id  # noqa: E402
from assist.extensions import db  # noqa: E402

PASSWORD = "Bench-Pass-2026-x"  # noqa: S105 - throwaway benchmark users


def reset(url: str) -> None:
    if url.startswith("postgresql"):
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()


def roster_file(rows: int) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["某某公司工会 互助保障参保名册"])
    sheet.append(["序号", "姓名", "身份证号", "手机"])
    start = date(1970, 1, 1)
    for i in range(rows):
        birth = start + timedelta(days=(i * 7) % 10_000)
        number = make_resident_id("320502", birth, 100 + i % 800)
        sheet.append([i + 1, f"职工{i:05d}", number, f"1380000{i % 10000:04d}"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def plain_read(data: bytes) -> int:
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    count = sum(1 for row in book.worksheets[0].iter_rows(values_only=True) for _cell in row)
    book.close()
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--url", default="")
    args = parser.parse_args()
    url = args.url or f"sqlite:///{tempfile.mkdtemp(prefix='roster-bench-')}/bench.sqlite3"
    reset(url)
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        from assist.auth.models import User
        from assist.demo.cli import build_network
        from assist.mutual_aid import services

        build_network(password=PASSWORD)
        admin = db.session.scalars(db.select(User).where(User.username == "sz.admin")).one()
        worker = db.session.scalars(
            db.select(User).where(User.username == "sz-gs-pj.caseworker")
        ).one()
        today = date.today()
        plan = services.create_plan(acting_user=admin, code="B", name="基准计划", kind="hospital")
        term = services.add_term(
            plan,
            acting_user=admin,
            data=services.TermInput(
                label="B1",
                cover_start=today,
                cover_end=today + timedelta(days=364),
                window_opens=today - timedelta(days=30),
                window_closes=today + timedelta(days=30),
                fee_fen=8000,
                subsidy_fen=3000,
                rules={"daily_fen": 5000, "franchise_days": 3, "term_cap_fen": 450_000},
                max_age=70,
            ),
        )
        from stdnum.cn import uscc

        body = "91320508700000001"
        unit = services.create_unit(
            acting_user=worker,
            centre=worker.centre,
            data=services.UnitInput(
                name="基准单位工会",
                uscc=body + uscc.calc_check_digit(body),
                staff_count=args.rows,
                union_members=args.rows,
            ),
        )
        db.session.commit()
        data = roster_file(args.rows)
        plain, dry = [], []
        report = None
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            plain_read(data)
            plain.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            with app.test_request_context():
                report = services.dry_run(
                    unit, term, acting_user=worker, filename="roster.xlsx", data=data
                )
            dry.append(time.perf_counter() - t0)
            db.session.rollback()
        assert report is not None and len(report.valid_rows) == args.rows, report.unit_problems
        # The same dry run as the web page starts it above ROSTER_INLINE_ROWS: a job of the
        # engine (run inline here, outside any request, as a worker runs it).
        from assist.jobs.models import BackgroundJob
        from assist.mutual_aid import jobs as roster_jobs

        token = roster_jobs.keep_roster(worker.id, data, "roster.xlsx", args.rows)
        t0 = time.perf_counter()
        job = roster_jobs.start(
            unit, term, acting_user=worker, token=token, mode="dry_run", rows=args.rows
        )
        db.session.commit()
        as_job = time.perf_counter() - t0
        job = db.session.get(BackgroundJob, job.id)
        assert job.status == "done" and job.result["report"]["rows_valid"] == args.rows, job.error
        p, d = statistics.median(plain), statistics.median(dry)
        print(f"roster of {args.rows} rows ({len(data) / 1024:.0f} KiB xlsx), {url.split(':')[0]}")
        print(f"  plain openpyxl read : {p:7.2f} s median of {args.repeat}")
        print(
            f"  full dry run        : {d:7.2f} s median of {args.repeat}  ({d / p:.1f}× the read)"
        )
        print(f"  as a background job : {as_job:7.2f} s (mutual_aid.roster, once)")
        print(f"  target              : ≤ 10 s -> {'met' if max(d, as_job) <= 10 else 'NOT met'}")


if __name__ == "__main__":
    main()
