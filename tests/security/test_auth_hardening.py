"""Issue 11: sessions and tokens that really end, safe redirects, throttling without a
lockout gift, proxies, session limits, and the resident-ID existence oracle."""

import time

import pytest
from sqlalchemy import select

from assist.audit.models import AuditEntry
from assist.core.redirects import is_safe_next, safe_next
from assist.extensions import db
from tests.applicants.helpers import applicant_count, field_errors, register, standard
from tests.conftest import PASSWORD, api_token, csrf_token, login, post_form
from tests.factories import make_applicant, user

NEW_PASSWORD = "a new long passphrase 42"


def actions(name: str, username: str | None = None) -> list[AuditEntry]:
    stmt = select(AuditEntry).where(AuditEntry.action == name).order_by(AuditEntry.id)
    if username:
        stmt = stmt.where(AuditEntry.username == username)
    db.session.expire_all()
    return list(db.session.scalars(stmt))


# --- 2. a password change, reset or deactivation ends every token ---------------------------


def test_password_change_revokes_api_tokens(app, network):
    client = app.test_client()
    headers = api_token(client, "sz.finance")
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    login(client, "sz.finance")
    response = post_form(
        client,
        "/account/password",
        {"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        token_from="/account/password",
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200  # the session that changed it carries on
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    entry = actions("auth.password_changed", "sz.finance")[-1]
    assert entry.after == {"tokens_revoked": 1}


def test_admin_password_reset_ends_sessions_and_tokens(app, network):
    victim = app.test_client()
    headers = api_token(victim, "sz-gs-pj.caseworker")
    login(victim, "sz-gs-pj.caseworker")
    assert victim.get("/").status_code == 200
    admin = app.test_client()
    login(admin, "sz.admin")
    target = user("sz-gs-pj.caseworker")
    response = post_form(admin, f"/admin/users/{target.id}/reset-password")
    assert response.status_code == 200
    assert victim.get("/").status_code == 302
    assert victim.get("/api/v1/me", headers=headers).status_code == 401


def test_session_id_changes_on_password_change(app, network):
    client = app.test_client()
    login(client, "sz.finance")
    before = client.get_cookie("assist_session").value
    post_form(
        client,
        "/account/password",
        {"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        token_from="/account/password",
    )
    thief = app.test_client()
    thief.set_cookie("assist_session", before)
    assert thief.get("/").status_code == 302  # the old cookie no longer signs anyone in
    assert client.get_cookie("assist_session").value != before


# --- 3. one safe-redirect rule ---------------------------------------------------------------

BYPASSES = [
    "//evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r/evil.example",
    "/\\evil.example",
    "\\/evil.example",
    "/\\/evil.example",
    "\\\\evil.example",
    "/%09/evil.example",
    "/%0d/x",
    "/%0a/x",
    "/%2f/evil.example",
    "/%2F%2Fevil.example",
    "/%5cevil.example",
    "/%5C%5Cevil.example",
    "/%252f/evil.example",
    "https://evil.example/",
    "http:/evil.example",
    "//evil.example/%2e%2e",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,x",
    " /evil",
    "evil.example",
    "/\uff0fevil.example",  # fullwidth solidus
    "/\u2215evil.example",  # division slash
    "/\u3002evil",
    "/\x00/evil",
    "",
    None,
    "/" + "a" * 3000,
]


@pytest.mark.parametrize("value", BYPASSES)
def test_safe_next_refuses_bypasses(value):
    assert not is_safe_next(value)
    assert safe_next(value, "/home") == "/home"


@pytest.mark.parametrize(
    "value", ["/", "/files/", "/files/?q=a%20b&page=2", "/cases/12#notes", "/files/%E5%BC%A0"]
)
def test_safe_next_keeps_local_paths(value):
    assert safe_next(value, "/home") == value


@pytest.mark.parametrize("target", ["/%09/evil.example", "/%5C/evil.example", "/%0d/x"])
def test_sign_in_never_redirects_off_site(client, network, target):
    token = csrf_token(client, "/login")
    response = client.post(
        f"/login?next={target}",
        data={"username": "sz.admin", "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", ["/\t/evil.example", "/\\evil.example", "/\r/x"])
def test_reauthenticate_and_language_never_redirect_off_site(client, network, target):
    login(client, "sz.admin")
    token = csrf_token(client, "/reauthenticate")
    response = client.post(
        "/reauthenticate",
        query_string={"next": target},
        data={"password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/"
    response = post_form(client, "/language", {"locale": "en", "next": target})
    assert response.status_code == 302 and response.headers["Location"] == "/"


# --- 5. no lockout gift ------------------------------------------------------------------------


def _from(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_failures_from_other_addresses_do_not_lock_the_real_user_out(app, network):
    for i in range(5):
        assert (
            login(_from(app, f"203.0.113.{i + 1}"), "sz.admin", "wrong-password").status_code == 200
        )
    assert login(_from(app, "198.51.100.7"), "sz.admin").status_code == 302


def test_per_account_back_off_delays_then_releases(app, network):
    app.config.update(LOGIN_BACKOFF_AFTER=3, LOGIN_BACKOFF_MAX_SECONDS=2)
    for i in range(4):  # four addresses, one failure each: the fourth starts a back-off
        login(_from(app, f"203.0.113.{i + 1}"), "sz.admin", "wrong-password")
    delayed = login(_from(app, "198.51.100.7"), "sz.admin")
    assert delayed.status_code == 429 and 1 <= int(delayed.headers["Retry-After"]) <= 2
    assert "秒后再试" in delayed.get_data(as_text=True)
    backoff = actions("auth.login_backoff", "sz.admin")
    assert len(backoff) == 1 and backoff[0].after["failures"] == 4
    time.sleep(2.2)  # the wait is capped: the real user gets in soon after
    response = login(_from(app, "198.51.100.7"), "sz.admin", follow=True)
    assert response.status_code == 200
    assert "4 次登录失败" in response.get_data(as_text=True)


def test_administrators_are_told_of_a_guessed_account_within_their_scope(app, network):
    app.config.update(LOGIN_BACKOFF_AFTER=2, LOGIN_BACKOFF_MAX_SECONDS=1)
    for i in range(3):
        login(_from(app, f"203.0.113.{i + 1}"), "sz-gs-pj.finance", "wrong-password")
    target = user("sz-gs-pj.finance")
    admin = app.test_client()
    login(admin, "sz-gs.admin")
    html = admin.get("/inbox/?kind=accounts_under_guessing").get_data(as_text=True)
    assert "sz-gs-pj.finance" in html and f"/admin/users/{target.id}" in html
    other = app.test_client()
    login(other, "sz-wz.admin")  # another district's administrator is not told
    assert "sz-gs-pj.finance" not in other.get("/inbox/").get_data(as_text=True)


def test_api_token_endpoint_obeys_the_back_off(app, network):
    app.config.update(LOGIN_BACKOFF_AFTER=1, LOGIN_BACKOFF_MAX_SECONDS=60)
    for i in range(2):
        client = _from(app, f"203.0.113.{i + 1}")
        client.post("/api/v1/auth/token", json={"username": "sz.admin", "password": "nope"})
    response = _from(app, "198.51.100.7").post(
        "/api/v1/auth/token", json={"username": "sz.admin", "password": PASSWORD}
    )
    assert response.status_code == 429
    assert response.get_json()["error"]["code"] == "throttled"


# --- 6. behind a reverse proxy ------------------------------------------------------------


def test_trusted_proxy_gives_the_client_address_to_throttle_and_audit(db_url, network):
    from assist import create_app

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=db_url, TRUSTED_PROXIES=1)
    with app.app_context():
        proxy = app.test_client()  # every request arrives from the proxy's address
        for i in range(5):
            headers = {"X-Forwarded-For": f"203.0.113.{i + 1}"}
            token = csrf_token(proxy, "/login")
            proxy.post(
                "/login",
                data={"username": "sz.admin", "password": "wrong", "csrf_token": token},
                headers=headers,
            )
        ips = {e.ip for e in actions("auth.login_failed", "sz.admin")}
        assert ips == {f"203.0.113.{i + 1}" for i in range(5)}
        token = csrf_token(proxy, "/login")
        response = proxy.post(
            "/login",
            data={"username": "sz.admin", "password": PASSWORD, "csrf_token": token},
            headers={"X-Forwarded-For": "198.51.100.7"},
        )
        assert response.status_code == 302  # five failures were five addresses, not one
        db.session.remove()
        db.engine.dispose()


def test_without_trusted_proxies_forwarded_headers_are_ignored(client, network):
    token = csrf_token(client, "/login")
    client.post(
        "/login",
        data={"username": "sz.admin", "password": "wrong", "csrf_token": token},
        headers={"X-Forwarded-For": "203.0.113.9"},
    )
    assert {e.ip for e in actions("auth.login_failed", "sz.admin")} == {"127.0.0.1"}


# --- 7. session limits, cookies, passwords -------------------------------------------------------


def test_absolute_session_lifetime_ends_a_busy_session(app, network):
    client = app.test_client()
    login(client, "sz.auditor")
    assert client.get("/").status_code == 200
    with client.session_transaction() as sess:
        sess["signed_in_at"] = time.time() - 12 * 3600 - 60
        sess["login_at"] = time.time()  # busy and fresh, yet too old
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/").status_code == 302


def test_production_session_cookie_is_host_prefixed_with_hsts(monkeypatch, db_url):
    from cryptography.fernet import Fernet

    from assist import create_app

    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("ASSIST_DATA_KEY", Fernet.generate_key().decode())
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/15")
    app = create_app(
        "production",
        SQLALCHEMY_DATABASE_URI=db_url,
        TESTING=True,
        RATELIMIT_STORAGE_URI="memory://",
        JOBS_BACKEND="inline",
    )
    with app.app_context():
        client = app.test_client()
        response = client.get("/login", base_url="https://localhost")
        cookie = response.headers["Set-Cookie"]
        assert cookie.startswith("__Host-assist_session=")
        assert "Secure" in cookie and "Path=/" in cookie and "Domain" not in cookie
        hsts = response.headers["Strict-Transport-Security"]
        assert "includeSubDomains" in hsts and "max-age=31536000" in hsts
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("new", [" " * 12, "\t" * 10, " \u3000 " * 4])
def test_a_password_of_only_spaces_is_refused(client, network, new):
    login(client, "sz.finance")
    response = post_form(
        client,
        "/account/password",
        {"current_password": PASSWORD, "password": new, "confirm": new},
        token_from="/account/password",
    )
    assert response.status_code == 200
    assert "不能只由空格组成" in response.get_data(as_text=True)


def test_passwords_are_not_trimmed(app, network):
    client = app.test_client()
    login(client, "sz.finance")
    padded = "  " + NEW_PASSWORD + "  "
    post_form(
        client,
        "/account/password",
        {"current_password": PASSWORD, "password": padded, "confirm": padded},
        token_from="/account/password",
    )
    assert login(app.test_client(), "sz.finance", NEW_PASSWORD).status_code == 200  # refused
    assert login(app.test_client(), "sz.finance", padded).status_code == 302


# --- 9. the resident-ID existence oracle --------------------------------------------------------


def test_duplicate_refusals_are_audited_and_limited_per_user(app, client, network):
    app.config["DUPLICATE_PROBES_PER_HOUR"] = 2
    standard()
    held = [make_applicant(network["SZ-WZ-CQ"]) for _ in range(3)]
    db.session.commit()
    login(client, "sz-gs-pj.caseworker")
    for applicant in held[:2]:
        response = register(client, network["SZ-GS-PJ"], id_number=applicant.id_number)
        assert response.status_code == 409
        assert "长桥街道职工服务站" in field_errors(response.get_data(as_text=True))["id_number"]
    response = register(client, network["SZ-GS-PJ"], id_number=held[2].id_number)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "长桥街道职工服务站" not in html
    assert "请主管" in field_errors(html)["id_number"]
    refused = actions("applicant.duplicate_refused", "sz-gs-pj.caseworker")
    assert [e.after["limited"] for e in refused] == [False, False, True]
    assert applicant_count() == 3
