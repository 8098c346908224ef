"""The web pages under gunicorn, driven by a load generator in other processes.

    python bench/web_bench.py --url postgresql+psycopg://postgres@127.0.0.1:5432/assist_bench \
        --seed-files 100000            # EMPTIES the database, seeds it (seed-bulk), measures
    python bench/web_bench.py --url … # measures a database seeded before (same --password)
    python bench/web_bench.py --quick # SQLite in a temporary directory, 2,000 files
    python bench/web_bench.py --url … --during-print 500   # also: a list page's req/s idle
                                      # and while an RQ worker prints 500 case files
    python bench/web_bench.py --url … --print-only --during-print 150 --nice
                                      # the same twice, worker at JOB_NICE=0 then 10

gunicorn serves the app (gunicorn.conf.py; 2 sync workers unless --workers), the load
generator runs --clients processes that each keep one connection and request one page after
another for --seconds per page. For every page it prints req/s and p50/p95/p99 in ms beside
the /healthz floor (a page that touches no table), and the SQL statements one request runs
(counted in-process on the same database). The machine's load average is printed before and
after: on a shared machine the figures move with it.

--during-print N starts `flask --app assist worker` on a queue of its own, measures the list
page idle, queues a batch print of the first N case files, measures the page again once the
first file is done, and waits for the job to end. With --nice [LEVEL] it does that twice, the
worker (and so its renderers) at JOB_NICE=0 and then at JOB_NICE=LEVEL (default 10), and prints
the two side by side; the niceness the worker's processes really ran at is printed too.
"""

import argparse
import http.client
import json
import multiprocessing
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "Bench-Pass-2026-x"  # noqa: S105 - throwaway benchmark users
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


# --- the load generator (runs in child processes) -------------------------------------------


class Client:
    """One keep-alive connection with the session cookie, like one browser tab."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookie = ""

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, bytes]:
        headers = {"Cookie": self.cookie} if self.cookie else {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie" and value.startswith("assist_session="):
                self.cookie = value.split(";", 1)[0]
        return response.status, data

    def login(self, username: str) -> None:
        _status, html = self.request("GET", "/login")
        token = CSRF_RE.search(html.decode()).group(1)
        body = urllib.parse.urlencode(
            {"username": username, "password": PASSWORD, "csrf_token": token}
        )
        status, _ = self.request("POST", "/login", body)
        if status != 302:
            raise SystemExit(f"sign-in as {username} failed ({status})")


def _drive(port: int, username: str, path: str, seconds: float, queue) -> None:
    client = Client(port)
    if username:
        client.login(username)
    client.request("GET", path)  # warm up
    times, errors = [], 0
    end = time.perf_counter() + seconds
    while (now := time.perf_counter()) < end:
        status, _ = client.request("GET", path)
        times.append(time.perf_counter() - now)
        errors += status != 200
    queue.put((times, errors))


def load(port: int, username: str, path: str, seconds: float, clients: int) -> dict:
    """Hit one page from `clients` processes at once for `seconds`; latencies and req/s."""
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    procs = [
        ctx.Process(target=_drive, args=(port, username, path, seconds, queue))
        for _ in range(clients)
    ]
    for p in procs:
        p.start()
    results = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    times = sorted(t for ts, _ in results for t in ts)
    errors = sum(e for _, e in results)

    def pct(q):
        return 1000 * times[min(len(times) - 1, int(q * len(times)))] if times else float("nan")

    return {
        "requests": len(times),
        "errors": errors,
        "rps": len(times) / seconds,
        "p50": pct(0.50),
        "p95": pct(0.95),
        "p99": pct(0.99),
    }


# --- set-up -----------------------------------------------------------------------------------


def seed(url: str, files: int, instance: str) -> None:
    from sqlalchemy import create_engine, text

    if url.startswith("postgresql"):
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    env = dict(os.environ, DATABASE_URL=url, ASSIST_INSTANCE_DIR=instance)
    flask = [sys.executable, "-m", "flask", "--app", "assist"]
    subprocess.run([*flask, "db", "upgrade"], env=env, check=True, cwd=ROOT)  # noqa: S603
    subprocess.run(  # noqa: S603
        [*flask, "seed-bulk", "--files", str(files), "--cases-per-file", "3"]
        + ["--password", PASSWORD],
        env=env,
        check=True,
        cwd=ROOT,
    )
    subprocess.run([*flask, "ledger", "verify"], env=env, check=True, cwd=ROOT)  # noqa: S603


def pages(url: str, instance: str) -> tuple[list[tuple[str, str, str]], dict[str, int]]:
    """The pages to measure, with ids picked from the data, and their statement counts."""
    os.environ["ASSIST_INSTANCE_DIR"] = instance
    from sqlalchemy import event, func, select

    from assist import create_app
    from assist.applicants.models import Applicant
    from assist.cases.models import AidCase
    from assist.extensions import db
    from assist.funds.models import LedgerEntry, Payment

    app = create_app("development", SQLALCHEMY_DATABASE_URI=url, JOBS_BACKEND="inline")
    with app.app_context():
        n_files = db.session.scalar(select(func.max(Applicant.id))) or 1
        file_id = n_files // 2
        case_id = db.session.scalar(
            select(AidCase.id).where(AidCase.paid_fen > 0).order_by(AidCase.id.desc()).limit(1)
        )
        payment_id = db.session.scalar(select(func.max(Payment.id)))
        deep_entry = (db.session.scalar(select(func.max(LedgerEntry.id))) or 0) // 3
        deep_case = (db.session.scalar(select(func.max(AidCase.id))) or 0) // 3
        deep_file = n_files // 3
        db.session.remove()
    todo = [
        ("healthz (floor)", "", "/healthz"),
        ("landing, auditor", "sz.auditor", "/"),
        ("landing, supervisor", "sz.supervisor", "/"),
        ("file list p1", "sz.supervisor", "/files/"),
        ("file list deep", "sz.supervisor", f"/files/?after={deep_file}&page=2000"),
        ("name search 建国", "sz.supervisor", "/files/?q=" + urllib.parse.quote("建国")),
        ("name search, no match", "sz.supervisor", "/files/?q=" + urllib.parse.quote("无此人")),
        ("file detail", "sz.supervisor", f"/files/{file_id}"),
        ("case list p1", "sz.supervisor", "/cases/"),
        ("case list deep", "sz.supervisor", f"/cases/?after={deep_case}&page=2000"),
        ("case detail", "sz.supervisor", f"/cases/{case_id}"),
        ("ledger p1", "sz.auditor", "/funds/ledger"),
        ("ledger deep", "sz.auditor", f"/funds/ledger?after={deep_entry}&page=2000"),
        ("payments p1", "sz.auditor", "/funds/payments"),
        ("payment detail", "sz.auditor", f"/funds/payments/{payment_id}"),
        ("reconciliation", "sz.auditor", "/funds/reconciliation"),
        ("balances", "sz.auditor", "/funds/balances"),
    ]
    counts: dict[str, int] = {}
    clients: dict[str, object] = {}
    for label, username, path in todo:
        client = clients.get(username)
        if client is None:
            client = clients[username] = app.test_client()
            if username:
                html = client.get("/login").get_data(as_text=True)
                token = CSRF_RE.search(html).group(1)
                client.post(
                    "/login",
                    data={"username": username, "password": PASSWORD, "csrf_token": token},
                )
        client.get(path)  # the first request of a page may set things up (the first check)
        n = [0]

        def count(*_args, _n=n):
            _n[0] += 1

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", count)
        response = client.get(path)
        event.remove(engine, "before_cursor_execute", count)
        if response.status_code != 200:
            raise SystemExit(f"{path}: {response.status_code}")
        counts[label] = n[0]
    with app.app_context():
        db.engine.dispose()
    return todo, counts


def start_gunicorn(url: str, instance: str, workers: int, port: int) -> subprocess.Popen:
    env = dict(
        os.environ,
        DATABASE_URL=url,
        ASSIST_INSTANCE_DIR=instance,
        ASSIST_CONFIG="development",  # production needs HTTPS for its cookies
        SECRET_KEY=secrets.token_urlsafe(48),
        WEB_CONCURRENCY=str(workers),
        GUNICORN_BIND=f"127.0.0.1:{port}",
        LOG_JSON="1",
        JOBS_BACKEND="inline",  # nothing is submitted by these GET pages except a first check
        XDG_RUNTIME_DIR=instance,  # gunicorn's control socket
    )
    log = open(Path(instance) / "gunicorn.log", "w")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py")],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=log,
    )
    for _ in range(120):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("gunicorn did not start; see " + str(Path(instance) / "gunicorn.log"))


def rss_mb(pid: int) -> float:
    """Resident memory of gunicorn's workers (children of the master), the largest, in MB."""
    out = subprocess.run(  # noqa: S603
        ["ps", "-o", "rss=", "--ppid", str(pid)],  # noqa: S607
        capture_output=True,
        text=True,
    ).stdout.split()
    return max((int(x) for x in out), default=0) / 1024


def _processes() -> list[tuple[int, int, int]]:
    out = subprocess.run(  # noqa: S603
        ["ps", "-e", "-o", "pid=,ppid=,rss="],  # noqa: S607
        capture_output=True,
        text=True,
    ).stdout.split()
    return [tuple(map(int, out[i : i + 3])) for i in range(0, len(out), 3)]


def family(pid: int, rows=None) -> set[int]:
    """A process and all its descendants."""
    rows = rows if rows is not None else _processes()
    found, grew = {pid}, True
    while grew:
        grew = False
        for p, parent, _rss in rows:
            if parent in found and p not in found:
                found.add(p)
                grew = True
    return found


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants (the worker, its work horse and
    the horse's render processes), summed, in MB."""
    rows = _processes()
    members = family(pid, rows)
    return sum(rss for p, _parent, rss in rows if p in members) / 1024


def during_print(
    url: str, instance: str, port: int, args, redis_url: str, nice: int | None = None
) -> dict:
    """A list page's req/s idle, then while an RQ worker process prints `args.during_print`
    case files; the worker's RSS (with its work horse and renderers) sampled throughout.
    `nice`: the worker's JOB_NICE (None: the environment's, else the app's default)."""
    import dataclasses
    import threading

    from sqlalchemy import select

    from assist import create_app
    from assist.applicants.documents import stations
    from assist.auth.models import User
    from assist.documents import jobs
    from assist.documents.models import PrintJob
    from assist.documents.registry import get_spec
    from assist.extensions import db

    # our own queue: other workers on this Redis ignore it
    queue = f"assist-bench-{os.getpid()}-{'env' if nice is None else nice}"
    settings = dict(REDIS_URL=redis_url, JOBS_BACKEND="rq", JOBS_QUEUE=queue)
    env = dict(
        os.environ,
        DATABASE_URL=url,
        ASSIST_INSTANCE_DIR=instance,
        ASSIST_STORAGE_DIR=str(Path(instance) / "storage"),
        **settings,
    )
    if nice is not None:
        env["JOB_NICE"] = str(nice)
    log = open(Path(instance) / "worker.log", "w")  # noqa: SIM115 - closed with the process
    worker = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "flask", "--app", "assist", "worker"],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=log,
    )
    path, username = "/cases/", "sz.supervisor"
    try:
        time.sleep(3)
        idle_rss = tree_rss_mb(worker.pid)
        idle = load(port, username, path, args.seconds, args.clients)
        os.environ["ASSIST_STORAGE_DIR"] = env["ASSIST_STORAGE_DIR"]
        app = create_app("development", SQLALCHEMY_DATABASE_URI=url, **settings)
        with app.app_context():
            creator = db.session.scalars(select(User).where(User.username == username)).one()
            code = stations(creator)[0][0]
            spec = get_spec("case_file")
            first_n = dataclasses.replace(
                spec,
                batch_subjects=lambda u, v: spec.batch_subjects(u, v)[: args.during_print],
            )
            job = jobs.create_job(first_n, code, acting_user=creator, output="zip")
            db.session.commit()
            job_id = job.id
            started = time.perf_counter()
            jobs.kick(app)  # queued for the RQ worker
            samples: list[tuple[float, float]] = []
            nices: set[int] = set()  # of the worker, its horse and the renderers
            stop = threading.Event()

            def sample():
                while not stop.wait(1.0):
                    samples.append((time.perf_counter() - started, tree_rss_mb(worker.pid)))
                    for pid in family(worker.pid):
                        try:
                            nices.add(os.getpriority(os.PRIO_PROCESS, pid))
                        except OSError:
                            pass  # ended between the listing and the question

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            while True:  # wait for the worker to start printing
                db.session.rollback()
                job = db.session.get(PrintJob, job_id)
                if job.done or job.status not in ("queued", "running"):
                    break
                time.sleep(0.5)
            busy = load(port, username, path, args.seconds, args.clients)
            db.session.rollback()
            done_during = db.session.get(PrintJob, job_id).done
            deadline = time.perf_counter() + args.print_timeout
            while time.perf_counter() < deadline:
                db.session.rollback()
                job = db.session.get(PrintJob, job_id)
                if job.status not in ("queued", "running"):
                    break
                time.sleep(2)
            elapsed = time.perf_counter() - started
            stop.set()
            sampler.join()
            result = {
                "documents": job.total,
                "status": job.status,
                "done": job.done,
                "done_while_measuring": done_during,
                "job_seconds": elapsed,
                "idle": idle,
                "busy": busy,
                "worker_rss_idle_mb": idle_rss,
                "worker_rss_samples": samples,
                "job_nice": env.get("JOB_NICE", "default"),
                "niceness_seen": sorted(nices),
            }
            db.engine.dispose()
        print_during(result)
    finally:
        # RQ's warm shut-down would wait for the whole print: stop the worker, its horse and
        # renderers now (the job stays "running"; a later runner takes it over once stale).
        for pid in family(worker.pid):  # the work horse runs in a process group of its own
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        worker.wait(30)
    return result


def print_during(r: dict) -> None:
    idle, busy = r["idle"], r["busy"]
    rss = [m for _t, m in r["worker_rss_samples"]]
    print()
    print(
        f"[JOB_NICE={r['job_nice']}; worker processes seen at niceness {r['niceness_seen']}] "
        f"list page (/cases/) while an RQ worker prints {r['documents']} case files "
        f"({r['done_while_measuring']} printed during the measurement; job {r['status']}, "
        f"{r['done']} done in {r['job_seconds']:.0f} s)"
    )
    print(f"  idle     {idle['rps']:7.1f} req/s  p50 {idle['p50']:7.1f}  p95 {idle['p95']:7.1f} ms")
    print(
        f"  printing {busy['rps']:7.1f} req/s  p50 {busy['p50']:7.1f}  p95 {busy['p95']:7.1f} ms"
        f"  = {100 * busy['rps'] / idle['rps']:.0f}% of idle (target ≥ 80%)"
    )
    if rss:
        quarter = max(1, len(rss) // 4)
        print(
            f"  print worker RSS (worker + work horse + renderers): idle "
            f"{r['worker_rss_idle_mb']:.0f} MB; during the job min {min(rss):.0f}, "
            f"first quarter max {max(rss[:quarter]):.0f}, last quarter max "
            f"{max(rss[-quarter:]):.0f}, max {max(rss):.0f} MB ({len(rss)} samples)"
        )


def print_side_by_side(runs: list[dict]) -> None:
    print()
    print(f"list page (/cases/) idle vs while a worker prints {runs[0]['documents']} case files")
    print(
        f"{'JOB_NICE':>8} {'niceness seen':>14} {'idle req/s':>10} {'printing':>9} "
        f"{'ratio':>6} {'p95 idle':>9} {'p95 print':>9} {'job s':>6}"
    )
    for r in runs:
        idle, busy = r["idle"], r["busy"]
        print(
            f"{r['job_nice']:>8} {','.join(map(str, r['niceness_seen'])):>14} "
            f"{idle['rps']:10.1f} {busy['rps']:9.1f} {100 * busy['rps'] / idle['rps']:5.0f}% "
            f"{idle['p95']:9.1f} {busy['p95']:9.1f} {r['job_seconds']:6.0f}"
        )
    print("(target: printing ≥ 80% of idle)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="")
    parser.add_argument("--seed-files", type=int, default=0, help="empty the database and seed")
    parser.add_argument("--instance", default="", help="instance dir holding the data key")
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--quick", action="store_true", help="SQLite, 2,000 files, 2 s a page")
    parser.add_argument("--json", default="", help="also write the figures to this file")
    parser.add_argument(
        "--during-print", type=int, default=0, help="also measure while a worker prints N files"
    )
    parser.add_argument("--print-timeout", type=float, default=1800)
    parser.add_argument(
        "--nice",
        type=int,
        nargs="?",
        const=10,
        default=None,
        help="with --during-print: run it at JOB_NICE=0 and at JOB_NICE=LEVEL (default 10)",
    )
    parser.add_argument("--print-only", action="store_true", help="skip the pages but /healthz")
    parser.add_argument(
        "--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    args = parser.parse_args()
    instance = args.instance or tempfile.mkdtemp(prefix="assist-web-bench-")
    url = args.url
    if args.quick:
        url = url or f"sqlite:///{instance}/bench.sqlite3"
        args.seed_files = args.seed_files or 2_000
        args.seconds = min(args.seconds, 2)
    if not url:
        raise SystemExit("--url postgresql+psycopg://… (or --quick)")
    if args.seed_files:
        started = time.perf_counter()
        seed(url, args.seed_files, instance)
        print(f"seeded {args.seed_files:,} files in {time.perf_counter() - started:.0f} s")
    todo, counts = pages(url, instance)
    load_before = os.getloadavg()
    server = start_gunicorn(url, instance, args.workers, args.port)
    rows = []
    try:
        for label, username, path in todo if not args.print_only else todo[:1]:
            figures = load(args.port, username, path, args.seconds, args.clients)
            figures.update(label=label, statements=counts[label])
            rows.append(figures)
            print(
                f"{label:24} {figures['rps']:7.1f} req/s  p50 {figures['p50']:7.1f}  "
                f"p95 {figures['p95']:7.1f}  p99 {figures['p99']:7.1f} ms  "
                f"{counts[label]:3} statements"
                + (f"  {figures['errors']} errors" if figures["errors"] else ""),
                flush=True,
            )
        rss = rss_mb(server.pid)
        if not args.during_print:
            printing = None
        elif args.nice is None:
            printing = during_print(url, instance, args.port, args, args.redis_url)
        else:
            printing = [
                during_print(url, instance, args.port, args, args.redis_url, nice=level)
                for level in (0, args.nice)
            ]
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(120)
        except subprocess.TimeoutExpired:
            server.kill()
    load_after = os.getloadavg()
    floor = rows[0]
    print()
    print(
        f"database: {url.split('@')[-1]}; gunicorn {args.workers} sync workers; "
        f"{args.clients} client processes; {args.seconds:g} s a page"
    )
    print(
        f"cores: {os.cpu_count()}; load average before {load_before[0]:.2f}, "
        f"after {load_after[0]:.2f}; largest web worker RSS after the run: {rss:.0f} MB"
    )
    print(
        f"{'page':24} {'req/s':>7} {'% floor':>7} {'p50':>7} {'×floor':>6} {'p95':>7} {'p99':>7} {'stmts':>5}"
    )
    for r in rows:
        print(
            f"{r['label']:24} {r['rps']:7.1f} {100 * r['rps'] / floor['rps']:6.0f}% "
            f"{r['p50']:7.1f} {r['p50'] / floor['p50']:6.1f} {r['p95']:7.1f} {r['p99']:7.1f} "
            f"{r['statements']:5}"
        )
    if isinstance(printing, list):
        print_side_by_side(printing)
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "load_before": load_before,
                    "load_after": load_after,
                    "rss_mb": rss,
                    "rows": rows,
                    "during_print": printing,
                },
                ensure_ascii=False,
                indent=1,
            )
        )


if __name__ == "__main__":
    main()
