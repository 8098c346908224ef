"""Forms for hardship files. They check the input's shape; the services check the rules."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, Optional, ValidationError

from assist.applicants.labels import (
    CATEGORY_LABELS,
    CAUSE_LABELS,
    EXCLUSION_LABELS,
    HEALTH_LABELS,
    RELATION_LABELS,
    TRANSFER_REASON_LABELS,
    WORK_STATUS_LABELS,
)
from assist.applicants.models import Category
from assist.applicants.services import (
    ATTACHMENT_KINDS,
    RECORDED_EXCLUSIONS,
    FileInput,
    MemberInput,
)
from assist.attachments.forms import AttachmentForm as BaseAttachmentForm
from assist.auth.forms import MultiCheckboxField
from assist.centres.forms import YuanField
from assist.core.forms import Needed

#: Blank member rows shown below the existing ones (more can be added in the browser).
BLANK_MEMBER_ROWS = 3


class IsoDateField(StringField):
    """A date typed as YYYY-MM-DD (a browser date picker sends that), available as `date`."""

    date = None

    def pre_validate(self, form):
        self.date = None
        raw = (self.data or "").strip()
        if not raw:
            return
        try:
            self.date = datetime.strptime(raw, "%Y-%m-%d").date()
        except ValueError as exc:
            raise ValidationError(str(_l("Enter a date as YYYY-MM-DD, e.g. 2026-03-01."))) from exc

    def set_date(self, value) -> None:
        self.data = value.isoformat() if value else ""


def MaxLen(n: int) -> Length:  # noqa: N802 - reads like the other validators
    return Length(max=n, message=_l("Keep this to at most %(max)d characters."))


def _choices(labels: dict, blank=None) -> list:
    out = [("", blank)] if blank is not None else []
    return out + [(k.value, v) for k, v in labels.items()]


class MemberForm(Form):
    """One household member row."""

    relation = SelectField(
        _l("Relation"), choices=_choices(RELATION_LABELS, "—"), validate_choice=False
    )
    name = StringField(_l("Full name"), validators=[Optional(), MaxLen(50)])
    id_number = StringField(_l("Resident ID"), validators=[Optional(), MaxLen(30)])
    monthly_income = YuanField(_l("Monthly income (yuan)"), validators=[Optional()])
    health = SelectField(_l("Health"), choices=_choices(HEALTH_LABELS), validate_choice=False)
    is_student = BooleanField(_l("Student"))

    def is_blank(self) -> bool:
        return not any(
            (self.relation.data, self.name.data, self.id_number.data, self.monthly_income.data)
        )


class FileForm(FlaskForm):
    """Registering or correcting a hardship file."""

    centre = SelectField(_l("Centre"), coerce=int, validate_choice=False)
    name = StringField(_l("Name of the head of household"), validators=[Needed(), MaxLen(50)])
    id_number = StringField(_l("Resident ID (18 digits)"), validators=[Needed(), MaxLen(30)])
    phone = StringField(_l("Phone"), validators=[Needed(), MaxLen(20)])
    address = StringField(_l("Home address"), validators=[Needed(), MaxLen(255)])
    employer = StringField(_l("Employer"), validators=[Needed(), MaxLen(120)])
    work_status = SelectField(
        _l("Work status"),
        choices=_choices(WORK_STATUS_LABELS),
        validators=[Needed()],
        validate_choice=False,
    )
    health = SelectField(
        _l("Health"), choices=_choices(HEALTH_LABELS), validators=[Needed()], validate_choice=False
    )
    health_notes = TextAreaField(
        _l("Health details (diagnosis, disability grade)"), validators=[MaxLen(500)]
    )
    is_migrant_worker = BooleanField(_l("Migrant worker (农民工)"))
    labour_relation_since = IsoDateField(_l("Labour relation since (migrant workers)"))
    is_union_member = BooleanField(_l("Union member"), default=True)
    is_model_worker = BooleanField(_l("Model worker (劳模)"))
    bank_name = StringField(_l("Bank"), validators=[MaxLen(60)])
    bank_account = StringField(_l("Bank card or account number"), validators=[MaxLen(40)])

    main_cause = SelectField(
        _l("Main cause of hardship"),
        choices=_choices(CAUSE_LABELS),
        validators=[Needed()],
        validate_choice=False,
    )
    secondary_causes = MultiCheckboxField(
        _l("Secondary causes"),
        choices=_choices(CAUSE_LABELS),
        validators=[Optional()],
        validate_choice=False,
    )

    annual_income = YuanField(
        _l("Household annual disposable income (yuan)"), validators=[Needed()]
    )
    rigid_expenses = YuanField(
        _l("Rigid expenses per year (yuan): medical after insurance, schooling, disability")
    )
    hardship_costs = YuanField(_l("This year's hardship costs (yuan)"))
    has_sudden_event = BooleanField(
        _l("A sudden event this year: disaster, accident or serious illness")
    )
    exclusions = MultiCheckboxField(
        _l("Exclusion conditions found"),
        choices=[(e.value, EXCLUSION_LABELS[e]) for e in RECORDED_EXCLUSIONS],
        validators=[Optional()],
        validate_choice=False,
    )

    consent_signed_on = IsoDateField(_l("Consent form signed on"), validators=[Needed()])
    consent_scan = FileField(_l("Scanned consent form (PDF, JPEG or PNG)"))

    members = FieldList(FormField(MemberForm), min_entries=BLANK_MEMBER_ROWS)

    def to_input(self) -> tuple[FileInput, list[int]]:
        """Return the service input and, for each member in it, its row on the form."""
        rows = [
            (i, entry.form) for i, entry in enumerate(self.members) if not entry.form.is_blank()
        ]
        members = [
            MemberInput(
                relation=row.relation.data or "",
                name=row.name.data or "",
                id_number=row.id_number.data or "",
                monthly_income_fen=row.monthly_income.fen or 0,
                health=row.health.data or "",
                is_student=bool(row.is_student.data),
            )
            for _i, row in rows
        ]
        data = FileInput(
            name=self.name.data or "",
            id_number=self.id_number.data or "",
            phone=self.phone.data or "",
            address=self.address.data or "",
            employer=self.employer.data or "",
            work_status=self.work_status.data or "",
            health=self.health.data or "",
            health_notes=self.health_notes.data or "",
            is_migrant_worker=bool(self.is_migrant_worker.data),
            labour_relation_since=self.labour_relation_since.date,
            is_union_member=bool(self.is_union_member.data),
            is_model_worker=bool(self.is_model_worker.data),
            bank_name=self.bank_name.data or "",
            bank_account=self.bank_account.data or "",
            main_cause=self.main_cause.data or "",
            secondary_causes=list(self.secondary_causes.data or []),
            consent_signed_on=self.consent_signed_on.date,
            members=members,
            annual_income_fen=self.annual_income.fen,
            rigid_expenses_fen=self.rigid_expenses.fen or 0,
            hardship_costs_fen=self.hardship_costs.fen or 0,
            has_sudden_event=bool(self.has_sudden_event.data),
            exclusions=list(self.exclusions.data or []),
        )
        return data, [i for i, _row in rows]

    def fill_from(self, data: FileInput) -> None:
        """Show a file's current values (for the edit page)."""
        from assist.core.money import fen_to_decimal_str

        for name in (
            "name",
            "id_number",
            "phone",
            "address",
            "employer",
            "work_status",
            "health",
            "health_notes",
            "is_migrant_worker",
            "is_union_member",
            "is_model_worker",
            "bank_name",
            "bank_account",
            "main_cause",
            "secondary_causes",
            "has_sudden_event",
            "exclusions",
        ):
            getattr(self, name).data = getattr(data, name)
        self.labour_relation_since.set_date(data.labour_relation_since)
        self.consent_signed_on.set_date(data.consent_signed_on)
        self.annual_income.data = fen_to_decimal_str(data.annual_income_fen)
        self.rigid_expenses.data = fen_to_decimal_str(data.rigid_expenses_fen)
        self.hardship_costs.data = fen_to_decimal_str(data.hardship_costs_fen)
        while len(self.members):
            self.members.pop_entry()
        for member in data.members:
            self.members.append_entry(
                {
                    "relation": member.relation,
                    "name": member.name,
                    "id_number": member.id_number,
                    "monthly_income": fen_to_decimal_str(member.monthly_income_fen),
                    "health": member.health,
                    "is_student": member.is_student,
                }
            )
        for _ in range(BLANK_MEMBER_ROWS):
            self.members.append_entry()


class AttachmentForm(BaseAttachmentForm):
    kinds = ATTACHMENT_KINDS


class ActionForm(FlaskForm):
    """A workflow step: an optional or required reason, and a category where one applies."""

    reason = TextAreaField(_l("Reason"), validators=[MaxLen(500)])
    category = SelectField(
        _l("Category"),
        choices=[("", "—")]
        + [(c.value, CATEGORY_LABELS[c]) for c in Category if c != Category.NOT_ELIGIBLE],
        validate_choice=False,
    )


class HomeVisitForm(FlaskForm):
    visited_on = IsoDateField(_l("Date of the visit"))
    visitors = StringField(_l("Visitors"), validators=[MaxLen(200)])
    findings = TextAreaField(_l("Findings"), validators=[MaxLen(4000)])


class ReviewForm(FlaskForm):
    note = TextAreaField(_l("What the review found"), validators=[MaxLen(500)])


class TransferForm(FlaskForm):
    # Their own ids: the file page also shows the action form (`reason`) and the review
    # form (`note`), and an id is used once per page.
    to_centre = SelectField(
        _l("Receiving centre"), coerce=int, validate_choice=False, id="transfer-to-centre"
    )
    reason = SelectField(
        _l("Reason"),
        choices=_choices(TRANSFER_REASON_LABELS, "—"),
        validate_choice=False,
        id="transfer-reason",
    )
    note = TextAreaField(_l("Details"), validators=[MaxLen(500)], id="transfer-note")


class DeclineForm(FlaskForm):
    reason = TextAreaField(_l("Why is the transfer declined?"), validators=[MaxLen(500)])


class StandardForm(FlaskForm):
    region_code = StringField(_l("Region (centre code)"), validators=[MaxLen(40)])
    region_name = StringField(_l("Region name"), validators=[MaxLen(60)])
    monthly = YuanField(_l("Standard per person per month (yuan)"))
    effective_from = IsoDateField(_l("In effect from"))
