"""Sign-in, password and user administration forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import EqualTo, InputRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from assist.auth.models import Role

ROLE_LABELS = {
    Role.CASEWORKER: _l("Caseworker"),
    Role.SUPERVISOR: _l("Supervisor"),
    Role.FINANCE: _l("Finance officer"),
    Role.AUDITOR: _l("Auditor"),
    Role.ADMIN: _l("Administrator"),
}


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[InputRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(max=256)])


class ReauthForm(FlaskForm):
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(max=256)])


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"), validators=[InputRequired(), Length(max=256)]
    )
    password = PasswordField(_l("New password"), validators=[InputRequired(), Length(max=256)])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[InputRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class UserForm(FlaskForm):
    username = StringField(_l("Username"), validators=[InputRequired(), Length(min=3, max=64)])
    full_name = StringField(_l("Full name"), validators=[InputRequired(), Length(max=80)])
    centre = SelectField(_l("Centre"), coerce=int, validators=[InputRequired()])
    roles = MultiCheckboxField(
        _l("Roles"),
        choices=[(r.value, label) for r, label in ROLE_LABELS.items()],
        validators=[InputRequired(message=_l("Choose at least one role."))],
    )


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for buttons that change state."""


class LanguageForm(FlaskForm):
    locale = SelectField(_l("Language"), validators=[InputRequired()])
