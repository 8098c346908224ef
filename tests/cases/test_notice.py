"""Public notice: the period, objections holding and releasing a case, and its end."""

from datetime import timedelta

from assist.cases import services
from assist.cases.models import CaseStatus
from assist.core.timeutil import utcnow
from assist.extensions import db
from tests.cases.helpers import actions, case_row


def _in_notice(household, caseworker, station_supervisor, amount="1500.00"):
    case = caseworker.open_case(household, amount=amount)
    caseworker.act(case["id"], "submit")
    station_supervisor.act(case["id"], "approve")
    return case


def _end_notice_period(case_id: int) -> None:
    row = case_row(case_id)
    row.notice_ends_at = utcnow() - timedelta(minutes=1)
    db.session.commit()


def test_objection_holds_the_case_and_dismissal_releases_it(
    household, caseworker, station_supervisor
):
    case = _in_notice(household, caseworker, station_supervisor)
    # An objection needs who raised it and what it says.
    response = caseworker.post(f"/cases/{case['id']}/objections", json={"raised_by": "邻居"})
    assert response.status_code == 422
    response = caseworker.post(
        f"/cases/{case['id']}/objections",
        json={"raised_by": "匿名群众", "contact": "电话 0512-1234", "content": "该户有两套住房。"},
    )
    assert response.status_code == 201, response.get_json()
    held = response.get_json()
    assert held["status"] == "on_hold"
    objection = held["objections"][0]
    assert objection["status"] == "open"
    # The notice ends while the objection is open: the case stays held.
    _end_notice_period(case["id"])
    services.close_expired_notices()
    db.session.commit()
    assert case_row(case["id"]).status == CaseStatus.ON_HOLD
    # Only a supervisor resolves it, and with a reason.
    url = f"/cases/{case['id']}/objections/{objection['id']}/resolve"
    assert caseworker.post(url, json={"outcome": "dismiss", "reason": "x"}).status_code == 403
    assert station_supervisor.post(url, json={"outcome": "dismiss"}).status_code == 422
    response = station_supervisor.post(
        url, json={"outcome": "dismiss", "reason": "经入户核实，第二套住房已于去年出售。"}
    )
    assert response.status_code == 200, response.get_json()
    released = response.get_json()
    # The period is over, so dismissal releases it straight to ready to pay.
    assert released["status"] == "ready_to_pay"
    assert actions(released)[-3:] == ["object", "dismiss_objection", "end_notice"]
    assert released["objections"][0]["resolution"].startswith("经入户核实")
    # Resolving twice is refused.
    assert (
        station_supervisor.post(url, json={"outcome": "uphold", "reason": "x"}).status_code == 409
    )


def test_upheld_objection_sends_the_case_back_to_review(household, caseworker, station_supervisor):
    case = _in_notice(household, caseworker, station_supervisor)
    held = caseworker.post(
        f"/cases/{case['id']}/objections",
        json={"raised_by": "王五", "content": "该户家属在外地有稳定收入。"},
    ).get_json()
    url = f"/cases/{case['id']}/objections/{held['objections'][0]['id']}/resolve"
    back = station_supervisor.post(
        url, json={"outcome": "uphold", "reason": "情况属实，需重新审核。"}
    ).get_json()
    assert back["status"] == "submitted"
    assert back["approval_centre"] == "SZ-GS-PJ"
    assert back["amount_approved"] is None
    assert back["notice_ends_at"] is None
    # Back in review: it can be rejected (or approved again).
    done = station_supervisor.act(case["id"], "reject", comment="家属收入超标。")
    assert done["status"] == "rejected"


def test_objections_only_during_the_notice(household, caseworker, station_supervisor):
    case = caseworker.open_case(household)
    response = caseworker.post(
        f"/cases/{case['id']}/objections", json={"raised_by": "x", "content": "y"}
    )
    assert response.status_code == 409


def test_notice_ends_on_the_next_request_and_via_the_cli(
    app, runner, household, network, caseworker, station_supervisor
):
    from tests.factories import make_applicant

    first = _in_notice(household, caseworker, station_supervisor)
    other = make_applicant(network["SZ-GS-PJ"], name="李秀英")
    db.session.commit()
    second = _in_notice(other, caseworker, station_supervisor, amount="900.00")
    # Still in notice: nothing happens.
    assert caseworker.get(f"/cases/{first['id']}").get_json()["status"] == "in_notice"
    result = runner.invoke(args=["notices", "close-expired"])
    assert "0 case(s)" in result.output
    # The period of the first ends: the next request (any page) moves it on.
    _end_notice_period(first["id"])
    detail = caseworker.get(f"/cases/{first['id']}").get_json()
    assert detail["status"] == "ready_to_pay"
    end = detail["timeline"][-1]
    assert end["action"] == "end_notice" and end["user"] is None
    # The CLI does the same for the second, and is idempotent.
    _end_notice_period(second["id"])
    result = runner.invoke(args=["notices", "close-expired"])
    assert result.exit_code == 0, result.output
    assert "1 case(s)" in result.output
    result = runner.invoke(args=["notices", "close-expired"])
    assert "0 case(s)" in result.output
    assert actions(caseworker.get(f"/cases/{second['id']}").get_json()).count("end_notice") == 1


def test_zero_notice_days_skip_the_notice(household, network, caseworker, station_supervisor):
    network["SZ-GS-PJ"].notice_days = 0
    db.session.commit()
    case = _in_notice(household, caseworker, station_supervisor)
    assert case_row(case["id"]).status == CaseStatus.READY_TO_PAY


def test_centre_notice_days_set_the_period(household, network, caseworker, station_supervisor):
    network["SZ-GS-PJ"].notice_days = 7
    db.session.commit()
    case = _in_notice(household, caseworker, station_supervisor)
    row = case_row(case["id"])
    assert row.notice_ends_at - row.notice_started_at == timedelta(days=7)


def test_requests_before_the_next_notice_end_ask_nothing(
    app, household, caseworker, station_supervisor
):
    from sqlalchemy import event

    app.config["NOTICE_RECHECK_SECONDS"] = 30 * 24 * 3600  # only the pending end sets the clock
    app.extensions.pop("notice_clock", None)
    case = _in_notice(household, caseworker, station_supervisor)
    assert caseworker.get(f"/cases/{case['id']}").status_code == 200
    clock = app.extensions["notice_clock"]
    ends = case_row(case["id"]).notice_ends_at
    assert clock.next_at == ends
    assert not clock.due(ends - timedelta(seconds=1)) and clock.due(ends)
    asked: list[str] = []

    def watch(_conn, _cursor, statement, *_args):
        if "notice_ends_at" in statement:
            asked.append(statement)

    event.listen(db.engine, "before_cursor_execute", watch)
    try:
        assert caseworker.get(f"/cases/{case['id']}").status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", watch)
    # Neither the search for ended notices nor the look for the next end ran.
    assert not [
        s for s in asked if "notice_ends_at <=" in s or "min(aid_cases.notice_ends_at)" in s
    ]
    # A notice end set in this process (here: the period cut short) is looked at at once.
    _end_notice_period(case["id"])
    assert caseworker.get(f"/cases/{case['id']}").get_json()["status"] == "ready_to_pay"
