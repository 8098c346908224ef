"""Benchmark the real case file (困难职工档案) end to end, and batch printing of 500 files.

    /work/main/.venv/bin/python bench/case_file_bench.py            # full run
    /work/main/.venv/bin/python bench/case_file_bench.py --quick    # smaller run

Builds demo-like data in a temporary SQLite database through the app's services (the
households of tests/documents/builders.py: four people, an assessment, a visit, a review,
four aid cases with their timelines and three payments: a 3-page case file), then prints:

1. render only: median wall and CPU milliseconds of HTML → PDF (render_pdf) in one process;
2. end to end: load + build the plain data + Jinja + record the issued document + render +
   hash and count pages (documents.services as the download route runs it), one process;
3. batch: 500 case files rendered in this process, then by a pool of os.cpu_count() worker
   processes (spawned and warmed up like the print-job runner's, outside the timing);
   documents per second for both and the ratio.

4. calibration: the same HTML rendered by naive WeasyPrint (stock engine, automatic table
   layout, collapsed borders, new font configuration per document: bench/pdf_bench.py's
   "naive" row), interleaved with this engine so both see the same machine speed.

Targets (issue 6): ≤ 150 ms median per case file, batch ≥ 1.7× the single-process rate on
2 cores. The issue calibrates the first on machines where naive WeasyPrint 70 takes
320–410 ms for such a document; machines differ (the naive figure here is printed), so the
run also prints this engine's time as a fraction of naive on the same machine, and what
that fraction comes to on the issue's reference machines. Wall-clock figures need an
otherwise idle machine: the load average is printed.
"""

import argparse
import io
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("ASSIST_INSTANCE_DIR", tempfile.mkdtemp(prefix="assist-bench-"))

import pypdf  # noqa: E402

from assist import create_app  # noqa: E402
from assist.documents import services, worker  # noqa: E402
from assist.documents.pdf import render_pdf  # noqa: E402
from assist.documents.registry import get_spec  # noqa: E402
from assist.extensions import db  # noqa: E402
from bench.pdf_bench import naive_render, stock_render  # noqa: E402

OUT = ROOT / "bench" / "out"
TARGET_MS = 150.0
REFERENCE_NAIVE_MS = (320.0, 410.0)  # naive WeasyPrint 70 on the issue's machines


def timed(fn) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def median_ms(fn, runs: int) -> tuple[float, float]:
    samples = [timed(fn) for _ in range(runs)]
    return statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples)


def calibrate(html: str, static_root: Path, rounds: int) -> None:
    """This engine, stock WeasyPrint and naive WeasyPrint on the same HTML, interleaved."""
    naive_render(html, static_root)  # warm-up
    stock_render(html, static_root)
    engine, stock, naive = [], [], []
    for _ in range(rounds):
        engine.append(timed(lambda: render_pdf(html, static_root=static_root))[1])
        stock.append(timed(lambda: stock_render(html, static_root))[1])
        naive.append(timed(lambda: naive_render(html, static_root))[1])
    engine_ms = statistics.median(engine)
    stock_ms, naive_ms = statistics.median(stock), statistics.median(naive)
    share = engine_ms / naive_ms
    low, high = (share * ms for ms in REFERENCE_NAIVE_MS)
    print(f"\nthree ways, median CPU ms of {rounds} interleaved rounds on the same HTML")
    print(f"  this engine (assist.documents.pdf):              {engine_ms:7.1f}")
    print(
        f"  stock WeasyPrint 70, same HTML and print.css:    {stock_ms:7.1f}"
        f"  (engine = {engine_ms / stock_ms:.2f} of it; target ≤ 0.40)"
    )
    print(
        f"  naive: stock + its own CSS (auto tables, bold):  {naive_ms:7.1f}"
        f"  (engine = {share:.2f} of it)"
    )
    print(
        f"  where naive takes {REFERENCE_NAIVE_MS[0]:.0f}–{REFERENCE_NAIVE_MS[1]:.0f} ms "
        f"(the issue's machines) that share is {low:.0f}–{high:.0f} ms per case file"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs, 100-file batch")
    parser.add_argument("--runs", type=int, default=0)
    parser.add_argument("--batch", type=int, default=0)
    parser.add_argument("--households", type=int, default=8)
    args = parser.parse_args()
    runs = args.runs or (7 if args.quick else 25)
    batch = args.batch or (100 if args.quick else 500)

    url = f"sqlite:///{tempfile.mkdtemp(prefix='assist-bench-')}/bench.sqlite3"
    app = create_app(
        "testing", SQLALCHEMY_DATABASE_URI=url, STORAGE_DIR=tempfile.mkdtemp(prefix="bench-")
    )
    static_root = Path(app.static_folder)
    with app.app_context():
        from flask_migrate import upgrade

        from assist.demo.cli import build_network
        from tests.documents.builders import demo_household
        from tests.factories import user

        upgrade()
        build_network(password="Bench-Pass-2026-x")  # noqa: S106 - throwaway users
        started = time.perf_counter()
        households = [demo_household(n=n) for n in range(args.households)]
        db.session.commit()
        print(
            f"data: {len(households)} households built through the services in "
            f"{time.perf_counter() - started:.1f} s"
        )
        ids = [h.id for h in households]
        spec = get_spec("case_file")
        caseworker = user("sz-gs-pj.caseworker")

        def html_for(applicant_id: int) -> str:
            subject = spec.load(caseworker, applicant_id)
            return services.prepare(spec, subject, acting_user=caseworker)[1]

        html = html_for(ids[0])
        pdf = render_pdf(html, static_root=static_root)  # warm-up: fonts, stylesheet
        pages = len(pypdf.PdfReader(io.BytesIO(pdf)).pages)
        OUT.mkdir(exist_ok=True)
        (OUT / "case_file.pdf").write_bytes(pdf)
        (OUT / "case_file.html").write_text(html, encoding="utf-8")
        print(f"case file: {pages} pages, {len(pdf) / 1024:.0f} KB (bench/out/case_file.pdf)")

        render_ms = median_ms(lambda: render_pdf(html, static_root=static_root), runs)

        def end_to_end():
            document, pdf = services.issue("case_file", ids[0], acting_user=caseworker)
            db.session.rollback()  # keep the database as it was: each run issues afresh

        e2e_ms = median_ms(end_to_end, runs)
        print(f"\nsingle process, median of {runs} (wall / CPU ms per case file)")
        print(f"  render only (HTML → PDF):          {render_ms[0]:7.1f} / {render_ms[1]:7.1f}")
        print(f"  end to end (load+build+render+record): {e2e_ms[0]:7.1f} / {e2e_ms[1]:7.1f}")
        verdict = "met" if render_ms[0] <= TARGET_MS else "NOT met on this machine"
        print(f"  target ≤ {TARGET_MS:.0f} ms median: {verdict}")

        calibrate(html, static_root, max(3, runs // 3))

        htmls = [html_for(ids[n % len(ids)]) for n in range(batch)]
        db.session.rollback()

    started = time.perf_counter()
    for text in htmls:
        render_pdf(text, static_root=static_root)
    single = time.perf_counter() - started

    workers = os.cpu_count() or 1
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=worker.warm_up) as pool:
        list(pool.map(worker.render, htmls[: workers * 2]))  # every worker warmed and ready
        started = time.perf_counter()
        results = list(pool.map(worker.render, htmls, chunksize=4))
        pooled = time.perf_counter() - started
    assert len(results) == batch and all(r.startswith(b"%PDF") for r in results)

    print(f"\nbatch of {batch} case files")
    print(f"  one process:         {batch / single:6.1f} files/s ({single:.1f} s)")
    print(f"  pool of {workers} workers:   {batch / pooled:6.1f} files/s ({pooled:.1f} s)")
    print(f"  ratio:               {single / pooled:6.2f}x")
    print(f"\nload average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}, cpus: {workers}")


if __name__ == "__main__":
    main()
