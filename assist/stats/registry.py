"""The figures registry: each domain registers the metrics it contributes to dashboards and returns.

A metric is a SQL query over the domain's own tables yielding rows
`(centre_id, month, key, count, amount_fen)` — `month` is 'YYYY-MM' (Asia/Shanghai) for a flow
such as files opened or aid paid, '' for a stock such as files active now. The refresh job
stores every metric's rows in the summary table; dashboards sum them over a centre's subtree
and a period; returns sum them for one centre's own records. Later lines of work (mutual aid,
campaigns) register their metrics here without the stats package knowing them.
"""

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func

from assist.extensions import db

COUNT = "count"
FEN = "fen"


@dataclass(frozen=True)
class Metric:
    key: str
    title: object  # a lazy string
    #: Dashboard section the metric shows in: files, aid, funds, or a later domain's own.
    section: str
    #: () -> Select of (centre_id, month, key, count, amount_fen) over every centre.
    collect: Callable
    flow: bool = False
    #: Which figure the chart draws: COUNT, or FEN (money, shown in yuan).
    unit: str = COUNT
    #: key -> the label shown (a category's name, a fund's name…).
    label: Callable = str
    #: (centre, key, period) -> the URL of the list behind the figure, or None.
    link: Callable | None = None
    order: int = 50
    #: False for figures that make no sense in a return (shares, overdue reviews).
    in_return: bool = True
    #: The keys a return always lists, zero or not, in this order (its fixed layout); keys
    #: found in the data beyond these (funds, later kinds) follow them.
    keys: tuple = ()


_METRICS: dict[str, Metric] = {}


def register_metric(metric: Metric) -> Metric:
    _METRICS[metric.key] = metric
    return metric


def metrics(*, section: str | None = None) -> list[Metric]:
    found = [m for m in _METRICS.values() if section is None or m.section == section]
    return sorted(found, key=lambda m: (m.order, m.key))


def get_metric(key: str) -> Metric:
    return _METRICS[key]


def month_of(column, *, utc: bool = True):
    """SQL for 'YYYY-MM' of a column in Asia/Shanghai (stored datetimes are naive UTC)."""
    if db.engine.dialect.name == "postgresql":
        shifted = column + func.make_interval(0, 0, 0, 0, 8) if utc else column
        return func.to_char(shifted, "YYYY-MM")
    return func.strftime("%Y-%m", column, "+8 hours") if utc else func.strftime("%Y-%m", column)
