import pytest

from assist.extensions import db
from assist.funds import services as fund_services
from assist.funds.models import FundSource
from assist.mutual_aid import services
from tests.cases.helpers import Api
from tests.factories import user
from tests.funds.factories import make_fund
from tests.mutual_aid.helpers import (
    CRITICAL_RULES,
    HOSPITAL_RULES,
    WOMEN_RULES,
    make_plan,
    make_uscc,
    people,
    upload,
    xlsx,
)


@pytest.fixture
def hospital(network):
    return make_plan("HA", "hospital", HOSPITAL_RULES)


@pytest.fixture
def critical(network):
    return make_plan("CI", "critical_illness", CRITICAL_RULES)


@pytest.fixture
def women(critical):
    return make_plan("WS", "women", WOMEN_RULES, base=critical[0])


def make_unit(centre, *, staff=20, members=18, uscc=None, name="苏州丝绸厂工会"):
    unit = services.create_unit(
        acting_user=user(f"{centre.code.lower()}.caseworker"),
        centre=centre,
        data=services.UnitInput(
            name=name,
            uscc=uscc or make_uscc(),
            staff_count=staff,
            union_members=members,
            contact_name="李红",
        ),
    )
    db.session.commit()
    return unit


@pytest.fixture
def unit(network):
    return make_unit(network["SZ-GS-PJ"])


@pytest.fixture
def caseworker(app, network):
    return Api(app.test_client(), "sz-gs-pj.caseworker")


@pytest.fixture
def finance(app, network):
    return Api(app.test_client(), "sz.finance")


@pytest.fixture
def funds(network):
    mutual = fund_services.create_fund(
        acting_user=user("sz.finance"),
        name="职工互助保障金",
        source=FundSource.MUTUAL_AID,
        year=2026,
        allowed_kinds=["mutual_aid"],
    )
    union = make_fund(name="工会经费互助补贴", received_fen=1_000_000)
    db.session.commit()
    return mutual, union


@pytest.fixture
def enrolled(caseworker, unit, hospital, critical, finance, funds):
    """Twelve members of the 平江 unit in both plans, their fees received."""
    rows = people(12)
    batches = []
    for _plan, term in (hospital, critical):
        response = upload(caseworker, unit.id, term.id, xlsx(rows), dry_run=False)
        assert response.status_code == 201, response.get_json()
        batches.append(response.get_json())
    mutual, union = funds
    for batch in batches:
        response = finance.post(
            f"/mutual-aid/enrolments/{batch['id']}/fee",
            json={"fund_id": mutual.id, "subsidy_fund_id": union.id, "reference": "苏银回单0001"},
        )
        assert response.status_code == 201, response.get_json()
    db.session.commit()
    return rows
