"""The aid case workflow through the JSON API: the paths of issue 4's "Done when"."""

import io
import re
from datetime import date, timedelta

from assist.audit.models import AuditEntry
from assist.cases.models import AidRule, CaseStatus
from assist.extensions import db
from tests.cases.helpers import Api, actions, case_row
from tests.factories import PDF, make_applicant, next_resident_id


def test_1500_case_approved_at_its_station(household, caseworker, station_supervisor):
    case = caseworker.open_case(household, amount="1500.00")
    assert re.fullmatch(r"SZ-GS-PJ-\d{4}-C00001", case["case_no"])
    assert case["status"] == "draft"
    caseworker.act(case["id"], "submit")
    done = station_supervisor.act(case["id"], "approve", comment="情况属实，同意。")
    assert done["status"] == "in_notice"
    assert done["amount_approved"] == "1500.00"
    assert done["approved_by"] == "sz-gs-pj.supervisor"
    assert done["submitted_by"] == "sz-gs-pj.caseworker"
    assert actions(done) == ["create", "submit", "approve", "start_notice"]
    approve = done["timeline"][2]
    assert approve["user"] == "sz-gs-pj.supervisor"
    assert approve["comment"] == "情况属实，同意。"
    assert approve["amount"] == "1500.00"
    assert (approve["from_status"], approve["to_status"]) == ("submitted", "approved")
    row = case_row(case["id"])
    # The notice runs for the centre's notice_days (default 5).
    assert row.notice_ends_at - row.notice_started_at == timedelta(days=5)
    # Every step is audited.
    audited = db.session.scalars(
        db.select(AuditEntry.action).where(AuditEntry.object_id == str(case["id"]))
    ).all()
    assert {"case.create", "case.submit", "case.approve", "case.start_notice"} <= set(audited)


def test_case_numbers_count_per_centre(household, caseworker, network):
    other = make_applicant(network["SZ-GS-PJ"])
    db.session.commit()
    first = caseworker.open_case(household)
    second = caseworker.open_case(other, kind="holiday", occasion="spring_festival")
    assert first["case_no"][-6:] == "C00001"
    assert second["case_no"][-6:] == "C00002"


def test_8000_recommended_at_station_and_approved_at_district(
    household, caseworker, station_supervisor, district_supervisor
):
    case = caseworker.open_case(household, kind="medical", amount="8000.00", self_paid="9500.00")
    caseworker.act(case["id"], "submit")
    # Above the station's ¥2,000 limit the station supervisor cannot approve ...
    refused = station_supervisor.act(case["id"], "approve", expect=409)
    assert "2,000.00" in refused["error"]["message"]
    # ... and must give a comment to recommend it.
    station_supervisor.act(case["id"], "recommend", expect=422)
    moved = station_supervisor.act(
        case["id"], "recommend", amount_approved="8000.00", comment="核实无误，建议批准。"
    )
    assert moved["status"] == "submitted"
    assert moved["approval_centre"] == "SZ-GS"
    assert moved["recommended"] == "8000.00"
    # The station can no longer act on it; the district can.
    station_supervisor.act(case["id"], "approve", expect=403)
    queue = district_supervisor.get("/cases?waiting_for_me=1").get_json()
    assert [c["id"] for c in queue["items"]] == [case["id"]]
    done = district_supervisor.act(case["id"], "approve", amount_approved="7500.00")
    assert done["status"] == "in_notice"
    assert done["amount_approved"] == "7500.00"
    recommend = done["timeline"][2]
    assert recommend["action"] == "recommend"
    assert recommend["comment"] == "核实无误，建议批准。"
    assert recommend["centre"] == "SZ-GS-PJ"
    assert done["timeline"][3]["centre"] == "SZ-GS"


def test_60000_case_reaches_the_city_and_needs_a_collective_decision(
    app, household, caseworker, station_supervisor, district_supervisor, city_supervisor
):
    # The default medical cap (¥20,000 a year) would refuse it: a dated setting raises it.
    db.session.add(
        AidRule(kind="medical", variant="", effective_from=date(2020, 1, 1), cap_fen=10_000_000)
    )
    db.session.commit()
    case = caseworker.open_case(household, kind="medical", amount="60000.00", self_paid="80000.00")
    caseworker.act(case["id"], "submit")
    station_supervisor.act(case["id"], "recommend", comment="重大疾病，建议上报。")
    district_supervisor.act(case["id"], "recommend", comment="建议市级集体研究。")
    refused = city_supervisor.act(case["id"], "approve", expect=409)
    assert refused["error"]["code"] == "collective_decision_required"
    # The city cannot recommend further up.
    city_supervisor.act(case["id"], "recommend", comment="?", expect=409)
    # A decision without minutes, or with something that is not a PDF/image, is refused.
    response = city_supervisor.client.post(
        f"/api/v1/cases/{case['id']}/collective-decision",
        headers=city_supervisor.headers,
        data={
            "meeting_date": "2026-01-10",
            "reference": "苏工援〔2026〕3号",
            "attachment": (io.BytesIO(b"MZ not a pdf"), "minutes.pdf"),
        },
    )
    assert response.status_code == 422
    assert "attachment" in response.get_json()["error"]["fields"]
    response = city_supervisor.client.post(
        f"/api/v1/cases/{case['id']}/collective-decision",
        headers=city_supervisor.headers,
        data={
            "meeting_date": "2026-01-10",
            "reference": "苏工援〔2026〕3号",
            "attachment": (io.BytesIO(PDF), "minutes.pdf"),
        },
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["collective_decision"]["reference"] == "苏工援〔2026〕3号"
    done = city_supervisor.act(case["id"], "approve", comment="经集体研究同意。")
    assert done["status"] == "in_notice"
    assert done["amount_approved"] == "60000.00"
    assert [e["centre"] for e in done["timeline"] if e["action"] == "recommend"] == [
        "SZ-GS-PJ",
        "SZ-GS",
    ]


def test_rejection_needs_a_reason(household, caseworker, station_supervisor):
    case = caseworker.open_case(household)
    caseworker.act(case["id"], "submit")
    refused = station_supervisor.act(case["id"], "reject", expect=422)
    assert refused["error"]["fields"]["comment"]
    done = station_supervisor.act(case["id"], "reject", comment="家庭人均收入高于标准。")
    assert done["status"] == "rejected"
    assert done["timeline"][-1]["comment"] == "家庭人均收入高于标准。"
    # A rejected case is final: nothing else is possible, and a new case may be opened.
    station_supervisor.act(case["id"], "approve", expect=409)
    caseworker.act(case["id"], "submit", expect=409)
    caseworker.open_case(household)


def test_return_with_comments_then_resubmit(household, caseworker, station_supervisor):
    case = caseworker.open_case(household)
    caseworker.act(case["id"], "submit")
    station_supervisor.act(case["id"], "return", expect=422)
    back = station_supervisor.act(case["id"], "return", comment="请补充收入证明。")
    assert back["status"] == "returned"
    assert back["approval_centre"] is None
    assert back["timeline"][-1]["comment"] == "请补充收入证明。"
    # The caseworker sees it in the queue, and can submit it again.
    queue = caseworker.get("/cases?waiting_for_me=true").get_json()
    assert [c["id"] for c in queue["items"]] == [case["id"]]
    again = caseworker.act(case["id"], "submit", comment="已补充。")
    assert again["status"] == "submitted"
    assert again["approval_centre"] == "SZ-GS-PJ"


def test_submitter_cannot_approve_own_case(app, household, network):
    from assist.auth import services as auth_services
    from assist.auth.models import Role
    from tests.conftest import PASSWORD

    both = auth_services.create_user(
        acting_user=None,
        username="sz-gs-pj.both",
        full_name="兼任",
        centre=network["SZ-GS-PJ"],
        roles=[Role.CASEWORKER, Role.SUPERVISOR],
        password=PASSWORD,
    )
    both.must_change_password = False
    db.session.commit()
    api = Api(app.test_client(), "sz-gs-pj.both")
    case = api.open_case(household)
    api.act(case["id"], "submit")
    refused = api.act(case["id"], "approve", expect=403)
    assert (
        "cannot approve" in refused["error"]["message"] or refused["error"]["code"] == "forbidden"
    )
    assert case_row(case["id"]).status == CaseStatus.SUBMITTED


def test_approved_amount_never_above_requested(household, caseworker, station_supervisor):
    case = caseworker.open_case(household, amount="1500.00")
    caseworker.act(case["id"], "submit")
    refused = station_supervisor.act(case["id"], "approve", amount_approved="1600.00", expect=422)
    assert refused["error"]["fields"]["amount_approved"]
    station_supervisor.act(case["id"], "approve", amount_approved="abc", expect=422)
    done = station_supervisor.act(case["id"], "approve", amount_approved="1200.50")
    assert done["amount_approved"] == "1200.50"


def test_withdraw_before_approval_only(household, caseworker, station_supervisor):
    case = caseworker.open_case(household)
    caseworker.act(case["id"], "withdraw", expect=422)
    done = caseworker.act(case["id"], "withdraw", comment="户主已就业，不再申请。")
    assert done["status"] == "withdrawn"
    second = caseworker.open_case(household)
    caseworker.act(second["id"], "submit")
    station_supervisor.act(second["id"], "approve")
    refused = caseworker.act(second["id"], "withdraw", comment="?", expect=409)
    assert refused["error"]["code"] == "conflict"


def test_snapshot_freezes_household_at_approval(household, caseworker, station_supervisor):
    case = caseworker.open_case(household)
    caseworker.act(case["id"], "submit")
    station_supervisor.act(case["id"], "approve")
    household.employer = "新单位"
    household.name = "张三"
    db.session.commit()
    snap = case_row(case["id"]).snapshot
    assert snap["household"]["employer"] == "苏州纺织厂"
    assert snap["household"]["name"] == "张三明"
    assert snap["assessment"]["standard_monthly_fen"] == 106_000
    # No full resident ID in the plain-JSON snapshot.
    assert household.id_number not in str(snap)


def test_invalid_transitions_are_refused(household, caseworker, station_supervisor):
    case = caseworker.open_case(household)
    # A draft cannot be approved, rejected or returned.
    for action in ("approve", "reject", "return", "recommend"):
        station_supervisor.act(case["id"], action, comment="x", expect=409)
    caseworker.act(case["id"], "frobnicate", expect=404)
    # Caseworkers do not decide; supervisors do not submit.
    caseworker.act(case["id"], "submit")
    caseworker.act(case["id"], "approve", expect=403)


def test_list_filters_and_detail(household, caseworker, station_supervisor):
    case = caseworker.open_case(household)
    caseworker.open_case(
        None,
        kind="temporary",
        amount="800.00",
        person_name="李四",
        person_id="11010519491231002X",
        person_address="苏州市姑苏区临顿路5号",
    )
    listing = caseworker.get("/cases?kind=living").get_json()
    assert [c["id"] for c in listing["items"]] == [case["id"]]
    assert caseworker.get("/cases?status=nope").status_code == 422
    temp = caseworker.get("/cases?kind=temporary").get_json()["items"][0]
    assert temp["person"]["id_number"] == "**************002X"
    assert "11010519491231002X" not in str(temp)
    assert caseworker.get("/cases?centre=SZ-GS-PJ").get_json()["total"] == 2
    assert caseworker.get("/cases?centre=SZ-WZ").status_code == 404
    detail = caseworker.get(f"/cases/{case['id']}").get_json()
    assert detail["timeline"][0]["action"] == "create"


def test_openapi_documents_the_case_endpoints(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    paths = spec["paths"]
    assert "post" in paths["/cases"] and "get" in paths["/cases"]
    assert "get" in paths["/cases/{case_id}"]
    assert "post" in paths["/cases/{case_id}/actions/{action}"]
    assert "post" in paths["/cases/{case_id}/objections"]


def test_the_list_and_the_api_search_cases_alike(household, caseworker, app):
    from tests.conftest import login

    case = caseworker.open_case(household)
    client = app.test_client()
    login(client, "sz-gs-pj.caseworker")
    for q, found in [(household.file_no, True), ("张三", True), ("C0000", True), ("%", False)]:
        items = caseworker.get("/cases", query_string={"q": q}).get_json()["items"]
        assert [c["id"] for c in items] == ([case["id"]] if found else []), q
        html = client.get("/cases/", query_string={"q": q}).get_data(as_text=True)
        assert (case["case_no"] in html) is found, q


def test_system_notes_are_recorded_in_chinese_whatever_the_actors_language(
    household, caseworker, station_supervisor
):
    """A note the system writes is part of the record printed on Chinese documents: an
    English-speaking supervisor's approval still records "公示 5 天。", not English."""
    from assist.auth.models import User

    supervisor = db.session.scalars(
        db.select(User).where(User.username == "sz-gs-pj.supervisor")
    ).one()
    supervisor.locale = "en"
    db.session.commit()
    case = caseworker.open_case(household, amount="1500.00")
    caseworker.act(case["id"], "submit")
    done = station_supervisor.act(case["id"], "approve", comment="OK")
    start = done["timeline"][-1]
    assert start["action"] == "start_notice"
    assert start["comment"] == "公示 5 天。"


def test_the_case_list_pages_by_cursor_and_a_case_answers_in_scope(client, household, caseworker):
    """The cases list answers through the API's one list layer: keyset pages by `next`."""
    made = [caseworker.open_case(household)["id"]]
    for name in ("李四", "王五"):
        temporary = caseworker.open_case(
            None,
            kind="temporary",
            amount="800.00",
            person_name=name,
            person_id=next_resident_id(),
            person_address="苏州市姑苏区临顿路5号",
        )
        made.append(temporary["id"])
    seen, after = [], None
    for _ in range(5):
        body = caseworker.get("/cases?per_page=2" + (f"&after={after}" if after else "")).get_json()
        assert body["total"] == 3 and body["total_is_capped"] is False, body
        seen += [c["id"] for c in body["items"]]
        after = body["next"]
        if after is None:
            break
    assert seen == sorted(made)[::-1]
    assert caseworker.get("/cases?page=2").status_code == 422
    assert caseworker.get("/cases?after=abc").status_code == 422
    assert caseworker.get(f"/cases/{made[0]}").get_json()["id"] == made[0]
    sibling = Api(client, "sz-wz.supervisor")
    assert sibling.get(f"/cases/{made[0]}").status_code == 404
