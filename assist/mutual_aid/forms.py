"""Mutual-aid forms: the shape of the input; the rules live in the services."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional


class UnitForm(FlaskForm):
    centre = SelectField(_l("Centre"), choices=[], validators=[InputRequired()])
    name = StringField(_l("Unit name"), validators=[InputRequired(), Length(max=120)])
    uscc = StringField(
        _l("Unified social credit code"), validators=[InputRequired(), Length(max=24)]
    )
    staff_count = IntegerField(
        _l("Staff"), validators=[InputRequired(), NumberRange(min=1, max=1_000_000)]
    )
    union_members = IntegerField(
        _l("Union members"), validators=[InputRequired(), NumberRange(min=0, max=1_000_000)]
    )
    contact_name = StringField(_l("Contact"), validators=[Optional(), Length(max=50)])
    contact_phone = StringField(_l("Contact phone"), validators=[Optional(), Length(max=40)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=255)])


class RosterForm(FlaskForm):
    term = SelectField(_l("Plan term"), choices=[], validators=[InputRequired()])
    file = FileField(_l("Roster (xlsx or CSV, columns 姓名 and 身份证号)"))


class ConfirmRosterForm(FlaskForm):
    token = HiddenField(validators=[InputRequired(), Length(max=80)])
    term = HiddenField(validators=[InputRequired()])
    skip_bad = BooleanField(_l("Skip the rows with problems"))


class RenewForm(FlaskForm):
    from_term = SelectField(_l("From the term"), choices=[], validators=[InputRequired()])
    to_term = SelectField(_l("Into the term"), choices=[], validators=[InputRequired()])
    skip_bad = BooleanField(_l("Skip the rows with problems"))
    confirm = HiddenField()


class FeeForm(FlaskForm):
    fund = SelectField(_l("Mutual-aid fund"), choices=[], validators=[InputRequired()])
    subsidy_fund = SelectField(_l("Union fund paying the subsidy"), choices=[])
    reference = StringField(
        _l("Reference of the unit's payment"), validators=[InputRequired(), Length(max=80)]
    )


class LookupForm(FlaskForm):
    id_number = StringField(_l("Resident ID number"), validators=[Optional(), Length(max=24)])
    certificate_no = StringField(_l("Certificate number"), validators=[Optional(), Length(max=48)])


class ClaimForm(FlaskForm):
    event = SelectField(
        _l("What happened"),
        choices=[
            ("hospital", _l("Hospital stay")),
            ("critical_illness", _l("Critical illness")),
            ("accident", _l("Accident")),
        ],
        validators=[InputRequired()],
    )
    event_date = DateField(
        _l("Admission, first diagnosis or accident date"), validators=[InputRequired()]
    )
    discharge_date = DateField(_l("Discharge date"), validators=[Optional()])
    hospital = StringField(_l("Hospital"), validators=[Optional(), Length(max=120)])
    illness_code = SelectField(
        _l("Illness from the plan's list"), choices=[], validate_choice=False
    )
    outcome = SelectField(
        _l("Outcome"),
        choices=[("", "—"), ("death", _l("Death")), ("disability", _l("Disability"))],
        validators=[Optional()],
    )
    disability_grade = IntegerField(
        _l("Disability grade"), validators=[Optional(), NumberRange(min=1, max=10)]
    )
    diagnosis = TextAreaField(_l("Diagnosis"), validators=[InputRequired(), Length(max=500)])
    bank_name = StringField(_l("Member's bank"), validators=[InputRequired(), Length(max=60)])
    bank_account = StringField(
        _l("Member's own bank card number"), validators=[InputRequired(), Length(max=40)]
    )
