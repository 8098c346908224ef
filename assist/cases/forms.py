"""Forms for aid cases: the shape of the input; the rules live in the services."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from assist.attachments.forms import AttachmentForm
from assist.cases.attachments import UPLOAD_KINDS, upload_kinds
from assist.cases.labels import KIND_LABELS, OCCASION_LABELS, SCHOOL_LEVEL_LABELS
from assist.centres.forms import YuanField


class CaseForm(FlaskForm):
    kind = SelectField(
        _l("Kind of aid"),
        choices=[(k.value, label) for k, label in KIND_LABELS.items() if k.is_opened_by_hand],
        validators=[InputRequired()],
    )
    #: Picked from the active files in scope (the view fills the choices); a file number
    #: outside them is refused by the view with its own message, so no choice check here.
    file_no = SelectField(
        _l("Household (hardship file)"),
        choices=[],
        validate_choice=False,
        validators=[Optional(), Length(max=40)],
    )
    amount_requested = YuanField(_l("Amount requested (yuan)"), validators=[Optional()])
    self_paid = YuanField(_l("Self-paid medical costs (yuan)"), validators=[Optional()])
    school_level = SelectField(
        _l("School level"),
        choices=[("", "—")] + [(k.value, label) for k, label in SCHOOL_LEVEL_LABELS.items()],
        validators=[Optional()],
    )
    occasion = SelectField(
        _l("Holiday"),
        choices=[("", "—")] + [(k.value, label) for k, label in OCCASION_LABELS.items()],
        validators=[Optional()],
    )
    person_name = StringField(_l("Person's name"), validators=[Optional(), Length(max=50)])
    person_id = StringField(_l("Resident ID number"), validators=[Optional(), Length(max=24)])
    person_address = StringField(_l("Address"), validators=[Optional(), Length(max=255)])
    service = TextAreaField(_l("Service needed"), validators=[Optional(), Length(max=2000)])
    reason = TextAreaField(_l("Reason"), validators=[InputRequired(), Length(max=2000)])


class CommentForm(FlaskForm):
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=2000)])


class DecideForm(FlaskForm):
    """Approve or recommend: an amount (at most the request) and a comment."""

    amount_approved = YuanField(_l("Amount (yuan)"), validators=[Optional()])
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=2000)])
    meeting_date = DateField(_l("Meeting date"), validators=[Optional()])
    reference = StringField(_l("Decision reference"), validators=[Optional(), Length(max=80)])
    attachment = FileField(_l("Scanned minutes (PDF, JPEG or PNG)"))


class ObjectionForm(FlaskForm):
    raised_by = StringField(_l("Raised by"), validators=[InputRequired(), Length(max=80)])
    contact = StringField(_l("Contact"), validators=[Optional(), Length(max=80)])
    content = TextAreaField(_l("Objection"), validators=[InputRequired(), Length(max=2000)])


class ResolveForm(FlaskForm):
    outcome = RadioField(
        _l("Decision"),
        choices=[
            ("dismiss", _l("Dismiss: the notice carries on")),
            ("uphold", _l("Uphold: the case goes back to review")),
        ],
        validators=[InputRequired()],
    )
    reason = TextAreaField(_l("Reason"), validators=[InputRequired(), Length(max=2000)])


class CaseAttachmentForm(AttachmentForm):
    kinds = UPLOAD_KINDS

    def __init__(self, *args, case=None, **kwargs):
        if case is not None:
            self.kinds = upload_kinds(case)
        super().__init__(*args, **kwargs)
