"""Mutual-aid forms: the shape of the input; the rules live in the services."""

import re

from flask_babel import gettext as _
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

from assist.auth.forms import MultiCheckboxField
from assist.centres.forms import YuanField
from assist.core.errors import ValidationError
from assist.core.forms import Needed
from assist.core.money import MoneyFormatError, fen_to_decimal_str, parse_yuan


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


# ------------------------------------------------------------------------------- plans
#
# The plan form carries the input's shape only: what a person types (yuan, one illness or
# grade a line) is turned into the service's data here; every rule and its message lives in
# services.add_term / update_term and benefits.check_rules, which the API shares.

KIND_CHOICES = [
    ("hospital", _l("Hospital allowance")),
    ("critical_illness", _l("Critical illness")),
    ("accident", _l("Accident")),
    ("women", _l("Women workers' special diseases")),
]
#: The service's names for the rules' fields → this form's fields.
RULE_FIELDS = {
    "term_cap_fen": "term_cap",
    "daily_fen": "daily",
    "franchise_days": "franchise_days",
    "waiting_days": "waiting_days",
    "illnesses": "illnesses",
    "grades": "grades",
    "sum_insured_fen": "sum_insured",
    "death_pct": "death_pct",
    "disability_pct": "disability_pct",
}


class TermForm(FlaskForm):
    label = StringField(_l("Term (version) name"), validators=[Needed(), Length(max=20)])
    cover_start = DateField(_l("Cover starts (the same day for everyone)"), validators=[Optional()])
    years = SelectField(
        _l("Term length"),
        choices=[("1", _l("1 year")), ("2", _l("2 years")), ("3", _l("3 years"))],
        default="1",
    )
    window_opens = DateField(_l("Enrolment window opens"), validators=[Optional()])
    window_closes = DateField(_l("Enrolment window closes"), validators=[Optional()])
    min_age = IntegerField(_l("Youngest age"), default=16, validators=[Optional()])
    max_age = IntegerField(_l("Oldest age"), default=65, validators=[Optional()])
    sex = SelectField(
        _l("Who may join"),
        choices=[("", _l("Men and women")), ("F", _l("Women only")), ("M", _l("Men only"))],
        default="",
    )
    fee = YuanField(_l("Fee per person per term (yuan)"), validators=[Needed()])
    subsidy = YuanField(_l("Union subsidy per head (yuan)"), validators=[Optional()])
    participation_pct = IntegerField(
        _l("A unit enrols at least this % of its staff"), default=60, validators=[Optional()]
    )
    small_unit_max = IntegerField(
        _l("Units with at most this many staff enrol everyone"), default=10, validators=[Optional()]
    )
    # hospital allowance
    daily = YuanField(_l("Allowance per day (yuan)"), validators=[Optional()])
    franchise_days = IntegerField(
        _l("Days not paid (paid from the day after)"), validators=[Optional()]
    )
    waiting_days = IntegerField(_l("Waiting period (days)"), default=0, validators=[Optional()])
    # critical illness and the women's add-on
    illnesses = TextAreaField(_l("Illnesses covered"), validators=[Optional(), Length(max=5000)])
    grades = TextAreaField(_l("Graded waiting period"), validators=[Optional(), Length(max=1000)])
    # accident
    sum_insured = YuanField(_l("Sum insured (yuan)"), validators=[Optional()])
    death_pct = IntegerField(
        _l("Death: % of the sum insured"), default=100, validators=[Optional()]
    )
    disability_pct = StringField(
        _l("Disability grades 1–10: % of the sum insured"),
        default="100, 90, 80, 70, 60, 50, 40, 30, 20, 10",
        validators=[Optional(), Length(max=200)],
    )
    term_cap = YuanField(_l("Cap per member per term (yuan)"), validators=[Optional()])
    documents = MultiCheckboxField(_l("Documents a claim needs"), choices=[])

    def rule_sections(self, kind: str) -> tuple[str, ...]:
        return {
            "hospital": ("daily", "franchise_days", "waiting_days"),
            "critical_illness": ("illnesses", "grades"),
            "women": ("illnesses", "grades"),
            "accident": ("sum_insured", "death_pct", "disability_pct"),
        }.get(kind, ())

    def rules_for(self, kind: str) -> dict:
        """The benefit rules as the service takes them; a line that cannot be read is refused
        here with its line number (what the lines mean is the service's to judge)."""
        rules: dict = {}
        if self.term_cap.fen is not None:
            rules["term_cap_fen"] = self.term_cap.fen
        if kind == "hospital":
            rules["daily_fen"] = self.daily.fen
            rules["franchise_days"] = self.franchise_days.data
            rules["waiting_days"] = self.waiting_days.data or 0
        elif kind in ("critical_illness", "women"):
            rules["illnesses"] = _illnesses(self.illnesses.data or "")
            rules["grades"] = _grades(self.grades.data or "")
        elif kind == "accident":
            rules["sum_insured_fen"] = self.sum_insured.fen
            rules["death_pct"] = self.death_pct.data if self.death_pct.data is not None else 100
            rules["disability_pct"] = _percentages(self.disability_pct.data or "")
        return rules

    def term_input(self, kind: str, event: str):
        from assist.mutual_aid import services

        start = self.cover_start.data
        return services.TermInput(
            label=self.label.data or "",
            cover_start=start,
            cover_end=services.cover_end_for(start, int(self.years.data or 1)) if start else None,
            window_opens=self.window_opens.data,
            window_closes=self.window_closes.data,
            fee_fen=self.fee.fen,
            subsidy_fen=self.subsidy.fen or 0,
            min_age=self.min_age.data if self.min_age.data is not None else 16,
            max_age=self.max_age.data if self.max_age.data is not None else 65,
            sex=self.sex.data or "",
            participation_pct=(
                self.participation_pct.data if self.participation_pct.data is not None else 60
            ),
            small_unit_max=self.small_unit_max.data if self.small_unit_max.data is not None else 10,
            rules=self.rules_for(kind),
            required_documents={event: list(self.documents.data or [])},
        )

    def fill(self, data, event: str) -> None:
        """Show a term's numbers (an existing term, or the next version offered)."""
        self.label.data = data.label
        self.cover_start.data = data.cover_start
        years = round((data.cover_end - data.cover_start).days / 365.25) if data.cover_end else 1
        self.years.data = str(max(1, min(3, years)))
        self.window_opens.data = data.window_opens
        self.window_closes.data = data.window_closes
        self.min_age.data, self.max_age.data, self.sex.data = data.min_age, data.max_age, data.sex
        self.fee.data = _yuan_text(data.fee_fen)
        self.subsidy.data = _yuan_text(data.subsidy_fen)
        self.participation_pct.data = data.participation_pct
        self.small_unit_max.data = data.small_unit_max
        rules = data.rules or {}
        self.term_cap.data = _yuan_text(rules.get("term_cap_fen"))
        self.daily.data = _yuan_text(rules.get("daily_fen"))
        self.franchise_days.data = rules.get("franchise_days")
        self.waiting_days.data = rules.get("waiting_days", 0)
        self.illnesses.data = "\n".join(
            f"{i['code']} {i['name']}" for i in rules.get("illnesses", [])
        )
        self.grades.data = "\n".join(
            f"{g['from_day']} {_yuan_text(g['amount_fen'])}" for g in rules.get("grades", [])
        )
        self.sum_insured.data = _yuan_text(rules.get("sum_insured_fen"))
        self.death_pct.data = rules.get("death_pct", 100)
        if "disability_pct" in rules:
            self.disability_pct.data = ", ".join(str(p) for p in rules["disability_pct"])
        self.documents.data = list((data.required_documents or {}).get(event, []))


class PlanForm(TermForm):
    code = StringField(_l("Plan code"), validators=[Needed(), Length(max=20)])
    name = StringField(_l("Plan name"), validators=[Needed(), Length(max=120)])
    kind = SelectField(_l("Kind of plan"), choices=KIND_CHOICES, default="hospital")
    base_plan = SelectField(
        _l("Base plan (the women's add-on only)"), choices=[], validate_choice=False
    )
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])


def _yuan_text(fen) -> str:
    if fen is None:
        return ""
    text = fen_to_decimal_str(int(fen))
    return text[:-3] if text.endswith(".00") else text


def _lines(text: str) -> list[tuple[int, str]]:
    return [(n, line.strip()) for n, line in enumerate(text.splitlines(), 1) if line.strip()]


def _split(line: str) -> list[str]:
    return re.split(r"[\s,，、;；]+", line.strip(), maxsplit=1)


def _line_error(field: str, message: str):
    raise ValidationError(message, fields={field: message})


def _illnesses(text: str) -> list[dict]:
    out = []
    for n, line in _lines(text):
        parts = _split(line)
        if len(parts) != 2:
            _line_error(
                "rules.illnesses",
                _(
                    "Line %(n)d: write the illness's code, then its name, e.g. cancer 恶性肿瘤.",
                    n=n,
                ),
            )
        out.append({"code": parts[0], "name": parts[1]})
    return out


def _grades(text: str) -> list[dict]:
    out = []
    for n, line in _lines(text):
        parts = _split(line)
        try:
            if len(parts) != 2 or not parts[0].isdigit():
                raise MoneyFormatError(line)
            out.append({"from_day": int(parts[0]), "amount_fen": parse_yuan(parts[1])})
        except MoneyFormatError:
            _line_error(
                "rules.grades",
                _(
                    "Line %(n)d: write the day of cover the grade starts from, then the amount "
                    "in yuan, e.g. 91 10000.",
                    n=n,
                ),
            )
    return out


def _percentages(text: str) -> list[int]:
    parts = [p for p in re.split(r"[\s,，、;；%]+", text.strip()) if p]
    if not all(p.isdigit() and len(p) <= 3 for p in parts):
        _line_error(
            "rules.disability_pct",
            _("Give ten percentages, for disability grades 1 to 10."),
        )
    return [int(p) for p in parts]


class CalendarDayForm(FlaskForm):
    day = DateField(_l("Date"), validators=[Optional()])
    kind = SelectField(
        _l("The day is"),
        choices=[
            ("holiday", _l("a public holiday (no work)")),
            ("workday", _l("an adjusted working day (调休)")),
        ],
        default="holiday",
    )
    name = StringField(_l("Name, e.g. 国庆节"), validators=[Optional(), Length(max=40)])


class CalendarImportForm(FlaskForm):
    lines = TextAreaField(_l("Days, one a line"), validators=[Optional(), Length(max=20_000)])
