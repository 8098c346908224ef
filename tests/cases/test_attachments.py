"""Supporting documents on aid cases: who adds them when, who reads them, what is refused."""

import io
import re

from sqlalchemy import select

from assist.attachments.models import Attachment
from assist.audit.models import AuditEntry
from assist.extensions import db
from tests.cases.helpers import Api
from tests.conftest import login, post_form
from tests.factories import PDF, png_bytes


def _upload(api: Api, case_id: int, data: bytes, name: str, kind: str = "invoice"):
    return api.client.post(
        f"/api/v1/cases/{case_id}/attachments",
        headers=api.headers,
        data={"kind": kind, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _stored() -> list[Attachment]:
    return list(db.session.scalars(select(Attachment).order_by(Attachment.id)))


def test_caseworker_attaches_while_drafting_and_supervisor_while_deciding(
    app, household, caseworker, station_supervisor, district_supervisor
):
    case = caseworker.open_case(household, kind="medical", amount="1800.00", self_paid="2000.00")
    response = _upload(caseworker, case["id"], PDF, "住院发票.pdf")
    assert response.status_code == 201, response.get_json()
    invoice = response.get_json()
    assert (invoice["kind"], invoice["name"]) == ("invoice", "住院发票.pdf")
    assert invoice["download_url"] == f"/attachments/{invoice['id']}"
    assert _upload(caseworker, case["id"], png_bytes(), "诊断.png", "diagnosis").status_code == 201

    caseworker.act(case["id"], "submit")
    # Submitted: the caseworker's part is done; the station's supervisors decide and may add.
    assert _upload(caseworker, case["id"], PDF, "more.pdf").status_code == 403
    assert _upload(district_supervisor, case["id"], PDF, "x.pdf").status_code == 403
    added = _upload(station_supervisor, case["id"], PDF, "收入证明.pdf", "income_proof")
    assert added.status_code == 201

    detail = caseworker.get(f"/cases/{case['id']}").get_json()
    assert [a["kind"] for a in detail["attachments"]] == ["invoice", "diagnosis", "income_proof"]
    listed = caseworker.get(f"/cases/{case['id']}/attachments").get_json()["items"]
    assert [a["name"] for a in listed] == ["住院发票.pdf", "诊断.png", "收入证明.pdf"]

    # Approved: nobody adds documents any more.
    station_supervisor.act(case["id"], "approve", comment="同意")
    assert _upload(station_supervisor, case["id"], PDF, "late.pdf").status_code == 403
    assert len(_stored()) == 3
    audited = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.action == "attachment.added")
    ).all()
    assert len(audited) == 3


def test_refused_documents_say_why_and_store_nothing(app, household, caseworker):
    case = caseworker.open_case(household)
    fake = _upload(caseworker, case["id"], b"MZ\x90\x00 an exe", "invoice.pdf")
    assert fake.status_code == 422
    assert "file" in fake.get_json()["error"]["fields"]
    # The minutes come only with a recorded decision; file-only kinds do not fit a case.
    for kind in ("collective_decision", "id_copy", "nonsense"):
        refused = _upload(caseworker, case["id"], PDF, "a.pdf", kind)
        assert refused.status_code == 422, kind
        assert "kind" in refused.get_json()["error"]["fields"]
    assert _stored() == []


def test_who_may_download_a_case_document(app, household, caseworker, network):
    case = caseworker.open_case(household)
    doc = _upload(caseworker, case["id"], PDF, "a.pdf").get_json()
    for username, expected in [
        ("sz-gs-pj.finance", 200),
        ("sz-gs-pj.auditor", 200),
        ("sz-gs.supervisor", 200),  # the parent centre
        ("sz-gs-cl.caseworker", 404),  # a sibling station
        ("sz-wz.supervisor", 404),  # another district
        ("sz-gs-pj.admin", 403),  # in scope, but not a role that reads cases
    ]:
        client = app.test_client()
        login(client, username)
        response = client.get(doc["download_url"])
        assert response.status_code == expected, username
        if expected == 200:
            assert response.data == PDF
    api = Api(app.test_client(), "sz-gs-cl.caseworker")
    assert _upload(api, case["id"], PDF, "b.pdf").status_code == 404
    assert api.get(f"/cases/{case['id']}/attachments").status_code == 404
    downloads = db.session.scalars(
        select(AuditEntry.username).where(AuditEntry.action == "attachment.downloaded")
    ).all()
    assert sorted(downloads) == ["sz-gs-pj.auditor", "sz-gs-pj.finance", "sz-gs.supervisor"]


def test_case_page_upload_list_and_remove(app, client, household, caseworker):
    case = caseworker.open_case(household)
    url = f"/cases/{case['id']}"
    login(client, "sz-gs-pj.caseworker")
    page = client.get(url).get_data(as_text=True)
    assert 'data-testid="attachments"' in page
    options = re.findall(r'<option[^>]*value="([a-z_]+)"', page.split('name="kind"')[1])
    assert options[:5] == ["diagnosis", "income_proof", "invoice", "school_enrolment", "other"]

    def upload(data, name, kind="invoice"):
        return post_form(
            client,
            f"{url}/attachments",
            {"kind": kind, "file": (io.BytesIO(data), name)},
            token_from=url,
            content_type="multipart/form-data",
        )

    refused = upload(b"<html><script>x</script>", "x.jpg")
    assert refused.status_code == 422
    assert "PDF" in refused.get_data(as_text=True)
    assert upload(PDF, "收据.pdf").status_code == 302
    page = client.get(url).get_data(as_text=True)
    doc = _stored()[0]
    assert "收据.pdf" in page and f"/attachments/{doc.id}" in page
    remove_url = f"{url}/attachments/{doc.id}/remove"
    assert post_form(client, remove_url, {"reason": "传错了"}, token_from=url).status_code == 302
    db.session.expire_all()
    assert _stored()[0].removed_at is not None
    assert "收据.pdf" not in client.get(url).get_data(as_text=True)


def test_a_case_document_cannot_be_removed_through_a_file_with_the_same_id(
    app, client, household, caseworker
):
    case = caseworker.open_case(household)
    assert case["id"] == household.id  # both the first of their kind: the ids collide
    doc = _upload(caseworker, case["id"], PDF, "a.pdf").get_json()
    login(client, "sz-gs-pj.caseworker")
    file_url = f"/files/{household.id}"
    response = post_form(
        client,
        f"{file_url}/attachments/{doc['id']}/remove",
        {"reason": "试试"},
        token_from=file_url,
    )
    assert response.status_code == 404
    db.session.expire_all()
    assert _stored()[0].removed_at is None
