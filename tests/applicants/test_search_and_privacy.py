"""Finding files, scope, masking and the audited full view."""

import re
from datetime import date
from html import unescape

import pytest
from sqlalchemy import event, select

from assist.audit.models import AuditEntry
from assist.extensions import db
from tests.applicants.helpers import standard
from tests.conftest import login, post_form
from tests.factories import make_applicant, next_resident_id

NEXT = re.compile(r'<li class="page-item"><a class="page-link" href="([^"]+)">下一页</a>')


@pytest.fixture
def files(network):
    standard()
    pj, cl, md = network["SZ-GS-PJ"], network["SZ-GS-CL"], network["SZ-WZ-MD"]
    made = {
        "wang": make_applicant(pj, name="王建国", phone="13911112222"),
        "li": make_applicant(
            pj, name="李秀英", female=True, is_migrant_worker=True, review_due_on=date(2020, 1, 1)
        ),
        "zhang": make_applicant(cl, name="张建华", category="relative"),
        "far": make_applicant(md, name="王远方"),
    }
    db.session.commit()
    return made


def listed(client, url="/files/") -> str:
    return client.get(url).get_data(as_text=True)


def test_search_by_partial_name_within_scope(client, files):
    login(client, "sz-gs.caseworker")
    html = listed(client, "/files/?q=建")
    assert files["wang"].file_no in html and files["zhang"].file_no in html
    assert files["far"].file_no not in html  # another district
    assert files["li"].file_no not in html


def test_search_by_full_id_goes_by_post_and_never_into_the_url(client, files):
    login(client, "sz-gs-pj.caseworker")
    target = files["li"]
    response = post_form(client, "/files/search", {"q": target.id_number}, token_from="/files/")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert target.id_number not in location and "idh=" in location
    html = listed(client, location)
    assert target.file_no in html and files["wang"].file_no not in html
    assert target.id_number not in html


def test_search_finds_a_household_by_a_members_id(client, network):
    standard()
    from assist.applicants.models import HouseholdMember, ResidentId
    from assist.core.crypto import keyed_hash

    head = make_applicant(network["SZ-GS-PJ"])
    member_id = next_resident_id()
    member = HouseholdMember(relation="child", name="王小", id_hash=keyed_hash(member_id))
    member.id_number = member_id
    head.members.append(member)
    db.session.flush()
    db.session.add(ResidentId(id_hash=member.id_hash, applicant_id=head.id, member_id=member.id))
    db.session.commit()
    login(client, "sz-gs-pj.caseworker")
    response = post_form(client, "/files/search", {"q": member_id}, token_from="/files/")
    assert head.file_no in listed(client, response.headers["Location"])


def test_search_by_last4_phone_and_file_number(client, files):
    login(client, "sz-gs-pj.caseworker")
    wang = files["wang"]
    assert wang.file_no in listed(client, f"/files/?q={wang.id_number[-4:]}")
    assert wang.file_no in listed(client, "/files/?q=13911112222")
    assert wang.file_no in listed(client, "/files/?q=11112222")
    html = listed(client, f"/files/?q={wang.file_no.lower()}")
    assert wang.file_no in html and files["li"].file_no not in html


def test_filters(client, files):
    login(client, "sz-gs.supervisor")
    li, wang, zhang = files["li"], files["wang"], files["zhang"]
    html = listed(client, "/files/?woman=1")
    assert li.file_no in html and wang.file_no not in html
    assert li.file_no in listed(client, "/files/?migrant=1")
    html = listed(client, "/files/?overdue=1")
    assert li.file_no in html and wang.file_no not in html
    html = listed(client, "/files/?category=relative")
    assert zhang.file_no in html and wang.file_no not in html
    html = listed(client, f"/files/?centre={zhang.centre_id}")
    assert zhang.file_no in html and wang.file_no not in html
    # A centre outside the scope is ignored, never widened.
    assert files["far"].file_no not in listed(client, f"/files/?centre={files['far'].centre_id}")


def test_sorting_and_pagination_cost_a_constant_number_of_queries(client, network):
    standard()
    pj = network["SZ-GS-PJ"]
    for i in range(120):
        make_applicant(pj, name=f"测试{i:03d}")
    db.session.commit()
    login(client, "sz-gs-pj.caseworker")
    counts = []

    def count(*args, **kwargs):
        counts[-1] += 1

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        for first in ("/files/?sort=name", "/files/?sort=-file_no"):
            url = first
            for n in range(3):  # pages 1 to 3, by their Next links
                counts.append(0)
                html = listed(client, url)
                assert "测试" in html
                if n < 2:
                    url = unescape(NEXT.search(html).group(1))
                if first.endswith("name") and n == 0:
                    page2 = url
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(set(counts)) == 1, counts
    page2 = listed(client, page2)
    assert "测试050" in page2 and "测试049" not in page2 and "测试100" not in page2


def test_lists_mask_ids_and_hide_health(client, files):
    login(client, "sz-gs-pj.caseworker")
    html = listed(client)
    wang = files["wang"]
    assert wang.id_number not in html
    assert f"{wang.id_number[:6]}********{wang.id_number[-4:]}" in html


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("sz-gs-pj.caseworker", 200),  # own station
        ("sz-gs.supervisor", 200),  # parent district
        ("sz.auditor", 200),  # city
        ("sz-gs-cl.caseworker", 404),  # sibling station
        ("sz-wz.supervisor", 404),  # another district
        ("sz-gs-pj.admin", 403),  # administrators do not read files
    ],
)
def test_who_can_open_a_file(client, files, username, status):
    login(client, username)
    applicant = files["wang"]
    assert client.get(f"/files/{applicant.id}").status_code == status


def test_sibling_station_gets_404_everywhere(client, files):
    login(client, "sz-gs-cl.caseworker")
    applicant = files["wang"]
    assert client.get(f"/files/{applicant.id}/edit").status_code == 404
    response = post_form(
        client, f"/files/{applicant.id}/actions/submit", {"reason": ""}, token_from="/files/"
    )
    assert response.status_code == 404
    response = post_form(client, f"/files/{applicant.id}/reveal", {}, token_from="/files/")
    assert response.status_code == 404


def test_full_view_is_on_demand_audited_and_not_for_auditors(client, files):
    applicant = files["wang"]
    login(client, "sz-gs-pj.auditor")
    page = listed(client, f"/files/{applicant.id}")
    assert applicant.id_number not in page and 'data-testid="reveal"' not in page
    assert (
        post_form(client, f"/files/{applicant.id}/reveal", {}, token_from="/files/").status_code
        == 403
    )
    client.delete_cookie("assist_session")
    login(client, "sz-gs-pj.caseworker")
    response = post_form(client, f"/files/{applicant.id}/reveal", {}, token_from="/files/")
    assert response.status_code == 200
    assert applicant.id_number in response.get_data(as_text=True)
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "applicant.viewed_sensitive")
    ).all()
    assert [e.username for e in entries] == ["sz-gs-pj.caseworker"]
    assert applicant.id_number not in (entries[0].comment or "")


def test_landing_cards_show_real_figures(client, files):
    login(client, "sz-gs-pj.caseworker")
    html = listed(client, "/")
    assert "/files/?overdue=1" in html.replace("&amp;", "&")
    client.delete_cookie("assist_session")
    login(client, "sz-gs-pj.admin")
    assert "/files/?overdue=1" not in listed(client, "/").replace("&amp;", "&")


def test_never_helped_lists_active_files(client, files):
    from assist.applicants import queries
    from tests.factories import user

    login(client, "sz-gs-pj.caseworker")
    html = listed(client, "/files/?never_helped=1")
    assert files["wang"].file_no in html
    ids = db.session.scalars(queries.households_never_helped(user("sz-gs-pj.caseworker"))).all()
    assert {a.id for a in ids} == {files["wang"].id, files["li"].id}
    # An aid module says who it has helped; those households leave the list.
    source = lambda: select(db.literal(files["wang"].id))  # noqa: E731
    queries.register_aid_source(source)
    try:
        ids = db.session.scalars(queries.households_never_helped(user("sz-gs-pj.caseworker"))).all()
        assert {a.id for a in ids} == {files["li"].id}
    finally:
        queries.AID_SOURCES.remove(source)
