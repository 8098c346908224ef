"""Forms for funds, allocations, payments, reversals and batches (shape only; rules in services)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from assist.auth.forms import MultiCheckboxField
from assist.centres.forms import YuanField
from assist.funds.labels import KIND_LABELS, METHOD_LABELS, SOURCE_LABELS

METHOD_CHOICES = [(m.value, label) for m, label in METHOD_LABELS.items()]


class FundForm(FlaskForm):
    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=120)])
    source = SelectField(
        _l("Source"),
        choices=[(s.value, label) for s, label in SOURCE_LABELS.items()],
        validators=[InputRequired()],
    )
    year = IntegerField(_l("Year"), validators=[InputRequired(), NumberRange(2000, 2100)])
    allowed_kinds = MultiCheckboxField(
        _l("Kinds of aid it may pay"),
        choices=[(k.value, label) for k, label in KIND_LABELS.items()],
        validators=[InputRequired(message=_l("Choose the kinds of aid this fund may pay."))],
    )
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])


class ReceiveForm(FlaskForm):
    amount = YuanField(_l("Amount (yuan)"), validators=[InputRequired()])
    reference = StringField(
        _l("Document or bank reference"), validators=[InputRequired(), Length(max=80)]
    )
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])


class AllocateForm(FlaskForm):
    centre = SelectField(_l("Allocate to"), coerce=int, validators=[InputRequired()])
    amount = YuanField(_l("Amount (yuan)"), validators=[InputRequired()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])


class ReturnForm(FlaskForm):
    amount = YuanField(_l("Amount (yuan)"), validators=[InputRequired()])
    reason = StringField(_l("Reason"), validators=[InputRequired(), Length(max=500)])


class ItemForm(Form):
    """One line of goods: name, quantity and value per unit."""

    name = StringField(_l("Goods"), validators=[Optional(), Length(max=60)])
    quantity = IntegerField(_l("Quantity"), validators=[Optional(), NumberRange(1, 10_000)])
    unit_value = YuanField(_l("Value per unit (yuan)"), validators=[Optional()])


class PaymentForm(FlaskForm):
    source = SelectField(_l("Pay from"), validators=[InputRequired()])
    method = RadioField(_l("Method"), choices=METHOD_CHOICES, validators=[InputRequired()])
    amount = YuanField(_l("Amount (yuan)"), validators=[Optional()])
    reference = StringField(_l("Bank reference"), validators=[Optional(), Length(max=80)])
    signed_by = StringField(_l("Signed for by"), validators=[Optional(), Length(max=50)])
    signed_on = DateField(_l("Signed on"), validators=[Optional()])
    items = FieldList(FormField(ItemForm), min_entries=4, max_entries=10)
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])
    idempotency_key = HiddenField(validators=[InputRequired()])


class ReverseForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason for the reversal"), validators=[InputRequired(), Length(max=500)]
    )


class BatchForm(FlaskForm):
    title = StringField(
        _l("Title"),
        validators=[InputRequired(), Length(max=120)],
        description=_l("e.g. 2027 Spring Festival warmth payments"),
    )
    source = SelectField(_l("Pay from"), validators=[InputRequired()])
    method = SelectField(_l("Method"), choices=METHOD_CHOICES, validators=[InputRequired()])
    goods = StringField(
        _l("Goods each household receives"), validators=[Optional(), Length(max=200)]
    )
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])


class BatchAddForm(FlaskForm):
    cases = MultiCheckboxField(_l("Cases"), coerce=int, validators=[InputRequired()])


class BatchPayForm(FlaskForm):
    reference = StringField(_l("Bank reference"), validators=[Optional(), Length(max=80)])
    paid_on = DateField(_l("Handed out on"), validators=[Optional()])
