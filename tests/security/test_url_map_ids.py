"""Every route with an id, read from the app's URL map, called with ids no record can have.

An id beyond what a primary key holds (2³¹ on PostgreSQL's `integer`, 2⁶³, 10²⁰) matches no
route: 404, for pages and the API alike and with every method, before any query can overflow.
Id 0 names nothing: 404 (or 403 where the role may not use the route at all). Never a 5xx, for
every role at a station, a district and the city. A new route joins by itself.

The router's answer does not depend on who asks, so every out-of-range id is checked against
the URL map for every method, and sent over HTTP as every user with 2³¹ and 0 (each error page
a signed-in user gets carries the navigation's counts, which keeps ~330 requests per user
at some seconds).
"""

import contextvars

import pytest
from flask.testing import FlaskClient
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from assist.auth.models import Role
from tests.conftest import api_token, csrf_token, login


class _Client(FlaskClient):
    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


OUT_OF_RANGE = (2**31, 2**63, 10**20)
SEATS = ("SZ-GS-PJ", "SZ-GS", "SZ")
#: Values for the routes' other path segments, so the id is what decides.
SEGMENTS = {"action": "submit", "decision": "accept", "kind": "case_file", "key": "cases"}
WRITES = ("POST", "PATCH", "PUT", "DELETE")


def _routes(app) -> list[tuple[object, str, list[str], dict]]:
    """(rule, method, id argument names, other arguments) for every route with an id."""
    out = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        ids = [a for a, c in rule._converters.items() if isinstance(c, IntegerConverter)]
        if not ids:
            continue
        others = {}
        for name, converter in rule._converters.items():
            if name in ids:
                continue
            choices = getattr(converter, "items", None)  # <any(…):name>
            others[name] = sorted(choices)[0] if choices else SEGMENTS.get(name, "x")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            out.append((rule, method, ids, others))
    return out


def _url(rule, ids: list[str], others: dict, value: int) -> str:
    return rule.build({**others, **dict.fromkeys(ids, value)})[1]


def test_the_routes_with_ids_are_found(app):
    routes = _routes(app)
    assert len(routes) >= 100
    assert any(rule.rule.startswith("/api/") for rule, *_ in routes)
    assert all(
        _url(rule, ids, others, 7).count("7") >= len(ids) for rule, _m, ids, others in routes
    )


@pytest.mark.parametrize("value", OUT_OF_RANGE)
def test_the_router_answers_404_for_an_out_of_range_id_with_every_method(app, value):
    adapter = app.url_map.bind("localhost")
    wrong = []
    for rule, method, ids, others in _routes(app):
        url = _url(rule, ids, others, value)
        try:
            adapter.match(url, method=method)
        except NotFound:
            continue
        except Exception as err:  # noqa: BLE001 - MethodNotAllowed, a redirect: all wrong here
            wrong.append(f"{method} {url}: {type(err).__name__}")
        else:
            wrong.append(f"{method} {url}: matched")
    assert wrong == [], "\n".join(wrong)


@pytest.mark.slow
@pytest.mark.parametrize("seat", SEATS)
@pytest.mark.parametrize("role", [r.value for r in Role])
def test_no_id_out_of_range_or_zero_answers_5xx(app, network, seat, role):
    # A plain client, each request in a context of its own (a fresh `g`): these requests only
    # read or are refused, so the isolating client's commits are not needed, and it is several
    # times quicker for the ~330 requests per user.
    client = _Client(app, use_cookies=True)
    username = f"{seat.lower()}.{role}"
    login(client, username)
    token = csrf_token(client, "/")
    headers = api_token(_Client(app), username)
    failures = []
    for rule, method, ids, others in _routes(app):
        is_api = rule.rule.startswith("/api/")
        for value in (OUT_OF_RANGE[0], 0):
            url = _url(rule, ids, others, value)
            if is_api:
                kwargs = {"headers": headers}
                if method in WRITES:
                    kwargs["json"] = {}
            else:
                kwargs = {"data": {"csrf_token": token}} if method in WRITES else {}
            status = client.open(url, method=method, **kwargs).status_code
            expected = (404,) if value else (403, 404)
            if status not in expected:
                failures.append(f"{method} {url}: {status}")
    assert failures == [], "\n".join(failures)
