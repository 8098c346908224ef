import pytest

from tests.cases.helpers import Api
from tests.factories import make_applicant, make_standard


@pytest.fixture
def standard(network):
    """Suzhou's 低保 standard: 1,060 yuan a month."""
    return make_standard()


@pytest.fixture
def household(network, standard):
    """An active 深度困难 file at the 平江 station."""
    from assist.extensions import db

    applicant = make_applicant(network["SZ-GS-PJ"], name="张三明", employer="苏州纺织厂")
    db.session.commit()
    return applicant


@pytest.fixture
def caseworker(app, network):
    return Api(app.test_client(), "sz-gs-pj.caseworker")


@pytest.fixture
def station_supervisor(app, network):
    return Api(app.test_client(), "sz-gs-pj.supervisor")


@pytest.fixture
def district_supervisor(app, network):
    return Api(app.test_client(), "sz-gs.supervisor")


@pytest.fixture
def city_supervisor(app, network):
    return Api(app.test_client(), "sz.supervisor")
