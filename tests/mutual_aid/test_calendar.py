"""The working-day calendar: holidays and make-up working days count in the claim time limit."""

from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from assist.audit.models import AuditEntry
from assist.core.timeutil import local_to_utc, local_today
from assist.extensions import db
from assist.mutual_aid.models import CalendarDay, Claim
from assist.mutual_aid.services import add_working_days, is_working_day, subtract_working_days
from tests.conftest import csrf_token, login
from tests.mutual_aid.helpers import HOSPITAL_DOCS, attach, enrolment_of, hospital_claim

PAGE = "/mutual-aid/calendar"
# National Day 2027: Friday 1 October and Monday 4 – Thursday 7 October off (the weekend
# between too), Saturdays 25 September and 9 October worked in exchange.
NATIONAL_DAY = """# 2027 国庆
2027-09-25 workday 国庆调休
2027-10-01 holiday 国庆节
2027-10-02 休 国庆节
2027-10-04 holiday 国庆节
2027-10-05 holiday 国庆节
2027-10-06 holiday 国庆节
2027-10-07 holiday 国庆节
2027-10-09 班 国庆调休
"""


def _import(client, text, year=2027):
    url = f"{PAGE}?year={year}"
    return client.post(
        url,
        data={
            "action": "import",
            "import-lines": text,
            "import-csrf_token": csrf_token(client, url),
        },
    )


def _count():
    return db.session.scalar(select(func.count(CalendarDay.id)))


def test_holidays_and_make_up_days_count_at_the_boundaries(client, network):
    assert add_working_days(date(2027, 9, 27), 5) == date(2027, 10, 4)  # Monday to Friday only
    assert subtract_working_days(date(2027, 10, 11), 2) == date(2027, 10, 7)
    login(client, "sz.admin")
    response = _import(client, NATIONAL_DAY)
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    assert _count() == 8
    page = client.get(f"{PAGE}?year=2027").get_data(as_text=True)
    assert 'data-day="2027-10-09"' in page and "国庆调休" in page
    # a holiday inside the window: Friday 1 and 4–7 October are skipped
    assert add_working_days(date(2027, 9, 27), 5) == date(2027, 10, 9)  # the make-up Saturday
    assert add_working_days(date(2027, 9, 30), 1) == date(2027, 10, 8)
    assert add_working_days(date(2027, 9, 24), 1) == date(2027, 9, 25)  # Saturday worked
    assert add_working_days(date(2027, 10, 9), 1) == date(2027, 10, 11)
    assert subtract_working_days(date(2027, 10, 11), 2) == date(2027, 10, 8)
    assert subtract_working_days(date(2027, 10, 8), 1) == date(2027, 9, 30)
    assert not is_working_day(date(2027, 10, 1)) and is_working_day(date(2027, 10, 9))
    assert not is_working_day(date(2027, 10, 10))  # an ordinary Sunday
    actions = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.action == "mutual_aid.calendar_day_set")
    ).all()
    assert len(actions) == 8

    # removing a day: audited, and the day counts as an ordinary one again
    row = db.session.scalars(select(CalendarDay).where(CalendarDay.day == date(2027, 10, 9))).one()
    removed = client.post(
        f"{PAGE}?year=2027",
        data={"action": "remove", "day_id": row.id, "csrf_token": csrf_token(client, PAGE)},
    )
    assert removed.status_code == 302
    assert not is_working_day(date(2027, 10, 9))
    assert (
        db.session.scalar(
            select(func.count(AuditEntry.id)).where(
                AuditEntry.action == "mutual_aid.calendar_day_removed"
            )
        )
        == 1
    )


def test_a_bad_list_or_day_changes_nothing_and_says_why(app, client, network):
    login(client, "sz.admin")
    bad = _import(client, "2027-10-01 holiday 国庆节\n2027-13-01 holiday 错\n")
    assert bad.status_code == 422
    assert "第 2 行" in bad.get_data(as_text=True)
    assert _count() == 0
    assert _import(client, "2027-10-01 vacation").status_code == 422
    assert _import(client, "   \n# nothing\n").status_code == 422
    assert _import(client, "2027-10-01 holiday " + "长" * 50).status_code == 422
    single = client.post(
        PAGE,
        data={
            "action": "set",
            "day-day": "",
            "day-kind": "holiday",
            "day-csrf_token": csrf_token(client, PAGE),
        },
    )
    assert single.status_code == 422 and _count() == 0
    wrong_kind = client.post(
        PAGE,
        data={
            "action": "set",
            "day-day": "2027-05-03",
            "day-kind": "party",
            "day-csrf_token": csrf_token(client, PAGE),
        },
    )
    assert wrong_kind.status_code == 422 and _count() == 0
    assert client.get(f"{PAGE}?year=abc").status_code == 422
    assert client.get(f"{PAGE}?year=99999").status_code == 404
    ok = client.post(
        PAGE,
        data={
            "action": "set",
            "day-day": "2027-05-03",
            "day-kind": "holiday",
            "day-name": "劳动节",
            "day-csrf_token": csrf_token(client, PAGE),
        },
    )
    assert ok.status_code == 302 and ok.headers["Location"].endswith("year=2027")
    assert _count() == 1
    for username in ("sz-gs.admin", "sz.caseworker", "sz.finance"):
        other = app.test_client()
        login(other, username)
        assert other.get(PAGE).status_code == 403, username
        assert 'href="/mutual-aid/calendar"' not in other.get("/mutual-aid/").get_data(as_text=True)


def test_the_command_line_imports_a_list(app, network, tmp_path):
    runner = app.test_cli_runner()
    path = tmp_path / "2027.txt"
    path.write_text(NATIONAL_DAY, encoding="utf-8")
    result = runner.invoke(args=["mutual-aid", "calendar-import", str(path), "--user", "sz.admin"])
    assert result.exit_code == 0, result.output
    assert "8 day(s) set" in result.output
    path.write_text("2027-02-30 holiday 错\n", encoding="utf-8")
    refused = runner.invoke(args=["mutual-aid", "calendar-import", str(path), "--user", "sz.admin"])
    assert refused.exit_code != 0
    assert "Line 1" in refused.output or "第 1 行" in refused.output
    district = runner.invoke(
        args=["mutual-aid", "calendar-import", str(path), "--user", "sz-gs.admin"]
    )
    assert district.exit_code != 0
    assert _count() == 8


def test_the_overdue_list_counts_the_holidays(enrolled, hospital, caseworker, client):
    _plan, term = hospital
    claim = hospital_claim(caseworker, enrolment_of(enrolled[4][1], term))
    attach(caseworker, claim["case"]["id"], HOSPITAL_DOCS)
    caseworker.post(f"/mutual-aid/claims/{claim['id']}/actions/submit", json={})
    today = local_today()
    complete = subtract_working_days(today, 16)  # Monday–Friday: one day late
    row = db.session.get(Claim, claim["id"])
    row.documents_complete_at = local_to_utc(datetime.combine(complete, datetime.min.time()))
    db.session.commit()
    overdue = caseworker.get("/mutual-aid/claims?status=overdue").get_json()["items"]
    assert [c["id"] for c in overdue] == [claim["id"]]
    # a public holiday on a weekday inside the window: the claim is in time after all
    holiday = next(
        d
        for d in (complete + timedelta(days=n) for n in range(1, 40))
        if d.weekday() < 5 and d < today
    )
    login(client, "sz.admin")
    assert (
        _import(client, f"{holiday.isoformat()} holiday 节日", year=holiday.year).status_code == 302
    )
    assert caseworker.get("/mutual-aid/claims?status=overdue").get_json()["items"] == []
    page_client = caseworker.client
    login(page_client, "sz-gs-pj.caseworker")
    assert claim["claim_no"] not in page_client.get("/mutual-aid/claims?view=overdue").get_data(
        as_text=True
    )
