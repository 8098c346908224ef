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
