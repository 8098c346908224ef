"""Benchmark the ledger import's dry run on 10,000 rows beside a plain openpyxl read.

    python bench/import_bench.py                    # SQLite in a temporary file
    python bench/import_bench.py --url postgresql+psycopg://postgres@127.0.0.1:5432/assist_x

The database at --url is EMPTIED and rebuilt through the migrations. A 10,000-row ledger
(households of a head and a member, IDs as text) is written with openpyxl; the baseline is
openpyxl reading every cell of it (read-only mode), the measured figure is the whole dry run
through `assist.imports.services.check` (read, map, validate each household by the
registration rules, look every ID up in bulk, stage every row encrypted in the database).
The issue's target is ≤ 20 s for the dry run.
"""

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("ASSIST_INSTANCE_DIR", tempfile.mkdtemp(prefix="assist-bench-"))

from openpyxl import load_workbook  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from assist import create_app  # noqa: E402
from assist.core.resident_id import make_resident_id  # noqa: E402
from assist.extensions import db  # noqa: E402
from tests.imports.ledger_sheet import head_row, spouse_row, xlsx_bytes  # noqa: E402


def ledger(rows: int) -> bytes:
    from datetime import date

    households = []
    for n in range(rows // 2):
        head = make_resident_id(
            "320502", date(1960 + n % 40, 1 + n % 12, 1 + n % 28), (2 * n + 1) % 1000
        )
        member = make_resident_id(
            "320508", date(1962 + n % 40, 1 + n % 12, 1 + n % 28), (2 * n) % 1000
        )
        households += [head_row("王建国", head), spouse_row(member, head)]
    return xlsx_bytes(households)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="")
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    url = args.url or f"sqlite:///{tempfile.mkdtemp(prefix='assist-bench-')}/bench.sqlite3"
    if url.startswith("postgresql"):
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context(), app.test_request_context():
        from flask_migrate import upgrade

        upgrade()
        from sqlalchemy import select

        from assist.auth.models import User
        from assist.demo.cli import build_network
        from assist.imports import services

        build_network(password="Bench-Pass-2026-x")  # noqa: S106 - throwaway bench users
        db.session.commit()
        user = db.session.scalars(select(User).where(User.username == "sz-gs-pj.caseworker")).one()
        content = ledger(args.rows)

        start = time.perf_counter()
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        cells = sum(len(r) for r in wb.worksheets[0].iter_rows(values_only=True))
        wb.close()
        baseline = time.perf_counter() - start

        start = time.perf_counter()
        batch = services.upload("bench.xlsx", content, acting_user=user)
        services.check(batch, acting_user=user)
        db.session.commit()
        dry_run = time.perf_counter() - start
        print(f"rows: {args.rows}  ({cells} cells), database: {url.split(':')[0]}")
        print(f"plain openpyxl read (baseline): {baseline:6.2f} s")
        print(
            f"dry run (read, validate, bulk ID lookup, stage): {dry_run:6.2f} s  "
            f"valid {batch.valid_rows}, with problems {batch.invalid_rows}  (target ≤ 20 s)"
        )


if __name__ == "__main__":
    main()
