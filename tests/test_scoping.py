"""Scope: a user sees their own centre and what lies below it; the rest answers 404."""

import pytest
from sqlalchemy import select

from assist.auth.models import Role, User
from assist.extensions import db
from tests.conftest import api_token, login

#: From a district user's seat: own centre, a child, a sibling and the parent.
RELATIONS = {"own": "SZ-GS", "child": "SZ-GS-PJ", "sibling": "SZ-WZ", "parent": "SZ"}
VISIBLE = {"own", "child"}


def _user_at(code: str, role: Role) -> User:
    return db.session.scalars(select(User).where(User.username == f"{code.lower()}.{role}")).one()


ROUTES = {
    "centre page": lambda network, code: f"/admin/centres/{network[code].id}",
    "user page": lambda network, code: f"/admin/users/{_user_at(code, Role.FINANCE).id}",
}


@pytest.mark.parametrize("route", sorted(ROUTES))
@pytest.mark.parametrize("relation", sorted(RELATIONS))
@pytest.mark.parametrize("role", list(Role))
def test_admin_pages_matrix(client, network, route, relation, role):
    login(client, f"sz-gs.{role}")
    status = client.get(ROUTES[route](network, RELATIONS[relation])).status_code
    if role is not Role.ADMIN:
        assert status == 403
    else:
        assert status == (200 if relation in VISIBLE else 404)


@pytest.mark.parametrize("role", list(Role))
def test_api_centres_are_the_subtree_for_every_role(client, network, role):
    headers = api_token(client, f"sz-gs.{role}")
    codes = {c["code"] for c in client.get("/api/v1/centres", headers=headers).get_json()["items"]}
    assert codes == {"SZ-GS", "SZ-GS-PJ", "SZ-GS-CL", "SZ-GS-JC"}


def test_city_user_sees_the_whole_network(client, network):
    headers = api_token(client, "sz.auditor")
    items = client.get("/api/v1/centres", headers=headers).get_json()["items"]
    assert len(items) == len(network)


def test_station_user_sees_only_the_station(client, network):
    headers = api_token(client, "sz-gs-pj.caseworker")
    items = client.get("/api/v1/centres", headers=headers).get_json()["items"]
    assert [c["code"] for c in items] == ["SZ-GS-PJ"]
    assert items[0]["parent_code"] == "SZ-GS" and items[0]["tier"] == 3


def test_audit_log_is_scoped(app, network):
    outsider = app.test_client()
    login(outsider, "sz-wz-cq.caseworker", "wrong-password")  # a failed sign-in in SZ-WZ-CQ
    gs = app.test_client()
    login(gs, "sz-gs.auditor")
    html = gs.get("/audit/?action=auth.login_failed").get_data(as_text=True)
    assert "sz-wz-cq.caseworker" not in html
    city = app.test_client()
    login(city, "sz.auditor")
    html = city.get("/audit/?action=auth.login_failed").get_data(as_text=True)
    assert "sz-wz-cq.caseworker" in html
