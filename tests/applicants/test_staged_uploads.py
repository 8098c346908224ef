"""A refused registration keeps its uploaded scan for the uploader (item 7 of issue 13)."""

import io
import re
from datetime import timedelta

from sqlalchemy import select

from assist.attachments import staging
from assist.attachments.models import Attachment
from assist.attachments.services import path_for
from assist.core.timeutil import utcnow
from assist.extensions import db
from assist.jobs.registry import periodic_kinds
from tests.applicants.helpers import (
    applicant_count,
    form_data,
    latest_applicant,
    register,
    standard,
)
from tests.conftest import login, post_form
from tests.factories import PDF, make_applicant


def _staged_id(html: str) -> int:
    return int(re.search(r'name="staged_consent" value="(\d+)"', html).group(1))


def _resend(client, centre, staged_id, **overrides):
    data = form_data(centre, **overrides)
    data["staged_consent"] = str(staged_id)
    return post_form(
        client, "/files/new", data, token_from="/files/new", content_type="multipart/form-data"
    )


def test_a_refused_form_keeps_the_scan_and_uses_it_when_accepted(client, network):
    standard()
    login(client, "sz-gs-pj.caseworker")
    refused = register(client, network["SZ-GS-PJ"], annual_income="much")
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert 'data-testid="staged-scan"' in html and "consent.pdf" in html
    staged_id = _staged_id(html)
    staged = db.session.get(Attachment, staged_id)
    assert staged.owner_type == "staged" and path_for(staged).exists()
    assert applicant_count() == 0

    # The uploader may open it; a colleague at the same centre may not even see it exists.
    assert client.get(f"/attachments/{staged_id}").data == PDF
    other = client.application.test_client()
    login(other, "sz-gs-pj.supervisor")
    assert other.get(f"/attachments/{staged_id}").status_code == 404
    # …nor use it by sending its id with a form of their own.
    assert staging.staged_for(type("U", (), {"id": -1})(), staged_id) is None

    accepted = _resend(client, network["SZ-GS-PJ"], staged_id)
    assert accepted.status_code == 302
    applicant = latest_applicant()
    db.session.expire_all()
    staged = db.session.get(Attachment, staged_id)
    assert (staged.owner_type, staged.owner_id, staged.kind) == (
        "applicant",
        applicant.id,
        "consent",
    )
    page = client.get(f"/files/{applicant.id}").get_data(as_text=True)
    assert "consent.pdf" in page


def test_a_duplicate_id_keeps_the_scan_and_names_the_file(client, network):
    standard()
    held = make_applicant(network["SZ-GS-PJ"], name="钱已建")
    db.session.commit()
    login(client, "sz-gs-pj.caseworker")
    refused = register(client, network["SZ-GS-PJ"], id_number=held.id_number)
    assert refused.status_code == 409
    html = refused.get_data(as_text=True)
    assert f'href="/files/{held.id}"' in html and 'data-testid="staged-scan"' in html


def test_the_uploader_removes_the_staged_scan_and_keeps_what_was_typed(client, network):
    standard()
    login(client, "sz-gs-pj.caseworker")
    html = register(client, network["SZ-GS-PJ"], annual_income="much").get_data(as_text=True)
    staged_id = _staged_id(html)
    data = form_data(network["SZ-GS-PJ"], annual_income="much", name="赵留存")
    data.update(staged_consent=str(staged_id), unstage="1")
    response = post_form(
        client, "/files/new", data, token_from="/files/new", content_type="multipart/form-data"
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'data-testid="staged-scan"' not in html and "赵留存" in html
    db.session.expire_all()
    assert db.session.get(Attachment, staged_id).removed_at is not None
    assert client.get(f"/attachments/{staged_id}").status_code == 404
    # Accepted now, the file has no scan: it was removed.
    accepted = _resend(client, network["SZ-GS-PJ"], staged_id)
    assert accepted.status_code == 302 and applicant_count() == 1
    assert db.session.get(Attachment, staged_id).owner_type == "staged"


def test_a_bad_file_is_not_staged_and_says_why(client, network):
    standard()
    login(client, "sz-gs-pj.caseworker")
    data = form_data(network["SZ-GS-PJ"], annual_income="much")
    data["consent_scan"] = (io.BytesIO(b"not a scan at all"), "consent.pdf")
    response = post_form(
        client, "/files/new", data, token_from="/files/new", content_type="multipart/form-data"
    )
    assert response.status_code == 422
    assert 'data-testid="staged-scan"' not in response.get_data(as_text=True)
    assert not db.session.scalars(select(Attachment)).all()


def test_staged_scans_are_purged_after_the_retention_period(client, network, app):
    assert {k.name: k.every for k in periodic_kinds()}[staging.PURGE_KIND] == 3600
    standard()
    login(client, "sz-gs-pj.caseworker")
    old_id = _staged_id(
        register(client, network["SZ-GS-PJ"], annual_income="x").get_data(as_text=True)
    )
    new_id = _staged_id(
        register(client, network["SZ-GS-PJ"], annual_income="y").get_data(as_text=True)
    )
    old = db.session.get(Attachment, old_id)
    old_path = path_for(old)
    hours = app.config["STAGED_UPLOAD_RETENTION_HOURS"]
    old.uploaded_at = utcnow() - timedelta(hours=hours + 1)
    db.session.commit()
    from assist.jobs.registry import get_kind

    assert get_kind(staging.PURGE_KIND).run({}) == {"purged": 1}
    db.session.expire_all()
    assert db.session.get(Attachment, old_id) is None and not old_path.exists()
    assert db.session.get(Attachment, new_id) is not None
