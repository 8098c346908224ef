"""The hardship files' lists as exports (masked exactly as the pages show them)."""

from flask_babel import lazy_gettext as _l

from assist.applicants.labels import (
    CATEGORY_LABELS,
    STATUS_LABELS,
    TRANSFER_REASON_LABELS,
    TRANSFER_STATUS_LABELS,
)
from assist.core.masking import mask_id, mask_name
from assist.exports.registry import Column, ExportSpec, register_export


def _label(mapping, value) -> str:
    return str(mapping.get(value, value or ""))


register_export(
    ExportSpec(
        "files",
        _l("Hardship files"),
        (
            Column(_l("File number"), lambda a: a.file_no),
            Column(_l("Full name"), lambda a: a.name),
            Column(_l("Resident ID"), lambda a: mask_id(a.id_number)),
            Column(_l("Centre"), lambda a: a.centre.name),
            Column(_l("Category"), lambda a: _label(CATEGORY_LABELS, a.category)),
            Column(_l("State"), lambda a: _label(STATUS_LABELS, a.status)),
            Column(_l("Review due"), lambda a: a.review_due_on, "date"),
        ),
        endpoint="applicants.index",
    )
)

register_export(
    ExportSpec(
        "transfers",
        _l("Transfers"),
        (
            Column(_l("Requested at"), lambda t: t.requested_at, "datetime"),
            Column(_l("File number"), lambda t: t.applicant.file_no),
            Column(_l("Full name"), lambda t: mask_name(t.applicant.name)),
            Column(_l("From centre"), lambda t: t.from_centre.name),
            Column(_l("To centre"), lambda t: t.to_centre.name),
            Column(_l("Reason"), lambda t: _label(TRANSFER_REASON_LABELS, t.reason)),
            Column(_l("Note"), lambda t: t.note),
            Column(_l("State"), lambda t: _label(TRANSFER_STATUS_LABELS, t.status)),
            Column(_l("Decided at"), lambda t: t.decided_at, "datetime"),
        ),
        endpoint="applicants.transfers",
    )
)
