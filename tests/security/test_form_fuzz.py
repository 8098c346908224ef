"""Every form page, posted with generated hostile values: never a 5xx, nothing stored on refusal.

The pages are found, not listed: every GET route without path arguments, plus the record
pages of a small world (a file, a case ready to pay, a fund, a campaign list…), is opened as
each in-scope user in turn; every `<form method="post">` on it is a target, its field names
read from the HTML. Hypothesis then posts, with a valid CSRF token, values drawn from what
has broken apps before: NUL and other control characters, replacement characters, numbers
far beyond any integer column, long strings, impossible or far dates, missing fields.

A refusal (anything but a redirect) must leave every table's row count as it was (the audit
log aside: a failed sign-in is audited on purpose).
"""

import contextvars
import os
import re
from html import unescape

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from assist.extensions import db
from tests.conftest import PASSWORD
from tests.factories import make_applicant
from tests.funds.factories import allocate_down, make_fund, make_ready_case

pytestmark = pytest.mark.slow

USERS = (
    "sz-gs-pj.caseworker",
    "sz-gs-pj.supervisor",
    "sz-gs-pj.finance",
    "sz-gs.supervisor",
    "sz-gs.finance",
    "sz.finance",
    "sz.admin",
    "sz.auditor",
)
#: Forms whose effect is on the session itself (signing out, languages, ending sessions,
#: passwords and tokens): posting them would only sign the fuzzing user out.
SKIP_ACTIONS = re.compile(r"/logout|/language|/account/|/tokens|/password|/sessions")
#: Tables a refused request may still write to: the audit log records failed sign-ins.
MAY_GROW = {"audit_log", "alembic_version"}

FORM_RE = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)
ATTR_RE = re.compile(r'(\w[\w-]*)="([^"]*)"')
NAME_RE = re.compile(r'<(?:input|select|textarea)\b[^>]*\bname="([^"]+)"', re.I)
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')

HOSTILE = st.sampled_from(
    [
        "\x00",
        "王\x00建国",
        "a\x01b",
        "\x1f",
        "\x7f",
        "\ufffd",
        "2147483648",
        "-2147483649",
        "99999999999999999999999",
        "1e309",
        "NaN",
        "-0",
        "0001-01-01",
        "9999-12-31",
        "2026-02-30",
        "1899-12-31",
        "x" * 5000,
        "  ",
        "",
        "<script>alert(1)</script>",
        "1,5",
        "¥1.005",
    ]
)


class _Client(FlaskClient):
    """Each request in a context of its own (a fresh `g`), committing the test's work first."""

    def open(self, *args, **kwargs):
        db.session.commit()
        response = contextvars.Context().run(super().open, *args, **kwargs)
        db.session.expire_all()
        return response


def _login(app, username: str) -> _Client:
    client = _Client(app, use_cookies=True)
    page = client.get("/login").get_data(as_text=True)
    token = next(g for g in CSRF_RE.search(page).groups() if g)
    response = client.post(
        "/login", data={"username": username, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302, username
    return client


def _world(network) -> list[str]:
    """Record pages whose forms only show with a record (ids in the URLs)."""
    fund = make_fund(received_fen=2_000_000)
    allocate_down(fund, [("sz.finance", "SZ-GS"), ("sz-gs.finance", "SZ-GS-PJ")], 500_000)
    case = make_ready_case(network["SZ-GS-PJ"], amount_fen=100_000)
    household = make_applicant(network["SZ-GS-PJ"])
    db.session.commit()
    return [
        f"/files/{household.id}",
        f"/files/{household.id}/edit",
        f"/cases/{case.id}",
        f"/funds/cases/{case.id}/pay",
        f"/funds/{fund.id}",
        f"/admin/centres/{network['SZ-GS-PJ'].id}",
        f"/admin/centres/{network['SZ-GS-PJ'].id}/edit",
    ]


def _pages(app) -> list[str]:
    pages = []
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.arguments and rule.endpoint != "static":
            if not rule.rule.startswith("/api/") and not rule.rule.endswith((".svg", ".pdf")):
                pages.append(rule.rule)
    return sorted(pages)


def _forms(clients: dict, pages: list[str]) -> list[tuple[str, str, str, tuple[str, ...]]]:
    """(user, page, action, field names) for every post form a user in scope is shown."""
    found, seen = [], set()
    for page in pages:
        for username, client in clients.items():
            response = client.get(page)
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            for attrs, body in FORM_RE.findall(response.get_data(as_text=True)):
                attrs = dict(ATTR_RE.findall(attrs))
                if attrs.get("method", "get").lower() != "post":
                    continue
                action = unescape(attrs.get("action") or page)
                if SKIP_ACTIONS.search(action) or (action, username) in seen:
                    continue
                names = tuple(dict.fromkeys(n for n in NAME_RE.findall(body) if n != "csrf_token"))
                seen.add((action, username))
                found.append((username, page, action, names))
            break  # the first user who sees the page stands for its scope
    return found


def _row_counts() -> dict[str, int]:
    tables = [t.name for t in db.metadata.sorted_tables if t.name not in MAY_GROW]
    query = "SELECT " + ", ".join(f'(SELECT count(*) FROM "{t}")' for t in tables)  # noqa: S608 - table names from the metadata
    return dict(zip(tables, db.session.execute(text(query)).one(), strict=True))


@pytest.fixture
def targets(app, network):
    clients = {u: _login(app, u) for u in USERS}
    forms = _forms(clients, _pages(app) + _world(network))
    assert len(forms) >= 25, [f[2] for f in forms]
    return clients, forms


def test_every_form_page_is_found(targets):
    _clients, forms = targets
    actions = {action.split("?")[0] for _u, _p, action, _n in forms}
    for expected in ("/cases/new", "/files/new", "/funds/new", "/admin/users/new"):
        assert expected in actions, sorted(actions)
    assert any(re.fullmatch(r"/funds/cases/\d+/pay", a) for a in actions)


@settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "200")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_hostile_values_never_answer_5xx_and_change_nothing_when_refused(targets, data):
    clients, forms = targets
    username, page, action, names = data.draw(st.sampled_from(forms), label="form")
    client = clients[username]
    values = {}
    for name in names:
        value = data.draw(st.one_of(st.none(), HOSTILE), label=name)
        if value is not None:  # None: the field is left out
            values[name] = value
    html = client.get(page).get_data(as_text=True)
    token = next(g for g in CSRF_RE.search(html).groups() if g)
    before = _row_counts()
    response = client.post(action, data={**values, "csrf_token": token})
    assert response.status_code < 500, (username, action, values)
    if response.status_code != 302:
        assert _row_counts() == before, (username, action, values, response.status_code)
