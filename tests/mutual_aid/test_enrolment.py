"""Group enrolment from a roster: the dry run, the participation rule, one share per person."""

from datetime import date

import pytest
from sqlalchemy import func, select

from assist.audit.models import AuditEntry
from assist.extensions import db
from assist.mutual_aid.models import Enrolment, EnrolmentBatch
from tests.cases.helpers import Api
from tests.factories import next_resident_id
from tests.mutual_aid.conftest import make_unit
from tests.mutual_aid.helpers import csv_bytes, people, upload, xlsx


def count(model) -> int:
    db.session.commit()
    return db.session.scalar(select(func.count()).select_from(model))


def problems(report) -> dict[int, list[str]]:
    return {r["row"]: [p["code"] for p in r["problems"]] for r in report["rows"] if not r["ok"]}


def test_dry_run_reports_every_kind_of_bad_row_by_row_number_and_changes_nothing(
    caseworker, unit, hospital, critical, women, network
):
    _plan, term = women  # the women's add-on: sex rule and base plan apply too
    good = people(14, female=True)
    valid_id = good[0][1]
    elsewhere = next_resident_id(female=True)
    other_unit = make_unit(network["SZ-GS-CL"], staff=1, members=1, name="沧浪小厂工会")
    # The person in row 12 already holds the add-on through another unit (with its base plan).
    base_term = critical[1]
    cl = Api(caseworker.client.application.test_client(), "sz-gs-cl.caseworker")
    assert (
        upload(
            cl, other_unit.id, base_term.id, xlsx([("王芳", elsewhere)]), dry_run=False
        ).status_code
        == 201
    )
    assert (
        upload(cl, other_unit.id, term.id, xlsx([("王芳", elsewhere)]), dry_run=False).status_code
        == 201
    )
    # Everybody valid holds the base plan through this unit.
    response = upload(caseworker, unit.id, base_term.id, xlsx(good), dry_run=False)
    assert response.status_code == 201, response.get_json()

    man = next_resident_id()
    too_old = next_resident_id(birth=date(1940, 1, 1), female=True)
    no_base = next_resident_id(female=True)
    rows = [
        *good,  # rows 3–16
        ("", next_resident_id(female=True)),  # 17: name missing (and no base plan)
        ("缺号", ""),  # 18: ID missing
        ("错号", valid_id[:-1] + ("0" if valid_id[-1] != "0" else "1")),  # 19: bad check character
        ("数字", 320502198003010000),  # 20: ID stored as a number
        ("重复", valid_id),  # 21: duplicate of row 3
        ("男职工", man),  # 22: the add-on is for women
        ("老职工", too_old),  # 23: age outside the plan
        ("他厂", elsewhere),  # 24: enrolled through another unit
        ("无基础", no_base),  # 25: no base plan
    ]
    before = (count(Enrolment), count(EnrolmentBatch), count(AuditEntry))
    response = upload(caseworker, unit.id, term.id, xlsx(rows))
    assert response.status_code == 200, response.get_json()
    report = response.get_json()
    found = problems(report)
    assert "name_missing" in found[17]
    assert found[18] == ["id_missing"]
    assert found[19] == ["id_invalid"]
    assert found[20] == ["id_stored_as_number"]
    assert "duplicate_in_roster" in found[21]
    assert "sex_outside" in found[22]
    assert "age_outside" in found[23]
    assert "enrolled_elsewhere" in found[24]
    assert found[25] == ["base_plan_missing"]
    assert set(found) == set(range(17, 26))
    assert report["rows_valid"] == 14
    assert report["fee_due"] == {"staff_share": "700.00", "subsidy": "420.00", "total": "1120.00"}
    # The messages are in the user's language (Chinese by default) and name the row.
    row21 = next(r for r in report["rows"] if r["row"] == 21)
    assert row21["problems"][0]["message"] == "与第 3 行的身份证号相同。"
    assert row21["id_number"].startswith("320502********")
    assert (count(Enrolment), count(EnrolmentBatch), count(AuditEntry)) == before


def test_confirm_needs_skipping_bad_rows_then_assigns_certificates(caseworker, unit, hospital):
    _plan, term = hospital
    rows = people(13) + [("坏号", "123")]
    response = upload(caseworker, unit.id, term.id, xlsx(rows), dry_run=False)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "conflict"
    assert count(Enrolment) == 0
    response = upload(caseworker, unit.id, term.id, xlsx(rows), dry_run=False, skip_bad=True)
    assert response.status_code == 201, response.get_json()
    batch = response.get_json()
    assert batch["rows_enrolled"] == 13 and batch["rows_skipped"] == 1
    assert batch["fee_due"] == {"staff_share": "650.00", "subsidy": "390.00", "total": "1040.00"}
    certs = db.session.scalars(select(Enrolment.certificate_no).order_by(Enrolment.id)).all()
    assert certs[0] == "HA-T1-000001" and certs[-1] == "HA-T1-000013"
    again = caseworker.get(f"/mutual-aid/enrolments/{batch['id']}")
    assert again.status_code == 200
    assert [r["row"] for r in again.get_json()["rows"] if not r["ok"]] == [16]
    # Late additions in the window: the same way, and nobody twice.
    late = upload(caseworker, unit.id, term.id, xlsx([rows[0], *people(1)]), dry_run=True)
    found = problems(late.get_json())
    assert found == {3: ["already_enrolled"]}


@pytest.mark.parametrize(("valid", "accepted"), [(59, False), (60, True)])
def test_participation_rule_at_sixty_percent(caseworker, network, hospital, valid, accepted):
    _plan, term = hospital
    unit = make_unit(network["SZ-GS-PJ"], staff=100, members=90, name="大厂工会")
    response = upload(caseworker, unit.id, term.id, xlsx(people(valid)), dry_run=False)
    if accepted:
        assert response.status_code == 201, response.get_json()
        assert count(Enrolment) == 60
    else:
        assert response.status_code == 409
        assert "60%" in response.get_json()["error"]["message"]
        assert count(Enrolment) == 0


def test_participation_fails_when_only_the_bad_rows_would_reach_it(caseworker, network, hospital):
    _plan, term = hospital
    unit = make_unit(network["SZ-GS-PJ"], staff=10, members=10, name="小厂工会")
    rows = people(9) + [("坏号", "320502")]
    report = upload(caseworker, unit.id, term.id, xlsx(rows)).get_json()
    assert [p["code"] for p in report["unit_problems"]] == ["participation_below_rule"]
    response = upload(caseworker, unit.id, term.id, xlsx(rows), dry_run=False, skip_bad=True)
    assert response.status_code == 409  # a unit of ten enrols everyone: fix the row
    assert count(Enrolment) == 0
    assert upload(caseworker, unit.id, term.id, xlsx(people(10)), dry_run=False).status_code == 201


def test_one_share_per_person_across_units(app, caseworker, unit, hospital, network):
    _plan, term = hospital
    rows = people(12)
    assert upload(caseworker, unit.id, term.id, xlsx(rows), dry_run=False).status_code == 201
    other = make_unit(network["SZ-WZ-CQ"], staff=2, members=2, name="长桥小厂工会")
    wz = Api(app.test_client(), "sz-wz-cq.caseworker")
    response = upload(wz, other.id, term.id, xlsx([rows[0], *people(1)]), dry_run=False)
    assert response.status_code == 409
    report = upload(wz, other.id, term.id, xlsx([rows[0], *people(1)])).get_json()
    assert problems(report) == {3: ["enrolled_elsewhere"]}
    # The database refuses a second share even if the check were bypassed.
    assert (
        db.session.scalar(select(func.count(Enrolment.id)).where(Enrolment.term_id == term.id))
        == 12
    )


def test_csv_in_gbk_and_utf8_and_window_closed(caseworker, unit, network):
    from datetime import timedelta

    from assist.core.timeutil import local_today
    from tests.mutual_aid.helpers import HOSPITAL_RULES, make_plan, running_term_input

    _plan, term = make_plan("HB", "hospital", HOSPITAL_RULES)
    rows = people(12)
    for encoding in ("utf-8", "gbk", "gb18030"):
        report = upload(caseworker, unit.id, term.id, csv_bytes(rows, encoding), name="名册.csv")
        assert report.status_code == 200, report.get_json()
        assert report.get_json()["rows_valid"] == 12
    # An Excel-saved CSV with the ID as 3.20502E+17 is refused, not repaired.
    report = upload(
        caseworker, unit.id, term.id, csv_bytes([("张三", "3.20502E+17")]), name="a.csv"
    )
    assert problems(report.get_json()) == {2: ["id_stored_as_number"]}
    closed_input = running_term_input(
        "T0", started_days_ago=800, window_closes=local_today() - timedelta(days=700)
    )
    _p, closed = make_plan("HC", "hospital", HOSPITAL_RULES, term=closed_input)
    report = upload(caseworker, unit.id, closed.id, xlsx(rows)).get_json()
    assert [p["code"] for p in report["unit_problems"]] == ["window_closed"]


def test_unreadable_files_are_422_with_nothing_saved(caseworker, unit, hospital):
    _plan, term = hospital
    for data, name in (
        (b"PK\x03\x04garbage", "a.xlsx"),
        (b"\xff\xfe\x00\x00\x00", "a.csv"),
        (b"foo,bar\n1,2\n", "a.csv"),
        (b"", "a.csv"),
    ):
        response = upload(caseworker, unit.id, term.id, data, name=name)
        assert response.status_code == 422, (name, response.get_json())
        assert "file" in response.get_json()["error"]["fields"]
    assert count(Enrolment) == 0


def test_units_are_scoped_and_the_credit_code_checked(app, caseworker, unit, network):
    other = Api(app.test_client(), "sz-wz-cq.caseworker")
    assert other.get("/mutual-aid/units").get_json()["items"] == []
    units = caseworker.get("/mutual-aid/units").get_json()
    assert units["items"][0]["id"] == unit.id
    assert (units["total"], units["next"]) == (len(units["items"]), None)  # one list layer
    refused = caseworker.get("/mutual-aid/claims?before=5")  # the old paging, refused
    assert refused.status_code == 422 and "before" in refused.get_json()["error"]["fields"]
    bad = caseworker.post(
        "/mutual-aid/units",
        json={
            "centre_code": "SZ-GS-PJ",
            "name": "某厂工会",
            "uscc": "91320508000000001X",
            "staff_count": 5,
            "union_members": 5,
        },
    )
    assert bad.status_code == 422 and "uscc" in bad.get_json()["error"]["fields"]
    outside = caseworker.post(
        "/mutual-aid/units",
        json={
            "centre_code": "SZ-WZ",
            "name": "某厂",
            "uscc": "x",
            "staff_count": 5,
            "union_members": 5,
        },
    )
    assert outside.status_code == 422
    wrong_type = caseworker.post(
        "/mutual-aid/units",
        json={
            "centre_code": "SZ-GS-PJ",
            "name": "某厂",
            "uscc": "x",
            "staff_count": "many",
            "union_members": [],
        },
    )
    assert wrong_type.status_code == 422
    # A unit outside the scope is 404 for the roster upload.
    from tests.mutual_aid.helpers import xlsx as make_xlsx

    response = upload(other, unit.id, 1, make_xlsx(people(1)))
    assert response.status_code == 404
