"""Schemathesis against the app's own /api/v1/openapi.json: every documented operation, with
generated parameters and bodies, as an in-scope caseworker. No answer may be a 5xx, and every
answer must match the response schema the document gives (the error shape among them)."""

import warnings

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from assist.extensions import db
from tests.conftest import api_token
from tests.factories import make_applicant, make_standard

#: Examples per operation: enough to hit every field's type and bounds, bounded in time.
EXAMPLES = 12


@pytest.mark.slow
def test_every_operation_conforms_to_the_document(app, client, network):
    make_standard()
    make_applicant(network["SZ-GS-PJ"])
    db.session.commit()
    headers = api_token(client, "sz-gs-pj.caseworker")
    db.session.commit()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    totals = {"operations": 0, "requests": 0, "5xx": 0}
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        totals["operations"] += 1

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def check(case):
            response = case.call(headers=headers)
            totals["requests"] += 1
            if response.status_code >= 500:
                totals["5xx"] += 1
            case.validate_response(
                response, checks=[not_a_server_error, response_schema_conformance]
            )

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)  # schemathesis internals
                check()
        except Exception as err:  # noqa: BLE001 - collect every operation's failure
            failures.append(f"{operation.label}: {err}")
    print(f"\nschemathesis: {totals}")
    assert totals["operations"] > 60
    assert failures == [], "\n\n".join(failures)


def _outside(schema: dict):
    """A query value the document does not allow, or None when it allows any text."""
    if "enum" in schema:
        return "not-" + "-".join(map(str, schema["enum"]))[:30]
    if schema.get("type") == "boolean":
        return "maybe"
    if schema.get("type") == "integer":
        return str(schema.get("maximum", 2**31 - 1) + 1)
    if schema.get("format") == "date":
        return "2026-02-30"
    if "pattern" in schema:
        return "\u00a7"
    return None


@pytest.mark.parametrize("user", ["sz-gs-pj.caseworker", "sz.finance", "sz.supervisor"])
def test_query_values_the_document_forbids_are_refused_naming_the_parameter(client, network, user):
    """Document and code agree: each query parameter's documented limits are enforced."""
    headers = api_token(client, user)
    spec = client.get("/api/v1/openapi.json").get_json()
    tried = 0
    for path, ops in spec["paths"].items():
        op = ops.get("get")
        if op is None or "{" in path:
            continue
        for param in op["parameters"]:
            bad = _outside(param["schema"])
            if param["in"] != "query" or bad is None:
                continue
            response = client.get(
                f"/api/v1{path}", query_string={param["name"]: bad}, headers=headers
            )
            if response.status_code == 403:  # the role may not read this at all
                continue
            tried += 1
            assert response.status_code == 422, (path, param["name"], bad, response.json)
            assert param["name"] in response.get_json()["error"]["fields"], (path, param)
            assert "422" in op["responses"], path
    assert tried >= 5
