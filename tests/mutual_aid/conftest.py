import pytest

from assist.extensions import db
from assist.mutual_aid import services
from tests.cases.helpers import Api
from tests.factories import user
from tests.mutual_aid.helpers import (
    CRITICAL_RULES,
    HOSPITAL_RULES,
    WOMEN_RULES,
    make_plan,
    make_uscc,
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
