"""Forms of the returns pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length


class CompileForm(FlaskForm):
    period_kind = HiddenField()
    period = HiddenField()


class ReopenForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason for reopening"),
        validators=[
            DataRequired(message=_l("Give the reason for reopening the return.")),
            Length(max=500),
        ],
    )
