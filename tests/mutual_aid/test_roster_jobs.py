"""A roster above ROSTER_INLINE_ROWS is checked and enrolled by a job of the engine."""

import io
import re
from datetime import date

from openpyxl import Workbook
from sqlalchemy import func, select

from assist.extensions import db
from assist.jobs import engine
from assist.jobs.models import BackgroundJob
from assist.mutual_aid.models import Enrolment, EnrolmentBatch
from tests.conftest import csrf_token, login
from tests.mutual_aid.conftest import make_unit
from tests.mutual_aid.helpers import people

BIG = 520  # above the default threshold of 500


def _roster_file(tmp_path) -> bytes:
    half = BIG // 2  # the factory numbers at most 500 people per birth date
    rows = people(half) + people(BIG - half, birth=date(1982, 7, 9))
    rows += [("数字号", 320502198003011234), ("", rows[0][1] + "X"), ("重复", rows[3][1])]
    book = Workbook()
    sheet = book.active
    sheet.append(["某某公司工会 互助保障参保名册"])
    sheet.append(["姓名", "身份证号"])
    for row in rows:
        sheet.append(list(row))
    path = tmp_path / "大名册.xlsx"
    book.save(path)
    return path.read_bytes()


def _post_roster(client, unit, term, data):
    token = csrf_token(client, f"/mutual-aid/units/{unit.id}")
    return client.post(
        f"/mutual-aid/units/{unit.id}/roster",
        data={"csrf_token": token, "term": term.id, "file": (io.BytesIO(data), "大名册.xlsx")},
        content_type="multipart/form-data",
    )


def _results(html: str) -> dict:
    """What the report page says: the counts, and each bad row with its problem codes."""
    counts = {k: int(v) for k, v in re.findall(r'data-testid="(rows-\w+)">(\d+)<', html)}
    bad = re.findall(r'<tr data-row="(\d+)">(.*?)</tr>', html, re.S)
    return {
        **counts,
        "bad": [(int(n), re.findall(r'data-code="(\w+)"', body)) for n, body in bad],
        "enrol_button": re.search(
            r"参保 (\d+) 人|Enrol (\d+) members|data-testid=\"confirm-enrol\"", html
        )
        is not None,
    }


def test_a_large_roster_goes_through_the_job_with_the_in_request_results(
    app, client, network, hospital, tmp_path
):
    _plan, term = hospital
    unit = make_unit(network["SZ-GS-PJ"], staff=600, members=560)
    data = _roster_file(tmp_path)
    login(client, "sz-gs-pj.caseworker")

    app.config["ROSTER_INLINE_ROWS"] = 100_000  # the whole roster in the request
    inline = _post_roster(client, unit, term, data)
    assert inline.status_code == 200
    expected = _results(inline.get_data(as_text=True))
    assert expected["rows-total"] == BIG + 3, expected
    assert expected["rows-valid"] == BIG, expected["bad"]
    assert db.session.scalar(select(func.count(BackgroundJob.id))) == 0

    app.config["ROSTER_INLINE_ROWS"] = 500
    started = _post_roster(client, unit, term, data)
    assert started.status_code == 302, started.get_data(as_text=True)[:300]
    job = db.session.scalars(select(BackgroundJob)).one()
    assert job.kind == "mutual_aid.roster" and job.status == "done", job.error
    assert started.headers["Location"].endswith(f"/roster/jobs/{job.id}")
    status = client.get(f"/mutual-aid/units/{unit.id}/roster/jobs/{job.id}/status").get_json()
    assert (status["status"], status["done"], status["total"]) == ("done", BIG + 3, BIG + 3)
    assert status["percent"] == 100 and status["download_url"].endswith(f"/jobs/{job.id}")
    page = client.get(started.headers["Location"])
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and _results(html) == expected
    assert "以数字形式保存" in html  # the messages, in the user's language
    assert db.session.scalar(select(Enrolment.id)) is None  # the dry run changed nothing

    confirm_token = re.search(r'name="token" type="hidden" value="([^"]+)"', html).group(1)
    done = client.post(
        f"/mutual-aid/units/{unit.id}/roster/confirm",
        data={
            "csrf_token": csrf_token(client, f"/mutual-aid/units/{unit.id}"),
            "token": confirm_token,
            "term": term.id,
            "skip_bad": "y",
        },
    )
    assert done.status_code == 302 and "/roster/jobs/" in done.headers["Location"]
    confirm_job = db.session.scalars(select(BackgroundJob).where(BackgroundJob.id != job.id)).one()
    assert confirm_job.status == "done" and confirm_job.params["mode"] == "confirm"
    shown = client.get(done.headers["Location"])
    batch = db.session.scalars(select(EnrolmentBatch)).one()
    assert shown.status_code == 302 and shown.headers["Location"].endswith(f"/batches/{batch.id}")
    assert (batch.rows_total, batch.rows_enrolled, batch.rows_skipped) == (BIG + 3, BIG, 3)
    assert [
        (r["row"], [p["code"] for p in r["problems"]]) for r in batch.row_results if not r["ok"]
    ] == [tuple(b) for b in expected["bad"]]
    assert db.session.scalar(select(func.count(Enrolment.id))) == BIG
    # the staged file went with the enrolment: the token cannot be replayed
    again = client.post(
        f"/mutual-aid/units/{unit.id}/roster/confirm",
        data={
            "csrf_token": csrf_token(client, f"/mutual-aid/units/{unit.id}"),
            "token": confirm_token,
            "term": term.id,
            "skip_bad": "y",
        },
    )
    assert again.status_code == 302 and "/units/" in again.headers["Location"]
    assert db.session.scalar(select(func.count(EnrolmentBatch.id))) == 1


def test_the_progress_json_answers_while_the_job_waits_and_after(
    app, client, network, hospital, tmp_path
):
    _plan, term = hospital
    unit = make_unit(network["SZ-GS-PJ"], staff=600, members=560)
    login(client, "sz-gs-pj.caseworker")
    app.config["JOBS_BACKEND"] = "runner"  # nothing runs the job until we do
    started = _post_roster(client, unit, term, _roster_file(tmp_path))
    assert started.status_code == 302
    url = started.headers["Location"]
    waiting = client.get(url + "/status").get_json()
    assert (waiting["status"], waiting["done"], waiting["total"]) == ("queued", 0, BIG + 3)
    assert waiting["download_url"] is None
    page = client.get(url).get_data(as_text=True)
    assert 'data-testid="progress"' in page and "/status" in page
    assert engine.run_queued() == 1
    after = client.get(url + "/status").get_json()
    assert (after["status"], after["percent"], after["error"]) == ("done", 100, "")
    assert 'data-testid="rows-total">523<' in client.get(url).get_data(as_text=True)
    # a roster job is its starter's alone: the district's caseworker, whose scope covers the
    # unit, does not see it either (the staged roster file is the starter's)
    other = app.test_client()
    login(other, "sz-gs.caseworker")
    assert other.get(f"/mutual-aid/units/{unit.id}").status_code == 200  # the unit: in scope
    assert other.get(url).status_code == 404
    assert other.get(url + "/status").status_code == 404
    assert (
        client.get(url.replace(f"/units/{unit.id}/", "/units/999999/") + "/status").status_code
        == 404
    )


def test_the_api_starts_the_same_job_above_the_threshold_and_answers_202(
    app, network, hospital, tmp_path
):
    from tests.cases.helpers import Api
    from tests.mutual_aid.helpers import upload

    _plan, term = hospital
    unit = make_unit(network["SZ-GS-PJ"], staff=600, members=560)
    api = Api(app.test_client(), "sz-gs-pj.caseworker")
    data = _roster_file(tmp_path)

    app.config["JOBS_BACKEND"] = "runner"  # nothing runs the job until we do
    started = upload(api, unit.id, term.id, data, dry_run=True)
    assert started.status_code == 202, started.get_json()
    body = started.get_json()
    job = db.session.scalars(select(BackgroundJob)).one()
    assert job.kind == "mutual_aid.roster" and job.params["mode"] == "dry_run"
    assert body["status_url"] == f"/api/v1/mutual-aid/enrolments/jobs/{job.id}"
    assert (body["status"], body["done"], body["total"], body["report"]) == (
        "queued",
        0,
        BIG + 3,
        None,
    )
    assert engine.run_queued() == 1
    done = api.client.get(body["status_url"], headers=api.headers).get_json()
    assert done["status"] == "done" and done["percent"] == 100
    report = done["report"]
    assert (report["rows_total"], report["rows_valid"]) == (BIG + 3, BIG)
    assert [r["row"] for r in report["bad_rows"]] == [BIG + 3, BIG + 4, BIG + 5]
    assert all("*" in r["id"] or r["id"] == "" for r in report["bad_rows"])  # masked
    assert db.session.scalar(select(Enrolment.id)) is None  # the dry run changed nothing

    # another caseworker whose scope covers the unit does not see this caseworker's job
    other = Api(app.test_client(), "sz-gs.caseworker")
    assert other.client.get(body["status_url"], headers=other.headers).status_code == 404

    enrol = upload(api, unit.id, term.id, data, dry_run=False, skip_bad=True)
    assert enrol.status_code == 202, enrol.get_json()
    assert engine.run_queued() == 1
    result = api.client.get(enrol.get_json()["status_url"], headers=api.headers).get_json()
    batch = db.session.scalars(select(EnrolmentBatch)).one()
    assert result["status"] == "done" and result["batch_id"] == batch.id
    assert result["batch_url"] == f"/api/v1/mutual-aid/enrolments/{batch.id}"
    assert (batch.rows_enrolled, batch.rows_skipped) == (BIG, 3)

    # a small roster still answers inside the request
    app.config["ROSTER_INLINE_ROWS"] = 100_000
    inline = upload(api, unit.id, term.id, data, dry_run=True)
    assert inline.status_code == 200 and inline.get_json()["rows_total"] == BIG + 3


def test_staged_rosters_never_confirmed_are_purged_by_the_periodic_job(
    app, client, network, hospital, tmp_path
):
    import os
    import time
    from pathlib import Path

    from assist.audit.models import AuditEntry
    from assist.jobs.registry import get_kind
    from assist.mutual_aid import jobs as roster_jobs
    from tests.mutual_aid.helpers import xlsx

    assert get_kind(roster_jobs.PURGE_KIND).every == 3600  # the engine's periodic work
    _plan, term = hospital
    unit = make_unit(network["SZ-GS-PJ"], staff=12, members=12)
    login(client, "sz-gs-pj.caseworker")
    small = client.post(
        f"/mutual-aid/units/{unit.id}/roster",
        data={
            "csrf_token": csrf_token(client, f"/mutual-aid/units/{unit.id}"),
            "term": term.id,
            "file": (io.BytesIO(xlsx(people(12))), "名册.xlsx"),
        },
        content_type="multipart/form-data",
    )
    assert small.status_code == 200
    old_token = re.search(
        r'name="token" type="hidden" value="([^"]+)"', small.get_data(as_text=True)
    ).group(1)
    # a large roster whose job still waits: its file stays whatever its age
    big_unit = make_unit(network["SZ-GS-PJ"], staff=600, members=560)
    app.config["JOBS_BACKEND"] = "runner"
    assert _post_roster(client, big_unit, term, _roster_file(tmp_path)).status_code == 302
    waiting = db.session.scalars(select(BackgroundJob)).one()
    staged = Path(app.config["STORAGE_DIR"]) / "rosters"
    day_ago = time.time() - 25 * 3600
    for path in staged.iterdir():
        os.utime(path, (day_ago, day_ago))
    fresh = roster_jobs.keep_roster(1, b"x", "fresh.xlsx")  # just uploaded

    purged = roster_jobs.purge_staged()  # while the large roster's job still waits
    db.session.commit()
    assert purged == {"uploads_deleted": 1, "files_deleted": 3, "retention_hours": 24}
    names = {p.name for p in staged.iterdir()}
    assert not any(old_token in n for n in names)
    assert f"1-{fresh}.bin" in names
    assert engine.run_queued() == 1
    assert "report" in db.session.get(BackgroundJob, waiting.id).result  # its file was kept

    # the engine's periodic job: the large roster's dry run is done, nobody confirmed it
    for path in staged.iterdir():
        if fresh not in path.name:
            os.utime(path, (day_ago, day_ago))
    engine.submit(roster_jobs.PURGE_KIND)
    db.session.commit()
    assert engine.run_queued() == 1
    ran = engine.latest(roster_jobs.PURGE_KIND)
    assert ran.status == "done", ran.error
    assert ran.result == {"uploads_deleted": 1, "files_deleted": 3, "retention_hours": 24}
    assert {p.name for p in staged.iterdir()} == {f"1-{fresh}.bin", f"1-{fresh}.name"}
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "mutual_aid.roster_uploads_purged")
    ).all()
    assert [e.username for e in entries] == ["system", "system"]

    # confirming the purged upload says it expired and enrols nobody
    gone = client.post(
        f"/mutual-aid/units/{unit.id}/roster/confirm",
        data={
            "csrf_token": csrf_token(client, f"/mutual-aid/units/{unit.id}"),
            "token": old_token,
            "term": term.id,
        },
    )
    assert gone.status_code == 302 and gone.headers["Location"].endswith(f"/units/{unit.id}")
    assert db.session.scalar(select(Enrolment.id)) is None
    # a second run finds nothing more to delete and writes no audit row
    assert roster_jobs.purge_staged()["uploads_deleted"] == 0
