from tests.conftest import login


def test_login_page_is_chinese_by_default(client):
    html = client.get("/login").get_data(as_text=True)
    assert "登录" in html


def test_admin_signs_in(client, network):
    response = login(client, "sz.admin", follow=True)
    assert response.status_code == 200
    assert "sz.admin" in response.get_data(as_text=True) or "管理员" in response.get_data(
        as_text=True
    )
