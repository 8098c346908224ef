"""The files list counts migrant workers (农民工) separately and filters to them in one click."""

import re

from assist.extensions import db
from tests.campaigns.helpers import as_user
from tests.factories import make_applicant


def test_files_list_shows_migrant_workers_separately(client, network):
    for n in range(3):
        make_applicant(network["SZ-GS-PJ"], name=f"周{n}海", is_migrant_worker=True)
    for n in range(2):
        make_applicant(network["SZ-GS-PJ"], name=f"钱{n}江")
    make_applicant(network["SZ-GS-CL"], name="孙外站", is_migrant_worker=True)  # another station
    db.session.commit()
    worker = as_user(client, "sz-gs-pj.caseworker")
    page = worker.get("/files/").get_data(as_text=True)
    count = re.search(r'data-testid="migrant-count">([^<]*)<', page).group(1)
    assert "3" in count and "农民工" in count
    link = re.search(r'href="([^"]+)" data-testid="migrant-filter"', page).group(1)
    filtered = worker.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert "周0海" in filtered and "钱0江" not in filtered and "孙外站" not in filtered
    assert 'data-testid="migrant-filter"' not in filtered
    # the count follows the other filters too
    page = worker.get("/files/?q=钱").get_data(as_text=True)
    assert re.search(r'data-testid="migrant-count">[^<]*0', page)


def _migrant_count(page: str) -> str:
    return re.search(r'data-testid="migrant-count">([^<]*)<', page).group(1)


def _name_counts(statements: list[str]) -> int:
    """The counts of the name search (the top bar's inbox counts are counts too)."""
    return sum(
        "count(*)" in s and ("applicants.name LIKE" in s or "assist_name_grams" in s)
        for s in statements
    )


def test_migrants_are_counted_with_the_total_and_on_their_own_past_the_cap(
    client, network, monkeypatch
):
    """One statement counts the matches and their migrant workers; past the cap (when the rows
    it read are not all the matches) the migrant workers are counted on their own."""
    from assist.applicants import queries
    from tests.test_statement_counts import counting

    for n in range(2):  # read first: the capped count's rows hold only some of the migrants
        make_applicant(network["SZ-GS-PJ"], name=f"钱{n}江")
    for n in range(3):
        make_applicant(network["SZ-GS-PJ"], name=f"周{n}江", is_migrant_worker=True)
    db.session.commit()
    worker = as_user(client, "sz-gs-pj.caseworker")

    with counting() as statements:
        page = worker.get("/files/?q=江").get_data(as_text=True)
    assert "农民工 3 户" in _migrant_count(page)
    assert _name_counts(statements) == 1, statements

    monkeypatch.setattr(queries, "COUNT_CAP", 3)  # 5 match: the total is capped, 3 migrants
    with counting() as statements:
        page = worker.get("/files/?q=江").get_data(as_text=True)
    assert "超过 3" in page
    assert "农民工 3 户" in _migrant_count(page)
    assert _name_counts(statements) == 2, statements

    monkeypatch.setattr(queries, "COUNT_CAP", 2)  # and the migrants capped too
    page = worker.get("/files/?q=江").get_data(as_text=True)
    assert "农民工超过 2 户" in _migrant_count(page)
