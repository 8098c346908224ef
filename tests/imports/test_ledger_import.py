"""Ledger import: a dry run that names every bad row and changes nothing, then the import."""

import io
import re

from sqlalchemy import func, select

from assist.applicants.models import Applicant, FileStatus
from assist.audit.models import AuditEntry
from assist.extensions import db
from assist.imports.models import ImportMapping
from tests.conftest import login, post_form
from tests.factories import make_applicant, make_standard
from tests.imports.helpers import HEADERS, csv_bytes, ledger_rows, xlsx_bytes


def _upload(client, data: bytes, name: str):
    response = post_form(
        client,
        "/imports/",
        {"file": (io.BytesIO(data), name)},
        token_from="/imports/",
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"/imports/(\d+)", response.headers["Location"]).group(1))


def _proposed(client, import_id) -> dict:
    """The mapping the page proposes, as the browser would submit it."""
    html = client.get(f"/imports/{import_id}").get_data(as_text=True)
    out = {}
    for name, body in re.findall(r'<select id="map_(\w+)".*?>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', body)
        out[name] = chosen.group(1) if chosen else ""
    return out


def _check(client, import_id, target="applied", **mapping):
    proposed = _proposed(client, import_id)
    proposed.update(mapping)
    data = {f"map_{k}": v for k, v in proposed.items()}
    data["target_status"] = target
    return post_form(
        client, f"/imports/{import_id}/check", data, token_from=f"/imports/{import_id}", follow=True
    )


def test_dry_run_reports_each_bad_row_then_imports_the_valid_ones(client, network):
    make_standard()
    held = make_applicant(network["SZ-GS-CL"])
    held_id = held.id_number
    rows, ids = ledger_rows(held_id)
    before = db.session.scalar(select(func.count(Applicant.id)))
    login(client, "sz-gs-pj.caseworker")
    import_id = _upload(client, xlsx_bytes(rows), "台账.xlsx")
    page = client.get(f"/imports/{import_id}").get_data(as_text=True)
    assert 'value="身份证号" selected' in page  # the headings were recognised

    html = _check(client, import_id).get_data(as_text=True)
    assert db.session.scalar(select(func.count(Applicant.id))) == before  # nothing imported
    problems = dict(re.findall(r"<tr><td>(\d+)</td>.*?<ul class=\"mb-0\">(.*?)</ul>", html, re.S))
    assert set(problems) == {"4", "5", "6", "7", "8", "9"}
    assert "校验" in problems["4"] or "check" in problems["4"].lower()
    assert "数字" in problems["5"] and "不会" in problems["5"]  # refused, never repaired
    assert "第 2 行" in problems["6"]
    # held by a sibling station: said, but the centre outside the importer's scope is not named
    assert "其他中心" in problems["7"] and "沧浪" not in problems["7"]
    assert "户主" in problems["8"]
    assert "金额" in problems["9"]
    assert held_id not in html and ids["head"] not in html  # IDs masked on the page

    # the mapping is remembered for the centre
    assert db.session.get(ImportMapping, network["SZ-GS-PJ"].id).mapping["id_number"] == "身份证号"

    done = post_form(
        client, f"/imports/{import_id}/confirm", token_from=f"/imports/{import_id}", follow=True
    )
    assert "2 " in done.get_data(as_text=True) or "2户" in done.get_data(as_text=True)
    files = db.session.scalars(
        select(Applicant).where(Applicant.centre_id == network["SZ-GS-PJ"].id)
    ).all()
    assert sorted(f.name for f in files) == ["王建国", "陈二"]
    wang = next(f for f in files if f.name == "王建国")
    assert wang.status == FileStatus.APPLIED and [m.name for m in wang.members] == ["李秀英"]
    assert wang.consent_signed_on.isoformat() == "2026-01-05"

    report = client.get(f"/imports/{import_id}/report.csv")
    text = report.data.decode("utf-8-sig")
    assert text.splitlines()[0] == "行号,姓名,身份证号,结果,问题,档案编号"
    assert "已导入" in text and "有问题，未导入" in text and ids["head"] not in text
    actions = set(
        db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.action.like("ledger_import.%"))
        )
    )
    assert actions == {"ledger_import.uploaded", "ledger_import.checked", "ledger_import.confirmed"}


def test_gbk_csv_imports_as_active_files(client, network):
    make_standard()
    rows, ids = ledger_rows(held_id="110105194912310021")
    login(client, "sz-gs-pj.caseworker")
    import_id = _upload(client, csv_bytes([rows[0], rows[1], rows[8]], "gb18030"), "台账.csv")
    html = _check(client, import_id, target="active").get_data(as_text=True)
    assert "3" in html
    post_form(client, f"/imports/{import_id}/confirm", token_from=f"/imports/{import_id}")
    files = db.session.scalars(select(Applicant)).all()
    assert len(files) == 2 and all(f.status == FileStatus.ACTIVE and f.review_due_on for f in files)


def test_bad_uploads_are_refused_clearly(client, network):
    login(client, "sz-gs-pj.caseworker")
    for data, name in (
        (b"", "x.csv"),
        (b"\x00\x01garbage", "x.xlsx"),
        (b"PK\x03\x04broken", "x.xlsx"),
        (b"abc", "x.xls"),
    ):
        response = post_form(
            client,
            "/imports/",
            {"file": (io.BytesIO(data), name)},
            token_from="/imports/",
            content_type="multipart/form-data",
            follow=True,
        )
        assert response.status_code == 200
        assert "alert-danger" in response.get_data(as_text=True)
    # a mapping without the ID column is refused with the field named
    import_id = _upload(client, xlsx_bytes([["王", "x"]], headers=HEADERS[:2]), "a.xlsx")
    html = _check(client, import_id, name="姓名", id_number="").get_data(as_text=True)
    assert "请选择该字段所在的列" in html


def test_other_centres_imports_are_out_of_scope(client, network):
    make_standard()
    login(client, "sz-gs-pj.caseworker")
    import_id = _upload(client, xlsx_bytes([["王", "x"]]), "a.xlsx")
    other = client.application.test_client()
    login(other, "sz-wz-cq.caseworker")
    assert other.get(f"/imports/{import_id}").status_code == 404
    assert (
        post_form(other, f"/imports/{import_id}/confirm", token_from="/imports/").status_code == 404
    )


def test_held_ids_name_only_centres_in_scope_and_the_look_up_is_audited(client, network):
    """A ledger of many IDs must not map who is registered where across the network."""
    make_standard()
    inside = make_applicant(network["SZ-GS-PJ"])  # in the importer's own station
    outside = make_applicant(network["SZ-WZ-CQ"])  # another district
    rows = [
        ["周九", inside.id_number, "", "", "13912345678", "苏州", "厂", "2026.1.5", "12000", ""],
        ["吴十", outside.id_number, "", "", "13912345678", "苏州", "厂", "2026.1.5", "12000", ""],
    ]
    login(client, "sz-gs-pj.caseworker")
    import_id = _upload(client, xlsx_bytes(rows), "台账.xlsx")
    html = _check(client, import_id).get_data(as_text=True)
    problems = dict(re.findall(r"<tr><td>(\d+)</td>.*?<ul class=\"mb-0\">(.*?)</ul>", html, re.S))
    assert "平江街道职工服务站" in problems["2"]
    assert "其他中心" in problems["3"] and "长桥" not in problems["3"]
    look_ups = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "applicant.duplicate_refused")
    ).all()
    assert [(e.after["via"], e.after["count"]) for e in look_ups] == [("import", 2)]
