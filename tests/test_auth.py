"""Signing in and out, sessions, passwords and throttling, as a user meets them."""

import time

import pytest
from sqlalchemy import select

from assist.audit.models import AuditEntry
from assist.auth.models import User
from assist.extensions import db
from tests.conftest import PASSWORD, csrf_token, login, post_form


def audit_actions(username=None):
    stmt = select(AuditEntry).order_by(AuditEntry.id)
    if username:
        stmt = stmt.where(AuditEntry.username == username)
    return [e.action for e in db.session.scalars(stmt)]


def test_sign_in_lands_on_the_start_page_with_real_figures(client, network):
    response = login(client, "sz-gs.admin", follow=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "辖区内在用中心" in html
    # SZ-GS and its three stations: four active centres in the district's scope.
    assert '<p class="card-figure mb-1">4</p>' in html
    assert "auth.login" in audit_actions("sz-gs.admin")


def test_wrong_password_is_refused_and_audited(client, network):
    response = login(client, "sz.admin", "wrong-password")
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    assert audit_actions("sz.admin") == ["auth.login_failed"]


def test_unknown_user_gets_the_same_message(client, network):
    response = login(client, "nobody", "whatever-password")
    assert "用户名或密码不正确" in response.get_data(as_text=True)
    assert "auth.login_failed" in audit_actions("nobody")


def test_five_failures_throttle_the_account_with_a_clear_message(client, network):
    for _ in range(5):
        assert login(client, "sz.admin", "wrong-password").status_code == 200
    response = login(client, "sz.admin", PASSWORD)  # even the right password now waits
    assert response.status_code == 429
    assert "登录失败次数过多" in response.get_data(as_text=True)
    # Another account from the same address is not blocked by this account's limit.
    assert login(client, "sz.auditor").status_code == 302


def test_address_limit_spans_accounts(app, network):
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "3 per 15 minutes"
    client = app.test_client()
    for name in ("a1", "a2", "a3"):
        login(client, name, "wrong-password")
    assert login(client, "sz.admin").status_code == 429


def test_throttle_is_shared_across_workers_through_redis(db_url):
    """Two app instances (two worker processes) share one Redis-backed failure count."""
    import uuid

    from assist import create_app
    from assist.demo.cli import build_network

    storage = "redis://127.0.0.1:6379/15"
    prefix = f"assist-test-{uuid.uuid4().hex}"
    first = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=db_url,
        RATELIMIT_STORAGE_URI=storage,
        RATELIMIT_KEY_PREFIX=prefix,
    )
    with first.app_context():
        build_network(password=PASSWORD)
        db.session.commit()
        c1 = first.test_client()
        for _ in range(3):
            login(c1, "sz.finance", "wrong-password")
        db.session.remove()
        db.engine.dispose()
    second = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=db_url,
        RATELIMIT_STORAGE_URI=storage,
        RATELIMIT_KEY_PREFIX=prefix,
    )
    with second.app_context():
        c2 = second.test_client()
        login(c2, "sz.finance", "wrong-password")
        login(c2, "sz.finance", "wrong-password")
        assert login(c2, "sz.finance").status_code == 429
        db.session.remove()
        db.engine.dispose()


def test_sign_out_kills_a_copied_session_cookie(app, network):
    client = app.test_client()
    login(client, "sz.auditor")
    cookie = client.get_cookie("assist_session").value
    thief = app.test_client()
    thief.set_cookie("assist_session", cookie)
    assert thief.get("/").status_code == 200
    post_form(client, "/logout")
    assert thief.get("/").status_code == 302
    assert "auth.logout" in audit_actions("sz.auditor")


def test_deactivation_ends_the_users_sessions(app, network):
    victim = app.test_client()
    login(victim, "sz-gs-pj.caseworker")
    assert victim.get("/").status_code == 200
    admin = app.test_client()
    login(admin, "sz.admin")
    user = db.session.scalars(select(User).where(User.username == "sz-gs-pj.caseworker")).one()
    response = post_form(admin, f"/admin/users/{user.id}/active", {"active": "0"})
    assert response.status_code == 302
    assert victim.get("/").status_code == 302
    assert login(app.test_client(), "sz-gs-pj.caseworker").status_code == 200  # refused


def test_password_change_invalidates_other_sessions_but_keeps_this_one(app, network):
    here, elsewhere = app.test_client(), app.test_client()
    login(here, "sz.finance")
    login(elsewhere, "sz.finance")
    response = post_form(
        here,
        "/account/password",
        {
            "current_password": PASSWORD,
            "password": "a new long passphrase 42",
            "confirm": "a new long passphrase 42",
        },
        token_from="/account/password",
    )
    assert response.status_code == 302
    assert here.get("/").status_code == 200
    assert elsewhere.get("/").status_code == 302
    assert login(app.test_client(), "sz.finance", "a new long passphrase 42").status_code == 302


@pytest.mark.parametrize(
    "new, message",
    [
        ("short1", "密码至少 8 个字符"),
        ("password123", "该密码过于常见"),
        ("sz.finance-pass", "密码中不能包含用户名"),
    ],
)
def test_password_policy(client, network, new, message):
    login(client, "sz.finance")
    response = post_form(
        client,
        "/account/password",
        {"current_password": PASSWORD, "password": new, "confirm": new},
        token_from="/account/password",
    )
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert login(client.application.test_client(), "sz.finance").status_code == 302


def test_long_passwords_are_allowed(client, network):
    login(client, "sz.finance")
    new = "correct horse battery staple " * 3  # 87 characters
    response = post_form(
        client,
        "/account/password",
        {"current_password": PASSWORD, "password": new, "confirm": new},
        token_from="/account/password",
    )
    assert response.status_code == 302


def test_passwords_are_stored_as_argon2id(app, network):
    user = db.session.scalars(select(User).where(User.username == "sz.admin")).one()
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_production_hashes_with_argon2_defaults():
    from argon2 import PasswordHasher

    from config import ProductionConfig

    assert ProductionConfig.ARGON2_MEMORY_COST is None  # None → argon2-cffi's RFC 9106 profile
    assert PasswordHasher().memory_cost >= 19 * 1024


def test_idle_session_expires(app, network):
    app.permanent_session_lifetime = __import__("datetime").timedelta(seconds=1)
    client = app.test_client()
    login(client, "sz.auditor")
    assert client.get("/").status_code == 200
    time.sleep(2.1)
    assert client.get("/").status_code == 302


def test_stale_sign_in_must_confirm_password_for_admin_changes(app, network):
    client = app.test_client()
    login(client, "sz.admin")
    assert client.get("/admin/users/new").status_code == 200
    with client.session_transaction() as sess:
        sess["login_at"] = time.time() - 3600
    response = client.get("/admin/users/new")
    assert response.status_code == 302
    assert "/reauthenticate" in response.headers["Location"]
    token = csrf_token(client, "/reauthenticate")
    response = client.post(
        "/reauthenticate?next=/admin/users/new", data={"password": PASSWORD, "csrf_token": token}
    )
    assert response.headers["Location"].endswith("/admin/users/new")
    assert client.get("/admin/users/new").status_code == 200


def test_forms_without_csrf_token_are_refused(client, network):
    response = client.post("/login", data={"username": "sz.admin", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_security_headers_and_cookie_flags(client, network):
    response = login(client, "sz.admin")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = client.get("/")
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert "<script>" not in page.get_data(as_text=True)  # no inline script anywhere


def test_production_cookies_are_secure():
    from config import ProductionConfig

    assert ProductionConfig.SESSION_COOKIE_SECURE is True


def test_admin_created_account_must_set_its_own_password(app, network):
    admin = app.test_client()
    login(admin, "sz-gs.admin")
    pj = network["SZ-GS-PJ"]
    response = post_form(
        admin,
        "/admin/users/new",
        {"username": "li.na", "full_name": "李娜", "centre": pj.id, "roles": ["caseworker"]},
        token_from="/admin/users/new",
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    temporary = html.split('data-testid="temporary-password">')[1].split("<")[0]
    newbie = app.test_client()
    response = login(newbie, "li.na", temporary)
    assert response.headers["Location"].endswith("/account/password")
    assert newbie.get("/").status_code == 302  # everything else waits for the new password
    response = post_form(
        newbie,
        "/account/password",
        {
            "current_password": temporary,
            "password": "my own pass phrase",
            "confirm": "my own pass phrase",
        },
        token_from="/account/password",
    )
    assert response.status_code == 302
    page = newbie.get("/").get_data(as_text=True)
    assert "平江街道职工服务站" in page


def test_reset_password_issues_a_one_time_password(app, network):
    admin = app.test_client()
    login(admin, "sz.admin")
    target = db.session.scalars(select(User).where(User.username == "sz-wz.finance")).one()
    response = post_form(admin, f"/admin/users/{target.id}/reset-password")
    temporary = (
        response.get_data(as_text=True).split('data-testid="temporary-password">')[1].split("<")[0]
    )
    assert login(app.test_client(), "sz-wz.finance").status_code == 200  # old one refused
    assert (
        login(app.test_client(), "sz-wz.finance", temporary)
        .headers["Location"]
        .endswith("/account/password")
    )
