"""The API's one input layer (assist.api.fields): regressions for issue 11 findings 4 and 8
and issue 10 item 2. Each test failed on the code before the layer."""

import json

import pytest
from sqlalchemy import func, select

from assist.applicants.models import Applicant
from assist.cases.models import AidCase
from assist.extensions import db
from tests.conftest import api_token
from tests.factories import make_applicant, make_standard, user


def _count(model) -> int:
    db.session.commit()
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def cw(client, network):
    return api_token(client, "sz-gs-pj.caseworker")


@pytest.fixture
def household(network):
    make_standard()
    applicant = make_applicant(network["SZ-GS-PJ"])
    db.session.commit()
    return applicant


def _fields(response) -> dict:
    body = response.get_json()
    assert set(body["error"]) >= {"code", "message", "fields"}, body
    return body["error"]["fields"]


def test_wrong_json_type_for_print_job_kind_is_a_422_not_a_500(client, network):
    headers = api_token(client, "sz-gs-pj.caseworker")
    response = client.post("/api/v1/print-jobs", json={"kind": {}, "value": ""}, headers=headers)
    assert response.status_code == 422
    assert "kind" in _fields(response)


@pytest.mark.parametrize(
    ("bad", "words"),
    [("甲\x00乙", "控制字符"), ("甲\ud800乙", "代理")],
    ids=["nul", "lone-surrogate"],
)
def test_nul_and_lone_surrogate_in_text_are_refused_and_nothing_is_stored(
    client, cw, household, bad, words
):
    before = _count(AidCase)
    body = {
        "kind": "living",
        "reason": bad,
        "amount_requested": "100",
        "applicant_id": household.id,
    }
    response = client.post(
        "/api/v1/cases",
        data=json.dumps(body),  # ASCII escapes: "\ud800" reaches the server as JSON sends it
        content_type="application/json",
        headers=cw,
    )
    assert response.status_code == 422
    fields = _fields(response)
    assert "reason" in fields and words in fields["reason"], fields
    assert _count(AidCase) == before


def test_nul_in_a_query_parameter_is_refused(client, cw):
    response = client.get("/api/v1/cases", query_string={"q": "王\x00"}, headers=cw)
    assert response.status_code == 422 and "q" in _fields(response)


def test_integer_filter_beyond_the_database_is_a_422_naming_it(client, network):
    headers = api_token(client, "sz.finance")
    response = client.get("/api/v1/funds?year=99999999999", headers=headers)
    assert response.status_code == 422
    assert "year" in _fields(response)
    units = client.get("/api/v1/mutual-aid/units?after=99999999999", headers=headers)
    assert units.status_code == 422 and "after" in _fields(units)


@pytest.mark.parametrize(
    ("url", "param"),
    [
        ("/api/v1/transfers?direction=sideways", "direction"),
        ("/api/v1/applicants?woman=perhaps", "woman"),
        ("/api/v1/applicants?sort=shoe_size", "sort"),
        ("/api/v1/cases?waiting_for_me=maybe", "waiting_for_me"),
    ],
)
def test_query_values_outside_the_document_are_refused(client, cw, url, param):
    response = client.get(url, headers=cw)
    assert response.status_code == 422, response.get_json()
    assert param in _fields(response)


def test_every_refusal_the_cases_list_gives_is_in_the_document(client, cw):
    refused = client.get("/api/v1/cases?status=nonsense", headers=cw)
    assert refused.status_code == 422
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "422" in spec["paths"]["/cases"]["get"]["responses"]
    params = {p["name"]: p for p in spec["paths"]["/cases"]["get"]["parameters"]}
    assert params["waiting_for_me"]["schema"]["type"] == "boolean"
    assert "enum" in params["status"]["schema"]


def test_money_is_one_rule_everywhere(client, cw, household):
    """Yuan, as a string with up to two decimals or a whole number; nothing else."""
    whole = client.post(
        "/api/v1/cases",
        json={
            "kind": "living",
            "reason": "生活困难",
            "amount_requested": 1500,
            "applicant_id": household.id,
        },
        headers=cw,
    )
    assert whole.status_code == 201, whole.get_json()
    assert whole.get_json()["amount_requested"] == "1500.00"
    for bad in (1500.5, "1,500.00", "-5", "１５００", True, {"yuan": 1}):
        response = client.post(
            "/api/v1/applicants",
            json={"annual_income": bad},
            headers=cw,
        )
        assert response.status_code == 422
        assert "annual_income" in _fields(response), bad


def test_every_field_error_comes_in_one_answer(client, cw):
    before = _count(Applicant)
    response = client.post(
        "/api/v1/applicants",
        json={
            "name": 5,
            "annual_income": "x",
            "consent_signed_on": "0001-01-01",
            "is_migrant_worker": "yes",
            "causes": "illness",
        },
        headers=cw,
    )
    assert response.status_code == 422
    assert {"name", "annual_income", "consent_signed_on", "is_migrant_worker", "causes"} <= set(
        _fields(response)
    )
    assert _count(Applicant) == before


def test_wrong_types_in_an_action_body_are_refused_not_stringified(client, cw, household):
    response = client.post(
        f"/api/v1/applicants/{household.id}/actions/review",
        json={"reason": {"a": 1}},
        headers=cw,
    )
    assert response.status_code == 422 and "reason" in _fields(response)


def test_an_over_long_text_is_refused_with_its_limit(client, cw, household):
    response = client.post(
        "/api/v1/cases",
        json={"kind": "living", "reason": "长" * 5000, "applicant_id": household.id},
        headers=cw,
    )
    assert response.status_code == 422 and "reason" in _fields(response)


def test_messages_follow_the_users_language(client, network):
    headers = api_token(client, "sz.finance")
    chinese = client.get("/api/v1/funds?year=abc", headers=headers)
    assert chinese.status_code == 422 and "整数" in _fields(chinese)["year"]
    user("sz.finance").locale = "en"
    db.session.commit()
    english = client.get("/api/v1/funds?year=abc", headers=headers)
    assert english.status_code == 422
    assert _fields(english)["year"] == "Send a whole number."


def test_method_not_allowed_names_the_allowed_methods(client, cw):
    response = client.delete("/api/v1/cases", headers=cw)
    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}
    assert response.get_json()["error"]["code"] == "method_not_allowed"


def test_ids_beyond_the_database_are_refused_in_bodies(client, cw):
    response = client.post(
        "/api/v1/cases",
        json={"kind": "living", "reason": "x", "applicant_id": 2**40},
        headers=cw,
    )
    assert response.status_code == 422 and "applicant_id" in _fields(response)


def test_free_form_rules_refuse_nul_and_non_numbers(client, network):
    """JSON data stored as it came (a plan term's rules) obeys the text rules too: PostgreSQL's
    JSON refuses \\u0000, and NaN is not JSON at all."""
    headers = api_token(client, "sz.admin")
    for rules in ('{"daily_fen": NaN}', '{"note\\u0000": 1}', '{"a": "\\ud800"}'):
        body = (
            '{"code": "ZY", "name": "住院", "kind": "hospital", "term": {"label": "2027", '
            '"cover_start": "2027-01-01", "cover_end": "2027-12-31", "window_opens": '
            '"2026-12-01", "window_closes": "2026-12-31", "fee": "80", "rules": ' + rules + "}}"
        )
        response = client.post(
            "/api/v1/mutual-aid/plans", data=body, content_type="application/json", headers=headers
        )
        assert response.status_code == 422, (rules, response.get_json())
        assert "rules" in _fields(response)


def test_a_field_kind_must_say_how_it_converts():
    """`Field` is abstract: a kind of field without `convert` cannot be made (it used to be,
    and failed only when a value arrived)."""
    from assist.api import fields

    class Forgetful(fields.Field):
        pass

    with pytest.raises(TypeError, match="convert"):
        Forgetful()
    with pytest.raises(TypeError):
        fields.Field()
    assert fields.Text(max_len=5).read(" ab ", text_input=False) == "ab"
