"""Benchmark the city dashboard and returns at 100,000 files and 300,000 aid cases.

    python bench/stats_bench.py                    # SQLite in a temporary file
    python bench/stats_bench.py --url postgresql+psycopg://postgres@127.0.0.1:5432/assist_x

The database at --url is EMPTIED and rebuilt through the migrations; files are seeded as in
files_bench.py, then 300,000 cases (and a paid payment for every sixth) are bulk-inserted.
Printed: the background refresh of the summary table; the city dashboard page and
GET /api/v1/stats (median of several requests, whole request) beside a plain baseline — the
same figures counted straight from the records in one request (what a dashboard without the
summary table would do); and compiling a station's and the city's return.
Targets: dashboard ≤ 300 ms, city return ≤ 30 s.
"""

import argparse
import random
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import files_bench  # noqa: E402  (its seeding, network and sign-in)
from sqlalchemy import func, insert, select, text  # noqa: E402

from assist import create_app  # noqa: E402
from assist.extensions import db  # noqa: E402

KINDS = ["living", "medical", "schooling", "holiday", "temporary"]
STATUSES = ["draft", "submitted", "approved", "rejected", "ready_to_pay", "paid", "closed"]


def seed_cases(n: int, files: int, rng: random.Random) -> None:
    from assist.applicants.models import Applicant
    from assist.auth.models import User
    from assist.funds import services as funds

    started = time.perf_counter()
    finance = db.session.scalars(select(User).where(User.username == "sz.finance")).one()
    fund = funds.create_fund(
        acting_user=finance, name="基准资金", source="union_funds", year=2025, allowed_kinds=KINDS
    )
    db.session.commit()
    centres = dict(db.session.execute(select(Applicant.id, Applicant.centre_id)).all())
    cases, payments = [], []
    for i in range(1, n + 1):
        applicant_id = 1 + (i * 7) % files
        centre_id = centres[applicant_id]
        kind = KINDS[i % len(KINDS)]
        status = rng.choice(STATUSES)
        created = datetime(2025, 1, 1) + timedelta(seconds=i * (330 * 86400 // n))
        cases.append(
            {
                "id": i,
                "case_no": f"C{i:07d}",
                "centre_id": centre_id,
                "applicant_id": applicant_id,
                "kind": kind,
                "status": status,
                "amount_requested_fen": 100_000,
                "amount_approved_fen": 100_000,
                "paid_fen": 100_000 if status in ("paid", "closed") else 0,
                "created_at": created,
                "updated_at": created,
                "version": 1,
            }
        )
        if status in ("paid", "closed"):
            payments.append(
                {
                    "case_id": i,
                    "fund_id": fund.id,
                    "centre_id": centre_id,
                    "amount_fen": 100_000,
                    "method": "bank_transfer",
                    "status": "paid",
                    "idempotency_key": f"bench{i:027d}",
                    "paid_at": created + timedelta(days=20),
                }
            )
        if len(cases) == 10_000:
            from assist.cases.models import AidCase
            from assist.funds.models import Payment

            db.session.execute(insert(AidCase), cases)
            if payments:
                db.session.execute(insert(Payment), payments)
            cases, payments = [], []
    from assist.cases.models import AidCase
    from assist.funds.models import Payment

    if cases:
        db.session.execute(insert(AidCase), cases)
    if payments:
        db.session.execute(insert(Payment), payments)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    print(f"seeded {n:,} cases in {time.perf_counter() - started:.1f} s")


def median_ms(fn, runs: int = 7) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="")
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--cases", type=int, default=300_000)
    args = parser.parse_args()
    import tempfile

    url = args.url or f"sqlite:///{tempfile.mkdtemp(prefix='assist-bench-')}/bench.sqlite3"
    files_bench.reset(url)
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, WTF_CSRF_ENABLED=False)
    rng = random.Random(16)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        files_bench.seed(args.files, rng)
        seed_cases(args.cases, args.files, rng)
        from assist.stats.services import refresh_figures

        start = time.perf_counter()
        run = refresh_figures()
        print(
            f"summary table refresh (background job): {time.perf_counter() - start:6.2f} s, {run.rows:,} rows"
        )

    client = app.test_client()
    with app.app_context():
        files_bench.login(client, "sz.auditor")

    def page():
        assert client.get("/stats/?from=2025-01&to=2025-12").status_code == 200

    def baseline():
        # the same kind of figures counted from the records themselves, without the summary
        with app.app_context():
            from assist.applicants.models import Applicant
            from assist.cases.models import AidCase
            from assist.funds.models import Payment

            db.session.execute(
                select(Applicant.status, func.count()).group_by(Applicant.status)
            ).all()
            db.session.execute(
                select(Applicant.category, func.count()).group_by(Applicant.category)
            ).all()
            db.session.execute(
                select(Applicant.main_cause, func.count()).group_by(Applicant.main_cause)
            ).all()
            db.session.execute(select(AidCase.status, func.count()).group_by(AidCase.status)).all()
            db.session.execute(
                select(AidCase.kind, func.sum(Payment.amount_fen))
                .join(AidCase, AidCase.id == Payment.case_id)
                .group_by(AidCase.kind)
            ).all()
            db.session.remove()

    def cold_page():
        app.extensions.pop("stats_built", None)  # the first view after a refresh
        page()

    page()  # warm up
    cold = median_ms(cold_page, 5)
    print(f"city dashboard, first view after a refresh:    {cold:8.1f} ms  (target ≤ 300 ms)")
    print(f"city dashboard page /stats/, repeat views:     {median_ms(page):8.1f} ms")
    print(f"baseline: five GROUP BYs on the records:       {median_ms(baseline, 3):8.1f} ms")

    with app.app_context(), app.test_request_context():
        from assist.auth.models import User
        from assist.centres.models import Centre
        from assist.jobs.models import BackgroundJob
        from assist.returns import jobs

        def compile_as(code):
            user = db.session.scalars(
                select(User).where(User.username == f"{code.lower()}.supervisor")
            ).one()
            centre = db.session.scalars(select(Centre).where(Centre.code == code)).one()
            start = time.perf_counter()
            job = jobs.start(centre, "year", "2025", acting_user=user)
            db.session.commit()  # the "testing" settings run the job here, through the engine
            assert db.session.get(BackgroundJob, job.id).status == "done"
            return time.perf_counter() - start

        print(f"compile a station's yearly return (a job):     {compile_as('SZ-GS-PJ'):8.2f} s")
        print(
            f"compile the city's yearly return (a job):      {compile_as('SZ'):8.2f} s  (target ≤ 30 s)"
        )


if __name__ == "__main__":
    main()
