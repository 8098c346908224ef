"""The fixed layout of a return: every metric, every key in a stable order, zero or not.

The page, the PDF and the Excel export all print these rows, so a return reads the same
everywhere and month after month.
"""

from dataclasses import dataclass

from assist.stats.registry import FEN, metrics


@dataclass
class Line:
    metric: str
    metric_title: str
    key: str
    label: str
    count: int
    amount_fen: int
    is_money: bool
    #: The previous version's [count, amount] when this line changed, else None.
    before: list | None = None


def lines(figures: dict, changes: dict | None = None) -> list[Line]:
    out = []
    changes = changes or {}
    for metric in metrics():
        if not metric.in_return:
            continue
        found = figures.get(metric.key, {})
        keys = [str(k) for k in metric.keys] + sorted(k for k in found if k not in metric.keys)
        labels = metric.label(keys)
        for key in keys:
            count, amount = found.get(key, [0, 0])
            before = changes.get(metric.key, {}).get(key)
            out.append(
                Line(
                    metric.key,
                    str(metric.title),
                    key,
                    labels.get(key, key),
                    count,
                    amount,
                    metric.unit == FEN,
                    before[0] if before else None,
                )
            )
    return out
