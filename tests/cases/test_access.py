"""Who may see and act on a case: own centre, child, sibling, parent; and roles."""

import pytest

from assist.extensions import db
from tests.cases.helpers import Api
from tests.conftest import login, post_form
from tests.factories import make_applicant


@pytest.fixture
def submitted(household, caseworker):
    case = caseworker.open_case(household)
    caseworker.act(case["id"], "submit")
    return case


@pytest.mark.parametrize(
    ("username", "visible"),
    [
        ("sz-gs-pj.supervisor", True),  # own station
        ("sz-gs-pj.auditor", True),
        ("sz-gs-pj.finance", True),
        ("sz-gs.supervisor", True),  # parent district
        ("sz.supervisor", True),  # city
        ("sz-gs-cl.supervisor", False),  # sibling station
        ("sz-gs-cl.caseworker", False),
        ("sz-wz.supervisor", False),  # another district
        ("sz-wz-cq.supervisor", False),
    ],
)
def test_case_visibility_by_centre(app, submitted, username, visible):
    api = Api(app.test_client(), username)
    expected = 200 if visible else 404
    assert api.get(f"/cases/{submitted['id']}").status_code == expected
    ids = [c["id"] for c in api.get("/cases").get_json()["items"]]
    assert (submitted["id"] in ids) is visible
    client = app.test_client()
    login(client, username)
    assert client.get(f"/cases/{submitted['id']}").status_code == expected


def test_sibling_supervisor_gets_404_on_every_action(app, submitted):
    sibling = Api(app.test_client(), "sz-gs-cl.supervisor")
    for action in ("approve", "recommend", "reject", "return", "withdraw"):
        response = sibling.post(f"/cases/{submitted['id']}/actions/{action}", json={"comment": "x"})
        assert response.status_code == 404, action
    response = sibling.post(
        f"/cases/{submitted['id']}/objections", json={"raised_by": "x", "content": "y"}
    )
    assert response.status_code == 404
    client = app.test_client()
    login(client, "sz-gs-cl.supervisor")
    assert client.get(f"/cases/{submitted['id']}/decide/approve").status_code == 404
    response = post_form(client, f"/cases/{submitted['id']}/withdraw", {"comment": "x"})
    assert response.status_code == 404


def test_parent_supervisor_sees_but_cannot_decide_before_escalation(app, submitted):
    district = Api(app.test_client(), "sz-gs.supervisor")
    refused = district.act(submitted["id"], "approve", expect=403)
    assert "平江" in refused["error"]["message"]


def test_child_station_cannot_see_a_district_case(app, network, standard):
    applicant = make_applicant(network["SZ-GS"])
    db.session.commit()
    case = Api(app.test_client(), "sz-gs.caseworker").open_case(applicant)
    assert case["case_no"].startswith("SZ-GS-20")
    station = Api(app.test_client(), "sz-gs-pj.supervisor")
    assert station.get(f"/cases/{case['id']}").status_code == 404


def test_caseworker_cannot_open_a_case_for_a_file_outside_scope(app, network, standard):
    applicant = make_applicant(network["SZ-WZ-CQ"])
    db.session.commit()
    refused = Api(app.test_client(), "sz-gs-pj.caseworker").open_case(applicant, expect=422)
    assert "applicant_id" in refused["error"]["fields"]


@pytest.mark.parametrize("username", ["sz-gs-pj.finance", "sz-gs-pj.auditor", "sz-gs-pj.admin"])
def test_only_caseworkers_open_cases(app, household, username):
    api = Api(app.test_client(), username)
    assert (
        api.post("/cases", json={"kind": "living", "applicant_id": household.id}).status_code == 403
    )


def test_auditor_reads_but_changes_nothing(app, submitted):
    auditor = Api(app.test_client(), "sz-gs-pj.auditor")
    assert auditor.get(f"/cases/{submitted['id']}").status_code == 200
    for action in ("approve", "reject", "withdraw", "submit"):
        assert (
            auditor.post(
                f"/cases/{submitted['id']}/actions/{action}", json={"comment": "x"}
            ).status_code
            == 403
        )


def test_admin_has_no_case_pages(app, network):
    client = app.test_client()
    login(client, "sz.admin")
    assert client.get("/cases/").status_code == 403
