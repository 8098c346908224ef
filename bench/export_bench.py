"""Benchmark a large list export run as a background job: time and memory.

    python bench/export_bench.py [--files 50000] [--url postgresql+psycopg://…]

The database is EMPTIED and seeded with `--files` files (bench/files_bench.py's seeder). Then
a fresh process signs in as the city caseworker (who sees every file), asks for
`/files/?format=xlsx` (and csv): more rows than EXPORT_INLINE_ROWS start an `exports.list`
job, run inline here (the test configuration), reading EXPORT_CHUNK_ROWS records at a time.
Printed: rows, seconds for the request that ran the job, rows per second, the process's peak
RSS before and after, the encrypted file's size, and the rows read back with openpyxl.
"""

import argparse
import io
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("ASSIST_INSTANCE_DIR", tempfile.mkdtemp(prefix="assist-bench-"))

from bench.files_bench import login, reset, seed  # noqa: E402


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _keys() -> dict:
    """The seeding and measuring processes share the keys (the test configuration's are random)."""
    return {"DATA_KEY": os.environ["BENCH_DATA_KEY"], "SECRET_KEY": os.environ["BENCH_SECRET_KEY"]}


def measure(url: str, storage: str, fmt: str) -> None:
    from openpyxl import load_workbook

    from assist import create_app
    from assist.extensions import db
    from assist.jobs.models import BackgroundJob

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, STORAGE_DIR=storage, **_keys())
    client = app.test_client()
    login(client, "sz.caseworker")
    client.get("/files/?status=active")  # warm up: templates, queries
    from sqlalchemy import event

    with app.app_context():
        engine = db.engine
    statements = []
    event.listen(engine, "before_cursor_execute", lambda *a, **k: statements.append(1))
    before = _peak_mb()
    started, cpu = time.perf_counter(), time.process_time()
    response = client.get(f"/files/?format={fmt}")
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    after = _peak_mb()
    assert response.status_code == 302, response.status_code
    job_id = int(re.search(r"/exports/(\d+)$", response.headers["Location"]).group(1))
    with app.app_context():
        job = db.session.get(BackgroundJob, job_id)
        assert job.status == "done", (job.status, job.error)
        rows, path = job.result["rows"], job.result["path"]
        size = os.path.getsize(path)
    data = client.get(f"/exports/{job_id}/download").data
    if fmt == "xlsx":
        read = sum(1 for _ in load_workbook(io.BytesIO(data), read_only=True).active.rows) - 1
    else:
        read = data.decode("utf-8-sig").count("\n") - 1
    print(
        f"{fmt}: {rows:,} rows in {seconds:.1f} s, {cpu:.1f} s CPU ({rows / seconds:,.0f} rows/s), "
        f"{len(statements)} SQL statements; peak RSS "
        f"{before:.0f} MB before, {after:.0f} MB after; file {size / 1e6:.1f} MB encrypted; "
        f"{read:,} rows read back"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="")
    parser.add_argument("--files", type=int, default=50_000)
    parser.add_argument("--measure", default="", help=argparse.SUPPRESS)
    parser.add_argument("--storage", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args.url, args.storage, args.measure)
        return
    url = args.url or f"sqlite:///{tempfile.mkdtemp(prefix='assist-bench-')}/bench.sqlite3"
    storage = tempfile.mkdtemp(prefix="bench-storage-")
    reset(url)
    from cryptography.fernet import Fernet
    from flask_migrate import upgrade

    from assist import create_app
    from assist.extensions import db

    os.environ["BENCH_DATA_KEY"] = Fernet.generate_key().decode()
    os.environ["BENCH_SECRET_KEY"] = os.urandom(32).hex()
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, STORAGE_DIR=storage, **_keys())
    with app.app_context():
        upgrade()
        seed(args.files, random.Random(2026))
        db.session.remove()
    # Each export in a fresh process, so its peak memory is its own, not the seeder's.
    for fmt in ("xlsx", "csv"):
        subprocess.run(
            [sys.executable, __file__, "--url", url, "--storage", storage, "--measure", fmt],
            check=True,
        )


if __name__ == "__main__":
    main()
