"""In Chromium: a caseworker imports a ledger file; a supervisor signs the station's return."""

import re

from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD
from tests.factories import make_standard
from tests.imports.helpers import ledger_rows, xlsx_bytes


def test_import_a_ledger_then_sign_the_return(live_server, browser, network, tmp_path):
    make_standard()
    rows, _ids = ledger_rows(held_id="11010519491231002X")
    path = tmp_path / "台账.xlsx"
    path.write_bytes(xlsx_bytes([rows[0], rows[1], rows[3], rows[8]]))
    from assist.extensions import db

    db.session.commit()

    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    sign_in(page, live_server, "sz-gs-pj.caseworker", PASSWORD)
    page.goto(f"{live_server}/imports/")
    page.set_input_files("#file", str(path))
    page.get_by_role("button", name="上传").click()
    page.get_by_test_id("check").click()
    summary = page.get_by_test_id("summary").inner_text()
    assert "3 行可以导入，1 行有问题" in summary
    assert "以数字格式保存" in page.get_by_test_id("problems").inner_text()
    page.get_by_test_id("confirm").click()
    assert "已导入 2 户档案" in page.get_by_test_id("summary").inner_text()
    context.close()

    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    sign_in(page, live_server, "sz-gs-pj.supervisor", PASSWORD)
    page.goto(f"{live_server}/returns/")
    page.get_by_test_id("compile").click()
    # the compile runs as a job; its page sends the browser on to the compiled version
    page.wait_for_url(re.compile(r"/returns/\d+\?v=1$"))
    assert "草稿" in page.get_by_test_id("version-state").inner_text()
    page.get_by_test_id("sign").click()
    state = page.get_by_test_id("version-state").inner_text()
    assert "已签报并锁定" in state and re.search(r"[0-9a-f]{16}", state)
    page.screenshot(path=str(tmp_path / "return.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(tmp_path / "return-390.png"), full_page=True)
    context.close()
