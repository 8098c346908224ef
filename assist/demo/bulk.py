"""`flask --app assist seed-bulk`: a city's worth of files, cases, payments and ledger rows, fast.

For benchmarks, not for demonstrations: rows go in by COPY on PostgreSQL (executemany on
SQLite), not one service call per row, yet every rule the checks know holds: each paid case
has its payment and its ledger row, allocations flow down the tiers in pairs, running
balances chain, and the balance rows equal the ledger (`flask --app assist ledger verify`).
"""

import json
import random
import time
from datetime import date, datetime, timedelta

import click
from flask.cli import with_appcontext
from sqlalchemy import func, insert, select, text

from assist.applicants.models import Applicant, FileCounter, ResidentId
from assist.auth.models import User
from assist.cases.models import AidCase, CaseCounter
from assist.centres.models import Centre
from assist.core.crypto import encrypt, keyed_hash
from assist.core.resident_id import make_resident_id
from assist.extensions import db
from assist.funds.models import Balance, Fund, LedgerEntry, Payment

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = "建国秀英桂英志强丽华海燕国庆红梅建华玉兰文杰晓东春梅伟芳敏静强磊军洋勇艳杰娟涛明超兰霞平刚凤东红美玲燕德宏雪丹鹏婷浩然涵怡轩桐"
FILE_STATES = ["active"] * 6 + [
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
CASE_KINDS = ["living", "medical", "schooling", "holiday"]
YEAR = 2025
CHUNK = 20_000


def copy_rows(model, rows: list[dict]) -> None:
    """Insert rows fast: COPY on PostgreSQL, executemany elsewhere."""
    if not rows:
        return
    session = db.session
    if session.get_bind().dialect.name != "postgresql":
        session.execute(insert(model), rows)
        return
    table = model.__table__
    columns = list(rows[0])
    json_cols = {c.name for c in table.columns if c.type.__class__.__name__ == "JSON"}
    raw = session.connection().connection.driver_connection
    with raw.cursor() as cur:
        sql = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
        with cur.copy(sql) as copy:
            for row in rows:
                copy.write_row([json.dumps(row[c]) if c in json_cols else row[c] for c in columns])


def file_row(i: int, centre: Centre, seq: int, rng: random.Random, today: date) -> dict:
    """One realistic hardship file (fictitious, valid resident ID, encrypted at rest)."""
    birth = date(1950, 1, 1) + timedelta(days=(i * 7919) % 18000)
    # 18,000 birth dates × a region per block of 18,000 × 1,000 sequence numbers: all differ.
    number = make_resident_id(f"{320500 + (i // 18000) % 90:06d}", birth, i % 1000)
    status = rng.choice(FILE_STATES)
    active = status == "active"
    created = datetime(YEAR, 1, 1) + timedelta(seconds=i % (300 * 86400))
    return {
        "id": i,
        "file_no": f"{centre.code}-{YEAR}-{seq:05d}",
        "centre_id": centre.id,
        "status": status,
        "category": rng.choice(CATEGORIES),
        "name": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
        "id_number_enc": encrypt(number),
        "id_hash": keyed_hash(number),
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
        "created_at": created,
        "updated_at": created,
        "review_due_on": today + timedelta(days=rng.randint(-200, 365)) if active else None,
        "last_reviewed_on": today - timedelta(days=rng.randint(0, 500)) if active else None,
    }


def seed_files(n: int, rng: random.Random, *, start: int = 1) -> dict[int, list]:
    """Insert files start..start+n-1 at the stations; return {station id: [(file id, name)]}."""
    stations = db.session.scalars(select(Centre).where(Centre.tier == 3).order_by(Centre.id)).all()
    today = date.today()
    seqs: dict[int, int] = {}
    by_station: dict[int, list] = {s.id: [] for s in stations}
    batch, claims = [], []
    for i in range(start, start + n):
        centre = stations[i % len(stations)]
        seqs[centre.id] = seqs.get(centre.id, 0) + 1
        row = file_row(i, centre, seqs[centre.id], rng, today)
        by_station[centre.id].append((i, row["name"]))
        batch.append(row)
        claims.append({"id_hash": row["id_hash"], "applicant_id": i})
        if len(batch) == CHUNK:
            copy_rows(Applicant, batch)
            copy_rows(ResidentId, claims)
            batch, claims = [], []
    copy_rows(Applicant, batch)
    copy_rows(ResidentId, claims)
    for centre_id, last in seqs.items():
        db.session.execute(
            insert(FileCounter).values(centre_id=centre_id, year=YEAR, last_seq=last)
        )
    return by_station


class _Ledger:
    """Ledger rows with ids, running balances and the final balance per (fund, centre)."""

    def __init__(self, fund_id: int):
        self.fund_id = fund_id
        self.rows: list[dict] = []
        self.balances: dict[int, int] = {}
        self.totals: dict[int, dict] = {}
        self.next_id = 1
        self.at = datetime(YEAR, 1, 2)

    def add(self, centre_id: int, kind: str, amount: int, **extra) -> int:
        balance = self.balances.get(centre_id, 0) + amount
        self.balances[centre_id] = balance
        totals = self.totals.setdefault(centre_id, {"entries": 0, "by_kind": {}})
        totals["entries"] += 1
        totals["by_kind"][kind] = totals["by_kind"].get(kind, 0) + amount
        row_id = self.next_id
        self.next_id += 1
        self.rows.append(
            {
                "id": row_id,
                "fund_id": self.fund_id,
                "centre_id": centre_id,
                "kind": kind,
                "amount_fen": amount,
                "balance_after_fen": balance,
                "counterpart_centre_id": extra.get("counterpart"),
                "related_entry_id": extra.get("related"),
                "case_id": extra.get("case_id"),
                "payment_id": extra.get("payment_id"),
                "reference": extra.get("reference", ""),
                "note": "",
                "user_id": extra.get("user_id"),
                "created_at": extra.get("at", self.at),
            }
        )
        return row_id

    def transfer(self, giver: Centre, taker: Centre, amount: int, kind: str) -> None:
        out = self.add(giver.id, f"{kind}_out", -amount, counterpart=taker.id)
        self.add(taker.id, f"{kind}_in", amount, counterpart=giver.id, related=out)


def seed_bulk(files: int, cases_per_file: int, seed: int = 2026) -> dict:
    """Files, cases (most of them paid), one fund allocated down the tiers, the ledger."""
    rng = random.Random(seed)  # noqa: S311  (reproducible benchmark data, not secrets)
    started = time.perf_counter()
    by_station = seed_files(files, rng)
    centres = {c.id: c for c in db.session.scalars(select(Centre))}
    city = next(c for c in centres.values() if c.parent_id is None)
    finance = {
        u.centre_id: u.id
        for u in db.session.scalars(select(User).where(User.username.like("%.finance")))
    }
    fund = Fund(
        name=f"{YEAR}年困难职工帮扶资金（基准测试）",
        source="union_funds",
        year=YEAR,
        allowed_kinds=CASE_KINDS,
        centre_id=city.id,
        note="seed-bulk",
    )
    db.session.add(fund)
    db.session.flush()

    cases, payments, pay_rows = [], [], []
    case_id = payment_id = 0
    need: dict[int, int] = {}
    counters: dict[int, int] = {}
    paid_at = datetime(YEAR, 6, 1)
    for station_id, station_files in by_station.items():
        station = centres[station_id]
        for file_id, name in station_files:
            for j in range(cases_per_file):
                case_id += 1
                counters[station_id] = counters.get(station_id, 0) + 1
                kind = CASE_KINDS[j % len(CASE_KINDS)]
                roll = rng.random()
                status = (
                    "paid"
                    if roll < 0.7
                    else "ready_to_pay"
                    if roll < 0.8
                    else "submitted"
                    if roll < 0.9
                    else "rejected"
                )
                if j >= len(CASE_KINDS):
                    status = "rejected"  # one open case per household and kind
                amount = rng.randint(5, 60) * 10_000
                approved = amount if status in ("paid", "ready_to_pay") else None
                created = datetime(YEAR, 1, 1) + timedelta(minutes=case_id % 200_000)
                cases.append(
                    {
                        "id": case_id,
                        "case_no": f"{station.code}-{YEAR}-C{counters[station_id]:06d}",
                        "centre_id": station_id,
                        "applicant_id": file_id,
                        "kind": kind,
                        "status": status,
                        "person_name": "",
                        "person_id_last4": "",
                        "person_address": "",
                        "amount_requested_fen": amount,
                        "amount_approved_fen": approved,
                        "paid_fen": amount if status == "paid" else 0,
                        "service_given": "",
                        "reason": "生活困难",
                        "approval_centre_id": station_id,
                        "created_at": created,
                        "updated_at": created,
                        "submitted_at": created,
                        "approved_at": created if approved else None,
                        "open_key": None if status == "rejected" else f"{kind}:a{file_id}",
                        "version": 1,
                    }
                )
                if status == "paid":
                    payment_id += 1
                    need[station_id] = need.get(station_id, 0) + amount
                    payments.append(
                        {
                            "id": payment_id,
                            "case_id": case_id,
                            "fund_id": fund.id,
                            "centre_id": station_id,
                            "amount_fen": amount,
                            "method": "cash",
                            "status": "paid",
                            "recipient_name": name,
                            "bank_reference": "",
                            "bank_name": "",
                            "account_last4": "",
                            "signed_by": name,
                            "signed_on": paid_at.date(),
                            "items": [],
                            "note": "",
                            "idempotency_key": f"bulk-{payment_id}",
                            "paid_by_id": finance.get(station_id),
                            "paid_at": paid_at,
                            "reversal_reason": "",
                        }
                    )
                    pay_rows.append((station_id, amount, case_id, payment_id))
                if len(cases) >= CHUNK:
                    copy_rows(AidCase, cases)
                    cases = []
    copy_rows(AidCase, cases)
    for station_id, last in counters.items():
        db.session.execute(
            insert(CaseCounter).values(centre_id=station_id, year=YEAR, last_no=last)
        )

    ledger = _Ledger(fund.id)
    # Money comes in at the city with a tenth to spare, and flows down district by district.
    by_district: dict[int, int] = {}
    for station_id, amount in need.items():
        district_id = centres[station_id].parent_id
        by_district[district_id] = by_district.get(district_id, 0) + amount
    total = sum(need.values())
    ledger.add(city.id, "receipt", total + total // 10 + 1, reference="基准测试拨款")
    for district_id, amount in by_district.items():
        ledger.transfer(city, centres[district_id], amount, "allocation")
    for station_id, amount in need.items():
        ledger.transfer(
            centres[centres[station_id].parent_id], centres[station_id], amount, "allocation"
        )
    for station_id, amount, pay_case, pay_id in pay_rows:
        ledger.add(
            station_id,
            "payment",
            -amount,
            case_id=pay_case,
            payment_id=pay_id,
            user_id=finance.get(station_id),
            at=paid_at,
        )
    for start in range(0, len(payments), CHUNK):
        copy_rows(Payment, payments[start : start + CHUNK])
    for start in range(0, len(ledger.rows), CHUNK):
        copy_rows(LedgerEntry, ledger.rows[start : start + CHUNK])
    copy_rows(
        Balance,
        [
            {
                "fund_id": fund.id,
                "centre_id": cid,
                "balance_fen": bal,
                "entries": ledger.totals[cid]["entries"],
                "by_kind": ledger.totals[cid]["by_kind"],
                "updated_at": paid_at,
            }
            for cid, bal in ledger.balances.items()
        ],
    )
    if db.session.get_bind().dialect.name == "postgresql":
        for table in ("applicants", "aid_cases", "payments", "ledger_entries"):
            db.session.execute(
                text(  # the table names are the constants above
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                    f"(SELECT max(id) FROM {table}))"
                )
            )
    db.session.commit()
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    return {
        "files": files,
        "cases": case_id,
        "payments": payment_id,
        "ledger_rows": len(ledger.rows),
        "seconds": round(time.perf_counter() - started, 1),
    }


@click.command("seed-bulk")
@click.option("--files", type=click.IntRange(1, 10_000_000), default=100_000, show_default=True)
@click.option("--cases-per-file", type=click.IntRange(0, 8), default=3, show_default=True)
@click.option("--password", default=None, help="One password for every user (else random).")
@click.option("--seed", default=2026, show_default=True)
@with_appcontext
def seed_bulk_cmd(files: int, cases_per_file: int, password: str | None, seed: int):
    """Fill an EMPTY database with a city's worth of data for benchmarks."""
    from assist.demo.cli import build_network

    if db.session.scalar(select(func.count(Centre.id))):
        raise click.ClickException("seed-bulk needs an empty database")
    passwords = build_network(password=password)
    db.session.commit()
    summary = seed_bulk(files, cases_per_file, seed)
    if not password:
        click.echo("Users and their passwords (shown once):")
        for username, pw in passwords:
            click.echo(f"{username:28} {pw}")
    click.echo(
        "seed-bulk: {files:,} files, {cases:,} cases, {payments:,} payments, "
        "{ledger_rows:,} ledger rows in {seconds} s".format(**summary)
    )
