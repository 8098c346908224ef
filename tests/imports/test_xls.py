"""Old Excel 97-2003 ledgers (.xls) are read with python-calamine, with the same rules.

The fixture tests/imports/fixtures/ledger.xls is a real BIFF8 workbook, made once by
tests/imports/fixtures/make_ledger_xls.py (xlwt, outside the app's dependencies).
"""

import io
import re
from pathlib import Path

from sqlalchemy import func, select

from assist.applicants.models import Applicant
from assist.extensions import db
from assist.imports.models import LedgerImport
from tests.conftest import login, post_form
from tests.factories import make_standard
from tests.imports.test_ledger_import import _check, _upload

FIXTURE = Path(__file__).parent / "fixtures" / "ledger.xls"


def _problems(html: str) -> dict:
    return dict(re.findall(r"<tr><td>(\d+)</td>.*?<ul class=\"mb-0\">(.*?)</ul>", html, re.S))


def test_an_xls_ledger_is_checked_and_imported_and_a_number_id_is_refused(client, network):
    make_standard()
    data = FIXTURE.read_bytes()
    assert data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # really the old binary format
    login(client, "sz-gs-pj.caseworker")
    import_id = _upload(client, data, "老台账.xls")
    batch = db.session.get(LedgerImport, import_id)
    assert (batch.encoding, batch.total) == ("xls", 5)
    page = client.get(f"/imports/{import_id}").get_data(as_text=True)
    assert 'value="身份证号" selected' in page and 'value="授权日期" selected' in page

    html = _check(client, import_id).get_data(as_text=True)
    problems = _problems(html)
    # row 4: the ID in a number cell (calamine gives a float) is refused, not repaired
    assert set(problems) == {"4", "5"}
    assert "数字" in problems["4"] and "不会" in problems["4"]
    assert "110105194912310" not in html  # nor shown
    assert "金额" in problems["5"]  # "一千" is not an amount
    assert db.session.scalar(select(func.count(Applicant.id))) == 0  # a dry run

    post_form(client, f"/imports/{import_id}/confirm", token_from=f"/imports/{import_id}")
    files = {f.name: f for f in db.session.scalars(select(Applicant))}
    assert sorted(files) == ["孙八", "王建国"]
    wang = files["王建国"]
    # a real Excel date cell and a number cell for the income are read as such
    assert wang.consent_signed_on.isoformat() == "2026-01-05"
    assert [m.name for m in wang.members] == ["李秀英"]
    assert files["孙八"].consent_signed_on.isoformat() == "2026-01-05"  # text 2026.1.5


def test_bad_xls_uploads_are_refused_clearly_and_nothing_is_kept(app, client, network):
    login(client, "sz-gs-pj.caseworker")
    good = FIXTURE.read_bytes()
    cases = (
        (b"abc", "x.xls", "不是 Excel 97-2003 工作簿"),  # named .xls, not one
        (good[:8] + b"\x00" * 600, "x.xls", "无法按 Excel 97-2003"),  # the magic, then garbage
        (good[: len(good) // 2], "台账.xls", "无法按 Excel 97-2003"),  # cut short
    )
    for data, name, message in cases:
        response = post_form(
            client,
            "/imports/",
            {"file": (io.BytesIO(data), name)},
            token_from="/imports/",
            content_type="multipart/form-data",
            follow=True,
        )
        assert response.status_code == 200
        assert message in response.get_data(as_text=True), name
    # larger than UPLOAD_MAX_BYTES: refused by the service with the limit named
    app.config["UPLOAD_MAX_BYTES"] = 4096
    response = post_form(
        client,
        "/imports/",
        {"file": (io.BytesIO(good), "台账.xls")},
        token_from="/imports/",
        content_type="multipart/form-data",
        follow=True,
    )
    assert "文件超过 1 MB" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(LedgerImport.id))) == 0
