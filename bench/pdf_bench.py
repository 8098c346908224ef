"""Benchmark the PDF engine on the sample 困难职工档案 (3 A4 pages).

    /work/main/.venv/bin/python bench/pdf_bench.py            # full run
    /work/main/.venv/bin/python bench/pdf_bench.py --quick    # smaller run

1. Single process: renders the case file from synthetic plain data (Jinja2 +
   render_pdf) N times after a warm-up and prints the median wall-clock and
   CPU milliseconds per document, the page count and the PDF size.
2. Batch: renders BATCH different case files in this process, then with a
   ProcessPoolExecutor of os.cpu_count() workers (each warms up its own
   FontConfiguration, compact font and stylesheet in its initializer, outside
   the timed part), and prints docs/second for both and the ratio.

Wall-clock numbers depend on what else the machine is doing; the CPU column
(time.process_time) is less sensitive to other processes.  The sample PDF is
written to bench/out/sample_case_file.pdf.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import importlib
import io
import multiprocessing
import os
import pathlib
import statistics
import sys
import time

import jinja2
import pypdf

REPO = pathlib.Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as `python bench/pdf_bench.py` from anywhere
    sys.path.insert(0, str(REPO))
pdf = importlib.import_module("assist.documents.pdf")
make_case_file = importlib.import_module("bench.sample_data").make_case_file

STATIC = REPO / "assist" / "static"
TEMPLATE = "documents/_sample_case_file.html"
TARGET_MS = 150.0
TARGET_RATIO = 1.7

_env: jinja2.Environment | None = None


def _template() -> jinja2.Template:
    global _env
    if _env is None:
        _env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(REPO / "templates"), autoescape=True
        )
    return _env.get_template(TEMPLATE)


def render_case_file(variant: int) -> bytes:
    """Plain data → HTML (Jinja2) → PDF bytes: what the app will do per request."""
    html = _template().render(**make_case_file(variant))
    return pdf.render_pdf(html, static_root=STATIC)


def _worker_init() -> None:
    # Each worker process builds its own FontConfiguration, compact font and
    # parsed stylesheet, and renders once so Pango's caches are warm.
    render_case_file(0)


def _worker_render(variant: int) -> int:
    return len(render_case_file(variant))


def _ready(_: int) -> int:
    time.sleep(0.2)  # keep this worker busy so that every worker gets a call
    return os.getpid()


def single(n: int, warmup: int) -> dict:
    for i in range(warmup):
        render_case_file(i)
    wall, cpu = [], []
    for _ in range(n):
        start, start_cpu = time.perf_counter(), time.process_time()
        data = render_case_file(0)
        cpu.append((time.process_time() - start_cpu) * 1000)
        wall.append((time.perf_counter() - start) * 1000)
    html = _template().render(**make_case_file(0))
    start = time.perf_counter()
    for _ in range(20):
        _template().render(**make_case_file(0))
    jinja_ms = (time.perf_counter() - start) / 20 * 1000
    out = REPO / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "sample_case_file.pdf").write_bytes(data)
    (out / "sample_case_file.html").write_text(html, encoding="utf-8")
    return {
        "median_ms": statistics.median(wall),
        "min_ms": min(wall),
        "cpu_median_ms": statistics.median(cpu),
        "jinja_ms": jinja_ms,
        "pages": len(pypdf.PdfReader(io.BytesIO(data)).pages),
        "bytes": len(data),
    }


def batch(count: int, workers: int) -> dict:
    start = time.perf_counter()
    for i in range(count):
        render_case_file(i)
    serial = count / (time.perf_counter() - start)

    context = multiprocessing.get_context("spawn")  # no Pango state inherited
    with concurrent.futures.ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_worker_init
    ) as pool:
        pids = set(pool.map(_ready, range(workers * 4)))  # start and warm every worker
        start = time.perf_counter()
        sizes = list(pool.map(_worker_render, range(count), chunksize=4))
        pooled = count / (time.perf_counter() - start)
    assert all(sizes)
    return {"serial": serial, "pool": pooled, "ratio": pooled / serial, "workers": len(pids)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer renders (20 + batch of 60)")
    parser.add_argument("-n", type=int, help="timed single-process renders")
    parser.add_argument("--batch", type=int, help="documents in the batch test")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--no-batch", action="store_true")
    args = parser.parse_args(argv)
    n = args.n or (20 if args.quick else 50)
    count = args.batch or (60 if args.quick else 500)

    summary = pdf.check_pdf_environment()
    print(
        f"WeasyPrint {summary['weasyprint']}, font {summary['cjk_font']}, "
        f"libharfbuzz-subset {'yes' if summary['harfbuzz_subset'] else 'NO'}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}"
    )
    start = time.perf_counter()
    render_case_file(0)
    print(
        f"first render in this process (font + stylesheet set-up): {(time.perf_counter() - start) * 1000:.0f} ms"
    )

    result = single(n, warmup=5)
    print(
        f"single process, {n} renders after warm-up: median {result['median_ms']:.1f} ms/document "
        f"(min {result['min_ms']:.1f}, CPU {result['cpu_median_ms']:.1f} ms; Jinja2 part "
        f"{result['jinja_ms']:.1f} ms), {result['pages']} pages, {result['bytes']:,} bytes "
        f"[target <= {TARGET_MS:.0f} ms: {'met' if result['median_ms'] <= TARGET_MS else 'NOT met'}]"
    )
    if not args.no_batch:
        result = batch(count, args.workers)
        print(
            f"batch of {count} case files: 1 process {result['serial']:.2f} docs/s, "
            f"pool of {result['workers']} workers {result['pool']:.2f} docs/s, "
            f"ratio {result['ratio']:.2f}x "
            f"[target >= {TARGET_RATIO}x: {'met' if result['ratio'] >= TARGET_RATIO else 'NOT met'}]"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
