"""Documents checked by content and served only through the access-checked route; transfers."""

import io
import os
from pathlib import Path

from sqlalchemy import select

from assist.applicants.models import FileEvent
from assist.attachments.models import Attachment
from assist.extensions import db
from tests.applicants.helpers import audit_actions, standard
from tests.conftest import login, post_form
from tests.factories import PDF, make_applicant, png_bytes


def upload(client, applicant, content: bytes, name: str, kind="income_proof"):
    return post_form(
        client,
        f"/files/{applicant.id}/attachments",
        {"kind": kind, "file": (io.BytesIO(content), name)},
        token_from=f"/files/{applicant.id}",
        content_type="multipart/form-data",
    )


def test_pdf_and_png_are_stored_under_random_names_and_served_checked(app, client, network):
    standard()
    applicant = make_applicant(network["SZ-GS-PJ"])
    db.session.commit()
    login(client, "sz-gs-pj.caseworker")
    assert upload(client, applicant, PDF, "../../etc/收入证明.pdf").status_code == 302
    assert upload(client, applicant, png_bytes(), "photo.PNG", kind="id_copy").status_code == 302
    docs = db.session.scalars(select(Attachment).order_by(Attachment.id)).all()
    assert [d.content_type for d in docs] == ["application/pdf", "image/png"]
    assert docs[0].original_name == "收入证明.pdf"
    stored = list(Path(app.config["STORAGE_DIR"]).rglob("*"))
    files = [p for p in stored if p.is_file()]
    assert len(files) == 2 and all(len(p.name) == 64 for p in files)
    assert not str(app.config["STORAGE_DIR"]).startswith(app.static_folder)
    assert oct(os.stat(files[0]).st_mode & 0o777) == "0o600"
    response = client.get(f"/attachments/{docs[0].id}")
    assert response.status_code == 200 and response.data == PDF
    assert "attachment" in response.headers["Content-Disposition"]
    assert "attachment.downloaded" in audit_actions(docs[0].id)
    client.delete_cookie("assist_session")
    login(client, "sz-gs-cl.caseworker")
    assert client.get(f"/attachments/{docs[0].id}").status_code == 404


def test_refused_files_get_a_clear_message_and_nothing_is_stored(app, client, network):
    standard()
    applicant = make_applicant(network["SZ-GS-PJ"])
    db.session.commit()
    login(client, "sz-gs-pj.caseworker")
    fake_pdf = upload(client, applicant, b"MZ\x90\x00 this is an exe", "scan.pdf")
    assert fake_pdf.status_code == 422
    assert "PDF" in fake_pdf.get_data(as_text=True)
    broken_png = upload(client, applicant, b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "a.png")
    assert broken_png.status_code == 422
    html_as_jpeg = upload(client, applicant, b"<html><script>x</script>", "a.jpg")
    assert html_as_jpeg.status_code == 422
    app.config["UPLOAD_MAX_BYTES"] = 1024
    too_big = upload(client, applicant, PDF + b"0" * 2048 + b"%%EOF", "big.pdf")
    assert too_big.status_code == 422
    assert db.session.scalars(select(Attachment)).all() == []


def test_auditor_cannot_upload_but_can_read(client, network):
    standard()
    applicant = make_applicant(network["SZ-GS-PJ"])
    db.session.commit()
    login(client, "sz-gs-pj.caseworker")
    assert upload(client, applicant, PDF, "a.pdf").status_code == 302
    client.delete_cookie("assist_session")
    login(client, "sz-gs-pj.auditor")
    assert upload(client, applicant, PDF, "b.pdf").status_code == 403
    doc = db.session.scalars(select(Attachment)).one()
    assert client.get(f"/attachments/{doc.id}").status_code == 200


def test_transfer_to_another_district_accepted_there(client, network):
    standard()
    applicant = make_applicant(network["SZ-GS-PJ"])
    db.session.commit()
    login(client, "sz-gs-pj.caseworker")
    response = post_form(
        client,
        f"/files/{applicant.id}/transfer",
        {"to_centre": network["SZ-WZ-MD"].id, "reason": "moved_home", "note": "搬到木渎"},
        token_from=f"/files/{applicant.id}",
    )
    assert response.status_code == 302
    again = post_form(
        client,
        f"/files/{applicant.id}/transfer",
        {"to_centre": network["SZ-WZ-CQ"].id, "reason": "moved_home"},
        token_from=f"/files/{applicant.id}",
    )
    assert again.status_code == 409
    client.delete_cookie("assist_session")
    # A sibling of the receiving station cannot accept it.
    login(client, "sz-wz-cq.supervisor")
    from assist.applicants.models import Transfer

    transfer = db.session.scalars(select(Transfer)).one()
    refused = post_form(
        client, f"/files/transfers/{transfer.id}/accept", {}, token_from="/files/transfers"
    )
    assert refused.status_code == 404
    client.delete_cookie("assist_session")
    login(client, "sz-wz-md.supervisor")
    assert applicant.file_no in client.get("/files/transfers").get_data(as_text=True)
    accepted = post_form(
        client, f"/files/transfers/{transfer.id}/accept", {}, token_from="/files/transfers"
    )
    assert accepted.status_code == 302
    db.session.expire_all()
    assert applicant.centre.code == "SZ-WZ-MD"
    assert transfer.status == "accepted" and transfer.decided_at is not None
    assert client.get(f"/files/{applicant.id}").status_code == 200
    events = db.session.scalars(
        select(FileEvent.action).where(FileEvent.applicant_id == applicant.id)
    ).all()
    assert events == ["transfer_requested", "transfer_accepted"]
    client.delete_cookie("assist_session")
    login(client, "sz-gs-pj.caseworker")
    assert client.get(f"/files/{applicant.id}").status_code == 404  # now elsewhere
    assert applicant.file_no in client.get("/files/transfers").get_data(as_text=True)


def test_transfer_declined_with_reason_or_withdrawn(client, network):
    standard()
    applicant = make_applicant(network["SZ-GS-PJ"])
    db.session.commit()
    login(client, "sz-gs-pj.caseworker")
    other = post_form(
        client,
        f"/files/{applicant.id}/transfer",
        {"to_centre": network["SZ-GS-CL"].id, "reason": "other"},
        token_from=f"/files/{applicant.id}",
    )
    assert other.status_code == 422  # "other" needs an explanation
    post_form(
        client,
        f"/files/{applicant.id}/transfer",
        {"to_centre": network["SZ-GS-CL"].id, "reason": "job_change"},
        token_from=f"/files/{applicant.id}",
    )
    from assist.applicants.models import Transfer

    transfer = db.session.scalars(select(Transfer)).one()
    client.delete_cookie("assist_session")
    login(client, "sz-gs-cl.supervisor")
    post_form(
        client,
        f"/files/transfers/{transfer.id}/decline",
        {"reason": ""},
        token_from="/files/transfers",
    )
    db.session.expire_all()
    assert transfer.status == "pending"
    post_form(
        client,
        f"/files/transfers/{transfer.id}/decline",
        {"reason": "不在本辖区"},
        token_from="/files/transfers",
    )
    db.session.expire_all()
    assert transfer.status == "declined" and transfer.decision_note == "不在本辖区"
    assert applicant.centre.code == "SZ-GS-PJ"
