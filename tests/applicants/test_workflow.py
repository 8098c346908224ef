"""The file workflow through the pages: submit, review, visit, notice, on record, and after."""

import io

import pytest
from sqlalchemy import select

from assist.applicants.models import FileEvent
from assist.auth import services as auth_services
from assist.auth.models import Role
from assist.extensions import db
from tests.applicants.helpers import PDF, audit_actions, latest_applicant, register, standard
from tests.conftest import PASSWORD, login, post_form
from tests.factories import make_applicant


def act(client, applicant, action, reason="", category=""):
    return post_form(
        client,
        f"/files/{applicant.id}/actions/{action}",
        {"reason": reason, "category": category},
        token_from=f"/files/{applicant.id}",
    )


def visit(client, applicant):
    return post_form(
        client,
        f"/files/{applicant.id}/visits",
        {"visited_on": "2026-01-10", "visitors": "李芳、王强", "findings": "情况属实。"},
        token_from=f"/files/{applicant.id}",
    )


@pytest.fixture
def file_in_review(client, network):
    """A file registered and submitted by the 平江 caseworker."""
    standard()
    network["SZ-GS-PJ"].notice_days = 0
    db.session.commit()
    login(client, "sz-gs-pj.caseworker")
    assert register(client, network["SZ-GS-PJ"]).status_code == 302
    applicant = latest_applicant()
    assert act(client, applicant, "submit").status_code == 302
    client.post("/logout", data={"csrf_token": ""})
    client.delete_cookie("assist_session")
    return latest_applicant()


def test_a_file_goes_from_application_to_record(client, network, file_in_review):
    applicant = file_in_review
    assert applicant.status == "initial_review"
    login(client, "sz-gs-pj.supervisor")
    page = client.get(f"/files/{applicant.id}").get_data(as_text=True)
    assert 'data-action="pass_initial"' in page
    assert act(client, applicant, "pass_initial").status_code == 302
    assert latest_applicant().status == "home_visit"

    client.delete_cookie("assist_session")
    login(client, "sz-gs-pj.caseworker")
    # The visit must be recorded before the file goes on.
    refused = act(client, applicant, "complete_visit")
    assert refused.status_code == 409
    assert visit(client, applicant).status_code == 302
    assert act(client, applicant, "complete_visit").status_code == 302
    assert latest_applicant().status == "final_review"

    client.delete_cookie("assist_session")
    login(client, "sz-gs-pj.supervisor")
    assert act(client, applicant, "approve").status_code == 302
    assert latest_applicant().status == "public_notice"
    assert act(client, applicant, "activate").status_code == 302
    applicant = latest_applicant()
    assert applicant.status == "active"
    assert applicant.category == "deep"
    assert applicant.review_due_on is not None
    actions = audit_actions(applicant.id)
    for step in ("submit", "pass_initial", "home_visit", "complete_visit", "approve", "activate"):
        assert f"applicant.{step}" in actions
    timeline = client.get(f"/files/{applicant.id}").get_data(as_text=True)
    assert "李芳、王强" in timeline


def test_the_notice_period_must_pass(client, network, file_in_review):
    network["SZ-GS-PJ"].notice_days = 5
    db.session.commit()
    applicant = file_in_review
    applicant.status = "public_notice"
    from assist.core.timeutil import local_today

    applicant.notice_started_on = local_today()
    db.session.commit()
    login(client, "sz-gs-pj.supervisor")
    response = act(client, applicant, "activate")
    assert response.status_code == 409
    assert latest_applicant().status == "public_notice"


def test_invalid_transitions_are_refused_on_the_server(client, network, file_in_review):
    applicant = file_in_review
    login(client, "sz-gs-pj.supervisor")
    assert act(client, applicant, "approve").status_code == 409  # still in initial review
    assert act(client, applicant, "exit", reason="x").status_code == 409
    assert act(client, applicant, "no_such_action").status_code == 404
    assert latest_applicant().status == "initial_review"


def test_a_caseworker_cannot_review(client, network, file_in_review):
    login(client, "sz-gs-pj.caseworker")
    assert act(client, file_in_review, "pass_initial").status_code == 403
    assert latest_applicant().status == "initial_review"


def test_the_creator_cannot_review_their_own_file(client, network):
    standard()
    dual = auth_services.create_user(
        acting_user=None,
        username="pj.both",
        centre=network["SZ-GS-PJ"],
        roles=[Role.CASEWORKER, Role.SUPERVISOR],
        password=PASSWORD,
        full_name="双角色",
        must_change_password=False,
    )
    db.session.commit()
    login(client, dual.username)
    assert register(client, network["SZ-GS-PJ"]).status_code == 302
    applicant = latest_applicant()
    assert act(client, applicant, "submit").status_code == 302
    page = client.get(f"/files/{applicant.id}").get_data(as_text=True)
    assert 'data-action="pass_initial"' not in page
    response = act(client, applicant, "pass_initial")
    assert response.status_code == 403
    assert latest_applicant().status == "initial_review"


def test_return_needs_a_reason_and_the_caseworker_resubmits(client, network, file_in_review):
    applicant = file_in_review
    login(client, "sz-gs-pj.supervisor")
    response = act(client, applicant, "return")
    assert response.status_code == 422
    assert latest_applicant().status == "initial_review"
    assert act(client, applicant, "return", reason="收入证明缺盖章").status_code == 302
    applicant = latest_applicant()
    assert applicant.status == "returned" and applicant.status_reason == "收入证明缺盖章"
    client.delete_cookie("assist_session")
    login(client, "sz-gs-pj.caseworker")
    assert "收入证明缺盖章" in client.get(f"/files/{applicant.id}").get_data(as_text=True)
    assert act(client, applicant, "submit").status_code == 302
    assert latest_applicant().status == "initial_review"


def test_reject_exit_cancel_and_reapply(client, network):
    standard()
    pj = network["SZ-GS-PJ"]
    rejected = make_applicant(pj, status="final_review")
    active = make_applicant(pj)
    to_cancel = make_applicant(pj)
    db.session.commit()
    login(client, "sz-gs-pj.supervisor")
    assert act(client, rejected, "reject", reason="有经营性收入").status_code == 302
    assert act(client, active, "exit", reason="已再就业").status_code == 302
    assert act(client, to_cancel, "cancel", reason="迁出本市").status_code == 302
    db.session.expire_all()
    assert (rejected.status, active.status, to_cancel.status) == ("rejected", "exited", "cancelled")
    assert active.review_due_on is None
    assert act(client, to_cancel, "reapply").status_code == 409  # cancelled is final
    client.delete_cookie("assist_session")
    login(client, "sz-gs-pj.caseworker")
    assert act(client, active, "reapply").status_code == 302
    db.session.expire_all()
    assert active.status == "applied"
    events = db.session.scalars(
        select(FileEvent.action).where(FileEvent.applicant_id == active.id)
    ).all()
    assert events == ["exit", "reapply"]


def test_change_category_on_record(client, network):
    standard()
    applicant = make_applicant(network["SZ-GS-PJ"])
    db.session.commit()
    login(client, "sz-gs-pj.supervisor")
    assert act(client, applicant, "change_category", category="relative").status_code == 422
    response = act(client, applicant, "change_category", reason="收入提高", category="relative")
    assert response.status_code == 302
    db.session.expire_all()
    assert applicant.category == "relative"
    assert "applicant.change_category" in audit_actions(applicant.id)


def test_exclusions_block_submission(client, network):
    standard()
    login(client, "sz-gs-pj.caseworker")
    response = register(client, network["SZ-GS-PJ"], exclusions=["private_car"])
    assert response.status_code == 302
    applicant = latest_applicant()
    assert applicant.latest_assessment.proposed_category == "not_eligible"
    assert applicant.latest_assessment.exclusions == ["private_car"]
    assert act(client, applicant, "submit").status_code == 409
    assert latest_applicant().status == "applied"


def test_supervisor_overrides_the_category_with_a_reason(client, network, file_in_review):
    applicant = file_in_review
    login(client, "sz-gs-pj.supervisor")
    url = f"/files/{applicant.id}/override"
    response = post_form(client, url, {"category": "accident"}, token_from=f"/files/{applicant.id}")
    assert response.status_code == 422
    response = post_form(
        client,
        url,
        {"category": "accident", "reason": "配偶突发重病"},
        token_from=f"/files/{applicant.id}",
    )
    assert response.status_code == 302
    applicant = latest_applicant()
    assert applicant.category == "accident"
    assessment = applicant.latest_assessment
    assert (assessment.proposed_category, assessment.category) == ("deep", "accident")
    assert assessment.override_reason == "配偶突发重病"


def test_yearly_review_moves_the_due_date(client, network):
    standard()
    from datetime import date

    applicant = make_applicant(network["SZ-GS-PJ"], review_due_on=date(2020, 1, 1))
    db.session.commit()
    login(client, "sz-gs-pj.caseworker")
    overdue = client.get("/files/?overdue=1").get_data(as_text=True)
    assert applicant.file_no in overdue
    response = post_form(
        client, f"/files/{applicant.id}/review", {"note": "情况无变化"}, token_from="/files/"
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert applicant.review_due_on > date.today()
    assert applicant.file_no not in client.get("/files/?overdue=1").get_data(as_text=True)


def test_correcting_income_reassesses_and_keeps_history(client, network):
    standard()
    login(client, "sz-gs-pj.caseworker")
    assert register(client, network["SZ-GS-PJ"]).status_code == 302
    applicant = latest_applicant()
    from tests.applicants.helpers import form_data

    data = form_data(
        id_number=applicant.id_number,
        annual_income="60000.00",
        **{"members-0-id_number": applicant.members[0].id_number},
    )
    response = post_form(
        client, f"/files/{applicant.id}/edit", data, token_from=f"/files/{applicant.id}/edit"
    )
    assert response.status_code == 302
    applicant = latest_applicant()
    assert len(applicant.assessments) == 2
    # (60,000 − 3,600) ÷ 12 ÷ 2 = 2,350.00 ≥ 2 × 1,060: not eligible
    assert applicant.latest_assessment.per_capita_monthly_fen == 235_000
    assert applicant.category == "not_eligible"
    assert applicant.assessments[1].per_capita_monthly_fen == 85_000
    page = client.get(f"/files/{applicant.id}").get_data(as_text=True)
    assert "2,350.00" in page and "850.00" in page


def test_uploading_the_consent_scan_later(client, network):
    standard()
    login(client, "sz-gs-pj.caseworker")
    assert register(client, network["SZ-GS-PJ"], consent=False).status_code == 302
    applicant = latest_applicant()
    response = post_form(
        client,
        f"/files/{applicant.id}/attachments",
        {"kind": "consent", "file": (io.BytesIO(PDF), "scan.pdf")},
        token_from=f"/files/{applicant.id}",
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert act(client, applicant, "submit").status_code == 302
