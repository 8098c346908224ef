"""Benchmark compiling returns as jobs, up the tiers, on a database seeded with seed-bulk.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/assist_x \\
        flask --app assist db upgrade
    DATABASE_URL=… flask --app assist seed-bulk --files 100000 --cases-per-file 3
    python bench/returns_bench.py --url postgresql+psycopg://postgres@127.0.0.1:5432/assist_x

The database is not emptied; the bench deletes only the returns of the period it compiles
(yearly 2025, the year seed-bulk writes) so it can run again. Each centre's return is compiled
the way the page and the API do it: `returns.jobs.start` queues a `returns.compile` job, the
commit hands it out, and the engine runs it (`engine.run_queued`, as a worker does); the time
is from the queueing to the job's end. Stations compile and sign first, then the districts
from their signed stations, then the city. Printed: each compile, and the city's (target ≤ 30 s)
with the files its figures count. `uptime` is printed before and after: on a shared machine
every figure depends on the load.
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import delete, select  # noqa: E402

from assist import create_app  # noqa: E402
from assist.extensions import db  # noqa: E402

KIND, PERIOD = "year", "2025"


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default=os.environ.get("DATABASE_URL", ""), required=False)
    args = parser.parse_args()
    if not args.url:
        parser.error("give --url of a database seeded with seed-bulk")
    # "runner": a commit hands nothing out; this process runs the queue, as a worker would
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=args.url, JOBS_BACKEND="runner")
    print("before:", uptime())
    with app.app_context(), app.test_request_context():
        from assist.auth.models import User
        from assist.centres.models import Centre
        from assist.jobs import engine
        from assist.jobs.models import BackgroundJob
        from assist.returns import jobs, services
        from assist.returns.models import PeriodReturn, ReturnVersion

        old = select(PeriodReturn.id).where(
            PeriodReturn.period_kind == KIND, PeriodReturn.period == PERIOD
        )
        db.session.execute(delete(ReturnVersion).where(ReturnVersion.return_id.in_(old)))
        db.session.execute(
            delete(PeriodReturn).where(
                PeriodReturn.period_kind == KIND, PeriodReturn.period == PERIOD
            )
        )
        db.session.execute(delete(BackgroundJob).where(BackgroundJob.kind == jobs.KIND))
        db.session.commit()
        centres = db.session.scalars(select(Centre).order_by(Centre.code)).all()
        depth = {c.id: c.code.count("-") for c in centres}

        def compile_and_sign(centre, sign=True) -> float:
            user = db.session.scalars(
                select(User).where(User.username == f"{centre.code.lower()}.supervisor")
            ).one()
            start = time.perf_counter()
            job = jobs.start(centre, KIND, PERIOD, acting_user=user)
            db.session.commit()
            while engine.run_queued(limit=1):
                pass
            seconds = time.perf_counter() - start
            job = db.session.get(BackgroundJob, job.id)
            assert job.status == "done" and job.result.get("version") == 1, (job.status, job.result)
            if sign:
                services.sign_return(services.find_return(centre, KIND, PERIOD), acting_user=user)
                db.session.commit()
            return seconds

        total = 0.0
        for tier in (2, 1):
            for centre in (c for c in centres if depth[c.id] == tier):
                seconds = compile_and_sign(centre)
                total += seconds
                print(f"compile {centre.code:9} (tier {tier}) as a job: {seconds:7.2f} s, signed")
        city = next(c for c in centres if depth[c.id] == 0)
        seconds = compile_and_sign(city, sign=False)
        total += seconds
        figures = services.find_return(city, KIND, PERIOD).current.figures
        files = sum(count for count, _amount in figures["files.status"].values())
        cases = sum(count for count, _amount in figures.get("cases.status", {}).values())
        print(
            f"compile {city.code:9} (city)   as a job: {seconds:7.2f} s  (target ≤ 30 s), "
            f"its figures count {files:,} files" + (f" and {cases:,} cases" if cases else "")
        )
        print(f"every return of the city, stations to city: {total:7.2f} s")
    print("after: ", uptime())


if __name__ == "__main__":
    main()
