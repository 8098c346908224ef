"""Households helped by an aid case leave the "never helped" list of hardship files."""

from assist.extensions import db
from tests.cases.helpers import Api
from tests.conftest import login, post_form
from tests.factories import make_applicant


def _never_helped(api: Api) -> set[int]:
    response = api.get("/applicants?never_helped=1&per_page=200")
    assert response.status_code == 200, response.get_json()
    return {item["id"] for item in response.get_json()["items"]}


def test_money_aid_once_approved_and_services_once_given(
    app, network, standard, caseworker, station_supervisor
):
    station = network["SZ-GS-PJ"]
    approved, rejected, draft, held, service = (make_applicant(station) for _ in range(5))
    db.session.commit()
    everyone = {approved.id, rejected.id, draft.id, held.id, service.id}
    assert _never_helped(caseworker) == everyone

    case = caseworker.open_case(approved, amount="1500.00")
    caseworker.act(case["id"], "submit")
    station_supervisor.act(case["id"], "approve", comment="同意")

    case = caseworker.open_case(rejected, amount="1500.00")
    caseworker.act(case["id"], "submit")
    station_supervisor.act(case["id"], "reject", comment="收入超过标准")

    caseworker.open_case(draft, amount="1500.00")

    # An objection during the notice holds the approval: not aid until it is resolved.
    case = caseworker.open_case(held, amount="1500.00")
    caseworker.act(case["id"], "submit")
    station_supervisor.act(case["id"], "approve", comment="同意")
    objection = {"raised_by": "邻居", "content": "家中另有商铺出租。"}
    assert caseworker.post(f"/cases/{case['id']}/objections", json=objection).status_code == 201

    # Legal aid counts once the service has been given (the case closes with it recorded).
    legal = caseworker.open_case(service, kind="legal", amount=None, service="劳动争议仲裁代理")
    caseworker.act(legal["id"], "submit")
    station_supervisor.act(legal["id"], "approve", comment="同意")
    assert _never_helped(caseworker) == everyone - {approved.id}

    client = app.test_client()
    login(client, "sz-gs-pj.caseworker")
    url = f"/cases/{legal['id']}"
    response = post_form(client, f"{url}/close", {"comment": "已代理仲裁并结案"}, token_from=url)
    assert response.status_code == 302
    assert _never_helped(caseworker) == {rejected.id, draft.id, held.id}

    # The file list's "never helped" tab agrees.
    html = client.get("/files/?never_helped=1").get_data(as_text=True)
    assert rejected.file_no in html and approved.file_no not in html
    assert service.file_no not in html
