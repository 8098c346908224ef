"""Campaign lists join 我的待办: the parent centre's supervisors see a submitted list."""

from assist.extensions import db
from tests.campaigns.helpers import as_user, households, open_list, setup_money
from tests.campaigns.test_flow import _to_station
from tests.conftest import post_form


def test_a_submitted_list_waits_in_the_parent_supervisors_inbox(client, network):
    fund = setup_money(network)
    households(network["SZ-GS-PJ"], 2)
    campaign = _to_station(client, network, fund)
    clist = open_list(client, campaign, "sz-gs-pj.caseworker")
    cw = as_user(client, "sz-gs-pj.caseworker")
    post_form(cw, f"/campaigns/lists/{clist.id}/draw")
    post_form(cw, f"/campaigns/lists/{clist.id}/fill")
    post_form(cw, f"/campaigns/lists/{clist.id}/submit")
    db.session.refresh(clist)
    assert clist.status == "submitted"
    district = as_user(client, "sz-gs.supervisor").get("/inbox/").get_data(as_text=True)
    section = district[district.index('data-testid="queue-campaign_lists_to_decide"') :]
    assert f'href="/campaigns/lists/{clist.id}"' in section.split("</section>")[0]
    # Not the station's own supervisor (the parent decides), nor another district.
    station = as_user(client, "sz-gs-pj.supervisor").get("/inbox/").get_data(as_text=True)
    assert f'href="/campaigns/lists/{clist.id}"' not in station
    other = as_user(client, "sz-wz.supervisor").get("/inbox/").get_data(as_text=True)
    assert f'href="/campaigns/lists/{clist.id}"' not in other
