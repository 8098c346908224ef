"""The foundation's acceptance path: admin adds a station and a caseworker, who sees only it."""

from tests.conftest import api_token, login, post_form


def test_admin_creates_station_and_caseworker_who_sees_only_that_station(app, network):
    admin = app.test_client()
    login(admin, "sz.admin")
    response = post_form(
        admin,
        "/admin/centres/new",
        {"parent": network["SZ-WZ"].id, "code": "SZ-WZ-XS", "name": "胥口镇职工服务站"},
        token_from="/admin/centres/new",
    )
    assert response.status_code == 302
    centres = admin.get("/admin/centres/").get_data(as_text=True)
    assert "胥口镇职工服务站" in centres
    station_id = int(
        centres.split("胥口镇职工服务站")[0].rsplit("/admin/centres/", 1)[1].split('"')[0]
    )
    response = post_form(
        admin,
        "/admin/users/new",
        {
            "username": "zhou.min",
            "full_name": "周敏",
            "centre": station_id,
            "roles": ["caseworker"],
        },
        token_from="/admin/users/new",
    )
    temporary = (
        response.get_data(as_text=True).split('data-testid="temporary-password">')[1].split("<")[0]
    )

    worker = app.test_client()
    login(worker, "zhou.min", temporary)
    post_form(
        worker,
        "/account/password",
        {
            "current_password": temporary,
            "password": "zhou min pass phrase",
            "confirm": "zhou min pass phrase",
        },
        token_from="/account/password",
    )
    home = worker.get("/").get_data(as_text=True)
    assert "胥口镇职工服务站" in home
    headers = api_token(worker, "zhou.min", "zhou min pass phrase")
    codes = [c["code"] for c in worker.get("/api/v1/centres", headers=headers).get_json()["items"]]
    assert codes == ["SZ-WZ-XS"]
