"""The benefit a plan term pays for an event: pure functions over the term's rules (data).

Rules by plan kind (amounts in 分, days as whole days):

- hospital: ``{"daily_fen", "franchise_days", "term_cap_fen", "waiting_days"}`` — a stay of
  (discharge − admission) days pays ``daily_fen`` for each day beyond ``franchise_days``;
- critical_illness / women: ``{"illnesses": [{"code", "name"}], "grades": [{"from_day",
  "amount_fen"}], "term_cap_fen"}`` — a listed illness first diagnosed N days after the
  member's cover began pays the grade with the largest ``from_day`` ≤ N (none: waiting period);
- accident: ``{"sum_insured_fen", "death_pct", "disability_pct": [grade 1 … grade 10],
  "term_cap_fen"}``.

`compute` returns the amount, or a refusal code, and the steps of its working; nothing here
touches the database, so every edge is a unit test.
"""

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _

from assist.core.errors import ValidationError
from assist.core.money import format_yuan


class Refusal:
    """Why a claim is not covered; the codes the API and the lists show."""

    NOT_ENROLLED = "not_enrolled"
    FEE_UNPAID = "fee_unpaid"
    BEFORE_COVER = "before_cover"
    AFTER_COVER = "after_cover"
    WAITING_PERIOD = "waiting_period"
    NOT_COVERED = "not_covered"
    BELOW_FRANCHISE = "below_franchise"
    CAP_USED = "cap_used"

    ALL = (
        NOT_ENROLLED,
        FEE_UNPAID,
        BEFORE_COVER,
        AFTER_COVER,
        WAITING_PERIOD,
        NOT_COVERED,
        BELOW_FRANCHISE,
        CAP_USED,
    )


#: Which event each plan kind covers.
EVENT_FOR_PLAN = {
    "hospital": "hospital",
    "critical_illness": "critical_illness",
    "women": "critical_illness",
    "accident": "accident",
}


@dataclass(frozen=True)
class Event:
    """What happened: the kind and the facts the computation needs."""

    kind: str
    admission: date | None = None
    discharge: date | None = None
    diagnosed_on: date | None = None
    illness_code: str = ""
    accident_on: date | None = None
    outcome: str = ""  # "death" or "disability"
    disability_grade: int | None = None

    @property
    def day(self) -> date | None:
        """The day that decides cover: admission, first diagnosis, or the accident."""
        return {
            "hospital": self.admission,
            "critical_illness": self.diagnosed_on,
            "accident": self.accident_on,
        }.get(self.kind)


@dataclass(frozen=True)
class Cover:
    """The member's cover in the term the event falls in."""

    plan_kind: str
    rules: dict
    cover_start: date
    cover_end: date
    continuous_since: date
    used_fen: int = 0  # benefits already granted to this member in this term
    fee_received: bool = True


@dataclass
class Benefit:
    amount_fen: int = 0
    refusal: str = ""
    #: (message key, parameters) in order; `working_text` renders them.
    steps: list[tuple[str, dict]] = field(default_factory=list)

    @property
    def is_covered(self) -> bool:
        return not self.refusal


def _refuse(code: str, steps=(), **params) -> Benefit:
    return Benefit(0, code, [*steps, (f"refused.{code}", params)])


def compute(cover: Cover | None, event: Event) -> Benefit:
    """Compute the benefit for `event` under `cover` (None: the person is not enrolled)."""
    if cover is None:
        return _refuse(Refusal.NOT_ENROLLED)
    if EVENT_FOR_PLAN.get(cover.plan_kind) != event.kind:
        return _refuse(Refusal.NOT_COVERED, event=event.kind)
    day = event.day
    if day is None:
        raise ValueError("the event has no date")
    if day < cover.cover_start:
        return _refuse(Refusal.BEFORE_COVER, day=day, start=cover.cover_start)
    if day > cover.cover_end:
        return _refuse(Refusal.AFTER_COVER, day=day, end=cover.cover_end)
    if not cover.fee_received:
        return _refuse(Refusal.FEE_UNPAID)
    rules = cover.rules
    if event.kind == "hospital":
        result = _hospital(rules, event, cover)
    elif event.kind == "critical_illness":
        result = _critical(rules, event, cover)
    else:
        result = _accident(rules, event)
    if result.refusal:
        return result
    return _apply_cap(result, rules.get("term_cap_fen"), cover.used_fen)


def _hospital(rules: dict, event: Event, cover: Cover) -> Benefit:
    if event.discharge is None or event.discharge < event.admission:
        raise ValueError("discharge before admission")
    waiting = int(rules.get("waiting_days", 0))
    served = (event.admission - cover.continuous_since).days
    if served < waiting:
        return _refuse(Refusal.WAITING_PERIOD, days=served, waiting=waiting)
    days = (event.discharge - event.admission).days
    franchise = int(rules["franchise_days"])
    paid_days = days - franchise
    if paid_days <= 0:
        return _refuse(Refusal.BELOW_FRANCHISE, days=days, franchise=franchise)
    daily = int(rules["daily_fen"])
    gross = paid_days * daily
    step = (
        "hospital",
        {
            "days": days,
            "franchise": franchise,
            "paid_days": paid_days,
            "daily": daily,
            "gross": gross,
        },
    )
    return Benefit(gross, "", [step])


def _critical(rules: dict, event: Event, cover: Cover) -> Benefit:
    names = {i["code"]: i["name"] for i in rules.get("illnesses", [])}
    if event.illness_code not in names:
        return _refuse(Refusal.NOT_COVERED, event="illness")
    days = (event.diagnosed_on - cover.continuous_since).days
    grades = sorted(rules.get("grades", []), key=lambda g: g["from_day"])
    grade = None
    for candidate in grades:
        if days >= candidate["from_day"]:
            grade = candidate
    if grade is None:
        first = grades[0]["from_day"] if grades else 0
        return _refuse(Refusal.WAITING_PERIOD, days=days, waiting=first)
    step = (
        "critical",
        {
            "illness": names[event.illness_code],
            "days": days,
            "from_day": grade["from_day"],
            "gross": int(grade["amount_fen"]),
        },
    )
    return Benefit(int(grade["amount_fen"]), "", [step])


def _accident(rules: dict, event: Event) -> Benefit:
    sum_insured = int(rules["sum_insured_fen"])
    if event.outcome == "death":
        pct = int(rules.get("death_pct", 100))
        step = ("accident_death", {"sum": sum_insured, "pct": pct})
    elif event.outcome == "disability" and event.disability_grade in range(1, 11):
        pct = int(rules["disability_pct"][event.disability_grade - 1])
        step = (
            "accident_disability",
            {"sum": sum_insured, "pct": pct, "grade": event.disability_grade},
        )
    else:
        return _refuse(Refusal.NOT_COVERED, event="accident")
    gross = sum_insured * pct // 100
    step[1]["gross"] = gross
    return Benefit(gross, "", [step])


def _apply_cap(result: Benefit, cap_fen: int | None, used_fen: int) -> Benefit:
    if cap_fen is None:
        return result
    remaining = int(cap_fen) - used_fen
    if remaining <= 0:
        return _refuse(Refusal.CAP_USED, result.steps, used=used_fen, cap=int(cap_fen))
    amount = min(result.amount_fen, remaining)
    result.steps.append(("cap", {"used": used_fen, "cap": int(cap_fen), "amount": amount}))
    result.amount_fen = amount
    return result


# ------------------------------------------------------------------------------- the working


def yuan(fen: int) -> str:
    """¥ amounts as people write them: ¥50, ¥4,500, ¥12.50."""
    text = format_yuan(fen)
    return "¥" + (text[:-3] if text.endswith(".00") else text)


def refusal_label(code: str) -> str:
    return {
        Refusal.NOT_ENROLLED: _("not enrolled in a plan that covers the day"),
        Refusal.FEE_UNPAID: _("the unit's fee for this term has not been received"),
        Refusal.BEFORE_COVER: _("the event is before the cover starts"),
        Refusal.AFTER_COVER: _("the event is after the cover ends"),
        Refusal.WAITING_PERIOD: _("the event falls in the waiting period"),
        Refusal.NOT_COVERED: _("the plan does not cover this event"),
        Refusal.BELOW_FRANCHISE: _("the stay is not longer than the franchise days"),
        Refusal.CAP_USED: _("the term's cap has been used up"),
    }.get(code, code)


def _step_text(key: str, p: dict) -> str:
    if key == "hospital":
        return _(
            "Stay %(days)d days − franchise %(franchise)d days = %(paid_days)d days × "
            "%(daily)s = %(gross)s",
            days=p["days"],
            franchise=p["franchise"],
            paid_days=p["paid_days"],
            daily=yuan(p["daily"]),
            gross=yuan(p["gross"]),
        )
    if key == "critical":
        return _(
            "%(illness)s first diagnosed on day %(days)d of cover (grade from day %(from_day)d): "
            "%(gross)s",
            illness=p["illness"],
            days=p["days"],
            from_day=p["from_day"],
            gross=yuan(p["gross"]),
        )
    if key == "accident_death":
        return _(
            "Accidental death: %(pct)d%% of the sum insured %(sum)s = %(gross)s",
            pct=p["pct"],
            sum=yuan(p["sum"]),
            gross=yuan(p["gross"]),
        )
    if key == "accident_disability":
        return _(
            "Disability grade %(grade)d: %(pct)d%% of the sum insured %(sum)s = %(gross)s",
            grade=p["grade"],
            pct=p["pct"],
            sum=yuan(p["sum"]),
            gross=yuan(p["gross"]),
        )
    if key == "cap":
        return _(
            "already paid this term %(used)s, cap %(cap)s, this claim %(amount)s",
            used=yuan(p["used"]),
            cap=yuan(p["cap"]),
            amount=yuan(p["amount"]),
        )
    code = key.removeprefix("refused.")
    text = _("Not covered: %(reason)s", reason=refusal_label(code))
    if code == Refusal.WAITING_PERIOD:
        text += _(" (day %(days)d of cover; the waiting period is %(waiting)d days)", **p)
    elif code == Refusal.CAP_USED:
        text += _(
            " (already paid %(used)s of the cap %(cap)s)", used=yuan(p["used"]), cap=yuan(p["cap"])
        )
    elif code == Refusal.BELOW_FRANCHISE:
        text += _(" (%(days)d days; franchise %(franchise)d days)", **p)
    return text


def working_text(result: Benefit) -> str:
    """The working in the current language: steps joined the way a person writes them."""
    return _("; ").join(_step_text(key, params) for key, params in result.steps)


# ------------------------------------------------------------------------------- rule checks


def _int(value, field: str, *, minimum: int = 0, maximum: int = 10**10) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not minimum <= value <= maximum:
        msg = _("Enter a whole number between %(a)d and %(b)d.", a=minimum, b=maximum)
        raise ValidationError(msg, fields={field: msg})
    return value


def _amount(value, field: str) -> int:
    """An amount in 分 greater than zero, at most ¥100,000,000."""
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 10**10:
        msg = _("Enter an amount greater than zero (at most ¥100,000,000).")
        raise ValidationError(msg, fields={field: msg})
    return value


def check_rules(plan_kind: str, rules) -> dict:
    """Check a term's benefit rules for the plan's kind; return them cleaned."""
    if not isinstance(rules, dict):
        msg = _("Give the benefit rules.")
        raise ValidationError(msg, fields={"rules": msg})
    cap = rules.get("term_cap_fen")
    clean: dict = {}
    if cap is not None:
        clean["term_cap_fen"] = _amount(cap, "rules.term_cap_fen")
    if plan_kind == "hospital":
        clean["daily_fen"] = _amount(rules.get("daily_fen"), "rules.daily_fen")
        clean["franchise_days"] = _int(
            rules.get("franchise_days"), "rules.franchise_days", maximum=365
        )
        clean["waiting_days"] = _int(
            rules.get("waiting_days", 0), "rules.waiting_days", maximum=365
        )
    elif plan_kind in ("critical_illness", "women"):
        illnesses = rules.get("illnesses")
        msg = _("List the illnesses the plan covers, each with a code and a name.")
        if (
            not isinstance(illnesses, list)
            or not illnesses
            or not all(
                isinstance(i, dict)
                and isinstance(i.get("code"), str)
                and i["code"].strip()
                and isinstance(i.get("name"), str)
                and i["name"].strip()
                for i in illnesses
            )
        ):
            raise ValidationError(msg, fields={"rules.illnesses": msg})
        clean["illnesses"] = [
            {"code": i["code"].strip()[:20], "name": i["name"].strip()[:60]} for i in illnesses
        ]
        codes = [i["code"] for i in clean["illnesses"]]
        if len(set(codes)) != len(codes):
            msg = _("Each illness on the list needs its own code.")
            raise ValidationError(msg, fields={"rules.illnesses": msg})
        grades = rules.get("grades")
        msg = _("Give the benefit grades: from which day of cover, and the amount.")
        if (
            not isinstance(grades, list)
            or not grades
            or not all(isinstance(g, dict) for g in grades)
        ):
            raise ValidationError(msg, fields={"rules.grades": msg})
        clean["grades"] = sorted(
            (
                {
                    "from_day": _int(g.get("from_day"), "rules.grades", maximum=3650),
                    "amount_fen": _amount(g.get("amount_fen"), "rules.grades"),
                }
                for g in grades
            ),
            key=lambda g: g["from_day"],
        )
        days = [g["from_day"] for g in clean["grades"]]
        if len(set(days)) != len(days):
            msg = _("Each grade starts on a different day of cover.")
            raise ValidationError(msg, fields={"rules.grades": msg})
    elif plan_kind == "accident":
        clean["sum_insured_fen"] = _amount(rules.get("sum_insured_fen"), "rules.sum_insured_fen")
        clean["death_pct"] = _int(rules.get("death_pct", 100), "rules.death_pct", maximum=100)
        pcts = rules.get("disability_pct")
        msg = _("Give ten percentages, for disability grades 1 to 10.")
        if not isinstance(pcts, list) or len(pcts) != 10:
            raise ValidationError(msg, fields={"rules.disability_pct": msg})
        clean["disability_pct"] = [_int(p, "rules.disability_pct", maximum=100) for p in pcts]
    else:
        msg = _("Choose the kind of plan.")
        raise ValidationError(msg, fields={"kind": msg})
    return clean


def working_text_in_records_language(result: Benefit) -> str:
    """The working as it is stored on the claim and printed: in the records' language."""
    from assist.core.i18n import record_language

    with record_language():
        return working_text(result)
