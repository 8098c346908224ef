"""Generated JSON sent to every API write endpoint: never a 5xx, and a refusal changes nothing.

The endpoints are discovered from the app's URL map (POST, PATCH and PUT under /api/v1), so a
new endpoint is fuzzed without anyone listing it. The values are the ones that used to give
500s: wrong types, integers beyond any column, NUL and other control characters, lone
surrogates, nested objects and long strings, under the field names the endpoint documents.
"""

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from assist.extensions import db
from tests.conftest import api_token
from tests.factories import make_applicant, make_standard

pytestmark = pytest.mark.slow

NASTY_TEXT = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "a\x00b",
        "\ud800",
        "x\udfffy",
        "\x1b[31m",
        "长" * 3000,
        "0",
        "-1",
        "1e309",
        "2026-02-30",
        "99999-01-01",
        "1500.005",
        "true",
        "null",
        "SZ",
        "../etc",
    ]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, 1, -1, 2**31 - 1, 2**31, 2**63, -(2**63) - 1, 10**30]),
    st.floats(allow_nan=False, allow_infinity=False),
    NASTY_TEXT,
    st.text(max_size=30),
)
JSON = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.one_of(NASTY_TEXT, st.text(max_size=8)), children, max_size=4),
    ),
    max_leaves=12,
)
USERS = (
    "sz-gs-pj.caseworker",
    "sz-gs-pj.supervisor",
    "sz-gs.supervisor",
    "sz.finance",
    "sz.admin",
    "sz.supervisor",
)
PATH_VALUES = {"int": st.sampled_from([1, 2, 2**31 - 1])}
WORDS = st.sampled_from(
    [
        "submit",
        "approve",
        "recommend",
        "reject",
        "return",
        "withdraw",
        "accept",
        "decline",
        "fill",
        "draw",
        "publish",
        "pay",
        "override",
        "review",
        "home_visit",
        "transfer",
        "x",
    ]
)


def write_endpoints(app) -> list[tuple[str, str]]:
    out = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        for method in sorted(rule.methods & {"POST", "PATCH", "PUT"}):
            out.append((rule.rule, method))
    return sorted(out)


def documented_fields(spec: dict, rule: str, method: str) -> list[str]:
    path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule).removeprefix("/api/v1")
    op = spec["paths"].get(path, {}).get(method.lower(), {})
    schema = op.get("requestBody", {}).get("content", {}).get("application/json", {})
    return sorted(schema.get("schema", {}).get("properties", {}))


def row_counts() -> dict:
    tables = [t.name for t in db.metadata.sorted_tables]
    sql = " UNION ALL ".join(f"SELECT '{t}', COUNT(*) FROM {t}" for t in tables)  # noqa: S608
    db.session.commit()
    return dict(db.session.execute(text(sql)).all())


def test_no_write_endpoint_answers_5xx_or_changes_rows_when_refusing(app, client, network):
    make_standard()
    for centre in ("SZ-GS-PJ", "SZ-GS-PJ", "SZ-GS"):
        make_applicant(network[centre])
    db.session.commit()
    endpoints = write_endpoints(app)
    assert len(endpoints) > 30, endpoints  # every domain's writes are found
    spec = client.get("/api/v1/openapi.json").get_json()
    tokens = {u: api_token(client, u) for u in USERS}
    seen = {"requests": 0, "refused": 0, "5xx": 0}

    @settings(
        max_examples=400,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(data=st.data())
    def run(data):
        rule, method = data.draw(st.sampled_from(endpoints), label="endpoint")
        url = rule
        for converter, name in re.findall(r"<(?:([a-z]+):)?([a-z_]+)>", rule):
            value = data.draw(PATH_VALUES.get(converter, WORDS), label=name)
            url = re.sub(rf"<(?:[a-z]+:)?{name}>", str(value), url)
        names = documented_fields(spec, rule, method)
        if names and data.draw(st.booleans(), label="shaped"):
            body = data.draw(
                st.dictionaries(st.sampled_from(names), JSON, min_size=1, max_size=len(names)),
                label="body",
            )
        else:
            body = data.draw(JSON, label="body")
        user = data.draw(st.sampled_from(USERS), label="user")
        before = row_counts()
        response = client.open(
            url,
            method=method,
            data=json.dumps(body),  # ASCII escapes carry lone surrogates as JSON does
            content_type="application/json",
            headers=tokens[user],
        )
        seen["requests"] += 1
        assert response.status_code < 500, (method, url, body, response.get_data(as_text=True))
        if 400 <= response.status_code < 500:
            seen["refused"] += 1
            error = response.get_json()["error"]
            assert set(error) >= {"code", "message", "fields"}
            if rule != "/api/v1/auth/token":  # a failed sign-in is recorded by design
                assert row_counts() == before, (method, url, body, response.get_json())

    run()
    print(f"\nAPI fuzz: {seen['requests']} requests, {seen['refused']} refused, 0 answered 5xx")
