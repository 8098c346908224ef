"""Dashboards: rebuild the summary table, and read it for a centre's subtree and a period.

A dashboard costs a fixed number of small queries on the summary table whatever the number of
files; the table is rebuilt by `refresh_figures` (the CLI, the `stats.refresh` job, or the first
request when it was never built), and the page shows when its figures were computed.
"""

import logging
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, case, delete, func, insert, literal, or_, select

from assist.centres.models import Centre, Tier
from assist.core.errors import ValidationError
from assist.core.timeutil import local_today, utcnow
from assist.extensions import db
from assist.stats import providers as _providers  # noqa: F401  (registers the built domains)
from assist.stats.models import StatsFigure, StatsRefresh
from assist.stats.registry import FEN, Metric, metrics

log = logging.getLogger(__name__)

MONTH_RE = re.compile(r"^(\d{4})-(\d{1,2})(?:-\d{1,2})?$")
MAX_MONTHS = 120


# --- the period ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Whole months from `start` (first day) to `end` (last day), Asia/Shanghai."""

    start: date
    end: date

    @property
    def first_month(self) -> str:
        return f"{self.start:%Y-%m}"

    @property
    def last_month(self) -> str:
        return f"{self.end:%Y-%m}"

    @property
    def months(self) -> list[str]:
        out, y, m = [], self.start.year, self.start.month
        while (y, m) <= (self.end.year, self.end.month):
            out.append(f"{y:04d}-{m:02d}")
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out

    @property
    def label(self) -> str:
        if self.first_month == self.last_month:
            return self.first_month
        return f"{self.first_month} – {self.last_month}"

    def args(self) -> dict:
        return {"from": self.first_month, "to": self.last_month}


def month_end(year: int, month: int) -> date:
    nxt = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return nxt - timedelta(days=1)


def _parse_month(raw: str, name: str) -> tuple[int, int]:
    match = MONTH_RE.match((raw or "").strip())
    if (
        not match
        or not (1 <= int(match.group(2)) <= 12)
        or not (2000 <= int(match.group(1)) <= 2100)
    ):
        message = _("Enter a month as YYYY-MM, e.g. 2026-03.")
        raise ValidationError(message, fields={name: message})
    return int(match.group(1)), int(match.group(2))


def parse_period(raw_from: str | None, raw_to: str | None, *, today: date | None = None) -> Period:
    """The period asked for (YYYY-MM to YYYY-MM); by default this year up to this month."""
    today = today or local_today()
    y1, m1 = _parse_month(raw_from, "from") if raw_from else (today.year, 1)
    y2, m2 = _parse_month(raw_to, "to") if raw_to else (today.year, today.month)
    period = Period(date(y1, m1, 1), month_end(y2, m2))
    if period.start > period.end:
        message = _("The period must not end before it begins.")
        raise ValidationError(message, fields={"to": message})
    if len(period.months) > MAX_MONTHS:
        message = _("Choose a period of at most ten years.")
        raise ValidationError(message, fields={"from": message})
    return period


# --- refreshing the summary table ----------------------------------------------------------


def refresh_figures() -> StatsRefresh:
    """Rebuild the summary table from every registered metric in one transaction; commit."""
    run = StatsRefresh(status="running")
    db.session.add(run)
    db.session.flush()
    db.session.execute(delete(StatsFigure))
    columns = ["centre_id", "month", "metric", "key", "count", "amount_fen"]
    for metric in metrics():
        inner = metric.collect().subquery()
        c = list(inner.c)
        stmt = select(c[0], c[1], literal(metric.key), c[2], c[3], func.coalesce(c[4], 0))
        db.session.execute(insert(StatsFigure).from_select(columns, stmt))
    run.rows = db.session.scalar(select(func.count(StatsFigure.id))) or 0
    run.status, run.finished_at = "done", utcnow()
    db.session.commit()
    return run


def latest_refresh() -> StatsRefresh | None:
    return db.session.scalars(
        select(StatsRefresh)
        .where(StatsRefresh.status == "done")
        .order_by(StatsRefresh.finished_at.desc())
        .limit(1)
    ).first()


def kick_refresh(app=None) -> None:
    """Queue a rebuild of the figures on the job engine (`stats.refresh`)."""
    from assist.stats.jobs import request_refresh

    request_refresh()


def ensure_fresh() -> StatsRefresh:
    """The refresh the page shows; build it now if none exists, start a new one if stale."""
    run = latest_refresh()
    if run is None:
        return refresh_figures()
    max_age = timedelta(minutes=current_app.config.get("STATS_MAX_AGE_MINUTES", 15))
    if utcnow() - run.finished_at > max_age and not current_app.testing:
        kick_refresh()
    return run


# --- reading a dashboard -------------------------------------------------------------------


@dataclass
class Row:
    key: str
    label: str
    count: int
    amount_fen: int
    url: str | None = None
    note: str = ""
    extra: dict = field(default_factory=dict)

    def as_json(self) -> dict:
        out = {
            "key": self.key,
            "label": self.label,
            "count": self.count,
            "amount_fen": self.amount_fen,
            "url": self.url,
        }
        out.update(self.extra)
        return out


@dataclass
class Section:
    key: str
    title: str
    group: str
    unit: str
    rows: list[Row]
    chart: str = "bar"  # bar / month / pair
    series: list = field(default_factory=list)  # pair charts: [(name, [fen…])]

    @property
    def is_money(self) -> bool:
        return self.unit == FEN

    def as_json(self) -> dict:
        return {
            "key": self.key,
            "title": self.title,
            "section": self.group,
            "unit": self.unit,
            "rows": [r.as_json() for r in self.rows],
        }


@dataclass
class Dashboard:
    centre: Centre
    period: Period
    computed_at: object
    sections: list[Section]

    def section(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)

    def as_json(self) -> dict:
        return {
            "centre": self.centre.code,
            "from": self.period.first_month,
            "to": self.period.last_month,
            "computed_at": self.computed_at.isoformat(timespec="seconds") + "Z",
            "sections": [s.as_json() for s in self.sections],
        }


def _subtree(centre: Centre):
    return select(Centre.id).where(Centre.path.startswith(centre.path))


def _figures(centre: Centre, period: Period):
    """Sums per (metric, key, month, at the root centre) over the subtree and the period."""
    at_root = case((StatsFigure.centre_id == centre.id, 1), else_=0)
    stmt = (
        select(
            StatsFigure.metric,
            StatsFigure.key,
            StatsFigure.month,
            at_root,
            func.sum(StatsFigure.count),
            func.sum(StatsFigure.amount_fen),
        )
        .where(
            StatsFigure.centre_id.in_(_subtree(centre)),
            or_(
                StatsFigure.month == "",
                and_(
                    StatsFigure.month >= period.first_month,
                    StatsFigure.month <= period.last_month,
                ),
            ),
        )
        .group_by(StatsFigure.metric, StatsFigure.key, StatsFigure.month, at_root)
    )
    return db.session.execute(stmt).all()


def _metric_section(metric: Metric, totals: dict, centre: Centre, period: Period) -> Section:
    keys = sorted(
        totals, key=lambda k: (-(totals[k][1] if metric.unit == FEN else totals[k][0]), k)
    )
    labels = metric.label(keys)
    rows = [
        Row(
            key,
            labels.get(key, key),
            totals[key][0],
            totals[key][1],
            metric.link(centre, key, period) if metric.link else None,
        )
        for key in keys
    ]
    return Section(metric.key, str(metric.title), metric.section, metric.unit, rows)


def _month_section(
    metric: Metric, by_month: dict, centre: Centre, period: Period, key: str = ""
) -> Section:
    rows = [
        Row(m, m, by_month.get(m, (0, 0))[0], by_month.get(m, (0, 0))[1]) for m in period.months
    ]
    link = metric.link(centre, key, period) if metric.link else None
    for row in rows:
        row.url = link
    title = metric.label([key]).get(key, key) if key else metric.title
    return Section(
        f"{metric.key}.{key or 'month'}",
        _("%(title)s per month", title=title),
        metric.section,
        metric.unit,
        rows,
        chart="month",
    )


def _centre_sections(centre: Centre, active_by_centre: dict) -> list[Section]:
    """Active files by the tier of the holding centre and by the centre's direct children."""
    from flask import url_for

    centres = db.session.scalars(select(Centre).where(Centre.path.startswith(centre.path))).all()
    by_tier: dict[int, int] = defaultdict(int)
    by_child: dict[int, int] = defaultdict(int)
    children = {c.id: c for c in centres if c.parent_id == centre.id}
    for c in centres:
        n = active_by_centre.get(c.id, 0)
        by_tier[c.tier] += n
        owner = next((ch for ch in children.values() if c.path.startswith(ch.path)), None)
        by_child[owner.id if owner else centre.id] += n
    tier_labels = {
        Tier.CITY: _("City centre"),
        Tier.DISTRICT: _("District centres"),
        Tier.STATION: _("Stations"),
    }
    tiers = [t for t in Tier if t >= centre.tier]
    sections = [
        Section(
            "files.tier",
            _("Active files by tier of the holding centre"),
            "files",
            "count",
            [Row(str(int(t)), tier_labels[t], by_tier.get(int(t), 0), 0) for t in tiers],
        )
    ]
    if children:
        rows = [
            Row(centre.code, _("%(name)s (own files)", name=centre.name), by_child[centre.id], 0)
        ]
        rows[0].url = url_for("applicants.index", centre=centre.id, status="active")
        for child in children.values():
            rows.append(
                Row(
                    child.code,
                    child.name,
                    by_child[child.id],
                    0,
                    url_for("applicants.index", centre=child.id, status="active"),
                )
            )
        sections.append(
            Section("files.centre", _("Active files by centre below"), "files", "count", rows)
        )
    return sections


def _share_note(rows: list[Row]) -> None:
    total = next((r.count for r in rows if r.key == "all"), 0)
    for row in rows:
        if row.key in ("migrant", "women") and total:
            row.extra["share_percent"] = round(100 * row.count / total, 1)
            row.note = f"{100 * row.count / total:.1f}%"


def _spend_section(centre: Centre, period: Period, ledger_root: dict, ledger_all: dict) -> Section:
    """Per fund: money allocated into the subtree in the period against aid paid out of it."""
    from assist.stats.registry import get_metric

    into: dict[str, int] = defaultdict(int)
    paid: dict[str, int] = defaultdict(int)
    for key, amount in ledger_root.items():
        fund, _sep, kind = key.partition(":")
        if kind in ("receipt", "allocation_in", "return_out"):
            into[fund] += amount
    for key, amount in ledger_all.items():
        fund, _sep, kind = key.partition(":")
        if kind in ("payment", "reversal"):
            paid[fund] -= amount
    funds = sorted(set(into) | set(paid))
    names = get_metric("funds.ledger").label(funds)
    rows = []
    for fund in funds:
        share = round(100 * paid[fund] / into[fund], 1) if into[fund] > 0 else None
        rows.append(
            Row(
                fund,
                names.get(fund, fund),
                0,
                paid[fund],
                get_metric("funds.ledger").link(centre, f"{fund}:payment", period),
                note=f"{share}%" if share is not None else "",
                extra={"allocated_fen": into[fund], "paid_fen": paid[fund], "spent_percent": share},
            )
        )
    return Section(
        "funds.spend",
        _("Aid paid against money allocated, per fund"),
        "funds",
        FEN,
        rows,
        chart="pair",
        series=[
            (_("Allocated"), [into[f] for f in funds]),
            (_("Paid out"), [paid[f] for f in funds]),
        ],
    )


#: Built sections are kept per app by (centre, period, refresh, language): the figures change
#: only when the summary table is rebuilt, so the charts' requests and repeated views reuse them.
_BUILT_MAX = 256


def dashboard(centre: Centre, period: Period) -> Dashboard:
    """Every registered figure for the centre's subtree and the period, from the summary table."""
    from flask_babel import get_locale

    run = ensure_fresh()
    key = (centre.id, period, run.id, str(get_locale()))
    built = current_app.extensions.setdefault("stats_built", {})
    sections = built.get(key)
    if sections is None:
        sections = _build_sections(centre, period)
        if len(built) >= _BUILT_MAX:
            built.clear()
        built[key] = sections
    return Dashboard(centre, period, run.finished_at, sections)


def _build_sections(centre: Centre, period: Period) -> list[Section]:
    totals: dict[str, dict] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    by_month: dict[str, dict] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    by_key_month: dict[str, dict] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    ledger_root: dict[str, int] = defaultdict(int)
    for metric_key, key, month, at_root, count, amount in _figures(centre, period):
        totals[metric_key][key][0] += int(count or 0)
        totals[metric_key][key][1] += int(amount or 0)
        if month:
            by_month[metric_key][month][0] += int(count or 0)
            by_month[metric_key][month][1] += int(amount or 0)
            by_key_month[f"{metric_key}:{key}"][month][0] += int(count or 0)
            by_key_month[f"{metric_key}:{key}"][month][1] += int(amount or 0)
        if metric_key == "funds.ledger" and at_root:
            ledger_root[key] += int(amount or 0)
    active = dict(
        db.session.execute(
            select(StatsFigure.centre_id, func.sum(StatsFigure.count))
            .where(
                StatsFigure.metric == "files.status",
                StatsFigure.key == "active",
                StatsFigure.centre_id.in_(_subtree(centre)),
            )
            .group_by(StatsFigure.centre_id)
        ).all()
    )
    sections: list[Section] = []
    for metric in metrics():
        if metric.key == "funds.ledger":
            ledger_all = {k: v[1] for k, v in totals[metric.key].items()}
            sections.append(_spend_section(centre, period, ledger_root, ledger_all))
            continue
        section = _metric_section(metric, totals[metric.key], centre, period)
        if metric.key == "files.people":
            _share_note(section.rows)
        sections.append(section)
        if metric.key == "files.flow":
            for key in ("opened", "exited"):
                months = by_key_month[f"{metric.key}:{key}"]
                sections.append(_month_section(metric, months, centre, period, key))
        elif metric.flow:
            sections.append(_month_section(metric, by_month[metric.key], centre, period))
        if metric.key == "files.status":
            sections.extend(_centre_sections(centre, {k: int(v) for k, v in active.items()}))
    return sections


# --- a centre's own figures, live (for returns) ---------------------------------------------


def own_figures(centre: Centre, period: Period, progress=None) -> dict:
    """{metric: {key: [count, amount_fen]}} of the centre's own records (not its subtree).

    Read from the records themselves, not the summary table: a return is compiled from the
    data as it stands when compiled. Flows count within the period; stocks as they are now.
    """
    out: dict = {}
    chosen = [m for m in metrics() if m.in_return]
    for done, metric in enumerate(chosen):
        if progress is not None:
            progress(done, len(chosen))  # a job shows how far it got
        inner = metric.collect().subquery()
        centre_id, month, key, count, amount = list(inner.c)
        stmt = (
            select(key, func.sum(count), func.coalesce(func.sum(amount), 0))
            .where(
                centre_id == centre.id,
                or_(month == "", and_(month >= period.first_month, month <= period.last_month)),
            )
            .group_by(key)
        )
        figures = {str(k): [int(c or 0), int(a or 0)] for k, c, a in db.session.execute(stmt)}
        out[metric.key] = figures
    return out
