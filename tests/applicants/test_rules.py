"""The rules themselves: resident IDs (property-based), the assessment arithmetic, standards."""

import threading
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session
from stdnum.cn import ric

from assist.applicants import services
from assist.applicants.models import FileCounter
from assist.core.errors import ValidationError
from assist.core.resident_id import make_resident_id, parse_resident_id
from assist.extensions import db
from tests.factories import make_standard

TODAY = date(2026, 6, 1)

regions = st.sampled_from(["110105", "320502", "320506", "320508", "340524", "440305", "999999"])
births = st.dates(min_value=date(1900, 1, 1), max_value=TODAY)
sequences = st.integers(min_value=0, max_value=999)


@given(regions, births, sequences)
def test_every_valid_id_is_accepted(region, birth, sequence):
    number = make_resident_id(region, birth, sequence)
    info = parse_resident_id(number, today=TODAY)
    assert info.birth_date == birth
    assert info.gender == ("M" if sequence % 2 else "F")
    assert parse_resident_id(number.lower(), today=TODAY).number == number  # x → X


@given(regions, births, sequences, st.integers(min_value=0, max_value=17), st.data())
@settings(suppress_health_check=[HealthCheck.too_slow])
def test_every_one_character_change_is_refused(region, birth, sequence, position, data):
    number = make_resident_id(region, birth, sequence)
    alphabet = "0123456789X" if position == 17 else "0123456789"
    replacement = data.draw(st.sampled_from([c for c in alphabet if c != number[position]]))
    changed = number[:position] + replacement + number[position + 1 :]
    with pytest.raises(ValidationError) as err:
        parse_resident_id(changed, today=TODAY)
    assert "id_number" in err.value.fields


def test_the_documented_examples():
    for number in ("11010519491231002X", "34052419800101001X"):
        assert parse_resident_id(number).number == number
    assert ric.calc_check_digit("11010519491231002X") == "X"


@pytest.mark.parametrize(
    ("income", "expenses", "size", "expected"),
    [
        (3_600_000, 600_000, 3, 83_333),  # 30,000 ÷ 36 = 833.333… → 833.33
        (100, 0, 12, 1),  # 1.00 ÷ 144 = 0.69 分 → 1 分
        (72, 0, 12, 1),  # exactly half a fen rounds up
        (71, 0, 12, 0),
        (500_000, 900_000, 2, 0),  # expenses above income count as zero
    ],
)
def test_per_capita_rounds_half_up_to_the_fen(income, expenses, size, expected):
    assert services.per_capita_monthly_fen(income, expenses, size) == expected


@pytest.mark.parametrize(
    ("per_capita", "costs", "sudden", "exclusions", "expected"),
    [
        (105_999, 0, False, [], "deep"),
        (106_000, 0, False, [], "relative"),
        (211_999, 0, False, [], "relative"),
        (212_000, 0, False, [], "not_eligible"),
        (212_000, 0, True, [], "accident"),
        (212_000, 800_001, False, [], "accident"),  # over 80 % of 1,000,000
        (212_000, 800_000, False, [], "not_eligible"),  # exactly 80 % is not over
        (50_000, 0, False, ["two_homes"], "not_eligible"),
    ],
)
def test_category_rule(per_capita, costs, sudden, exclusions, expected):
    assert (
        services.propose_category(
            per_capita_fen=per_capita,
            standard_fen=106_000,
            annual_income_fen=1_000_000,
            hardship_costs_fen=costs,
            has_sudden_event=sudden,
            exclusions=exclusions,
        )
        == expected
    )


def test_the_most_specific_standard_in_force_is_used(network):
    gs_pj = network["SZ-GS-PJ"]
    make_standard("SZ", 100_000, date(2020, 1, 1))
    make_standard("SZ", 106_000, date(2025, 7, 1))
    make_standard("SZ", 120_000, date(2099, 1, 1))  # announced, not yet in force
    assert services.find_standard(gs_pj, date(2026, 1, 1)).monthly_fen == 106_000
    assert services.find_standard(gs_pj, date(2025, 6, 30)).monthly_fen == 100_000
    make_standard("SZ-GS", 110_000, date(2024, 1, 1))
    assert services.find_standard(gs_pj, date(2026, 1, 1)).monthly_fen == 110_000
    assert services.find_standard(network["SZ-WZ-MD"], date(2026, 1, 1)).monthly_fen == 106_000
    assert services.find_standard(gs_pj, date(2019, 1, 1)) is None


def test_migrant_workers_need_a_year_of_labour_relation(network):
    from tests.factories import make_applicant, user

    make_standard()
    applicant = make_applicant(network["SZ-GS-PJ"], is_migrant_worker=True)
    applicant.labour_relation_since = date.today() - timedelta(days=200)
    assessment = services.assess(
        applicant,
        acting_user=user("sz-gs-pj.caseworker"),
        annual_income_fen=100,
        rigid_expenses_fen=0,
    )
    assert assessment.exclusions == ["short_labour_relation"]
    assert assessment.proposed_category == "not_eligible"
    applicant.labour_relation_since = date.today() - timedelta(days=400)
    assert (
        services.assess(
            applicant, acting_user=None, annual_income_fen=100, rigid_expenses_fen=0
        ).proposed_category
        == "deep"
    )


def test_standards_page_for_admins(client, network):
    from tests.conftest import login, post_form

    login(client, "sz.admin")
    response = post_form(
        client,
        "/admin/standards/",
        {
            "region_code": "SZ",
            "region_name": "苏州市",
            "monthly": "1060.00",
            "effective_from": "2025-07-01",
        },
        token_from="/admin/standards/",
    )
    assert response.status_code == 302
    page = client.get("/admin/standards/").get_data(as_text=True)
    assert "1,060.00" in page
    duplicate = post_form(
        client,
        "/admin/standards/",
        {
            "region_code": "SZ",
            "region_name": "苏州市",
            "monthly": "1100.00",
            "effective_from": "2025-07-01",
        },
        token_from="/admin/standards/",
    )
    assert duplicate.status_code == 422
    client.delete_cookie("assist_session")
    login(client, "sz.caseworker")
    assert client.get("/admin/standards/").status_code == 403


def test_concurrent_registrations_never_share_a_number(network):
    """Eight sessions ask at once; the counter row's lock hands out 1 to 8 exactly once each."""
    centre_id = network["SZ-GS-PJ"].id
    db.session.commit()
    engine = create_engine(db.engine.url)
    results, errors, barrier = [], [], threading.Barrier(8)

    def allocate():
        from assist.centres.models import Centre

        try:
            with Session(engine) as session:
                centre = session.get(Centre, centre_id)
                session.commit()
                barrier.wait()
                results.append(services.allocate_file_no(centre, 2026, session=session))
                session.commit()
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=allocate) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    engine.dispose()
    assert errors == []
    assert sorted(results) == [f"SZ-GS-PJ-2026-{n:05d}" for n in range(1, 9)]
    assert db.session.scalars(select(FileCounter.last_seq)).one() == 8
