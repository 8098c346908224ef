"""The API foundation: tokens, errors, the caller, and the OpenAPI document."""

from datetime import timedelta

from sqlalchemy import select

from assist.auth.models import ApiToken
from assist.core.timeutil import utcnow
from assist.extensions import db
from tests.conftest import PASSWORD, api_token, login, post_form
from tests.test_statement_counts import counting


def test_token_then_me(client, network):
    response = client.post(
        "/api/v1/auth/token", json={"username": "sz-gs.supervisor", "password": PASSWORD}
    )
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"token", "expires_at"}
    row = db.session.scalars(select(ApiToken)).one()
    assert body["token"] not in row.token_hash  # stored hashed
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200
    data = me.get_json()
    assert data["username"] == "sz-gs.supervisor"
    assert data["roles"] == ["supervisor"]
    assert data["centre"]["code"] == "SZ-GS"


def test_errors_have_one_shape(client, network):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert set(response.get_json()["error"]) == {"code", "message", "fields"}
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer ast_nope"}).status_code == 401
    wrong = client.post("/api/v1/auth/token", json={"username": "sz.admin", "password": "x"})
    assert wrong.status_code == 401 and wrong.get_json()["error"]["code"] == "unauthorized"
    bad = client.post("/api/v1/auth/token", json={"username": 5})
    assert bad.status_code == 422
    assert set(bad.get_json()["error"]["fields"]) == {"username", "password"}
    missing = client.get("/api/v1/no-such-thing", headers=api_token(client, "sz.admin"))
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"


def test_session_cookie_does_not_authenticate_the_api(client, network):
    login(client, "sz.admin")
    assert client.get("/api/v1/me").status_code == 401


def test_expired_and_revoked_tokens_stop_working(client, network):
    headers = api_token(client, "sz.auditor")
    token = db.session.scalars(select(ApiToken)).one()
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    headers = api_token(client, "sz.auditor")
    login(client, "sz.auditor")
    newest = db.session.scalars(select(ApiToken).order_by(ApiToken.id.desc())).first()
    assert "ast_" in client.get("/account").get_data(as_text=True)
    response = post_form(client, f"/account/tokens/{newest.id}/revoke", token_from="/account")
    assert response.status_code == 302
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_a_token_keeps_its_last_use_to_the_minute(client, network):
    """The first call records when the token was used; calls within a minute write nothing
    (a busy client does not update its token on every request); a later call moves it on."""
    headers = api_token(client, "sz.auditor")
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    db.session.expire_all()
    token = db.session.scalars(select(ApiToken)).one()
    first = token.last_used_at
    assert first is not None and utcnow() - first < timedelta(minutes=1)
    with counting() as statements:
        assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert not [s for s in statements if s.lstrip().upper().startswith("UPDATE")], statements
    token.last_used_at = first - timedelta(minutes=5)
    db.session.commit()
    with counting() as statements:
        assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert [s for s in statements if "UPDATE api_tokens" in s], statements
    db.session.expire_all()
    assert db.session.scalars(select(ApiToken)).one().last_used_at > first


def test_token_endpoint_is_throttled_like_the_form(client, network):
    for _ in range(5):
        client.post("/api/v1/auth/token", json={"username": "sz.admin", "password": "nope"})
    response = client.post(
        "/api/v1/auth/token", json={"username": "sz.admin", "password": PASSWORD}
    )
    assert response.status_code == 429
    assert response.get_json()["error"]["code"] == "throttled"


def test_deactivated_users_tokens_stop_working(app, network):
    client = app.test_client()
    headers = api_token(client, "sz-gs-cl.finance")
    admin = app.test_client()
    login(admin, "sz.admin")
    from tests.factories import user

    target = user("sz-gs-cl.finance")
    post_form(admin, f"/admin/users/{target.id}/active", {"active": "0"})
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_openapi_documents_every_api_route(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    documented = {(path, method) for path, ops in spec["paths"].items() for method in ops}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = rule.rule.removeprefix("/api/v1")
        for conv in ("int:", "string:", "path:"):
            path = path.replace(f"<{conv}", "<")
        path = path.replace("<", "{").replace(">", "}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method.lower()) in documented, f"{method} {path} is not documented"
