"""The printed figures report (统计报表): the dashboard's charts and tables on A4."""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from assist.auth.models import Role
from assist.centres.models import Centre
from assist.core.money import format_yuan
from assist.core.scoping import get_scoped_or_404
from assist.core.timeutil import to_local
from assist.documents.plain import printed_labels
from assist.documents.registry import DocumentSpec, register
from assist.stats import charts
from assist.stats.services import Period, dashboard, parse_period

READ_ROLES = (Role.CASEWORKER, Role.SUPERVISOR, Role.FINANCE, Role.AUDITOR, Role.ADMIN)


@dataclass
class Report:
    """A centre and a period: what a figures report covers (its id is the centre's)."""

    id: int
    centre: Centre
    period: Period


def load_report(user, centre_id, period: Period | None = None) -> Report:
    centre = get_scoped_or_404(Centre, centre_id, user, Centre.id)
    return Report(centre.id, centre, period or parse_period(None, None))


def chart_for(section) -> str:
    labels = [r.label for r in section.rows]
    if section.chart == "pair":
        return charts.pair_chart(section.title, labels, section.series)
    values = [r.amount_fen if section.is_money else r.count for r in section.rows]
    if section.chart == "month":
        return charts.month_chart(section.title, labels, values, money=section.is_money)
    return charts.bar_chart(section.title, labels, values, money=section.is_money)


def build_report(report: Report, full_ids: bool) -> dict:
    with printed_labels():  # a printed report is in Chinese whoever prints it
        return _build_report(report)


def _build_report(report: Report) -> dict:
    board = dashboard(report.centre, report.period)
    sections = []
    for section in board.sections:
        sections.append(
            {
                "title": section.title,
                "is_money": section.is_money,
                "is_pair": section.chart == "pair",
                "svg": str(chart_for(section)) if section.rows else "",
                "rows": [
                    {
                        "label": r.label,
                        "count": r.count,
                        "amount": format_yuan(r.amount_fen),
                        "allocated": format_yuan(r.extra.get("allocated_fen", 0)),
                        "note": r.note,
                    }
                    for r in section.rows
                ],
            }
        )
    return {
        "centre_name": report.centre.name,
        "centre_code": report.centre.code,
        "period": report.period.label,
        "computed_at": f"{to_local(board.computed_at):%Y-%m-%d %H:%M}",
        "sections": sections,
    }


STATS_REPORT = register(
    DocumentSpec(
        kind="stats_report",
        title=_l("Figures report"),
        template="stats/report_pdf.html",
        version="1",
        load=load_report,
        build=build_report,
        centre_id=lambda report: report.centre.id,
        label=lambda report: f"{report.centre.code} {report.period.label}",
    )
)
