"""The built-in help: the file process, the case workflow, the limits of the user's centres."""

from tests.conftest import login, post_form


def test_help_pages_in_chinese_and_english_with_the_scopes_limits(client, network):
    login(client, "sz-gs-pj.caseworker")
    assert "帮助" in client.get("/").get_data(as_text=True)
    files = client.get("/help/files").get_data(as_text=True)
    assert "入户调查" in files and "初审" in files
    limits = client.get("/help/limits").get_data(as_text=True)
    assert "平江" in limits and "¥2,000.00" in limits
    assert "吴中" not in limits  # only the user's own subtree
    assert client.get("/help/nothing").status_code == 404
    post_form(client, "/language", {"locale": "en", "next": "/"})
    cases = client.get("/help/cases").get_data(as_text=True)
    assert "The aid case workflow" in cases and "Ready to pay" in cases
