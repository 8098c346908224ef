"""The figures of the domains already built: files, cases, aid paid and the funds' ledger.

Later domains register their own metrics from their packages; these live here because the
files, cases and funds domains sit below the figures and must not import them.
"""

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, cast, func, literal, select, union_all

from assist.applicants.labels import CATEGORY_LABELS, CAUSE_LABELS
from assist.applicants.labels import STATUS_LABELS as FILE_STATUS_LABELS
from assist.applicants.models import Applicant, Category, Cause, FileEvent, FileStatus
from assist.cases.labels import KIND_LABELS
from assist.cases.labels import STATUS_LABELS as CASE_STATUS_LABELS
from assist.cases.models import AidCase, AidKind, CaseStatus
from assist.core.timeutil import local_today
from assist.extensions import db
from assist.funds.labels import ENTRY_LABELS
from assist.funds.models import Fund, LedgerEntry, Payment, PaymentStatus
from assist.stats.registry import FEN, Metric, month_of, register_metric


def _labels(mapping):
    return lambda keys: {k: str(mapping.get(k, k)) for k in keys}


def _files_url(centre, **args):
    return url_for("applicants.index", centre=centre.id, **args)


def _cases_url(centre, **args):
    return url_for("cases.index", centre=centre.code, **args)


# --- files ---------------------------------------------------------------------------------


def _file_status():
    return select(
        Applicant.centre_id, literal(""), Applicant.status, func.count(Applicant.id), literal(0)
    ).group_by(Applicant.centre_id, Applicant.status)


def _active(column):
    return (
        select(Applicant.centre_id, literal(""), column, func.count(Applicant.id), literal(0))
        .where(Applicant.status == FileStatus.ACTIVE)
        .group_by(Applicant.centre_id, column)
    )


def _file_people():
    active = Applicant.status == FileStatus.ACTIVE
    rows = []
    for key, condition in (
        ("all", active),
        ("migrant", active & Applicant.is_migrant_worker.is_(True)),
        ("women", active & (Applicant.gender == "F")),
        ("overdue", active & (Applicant.review_due_on < local_today())),
    ):
        rows.append(
            select(
                Applicant.centre_id, literal(""), literal(key), func.count(Applicant.id), literal(0)
            )
            .where(condition)
            .group_by(Applicant.centre_id)
        )
    return union_all(*rows)


def _file_flow():
    opened = month_of(Applicant.created_at)
    exited = month_of(FileEvent.at)
    return union_all(
        select(Applicant.centre_id, opened, literal("opened"), func.count(), literal(0)).group_by(
            Applicant.centre_id, opened
        ),
        select(FileEvent.centre_id, exited, literal("exited"), func.count(), literal(0))
        .where(FileEvent.action == "exit")
        .group_by(FileEvent.centre_id, exited),
    )


PEOPLE_LABELS = {
    "all": _l("Active files"),
    "migrant": _l("Migrant workers"),
    "women": _l("Women workers"),
    "overdue": _l("Reviews overdue"),
}
FLOW_LABELS = {"opened": _l("Files opened"), "exited": _l("Files exited")}

register_metric(
    Metric(
        "files.status",
        _l("Files by status"),
        "files",
        _file_status,
        label=_labels(FILE_STATUS_LABELS),
        link=lambda c, key, p: _files_url(c, status=key),
        order=10,
        keys=tuple(FileStatus),
    )
)
register_metric(
    Metric(
        "files.category",
        _l("Active files by category"),
        "files",
        lambda: _active(Applicant.category),
        label=_labels(CATEGORY_LABELS),
        link=lambda c, key, p: _files_url(c, status="active", category=key),
        order=11,
        keys=tuple(Category),
    )
)
register_metric(
    Metric(
        "files.cause",
        _l("Active files by main cause"),
        "files",
        lambda: _active(Applicant.main_cause),
        label=_labels(CAUSE_LABELS),
        link=lambda c, key, p: _files_url(c, status="active", cause=key),
        order=12,
        keys=tuple(Cause),
    )
)
register_metric(
    Metric(
        "files.people",
        _l("Who the active files are"),
        "files",
        _file_people,
        label=_labels(PEOPLE_LABELS),
        link=lambda c, key, p: _files_url(
            c,
            status="active",
            **{"migrant": {"migrant": 1}, "women": {"woman": 1}}.get(key, {}),
            **({"overdue": 1} if key == "overdue" else {}),
        ),
        order=13,
        in_return=False,
    )
)
register_metric(
    Metric(
        "files.flow",
        _l("Files opened and exited"),
        "files",
        _file_flow,
        flow=True,
        label=_labels(FLOW_LABELS),
        link=lambda c, key, p: _files_url(c, **({"status": "exited"} if key == "exited" else {})),
        order=14,
        keys=("opened", "exited"),
    )
)

# --- cases and aid -------------------------------------------------------------------------

register_metric(
    Metric(
        "cases.status",
        _l("Aid cases by status"),
        "aid",
        lambda: select(
            AidCase.centre_id, literal(""), AidCase.status, func.count(AidCase.id), literal(0)
        ).group_by(AidCase.centre_id, AidCase.status),
        label=_labels(CASE_STATUS_LABELS),
        link=lambda c, key, p: _cases_url(c, status=key),
        order=20,
        keys=tuple(CaseStatus),
    )
)


def _paid(group_column):
    month = month_of(Payment.paid_at)
    return (
        select(
            Payment.centre_id,
            month,
            cast(group_column, String),
            func.count(func.distinct(Payment.case_id)),
            func.sum(Payment.amount_fen),
        )
        .join(AidCase, AidCase.id == Payment.case_id)
        .where(Payment.status == PaymentStatus.PAID)
        .group_by(Payment.centre_id, month, group_column)
    )


def _fund_names(keys):
    ids = [int(k.split(":")[0]) for k in keys if k.split(":")[0].isdigit()]
    names = dict(db.session.execute(select(Fund.id, Fund.name).where(Fund.id.in_(ids))).all())
    out = {}
    for key in keys:
        fund_id, _sep, kind = key.partition(":")
        name = names.get(int(fund_id), key) if fund_id.isdigit() else key
        out[key] = f"{name} · {ENTRY_LABELS.get(kind, kind)}" if kind else name
    return out


register_metric(
    Metric(
        "aid.kind",
        _l("Aid paid by kind (cases and amounts)"),
        "aid",
        lambda: _paid(AidCase.kind),
        flow=True,
        unit=FEN,
        label=_labels(KIND_LABELS),
        link=lambda c, key, p: _cases_url(c, kind=key),
        order=21,
        keys=tuple(k for k in AidKind if k.is_money),
    )
)
register_metric(
    Metric(
        "aid.fund",
        _l("Aid paid by fund"),
        "aid",
        lambda: _paid(Payment.fund_id),
        flow=True,
        unit=FEN,
        label=_fund_names,
        link=lambda c, key, p: (
            url_for("funds.show", fund_id=int(key)) if key else _ledger_url(c, ":payment", p)
        ),
        order=22,
    )
)


def _ledger():
    month = month_of(LedgerEntry.created_at)
    key = cast(LedgerEntry.fund_id, String) + literal(":") + LedgerEntry.kind
    return select(
        LedgerEntry.centre_id,
        month,
        key,
        func.count(LedgerEntry.id),
        func.sum(LedgerEntry.amount_fen),
    ).group_by(LedgerEntry.centre_id, month, LedgerEntry.fund_id, LedgerEntry.kind)


def _ledger_url(centre, key, period):
    fund_id, _sep, kind = key.partition(":")
    filters = {k: v for k, v in (("fund", fund_id), ("kind", kind)) if v}
    return url_for(
        "funds.ledger",
        centre=centre.code,
        below=1,
        **filters,
        **{"from": period.start.isoformat(), "to": period.end.isoformat()},
    )


register_metric(
    Metric(
        "funds.ledger",
        _l("Funds received, allocated and paid"),
        "funds",
        _ledger,
        flow=True,
        unit=FEN,
        label=_fund_names,
        link=_ledger_url,
        order=30,
    )
)
