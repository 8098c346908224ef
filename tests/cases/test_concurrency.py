"""Two people acting on the same thing at the same moment (real threads, real database)."""

import threading

from assist.auth import services as auth_services
from assist.auth.models import Role
from assist.cases.models import CaseEvent, CaseStatus
from assist.extensions import db
from tests.cases.helpers import Api, case_row
from tests.conftest import PASSWORD
from tests.factories import make_applicant


def _second_supervisor(network):
    user = auth_services.create_user(
        acting_user=None,
        username="sz-gs-pj.supervisor2",
        full_name="第二审批人",
        centre=network["SZ-GS-PJ"],
        roles=[Role.SUPERVISOR],
        password=PASSWORD,
    )
    user.must_change_password = False
    db.session.commit()


def _race(calls):
    """Run the calls in threads released together; return their responses in order."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        barrier.wait()
        results[i] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_two_supervisors_approving_at_once_give_one_approval(app, network, household, caseworker):
    _second_supervisor(network)
    case = caseworker.open_case(household)
    caseworker.act(case["id"], "submit")
    first = Api(app.test_client(), "sz-gs-pj.supervisor")
    second = Api(app.test_client(), "sz-gs-pj.supervisor2")
    url = f"/cases/{case['id']}/actions/approve"
    responses = _race(
        [
            lambda: first.post(url, json={"comment": "同意（甲）"}),
            lambda: second.post(url, json={"comment": "同意（乙）"}),
        ]
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 409], [r.get_json() for r in responses]
    refused = next(r for r in responses if r.status_code == 409).get_json()["error"]
    assert refused["code"] == "conflict"
    assert refused["message"]  # e.g. "not possible while the case is in public notice"
    row = case_row(case["id"])
    assert row.status == CaseStatus.IN_NOTICE
    approvals = db.session.scalars(
        db.select(CaseEvent).where(CaseEvent.case_id == row.id, CaseEvent.action == "approve")
    ).all()
    assert len(approvals) == 1
    assert approvals[0].user_id == row.approved_by_id


def test_approve_and_reject_at_once_give_one_decision(app, network, household, caseworker):
    _second_supervisor(network)
    case = caseworker.open_case(household)
    caseworker.act(case["id"], "submit")
    first = Api(app.test_client(), "sz-gs-pj.supervisor")
    second = Api(app.test_client(), "sz-gs-pj.supervisor2")
    base = f"/cases/{case['id']}/actions"
    responses = _race(
        [
            lambda: first.post(f"{base}/approve", json={}),
            lambda: second.post(f"{base}/reject", json={"comment": "不符合条件"}),
        ]
    )
    assert sorted(r.status_code for r in responses) == [200, 409]
    row = case_row(case["id"])
    decided = db.session.scalars(
        db.select(CaseEvent.action).where(
            CaseEvent.case_id == row.id, CaseEvent.action.in_(("approve", "reject"))
        )
    ).all()
    assert len(decided) == 1


def test_case_numbers_are_unique_under_concurrent_opening(app, network, standard):
    files = [make_applicant(network["SZ-GS-PJ"]).id for _ in range(4)]
    db.session.commit()
    apis = [Api(app.test_client(), "sz-gs-pj.caseworker") for _ in files]
    responses = _race(
        [
            (
                lambda api=api, f=f: api.post(
                    "/cases",
                    json={
                        "kind": "living",
                        "applicant_id": f,
                        "amount_requested": "100.00",
                        "reason": "x",
                    },
                )
            )
            for api, f in zip(apis, files, strict=True)
        ]
    )
    assert [r.status_code for r in responses] == [201] * 4, [r.get_json() for r in responses]
    numbers = sorted(r.get_json()["case_no"][-6:] for r in responses)
    assert numbers == ["C00001", "C00002", "C00003", "C00004"]


def test_the_same_household_opening_twice_at_once_gets_one_case(app, network, household):
    apis = [Api(app.test_client(), "sz-gs-pj.caseworker") for _ in range(2)]
    body = {
        "kind": "living",
        "applicant_id": household.id,
        "amount_requested": "100.00",
        "reason": "x",
    }
    responses = _race([lambda api=api: api.post("/cases", json=body) for api in apis])
    assert sorted(r.status_code for r in responses) == [201, 409], [r.get_json() for r in responses]
