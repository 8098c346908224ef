"""Yearly caps, the one-open-case rule and file-first-aid-after."""

from datetime import date

from assist.applicants.models import Category, FileStatus
from assist.cases.models import AidRule
from assist.extensions import db
from tests.cases.helpers import case_row
from tests.factories import make_applicant, make_standard, next_resident_id


def test_cap_refusal_gives_the_figures(household, caseworker, station_supervisor):
    # 深度困难: 12 × 1,060 = 12,720 yuan a year of living relief.
    first = caseworker.open_case(household, amount="2000.00")
    caseworker.act(first["id"], "submit")
    station_supervisor.act(first["id"], "approve")
    # Notice and payment are not needed for the amount to count: it was granted.
    refused = caseworker.open_case(household, amount="11000.00", expect=409)
    assert refused["error"]["case_no"] == first["case_no"]  # the open case comes first
    # Once that case is paid and closed, the figures decide.
    row = case_row(first["id"])
    row.status = "closed"
    db.session.commit()
    refused = caseworker.open_case(household, amount="11000.00", expect=409)
    error = refused["error"]
    assert error["cap"] == "12720.00"
    assert error["granted"] == "2000.00"
    assert error["request"] == "11000.00"
    assert "12,720.00" in error["message"] and "2,000.00" in error["message"]
    assert "11,000.00" in error["message"]
    assert error["fields"]["amount_requested"]
    # Within the remaining 10,720 it is fine.
    caseworker.open_case(household, amount="10720.00")


def test_relative_hardship_gets_ten_months(network, standard, caseworker):
    applicant = make_applicant(network["SZ-GS-PJ"], category=Category.RELATIVE)
    db.session.commit()
    refused = caseworker.open_case(applicant, amount="10600.01", expect=409)
    assert refused["error"]["cap"] == "10600.00"


def test_a_dated_standard_and_rule_take_effect(network, caseworker):
    make_standard(region_code="SZ", monthly_fen=100_000, effective_from=date(2020, 1, 1))
    # A more specific, newer standard for the 姑苏 district wins for its stations.
    make_standard(region_code="SZ-GS", monthly_fen=120_000, effective_from=date(2024, 1, 1))
    # A standard that starts in the future does not count yet.
    make_standard(region_code="SZ-GS", monthly_fen=200_000, effective_from=date(2099, 1, 1))
    applicant = make_applicant(network["SZ-GS-PJ"])
    db.session.commit()
    refused = caseworker.open_case(applicant, amount="20000.00", expect=409)
    assert refused["error"]["cap"] == "14400.00"
    db.session.add(
        AidRule(
            kind="living", variant="deep", effective_from=date(2025, 1, 1), cap_standard_months=6
        )
    )
    db.session.commit()
    refused = caseworker.open_case(applicant, amount="20000.00", expect=409)
    assert refused["error"]["cap"] == "7200.00"


def test_living_relief_needs_a_standard(network, caseworker):
    applicant = make_applicant(network["SZ-GS-PJ"])
    db.session.commit()
    refused = caseworker.open_case(applicant, expect=409)
    assert "低保" in refused["error"]["message"]


def test_medical_aid_is_capped_by_the_self_paid_part(household, caseworker):
    refused = caseworker.open_case(
        household, kind="medical", amount="3000.00", self_paid="2500.00", expect=422
    )
    assert refused["error"]["fields"]["amount_requested"]
    missing = caseworker.open_case(household, kind="medical", amount="3000.00", expect=422)
    assert missing["error"]["fields"]["self_paid"]
    caseworker.open_case(household, kind="medical", amount="2500.00", self_paid="2500.00")


def test_schooling_is_capped_per_student(household, caseworker, station_supervisor):
    body = {
        "kind": "schooling",
        "school_level": "high_school",
        "person_name": "张小明",
        "person_id": next_resident_id(birth=date(2008, 1, 1)),
    }
    refused = caseworker.open_case(household, amount="3000.01", expect=409, **body)
    assert refused["error"]["cap"] == "3000.00"
    first = caseworker.open_case(household, amount="3000.00", **body)
    # A second student of the same household has a cap and a case of their own.
    body2 = {**body, "person_name": "张小红", "person_id": next_resident_id(female=True)}
    body2["school_level"] = "university"
    caseworker.open_case(household, amount="5000.00", **body2)
    # The same student cannot have two open schooling cases.
    again = caseworker.open_case(household, amount="100.00", expect=409, **body)
    assert first["case_no"] in again["error"]["message"]


def test_one_open_case_per_household_and_kind(household, caseworker):
    first = caseworker.open_case(household)
    refused = caseworker.open_case(household, amount="100.00", expect=409)
    assert first["case_no"] in refused["error"]["message"]
    assert refused["error"]["case_no"] == first["case_no"]
    # Another kind is fine.
    caseworker.open_case(household, kind="holiday", amount="500.00", occasion="spring_festival")


def test_file_first_aid_after(network, standard, caseworker):
    pending = make_applicant(network["SZ-GS-PJ"], status=FileStatus.HOME_VISIT)
    db.session.commit()
    refused = caseworker.open_case(pending, expect=422)
    assert "applicant_id" in refused["error"]["fields"]
    missing = caseworker.open_case(None, expect=422)
    assert "applicant_id" in missing["error"]["fields"]


def test_file_that_stopped_being_active_cannot_be_approved(
    household, caseworker, station_supervisor
):
    case = caseworker.open_case(household)
    caseworker.act(case["id"], "submit")
    household.status = FileStatus.EXITED
    db.session.commit()
    refused = station_supervisor.act(case["id"], "approve", expect=409)
    assert "不在档" in refused["error"]["message"]


def test_temporary_relief_needs_a_verified_id_and_address(network, caseworker, station_supervisor):
    bad = caseworker.open_case(
        None,
        kind="temporary",
        amount="500.00",
        person_name="李四",
        person_id="110105194912310021",
        expect=422,
    )
    assert set(bad["error"]["fields"]) == {"person_id", "person_address"}
    case = caseworker.open_case(
        None,
        kind="temporary",
        amount="2000.00",
        person_name="李四",
        person_id="11010519491231002x",
        person_address="苏州市姑苏区临顿路5号",
    )
    assert case["applicant"] is None
    assert case["centre"] == "SZ-GS-PJ"
    caseworker.act(case["id"], "submit")
    done = station_supervisor.act(case["id"], "approve")
    # Temporary relief skips the public notice by default (a setting).
    assert done["status"] == "ready_to_pay"
    assert "skip_notice" in [e["action"] for e in done["timeline"]]
    # ¥3,000 a person a year: the same person cannot get more this year.
    row = case_row(case["id"])
    row.status = "closed"
    db.session.commit()
    refused = caseworker.open_case(
        None,
        kind="temporary",
        amount="1000.01",
        person_name="李四",
        person_id="11010519491231002X",
        person_address="苏州市姑苏区临顿路5号",
        expect=409,
    )
    assert (refused["error"]["cap"], refused["error"]["granted"]) == ("3000.00", "2000.00")


def test_temporary_relief_notice_setting(network, caseworker, station_supervisor):
    db.session.add(
        AidRule(kind="temporary", variant="", effective_from=date(2020, 1, 1), cap_fen=300_000)
    )
    db.session.commit()
    case = caseworker.open_case(
        None,
        kind="temporary",
        amount="500.00",
        person_name="李四",
        person_id="11010519491231002X",
        person_address="苏州市姑苏区临顿路5号",
    )
    caseworker.act(case["id"], "submit")
    assert station_supervisor.act(case["id"], "approve")["status"] == "in_notice"


def test_legal_aid_records_a_service_not_an_amount(household, caseworker, station_supervisor):
    refused = caseworker.open_case(
        household, kind="legal", amount="100.00", service="x", expect=422
    )
    assert "amount_requested" in refused["error"]["fields"]
    missing = caseworker.open_case(household, kind="legal", amount=None, expect=422)
    assert "service" in missing["error"]["fields"]
    case = caseworker.open_case(household, kind="legal", amount=None, service="劳动争议仲裁代理")
    assert case["amount_requested"] is None
    caseworker.act(case["id"], "submit")
    done = station_supervisor.act(case["id"], "approve")
    assert done["status"] == "approved"
    assert done["amount_approved"] is None
