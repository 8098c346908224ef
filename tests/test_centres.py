"""The centre network: admin pages, tier rules and the command line."""

from sqlalchemy import select

from assist.audit.models import AuditEntry
from assist.centres.models import Centre
from assist.extensions import db
from tests.conftest import login, post_form


def get_centre(code):
    return db.session.scalars(select(Centre).where(Centre.code == code)).one_or_none()


def test_district_admin_adds_a_station_with_the_tier_default_limit(client, network):
    login(client, "sz-gs.admin")
    response = post_form(
        client,
        "/admin/centres/new",
        {
            "parent": network["SZ-GS"].id,
            "code": "sz-gs-sx",
            "name": "双塔街道职工服务站",
            "address": "苏州市姑苏区",
            "phone": "0512-65550000",
            "approval_limit": "",
        },
        token_from="/admin/centres/new",
    )
    assert response.status_code == 302
    centre = get_centre("SZ-GS-SX")
    assert centre.tier == 3 and centre.approval_limit_fen == 200_000
    assert centre.path == network["SZ-GS"].path + f"{centre.id}/"
    entry = db.session.scalars(
        select(AuditEntry).where(
            AuditEntry.action == "centre.created", AuditEntry.object_id == str(centre.id)
        )
    ).one()
    assert entry.username == "sz-gs.admin" and entry.after["code"] == "SZ-GS-SX"


def test_a_station_cannot_get_children_and_bad_input_saves_nothing(client, network):
    login(client, "sz.admin")
    count = len(network)
    response = post_form(
        client,
        "/admin/centres/new",
        {"parent": network["SZ-GS-PJ"].id, "code": "SZ-GS-PJ-X", "name": "x"},
        token_from="/admin/centres/new",
    )
    # Stations are not offered as parents at all.
    assert response.status_code == 200
    response = post_form(
        client,
        "/admin/centres/new",
        {"parent": network["SZ-GS"].id, "code": "SZ-WZ-ZZ", "name": "错位站", "phone": "12345"},
        token_from="/admin/centres/new",
    )
    html = response.get_data(as_text=True)
    assert "编码必须是上级编码再加一段" in html
    response = post_form(
        client,
        "/admin/centres/new",
        {"parent": network["SZ-GS"].id, "code": "SZ-GS-ZZ", "name": "错号站", "phone": "12345"},
        token_from="/admin/centres/new",
    )
    assert "请填写 11 位手机号或固定电话" in response.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count(Centre.id))) == count


def test_district_admin_cannot_add_under_another_district(client, network):
    login(client, "sz-gs.admin")
    response = post_form(
        client,
        "/admin/centres/new",
        {"parent": network["SZ-WZ"].id, "code": "SZ-WZ-YY", "name": "越权站"},
        token_from="/admin/centres/new",
    )
    assert response.status_code == 200  # SZ-WZ is not a valid choice for this admin
    assert get_centre("SZ-WZ-YY") is None


def test_rename_and_change_limit(client, network):
    login(client, "sz.admin")
    pj = network["SZ-GS-PJ"]
    response = post_form(
        client,
        f"/admin/centres/{pj.id}",
        {
            "name": "平江街道职工援助服务站",
            "address": "",
            "phone": "13912345678",
            "approval_limit": "3000.00",
            "notice_days": "7",
        },
        token_from=f"/admin/centres/{pj.id}",
    )
    assert response.status_code == 302
    db.session.refresh(pj)
    assert (pj.name, pj.approval_limit_fen, pj.notice_days) == (
        "平江街道职工援助服务站",
        300_000,
        7,
    )


def test_move_station_to_another_district_moves_its_scope(app, network):
    admin = app.test_client()
    login(admin, "sz.admin")
    pj = network["SZ-GS-PJ"]
    response = post_form(
        admin,
        f"/admin/centres/{pj.id}/move",
        {"parent": network["SZ-WZ"].id},
        token_from=f"/admin/centres/{pj.id}",
    )
    assert response.status_code == 302
    db.session.refresh(pj)
    assert pj.parent_id == network["SZ-WZ"].id
    assert pj.path.startswith(network["SZ-WZ"].path)
    wz = app.test_client()
    login(wz, "sz-wz.admin")
    assert wz.get(f"/admin/centres/{pj.id}").status_code == 200
    gs = app.test_client()
    login(gs, "sz-gs.admin")
    assert gs.get(f"/admin/centres/{pj.id}").status_code == 404


def test_a_district_cannot_move_under_a_station(client, network):
    login(client, "sz.admin")
    gs = network["SZ-GS"]
    post_form(
        client,
        f"/admin/centres/{gs.id}/move",
        {"parent": network["SZ-WZ-CQ"].id},
        token_from=f"/admin/centres/{gs.id}",
    )
    db.session.refresh(gs)
    assert gs.parent_id == network["SZ"].id


def test_deactivate_then_delete_rules(client, network):
    login(client, "sz.admin")
    md = network["SZ-WZ-MD"]
    # It has users, so it cannot be deleted.
    post_form(client, f"/admin/centres/{md.id}/delete", token_from=f"/admin/centres/{md.id}")
    assert get_centre("SZ-WZ-MD") is not None
    response = post_form(
        client,
        f"/admin/centres/{md.id}/active",
        {"active": "0"},
        token_from=f"/admin/centres/{md.id}",
    )
    assert response.status_code == 302
    db.session.refresh(md)
    assert md.is_active is False
    # A fresh, empty centre can be deleted.
    post_form(
        client,
        "/admin/centres/new",
        {"parent": network["SZ-WZ"].id, "code": "SZ-WZ-TMP", "name": "临时站"},
        token_from="/admin/centres/new",
    )
    tmp = get_centre("SZ-WZ-TMP")
    response = post_form(
        client, f"/admin/centres/{tmp.id}/delete", token_from=f"/admin/centres/{tmp.id}"
    )
    assert response.status_code == 302
    assert get_centre("SZ-WZ-TMP") is None


def test_parent_with_active_children_cannot_be_deactivated(client, network):
    login(client, "sz.admin")
    wz = network["SZ-WZ"]
    response = post_form(
        client,
        f"/admin/centres/{wz.id}/active",
        {"active": "0"},
        token_from=f"/admin/centres/{wz.id}",
        follow=True,
    )
    assert "请先停用其下级中心" in response.get_data(as_text=True)


def test_non_admins_get_403(client, network):
    login(client, "sz.supervisor")
    assert client.get("/admin/centres/").status_code == 403
    assert client.get("/admin/users/").status_code == 403


def test_cli_add_and_list(runner, network):
    result = runner.invoke(
        args=["centres", "add", "SZ-XC", "相城区总工会职工援助服务中心", "--parent", "SZ"]
    )
    assert result.exit_code == 0, result.output
    assert "tier 2" in result.output
    result = runner.invoke(
        args=["centres", "add", "SZ-XC-YC", "元和街道职工服务站", "--parent", "SZ-XC"]
    )
    assert "tier 3" in result.output
    result = runner.invoke(args=["centres", "add", "SZ-XC-YC-1", "太深", "--parent", "SZ-XC-YC"])
    assert result.exit_code != 0
    listing = runner.invoke(args=["centres", "list"]).output
    assert "    SZ-XC-YC  元和街道职工服务站" in listing
    assert "limit ¥2,000.00" in listing


def test_cli_users_add_reads_the_password_from_stdin(runner, client, network):
    result = runner.invoke(
        args=[
            "users",
            "add",
            "wang.fang",
            "--centre",
            "SZ-WZ-CQ",
            "--role",
            "caseworker",
            "--role",
            "supervisor",
            "--password-stdin",
        ],
        input="a sturdy pass phrase\n",
    )
    assert result.exit_code == 0, result.output
    assert "caseworker, supervisor" in result.output
    assert "a sturdy pass phrase" not in result.output
    assert login(client, "wang.fang", "a sturdy pass phrase").status_code == 302
    weak = runner.invoke(
        args=["users", "add", "weak.one", "--centre", "SZ", "--role", "admin", "--password-stdin"],
        input="password\n",
    )
    assert weak.exit_code != 0
