"""The aid cases' lists as exports: cases and the public notice (masked names there)."""

from flask_babel import lazy_gettext as _l

from assist.cases.labels import KIND_LABELS, STATUS_LABELS
from assist.exports.registry import Column, ExportSpec, register_export


def _household(case) -> str:
    return case.applicant.name if case.applicant else case.person_name


register_export(
    ExportSpec(
        "cases",
        _l("Aid cases"),
        (
            Column(_l("Case no."), lambda c: c.case_no),
            Column(_l("Household"), _household),
            Column(_l("File number"), lambda c: c.applicant.file_no if c.applicant else ""),
            Column(_l("Kind of aid"), lambda c: str(KIND_LABELS[c.kind])),
            Column(_l("Requested"), lambda c: c.amount_requested_fen, "money"),
            Column(_l("Approved"), lambda c: c.amount_approved_fen, "money"),
            Column(_l("State"), lambda c: str(STATUS_LABELS[c.status])),
            Column(_l("Centre"), lambda c: c.centre.name),
        ),
        endpoint="cases.index",
    )
)

#: The notice list's rows are the plain dicts of `documents.notice_rows` (names masked).
register_export(
    ExportSpec(
        "notices",
        _l("Public notice"),
        (
            Column(_l("Case no."), lambda r: r["case_no"]),
            Column(_l("Person's name"), lambda r: r["name"]),
            Column(_l("Employer"), lambda r: r["employer"]),
            Column(_l("Kind of aid"), lambda r: str(r["kind"])),
            Column(_l("Amount"), lambda r: r["amount_fen"], "money"),
            Column(_l("Notice from"), lambda r: r["starts"], "datetime"),
            Column(_l("Notice until"), lambda r: r["ends"], "datetime"),
        ),
        endpoint="cases.notices",
    )
)
