"""What each kind of document is called in lists, forms and badges."""

from flask_babel import lazy_gettext as _l

from assist.attachments.models import AttachmentKind

KIND_LABELS = {
    AttachmentKind.ID_COPY: _l("ID card copy"),
    AttachmentKind.HOUSEHOLD_REGISTER: _l("Household register"),
    AttachmentKind.DIAGNOSIS: _l("Diagnosis"),
    AttachmentKind.INCOME_PROOF: _l("Income proof"),
    AttachmentKind.CONSENT: _l("Signed consent form"),
    AttachmentKind.INVOICE: _l("Invoices and receipts"),
    AttachmentKind.SCHOOL_ENROLMENT: _l("School enrolment proof"),
    AttachmentKind.COLLECTIVE_DECISION: _l("Collective decision minutes"),
    AttachmentKind.MEDICAL_SETTLEMENT: _l("Medical insurance settlement sheet"),
    AttachmentKind.DEATH_CERTIFICATE: _l("Death certificate"),
    AttachmentKind.DISABILITY_APPRAISAL: _l("Disability grade appraisal"),
    AttachmentKind.OTHER: _l("Other document"),
}


def kind_choices(kinds) -> list[tuple[str, object]]:
    """(value, label) pairs for a form's kind field, in the order of KIND_LABELS."""
    return [(kind.value, label) for kind, label in KIND_LABELS.items() if kind in kinds]
