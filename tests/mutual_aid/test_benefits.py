"""The benefit computation at its edges: pure functions, no database."""

from datetime import date, timedelta

import pytest

from assist.core.errors import ValidationError
from assist.mutual_aid.benefits import Cover, Event, Refusal, check_rules, compute, working_text

START = date(2027, 1, 1)
END = date(2027, 12, 31)

HOSPITAL = {"daily_fen": 5000, "franchise_days": 3, "term_cap_fen": 450_000, "waiting_days": 0}
CRITICAL = {
    "illnesses": [
        {"code": "cancer", "name": "恶性肿瘤"},
        {"code": "stroke", "name": "脑中风后遗症"},
    ],
    "grades": [{"from_day": 30, "amount_fen": 50_000}, {"from_day": 91, "amount_fen": 1_000_000}],
    "term_cap_fen": 1_000_000,
}
ACCIDENT = {
    "sum_insured_fen": 2_000_000,
    "death_pct": 100,
    "disability_pct": [100, 90, 80, 70, 60, 50, 40, 30, 20, 10],
}


def cover(kind="hospital", rules=HOSPITAL, used=0, since=START, **kw):
    return Cover(kind, rules, START, END, since, used_fen=used, **kw)


def stay(days, admission=date(2027, 3, 1)):
    return Event("hospital", admission=admission, discharge=admission + timedelta(days=days))


def illness(day_of_cover, code="cancer", since=START):
    return Event(
        "critical_illness", diagnosed_on=since + timedelta(days=day_of_cover), illness_code=code
    )


# --- hospital allowance: the franchise day and the cap --------------------------------------


def test_stay_of_exactly_the_franchise_days_pays_nothing():
    result = compute(cover(), stay(3))
    assert result.refusal == Refusal.BELOW_FRANCHISE
    assert result.amount_fen == 0


def test_first_day_beyond_the_franchise_pays_one_day():
    result = compute(cover(), stay(4))
    assert result.is_covered and result.amount_fen == 5000


def test_twelve_days_pay_nine_and_the_working_shows_it():
    result = compute(cover(), stay(12))
    assert result.amount_fen == 45_000
    text = working_text(result)
    assert "Stay 12 days − franchise 3 days = 9 days × ¥50 = ¥450" in text
    assert "already paid this term ¥0, cap ¥4,500, this claim ¥450" in text


def test_cap_reached_mid_claim_pays_the_remainder():
    result = compute(cover(used=420_000), stay(12))
    assert result.amount_fen == 30_000
    assert "already paid this term ¥4,200, cap ¥4,500, this claim ¥300" in working_text(result)


def test_cap_exactly_used_is_refused_with_its_code():
    assert compute(cover(used=450_000), stay(12)).refusal == Refusal.CAP_USED
    assert compute(cover(used=449_999), stay(12)).amount_fen == 1


def test_cover_dates_are_inclusive():
    assert compute(cover(), stay(5, START)).is_covered
    assert compute(cover(), stay(5, START - timedelta(days=1))).refusal == Refusal.BEFORE_COVER
    assert compute(cover(), stay(5, END)).is_covered
    assert compute(cover(), stay(5, END + timedelta(days=1))).refusal == Refusal.AFTER_COVER


def test_hospital_waiting_period_when_the_rules_set_one():
    rules = {**HOSPITAL, "waiting_days": 30}
    assert compute(cover(rules=rules), stay(5, START + timedelta(days=29))).refusal == (
        Refusal.WAITING_PERIOD
    )
    assert compute(cover(rules=rules), stay(5, START + timedelta(days=30))).is_covered
    # Renewed without a gap: cover has run since the previous term.
    renewed = cover(rules=rules, since=START - timedelta(days=365))
    assert compute(renewed, stay(5, START + timedelta(days=1))).is_covered


def test_not_enrolled_unpaid_fee_and_wrong_plan_are_coded():
    assert compute(None, stay(5)).refusal == Refusal.NOT_ENROLLED
    assert compute(cover(fee_received=False), stay(5)).refusal == Refusal.FEE_UNPAID
    assert compute(cover("critical_illness", CRITICAL), stay(5)).refusal == Refusal.NOT_COVERED


# --- critical illness: each waiting-period grade boundary ±1 day ----------------------------


@pytest.mark.parametrize(
    ("day", "expected_fen", "refusal"),
    [
        (0, 0, Refusal.WAITING_PERIOD),
        (29, 0, Refusal.WAITING_PERIOD),
        (30, 50_000, ""),
        (31, 50_000, ""),
        (89, 50_000, ""),
        (90, 50_000, ""),
        (91, 1_000_000, ""),
        (92, 1_000_000, ""),
    ],
)
def test_critical_illness_grades(day, expected_fen, refusal):
    result = compute(cover("critical_illness", CRITICAL), illness(day))
    assert result.refusal == refusal
    assert result.amount_fen == expected_fen


def test_critical_illness_not_on_the_list_is_not_covered():
    result = compute(cover("critical_illness", CRITICAL), illness(120, code="flu"))
    assert result.refusal == Refusal.NOT_COVERED


def test_renewed_member_has_served_the_waiting_period():
    since = START - timedelta(days=365)
    result = compute(cover("critical_illness", CRITICAL, since=since), illness(5, since=START))
    assert result.amount_fen == 1_000_000


def test_womens_plan_uses_the_critical_illness_rules():
    result = compute(cover("women", CRITICAL), illness(91))
    assert result.amount_fen == 1_000_000


def test_critical_illness_paid_once_per_term():
    result = compute(cover("critical_illness", CRITICAL, used=1_000_000), illness(200))
    assert result.refusal == Refusal.CAP_USED


# --- accident -------------------------------------------------------------------------------


def test_accident_death_and_each_disability_grade():
    death = Event("accident", accident_on=date(2027, 5, 1), outcome="death")
    assert compute(cover("accident", ACCIDENT), death).amount_fen == 2_000_000
    for grade, pct in zip(range(1, 11), ACCIDENT["disability_pct"], strict=True):
        event = Event(
            "accident", accident_on=date(2027, 5, 1), outcome="disability", disability_grade=grade
        )
        assert compute(cover("accident", ACCIDENT), event).amount_fen == 2_000_000 * pct // 100
    bad = Event("accident", accident_on=date(2027, 5, 1), outcome="disability", disability_grade=11)
    assert compute(cover("accident", ACCIDENT), bad).refusal == Refusal.NOT_COVERED


# --- the rules themselves -------------------------------------------------------------------


def test_rules_are_checked_by_kind():
    assert check_rules("hospital", HOSPITAL)["daily_fen"] == 5000
    assert check_rules("women", CRITICAL)["grades"][0]["from_day"] == 30
    with pytest.raises(ValidationError) as err:
        check_rules("hospital", {"daily_fen": "50", "franchise_days": 3})
    assert "rules.daily_fen" in err.value.fields
    with pytest.raises(ValidationError):
        check_rules("accident", {**ACCIDENT, "disability_pct": [100] * 9})
    with pytest.raises(ValidationError):
        check_rules("critical_illness", {**CRITICAL, "illnesses": []})
    with pytest.raises(ValidationError):
        check_rules("hospital", {**HOSPITAL, "daily_fen": True})
