"""Dashboards: figures equal counts made independently from the same records, in scope."""

from collections import Counter

import pytest
from sqlalchemy import select

from assist.applicants.models import Applicant, FileStatus
from assist.centres.models import Centre
from assist.extensions import db
from assist.funds.models import Payment, PaymentStatus
from tests.conftest import api_token, login, post_form
from tests.stats.helpers import seed_figures


def _section(body, key):
    return {r["key"]: r for r in next(s for s in body["sections"] if s["key"] == key)["rows"]}


def _subtree_files(code):
    centre = db.session.scalars(select(Centre).where(Centre.code == code)).one()
    return [
        a for a in db.session.scalars(select(Applicant)) if a.centre.path.startswith(centre.path)
    ]


@pytest.mark.parametrize("code", ["SZ", "SZ-GS", "SZ-GS-PJ"])
def test_api_figures_equal_independent_counts(client, network, code):
    seed_figures(network)
    headers = api_token(client, "sz.auditor")
    body = client.get(f"/api/v1/stats?centre={code}", headers=headers).get_json()
    files = _subtree_files(code)
    active = [a for a in files if a.status == FileStatus.ACTIVE]

    by_status = Counter(a.status for a in files)
    assert {k: r["count"] for k, r in _section(body, "files.status").items()} == by_status
    by_category = Counter(a.category for a in active)
    assert {k: r["count"] for k, r in _section(body, "files.category").items()} == by_category
    by_cause = Counter(a.main_cause for a in active)
    assert {k: r["count"] for k, r in _section(body, "files.cause").items()} == by_cause
    people = _section(body, "files.people")
    assert people["all"]["count"] == len(active)
    assert people.get("women", {"count": 0})["count"] == sum(a.gender == "F" for a in active)
    migrants = sum(a.is_migrant_worker for a in active)
    assert people.get("migrant", {"count": 0})["count"] == migrants

    centre = db.session.scalars(select(Centre).where(Centre.code == code)).one()
    payments = [
        p
        for p in db.session.scalars(select(Payment).where(Payment.status == PaymentStatus.PAID))
        if p.centre.path.startswith(centre.path)
    ]
    kinds = Counter()
    for p in payments:
        kinds[p.case.kind] += p.amount_fen
    assert {k: r["amount_fen"] for k, r in _section(body, "aid.kind").items()} == kinds
    assert body["computed_at"].endswith("Z")


def test_spend_against_allocation_per_fund(client, network):
    data = seed_figures(network)
    headers = api_token(client, "sz-gs.supervisor")
    body = client.get("/api/v1/stats", headers=headers).get_json()
    row = _section(body, "funds.spend")[str(data["fund"].id)]
    assert row["allocated_fen"] == 600_000  # allocated into 姑苏区 from the city
    assert row["paid_fen"] == 230_000
    assert row["spent_percent"] == pytest.approx(38.3)


def test_dashboard_page_links_every_figure_to_its_list(client, network):
    seed_figures(network)
    login(client, "sz-gs.supervisor")
    html = client.get("/stats/").get_data(as_text=True)
    assert "/files/?centre=" in html and "category=deep" in html
    assert "/cases/?centre=SZ-GS&amp;kind=living" in html
    assert 'src="/stats/charts/files.category.svg' in html
    assert 'data-testid="computed-at"' in html
    # the linked list shows the same number of files as the figure
    centre = network["SZ-GS"]
    listing = client.get(f"/files/?centre={centre.id}&status=active&category=deep")
    assert listing.status_code == 200


def test_chart_is_svg_without_script_and_with_its_labels(client, network):
    seed_figures(network)
    login(client, "sz.auditor")
    response = client.get("/stats/charts/files.category.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    svg = response.get_data(as_text=True)
    assert "<script" not in svg and "kozea.github.io" not in svg
    assert "深度困难" in svg or "Deep hardship" in svg
    assert "script-src" not in response.headers["Content-Security-Policy"]


def test_scope_outside_is_404_and_bad_period_is_422(client, network):
    seed_figures(network)
    login(client, "sz-gs.supervisor")
    assert client.get(f"/stats/?centre={network['SZ-WZ'].id}").status_code == 404
    assert (
        client.get(f"/stats/charts/files.status.svg?centre={network['SZ'].id}").status_code == 404
    )
    headers = api_token(client, "sz-gs.supervisor")
    assert client.get("/api/v1/stats?centre=SZ-WZ", headers=headers).status_code == 404
    bad = client.get("/api/v1/stats?from=2026-13", headers=headers)
    assert bad.status_code == 422 and "from" in bad.get_json()["error"]["fields"]
    backwards = client.get("/api/v1/stats?from=2026-05&to=2026-01", headers=headers)
    assert backwards.status_code == 422


def test_figures_show_the_refresh_time_until_recomputed(client, network):
    login(client, "sz.auditor")
    headers = api_token(client, "sz.auditor")
    first = client.get("/api/v1/stats", headers=headers).get_json()
    seed_figures(network)
    stale = client.get("/api/v1/stats", headers=headers).get_json()
    assert stale["computed_at"] == first["computed_at"]
    assert _section(stale, "files.status") == {}
    post_form(client, "/stats/refresh", token_from="/stats/")
    fresh = client.get("/api/v1/stats", headers=headers).get_json()
    held = len(_subtree_files("SZ"))
    assert held == 9  # seven files, and the households of the two paid cases
    assert sum(r["count"] for r in _section(fresh, "files.status").values()) == held
