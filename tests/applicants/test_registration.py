"""Registering a household through the form: what a caseworker sees, and what is stored."""

import re

from sqlalchemy import select

from assist.applicants.models import FileCounter, ResidentId
from assist.core.timeutil import local_today
from assist.extensions import db
from tests.applicants.helpers import (
    applicant_count,
    audit_actions,
    field_errors,
    latest_applicant,
    register,
    standard,
)
from tests.conftest import login
from tests.factories import make_applicant, next_resident_id


def test_caseworker_registers_a_household(client, network):
    standard()
    login(client, "sz-gs-pj.caseworker")
    head_id = next_resident_id(female=True)
    response = register(client, network["SZ-GS-PJ"], id_number=head_id)
    assert response.status_code == 302, field_errors(response.get_data(as_text=True))
    applicant = latest_applicant()
    year = local_today().year
    assert applicant.file_no == f"SZ-GS-PJ-{year}-00001"
    assert applicant.gender == "F"
    assert applicant.birth_date.isoformat() == "1975-06-01"
    assert applicant.status == "applied"
    assert applicant.household_size == 2
    assert head_id not in applicant.id_number_enc  # encrypted at rest
    assert applicant.bank_account_last4 == "0123"
    assert "6222020000000000123" not in (applicant.bank_account_enc or "")
    # (24,000.00 − 3,600.00) ÷ 12 ÷ 2 = 850.00 < 1,060.00: 深度困难
    assessment = applicant.latest_assessment
    assert assessment.per_capita_monthly_fen == 85_000
    assert assessment.proposed_category == "deep"
    assert db.session.scalars(select(ResidentId.id_hash)).all().__len__() == 2
    assert "applicant.created" in audit_actions(applicant.id)

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert applicant.file_no in page
    assert "850.00" in page and "1,060.00" in page  # the working
    assert head_id not in page  # masked until revealed
    assert f"{head_id[:6]}********{head_id[-4:]}" in page
    assert "consent.pdf" in page


def test_numbers_follow_each_other_per_centre_and_year(client, network):
    standard()
    login(client, "sz-gs-pj.caseworker")
    for _ in range(2):
        assert register(client, network["SZ-GS-PJ"]).status_code == 302
    year = local_today().year
    assert latest_applicant().file_no == f"SZ-GS-PJ-{year}-00002"
    counter = db.session.scalars(select(FileCounter)).one()
    assert counter.last_seq == 2


def test_bad_id_is_named_and_nothing_is_saved(client, network):
    standard()
    login(client, "sz-gs-pj.caseworker")
    good = next_resident_id()
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    response = register(client, network["SZ-GS-PJ"], id_number=bad)
    assert response.status_code == 422
    errors = field_errors(response.get_data(as_text=True))
    assert "校验码" in errors["id_number"]
    assert applicant_count() == 0
    assert db.session.scalars(select(FileCounter)).first() is None  # no number spent
    assert bad not in response.get_data(as_text=True).split('name="id_number"')[0]


def test_legacy_15_digit_id_says_how_to_convert(client, network):
    standard()
    login(client, "sz-gs-pj.caseworker")
    response = register(client, network["SZ-GS-PJ"], id_number="320502750601123")
    assert response.status_code == 422
    assert "15" in field_errors(response.get_data(as_text=True))["id_number"]
    assert "19" in field_errors(response.get_data(as_text=True))["id_number"]
    assert applicant_count() == 0


def test_every_bad_field_is_named_at_once(client, network):
    standard()
    login(client, "sz-gs-pj.caseworker")
    response = register(
        client,
        network["SZ-GS-PJ"],
        name="",
        phone="12345",
        annual_income="12,34.5x",
        consent_signed_on="",
        **{"members-0-id_number": "11010519491231002Y", "members-0-relation": ""},
    )
    assert response.status_code == 422
    errors = field_errors(response.get_data(as_text=True))
    assert set(errors) >= {
        "name",
        "phone",
        "annual_income",
        "consent_signed_on",
        "members-0-id_number",
        "members-0-relation",
    }
    assert "0512" in errors["phone"]
    assert applicant_count() == 0


def test_landline_and_mobile_phones_are_accepted(client, network):
    standard()
    login(client, "sz-gs-pj.caseworker")
    assert register(client, network["SZ-GS-PJ"], phone="0512-65230000").status_code == 302
    assert register(client, network["SZ-GS-PJ"], phone="139 1234 5678").status_code == 302
    assert latest_applicant().phone == "13912345678"


def test_duplicate_from_another_district_names_only_the_centre(client, network):
    standard()
    held = make_applicant(network["SZ-WZ-CQ"], name="赵秘密", phone="13700000001")
    db.session.commit()
    login(client, "sz-gs-pj.caseworker")
    response = register(client, network["SZ-GS-PJ"], id_number=held.id_number)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    message = field_errors(html)["id_number"]
    assert "长桥街道职工服务站" in message
    assert "赵秘密" not in html and held.file_no not in html and "13700000001" not in html
    assert applicant_count() == 1


def test_a_member_already_in_another_file_is_refused(client, network):
    standard()
    held = make_applicant(network["SZ-WZ-MD"])
    db.session.commit()
    login(client, "sz-gs-pj.caseworker")
    response = register(client, network["SZ-GS-PJ"], **{"members-0-id_number": held.id_number})
    assert response.status_code == 409
    assert (
        "木渎镇职工服务站" in field_errors(response.get_data(as_text=True))["members-0-id_number"]
    )
    assert applicant_count() == 1


def test_the_same_id_twice_in_one_household_is_refused(client, network):
    standard()
    login(client, "sz-gs-pj.caseworker")
    same = next_resident_id()
    response = register(
        client, network["SZ-GS-PJ"], id_number=same, **{"members-0-id_number": same}
    )
    assert response.status_code == 422
    assert "members-0-id_number" in field_errors(response.get_data(as_text=True))


def test_script_in_names_renders_inert(client, network):
    standard()
    login(client, "sz-gs-pj.caseworker")
    evil = '<script>alert("x")</script>'
    response = register(
        client, network["SZ-GS-PJ"], name=evil, **{"members-0-name": "\"'><img src=x>"}
    )
    assert response.status_code == 302
    applicant = latest_applicant()
    for url in ("/files/", f"/files/{applicant.id}", f"/files/{applicant.id}/edit"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in html
        assert "<img src=x>" not in html
    assert "&lt;script&gt;" in client.get(f"/files/{applicant.id}").get_data(as_text=True)


def test_no_standard_means_a_clear_refusal(client, network):
    login(client, "sz-gs-pj.caseworker")
    response = register(client, network["SZ-GS-PJ"])
    assert response.status_code == 409
    assert "低保" in response.get_data(as_text=True)
    assert applicant_count() == 0


def test_registration_without_the_consent_scan_can_wait_but_not_be_submitted(client, network):
    standard()
    login(client, "sz-gs-pj.caseworker")
    assert register(client, network["SZ-GS-PJ"], consent=False).status_code == 302
    applicant = latest_applicant()
    from tests.conftest import post_form

    response = post_form(client, f"/files/{applicant.id}/actions/submit", {"reason": ""})
    assert response.status_code == 422
    assert "授权" in response.get_data(as_text=True) or "同意" in response.get_data(as_text=True)
    assert latest_applicant().status == "applied"


def test_member_rows_can_be_added_beyond_the_blank_ones(client, network):
    standard()
    login(client, "sz-gs-pj.caseworker")
    extra = {}
    for i in range(1, 6):
        extra.update(
            {
                f"members-{i}-relation": "child",
                f"members-{i}-name": f"王小{i}",
                f"members-{i}-id_number": next_resident_id(),
                f"members-{i}-monthly_income": "0",
                f"members-{i}-health": "good",
                f"members-{i}-is_student": "y",
            }
        )
    assert register(client, network["SZ-GS-PJ"], **extra).status_code == 302
    applicant = latest_applicant()
    assert applicant.household_size == 7
    assert sum(m.is_student for m in applicant.members) == 5


def test_the_form_has_a_row_template_and_no_inline_script(client, network):
    login(client, "sz-gs-pj.caseworker")
    html = client.get("/files/new").get_data(as_text=True)
    assert 'id="member-row-template"' in html and "members-__i__-name" in html
    assert not re.search(r"<script>(?!</script>)", html)
    assert "js/applicants.js" in html


def test_duplicate_in_scope_links_the_file_holding_the_id(client, network):
    standard()
    held = make_applicant(network["SZ-GS-PJ"], name="钱已建")
    db.session.commit()
    login(client, "sz-gs-pj.caseworker")
    response = register(client, network["SZ-GS-PJ"], id_number=held.id_number)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    box = html[html.index('data-testid="duplicate-files"') :]
    assert f'href="/files/{held.id}"' in box.split("</div>")[0]
    # Outside the scope nothing links or names it (the test above: only the centre).
    other = make_applicant(network["SZ-WZ-CQ"], name="别处")
    db.session.commit()
    response = register(client, network["SZ-GS-PJ"], id_number=other.id_number)
    assert 'data-testid="duplicate-files"' not in response.get_data(as_text=True)
