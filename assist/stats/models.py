"""The summary table behind the dashboards, rebuilt by a background refresh."""

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from assist.core.timeutil import utcnow
from assist.extensions import db


class StatsFigure(db.Model):
    """One figure of one centre's own records: a metric, a key, a month ('' for a stock)."""

    __tablename__ = "stats_figures"
    __table_args__ = (Index("ix_stats_figures_metric_month", "metric", "month", "centre_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    #: 'YYYY-MM' in Asia/Shanghai for a flow (opened, paid…); '' for a stock (files now active).
    month: Mapped[str] = mapped_column(String(7), default="")
    metric: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(60), default="")
    count: Mapped[int] = mapped_column(BigInteger, default=0)
    amount_fen: Mapped[int] = mapped_column(BigInteger, default=0)


class StatsRefresh(db.Model):
    """One rebuild of the summary table: the figures shown are as of its finish."""

    __tablename__ = "stats_refreshes"

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(10), default="running")  # running/done/failed
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(index=True)
    rows: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(Text, default="")
