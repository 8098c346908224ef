"""Benchmark the PDF engine on the sample 困难职工档案 (3 A4 pages).

    /work/main/.venv/bin/python bench/pdf_bench.py              # full run
    /work/main/.venv/bin/python bench/pdf_bench.py --quick      # smaller run
    /work/main/.venv/bin/python bench/pdf_bench.py --ablation   # what each optimisation buys

1. Single process: renders the case file from synthetic plain data (Jinja2 +
   render_pdf) N times after a warm-up and prints the median wall-clock and
   CPU milliseconds per document, the page count and the PDF size.
2. Batch: renders BATCH different case files in this process, then with a
   ProcessPoolExecutor of os.cpu_count() workers (each warms up its own
   FontConfiguration, compact font and stylesheet in its initializer, outside
   the timed part), and prints docs/second for both and the ratio.
3. --ablation: undoes one optimisation at a time (interleaved rounds, CPU
   time) and prints the cost of each against the fully optimised engine, plus
   a naive WeasyPrint baseline.

Wall-clock numbers depend on what else the machine is doing; the CPU column
(time.process_time) is much less sensitive to other processes, and the pool
ratio needs idle cores.  The load average is printed for that reason.  The
sample PDF and HTML are written to bench/out/.
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
import weasyprint
from weasyprint.text.fonts import FontConfiguration

REPO = pathlib.Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as `python bench/pdf_bench.py` from anywhere
    sys.path.insert(0, str(REPO))
pdf = importlib.import_module("assist.documents.pdf")
weasyprint_patches = importlib.import_module("assist.documents.weasyprint_patches")
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


def case_file_html(variant: int = 0) -> str:
    return _template().render(**make_case_file(variant))


def render_case_file(variant: int) -> bytes:
    """Plain data → HTML (Jinja2) → PDF bytes: what the app will do per request."""
    return pdf.render_pdf(case_file_html(variant), static_root=STATIC)


# --- single process ----------------------------------------------------------


def single(n: int, warmup: int) -> dict:
    for i in range(warmup):
        render_case_file(i)
    wall, cpu = [], []
    for _ in range(n):
        start, start_cpu = time.perf_counter(), time.process_time()
        data = render_case_file(0)
        cpu.append((time.process_time() - start_cpu) * 1000)
        wall.append((time.perf_counter() - start) * 1000)
    start = time.perf_counter()
    for _ in range(20):
        html = case_file_html(0)
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


# --- batch ----------------------------------------------------------------------


def _worker_init() -> None:
    # Each worker process builds its own FontConfiguration, compact font and
    # parsed stylesheet, and renders once so Pango's caches are warm.
    render_case_file(0)


def _worker_render(variant: int) -> tuple[int, float]:
    start = time.process_time()
    size = len(render_case_file(variant))
    return size, time.process_time() - start


def _ready(_: int) -> int:
    time.sleep(0.2)  # keep this worker busy so that every worker gets a call
    return os.getpid()


def batch(count: int, workers: int) -> dict:
    start, start_cpu = time.perf_counter(), time.process_time()
    for i in range(count):
        render_case_file(i)
    serial = count / (time.perf_counter() - start)
    serial_cpu_ms = (time.process_time() - start_cpu) / count * 1000

    context = multiprocessing.get_context("spawn")  # no Pango state inherited
    with concurrent.futures.ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_worker_init
    ) as pool:
        pids = set(pool.map(_ready, range(workers * 4)))  # start and warm every worker
        start = time.perf_counter()
        results = list(pool.map(_worker_render, range(count), chunksize=4))
        wall = time.perf_counter() - start
    assert all(size for size, _ in results)
    cpu = sum(seconds for _, seconds in results)
    return {
        "serial": serial,
        "pool": count / wall,
        "ratio": count / wall / serial,
        "workers": len(pids),
        "serial_cpu_ms": serial_cpu_ms,
        "pool_cpu_ms": cpu / count * 1000,
        # CPU seconds the workers got per wall second: 2.0 = both cores
        # were ours; less means other processes took CPU time.
        "parallelism": cpu / wall,
    }


# --- ablation ------------------------------------------------------------------

NAIVE_CSS = (
    "table{table-layout:auto;border-collapse:collapse;background:none}"
    "th,td{border:0.5pt solid #000;white-space:normal}"
    'h1,h2,h3,th{font-family:"Noto Sans CJK SC";font-weight:bold}'
    "@page{@top-left{width:auto}@top-right{width:auto}@bottom-left{width:auto}"
    "@bottom-center{width:auto}@bottom-right{width:auto}}"
)
ALL_OFF = {
    "MINIMAL_UA": False,
    "FAST_PARSE": False,
    "USE_COMPACT_FONT": False,
    "SINGLE_PASS_SUBSET": False,
    "KEEP_TEXT_LAYOUTS": False,
    "FAST_PDF_OPERANDS": False,
    "FAST_PERCENTAGES": False,
    "CACHED_PERCENTAGES": False,
    "CACHED_STRUTS": False,
    "PLAIN_BACKGROUNDS": False,
    "SHARED_STYLES": False,
    "CACHED_FONT_SETUP": False,
    "ZLIB_LEVEL": 9,
    "GC_THRESHOLD": 0,
}
# (label, engine switches, CSS added in a <style> block, special mode)
ABLATIONS = [
    ("fully optimised engine (baseline)", {}, "", None),
    ("table-layout: auto", {}, "table{table-layout:auto}", None),
    ("one-line cells allowed to wrap", {}, ".nw,.num,.code,th{white-space:normal}", None),
    (
        "collapsed borders, not background grid",
        {},
        "table{border-collapse:collapse;background:none}th,td{border:0.5pt solid #000}",
        None,
    ),
    (
        "Sans Bold headings (2 more faces)",
        {},
        'h1,h2,h3,th{font-family:"Noto Sans CJK SC";font-weight:bold}',
        None,
    ),
    ("auto-width margin boxes", {}, NAIVE_CSS[NAIVE_CSS.index("@page") :], None),
    ("stock UA stylesheet", {"MINIMAL_UA": False}, "", None),
    ("HTML5 parser (tinyhtml5)", {"FAST_PARSE": False}, "", None),
    ("full 65k-glyph Noto font", {"USE_COMPACT_FONT": False}, "", "full-font"),
    ("two-pass font subsetting", {"SINGLE_PASS_SUBSET": False}, "", None),
    ("Pango layouts rebuilt for drawing", {"KEEP_TEXT_LAYOUTS": False}, "", None),
    ("pydyf's own operand conversion", {"FAST_PDF_OPERANDS": False}, "", None),
    ("WeasyPrint's own percentage resolution", {"FAST_PERCENTAGES": False}, "", None),
    ("used values resolved for every box", {"CACHED_PERCENTAGES": False}, "", None),
    ("strut looked up by string key", {"CACHED_STRUTS": False}, "", None),
    ("every box's background laid out", {"PLAIN_BACKGROUNDS": False}, "", None),
    ("styles computed afresh per document", {"SHARED_STYLES": False}, "", None),
    ("font description built per text layout", {"CACHED_FONT_SETUP": False}, "", None),
    ("zlib level 9 (pydyf default)", {"ZLIB_LEVEL": 9}, "", None),
    ("default GC thresholds", {"GC_THRESHOLD": 0}, "", None),
    ("new FontConfiguration + CSS per document*", {}, "", "no-cache"),
    ("naive: all of the above undone", ALL_OFF, NAIVE_CSS, "naive"),
]


def stock_render(html: str, static_root: pathlib.Path = STATIC) -> bytes:
    """``html`` with the project's print.css and nothing else, by stock WeasyPrint 70: none
    of assist.documents.pdf's engine measures, and none of naive_render's extra CSS."""
    return naive_render(html, static_root, extra_css="")


def naive_render(
    html: str, static_root: pathlib.Path = STATIC, *, extra_css: str | None = None
) -> bytes:
    """``html`` rendered the way a first attempt would: stock WeasyPrint 70, a new
    FontConfiguration and print.css per document, automatic table layout, collapsed
    borders, Sans Bold headings, and none of assist.documents.pdf's engine measures (its
    WeasyPrint patches are taken out for the render, so not even their wrappers run)."""
    saved = {name: getattr(pdf, name) for name in ALL_OFF}
    for name, value in ALL_OFF.items():
        setattr(pdf, name, value)
    weasyprint_patches.uninstall()
    try:
        font_config = FontConfiguration()
        stylesheet = weasyprint.CSS(filename=static_root / pdf.PRINT_CSS, font_config=font_config)
        return weasyprint.HTML(
            string=_with_style(html, NAIVE_CSS if extra_css is None else extra_css),
            base_url="assist-static:/",
            url_fetcher=pdf.StaticOnlyURLFetcher(static_root),
        ).write_pdf(stylesheets=[stylesheet], font_config=font_config)
    finally:
        for name, value in saved.items():
            setattr(pdf, name, value)
        weasyprint_patches.install()


def _with_style(html: str, css: str) -> str:
    return html.replace("</head>", f"<style>{css}</style></head>", 1)


def ablation(rounds: int) -> None:
    html = case_file_html(0)
    render_case_file(0)
    compact = pdf._font_config
    full_config = (os.getpid(), FontConfiguration())  # without the compact font
    defaults = {name: getattr(pdf, name) for name in ALL_OFF}
    print_css = STATIC / pdf.PRINT_CSS

    def run(switches: dict, css: str, mode: str | None) -> float:
        for name, value in {**defaults, **switches}.items():
            setattr(pdf, name, value)
        pdf._font_config = full_config if mode == "full-font" else compact
        start = time.process_time()
        if mode == "naive":
            naive_render(html)
        elif mode == "no-cache":
            font_config = FontConfiguration()
            stylesheet = weasyprint.CSS(filename=print_css, font_config=font_config)
            pdf._PrintHTML(
                string=html,
                base_url="assist-static:/",
                url_fetcher=pdf.StaticOnlyURLFetcher(STATIC),
            ).write_pdf(
                stylesheets=[stylesheet], font_config=font_config, finisher=pdf._compress_streams
            )
        else:
            pdf.render_pdf(_with_style(html, css), static_root=STATIC)
        return (time.process_time() - start) * 1000

    times = {label: [] for label, *_ in ABLATIONS}
    try:
        for _label, switches, css, mode in ABLATIONS:  # warm every variant once
            run(switches, css, mode)
        for _ in range(rounds):
            for label, switches, css, mode in ABLATIONS:
                times[label].append(run(switches, css, mode))
    finally:
        for name, value in defaults.items():
            setattr(pdf, name, value)
        pdf._font_config = compact
    base = statistics.median(times[ABLATIONS[0][0]])
    print(f"ablation, CPU ms per document, median of {rounds} interleaved rounds:")
    for label, *_ in ABLATIONS:
        value = statistics.median(times[label])
        delta = "" if label == ABLATIONS[0][0] else f"  (+{value - base:5.1f})"
        print(f"  {label:44} {value:7.1f}{delta}")
    print("  * also without the compact font: compare with the full-font row")


def three_way(rounds: int) -> float:
    """The engine, stock WeasyPrint and the naive document on the same HTML, interleaved
    rounds, median CPU ms each; returns the engine's CPU as a share of stock's."""
    html = case_file_html(0)
    pdf.render_pdf(html, static_root=STATIC)  # warm every variant once
    stock_render(html)
    naive_render(html)
    engine, stock, naive = [], [], []
    for _ in range(rounds):
        for out, fn in (
            (engine, lambda: pdf.render_pdf(html, static_root=STATIC)),
            (stock, lambda: stock_render(html)),
            (naive, lambda: naive_render(html)),
        ):
            start = time.process_time()
            fn()
            out.append((time.process_time() - start) * 1000)
    e, s, n = (statistics.median(x) for x in (engine, stock, naive))
    print(f"the same case file three ways, CPU ms per document (median of {rounds} rounds):")
    print(f"  1. this engine (assist.documents.pdf)                      {e:7.1f}")
    print(f"  2. stock WeasyPrint, same HTML + the project's print.css   {s:7.1f}")
    print(f"  3. naive: stock WeasyPrint + its own extra CSS, zlib 9     {n:7.1f}")
    print(
        f"  engine CPU = {e / s:.2f} of stock WeasyPrint's (target <= 0.40: "
        f"{'met' if e / s <= 0.40 else 'NOT met'}); {e / n:.2f} of the naive document's"
    )
    return e / s


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer renders (20 + batch of 60)")
    parser.add_argument("-n", type=int, help="timed single-process renders (default 50)")
    parser.add_argument("--batch", type=int, help="documents in the batch test (default 500)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--no-batch", action="store_true", help="skip the process-pool test")
    parser.add_argument("--ablation", action="store_true", help="cost of each optimisation")
    parser.add_argument("--rounds", type=int, default=7, help="rounds for --ablation")
    parser.add_argument(
        "--three-way", action="store_true", help="only engine vs stock vs naive (CPU)"
    )
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
        "first render in this process (compact font, stylesheet, caches): "
        f"{(time.perf_counter() - start) * 1000:.0f} ms"
    )
    if args.ablation:
        ablation(args.rounds)
        return 0
    three_way(args.rounds)
    if args.three_way:
        return 0

    result = single(n, warmup=5)
    print(
        f"single process, {n} renders after warm-up: median {result['median_ms']:.1f} ms/document "
        f"(min {result['min_ms']:.1f}; CPU median {result['cpu_median_ms']:.1f} ms; Jinja2 part "
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
        print(
            f"  CPU per document: 1 process {result['serial_cpu_ms']:.1f} ms, in the pool "
            f"{result['pool_cpu_ms']:.1f} ms; the workers got {result['parallelism']:.2f} CPUs "
            f"of {result['workers']} (below that, other processes were using the machine)"
        )
    print(f"load average now {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
