"""Forms for verifying a printed document and starting a batch print."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField
from wtforms.validators import InputRequired, Length


class VerifyForm(FlaskForm):
    class Meta:
        csrf = False  # a read-only look-up by GET

    code = StringField(_l("Verification code"), validators=[InputRequired(), Length(max=32)])


class PrintJobForm(FlaskForm):
    kind = SelectField(_l("Document kind"), validators=[InputRequired()])
    value = SelectField(_l("Which"), validators=[InputRequired()], validate_choice=False)
    output = RadioField(
        _l("Result"),
        choices=[("pdf", _l("One merged PDF")), ("zip", _l("A ZIP file, one PDF per document"))],
        default="pdf",
        validators=[InputRequired()],
    )
