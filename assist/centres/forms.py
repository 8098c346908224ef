"""Centre administration forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from assist.core.money import MoneyFormatError, parse_yuan


class YuanField(StringField):
    """An amount typed in 元, available as `fen` (integer 分) once validated."""

    fen: int | None = None

    def pre_validate(self, form):
        self.fen = None
        if self.data in (None, ""):
            return
        try:
            self.fen = parse_yuan(self.data)
        except MoneyFormatError as exc:
            raise ValidationError(str(exc)) from exc


class CentreForm(FlaskForm):
    code = StringField(_l("Code"), validators=[InputRequired(), Length(max=40)])
    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=120)])
    parent = SelectField(_l("Parent centre"), coerce=int, validators=[InputRequired()])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=255)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    approval_limit = YuanField(_l("Approval limit (yuan)"), validators=[Optional()])


class CentreEditForm(FlaskForm):
    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=120)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=255)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    approval_limit = YuanField(_l("Approval limit (yuan)"), validators=[InputRequired()])
    notice_days = IntegerField(
        _l("Public notice period (days)"), validators=[InputRequired(), NumberRange(0, 30)]
    )


class MoveForm(FlaskForm):
    parent = SelectField(_l("New parent centre"), coerce=int, validators=[InputRequired()])
