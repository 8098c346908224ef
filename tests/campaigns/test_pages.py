"""Campaign and pairing pages render in both languages for the roles that use them."""

import pytest

from tests.campaigns.helpers import as_user


@pytest.mark.parametrize("locale", ["zh_Hans", "en"])
def test_new_campaign_form_renders(client, network, locale):
    from assist.extensions import db
    from tests.factories import user

    boss = user("sz.supervisor")
    boss.locale = locale
    db.session.commit()
    page = as_user(client, "sz.supervisor").get("/campaigns/new")
    assert page.status_code == 200, page.get_data(as_text=True)[:300]
    text = page.get_data(as_text=True)
    assert ("抽查比例" if locale == "zh_Hans" else "Sample check share") in text


def test_a_screening_quota_is_set_in_people_and_a_warmth_quota_needs_its_money(client, network):
    """A screening campaign's page asks each centre below for a number of people only; the same
    form without an amount on a send-warmth campaign is refused and changes nothing."""
    from sqlalchemy import select

    from assist.campaigns.models import Quota
    from assist.extensions import db
    from tests.campaigns.helpers import create_campaign, setup_money
    from tests.conftest import post_form

    fund = setup_money(network)
    screening = create_campaign(
        client, fund, kind="screening", occasion="health", households=30, amount="0"
    )
    warmth = create_campaign(client, fund, households=10, amount="30000")
    boss = as_user(client, "sz.supervisor")
    page = boss.get(f"/campaigns/{screening.id}").get_data(as_text=True)
    assert "筛查对象" in page and "本级配额：30 人" in page
    assert 'name="amount"' not in page and "慰问对象" not in page

    district = network["SZ-GS"]
    for campaign, expected in ((screening, 12), (warmth, None)):
        response = post_form(
            boss,
            f"/campaigns/{campaign.id}/quotas",
            {"centre": str(district.id), "households": "12"},
        )
        assert response.status_code == 302
        db.session.expire_all()
        quota = db.session.scalar(
            select(Quota).where(Quota.campaign_id == campaign.id, Quota.centre_id == district.id)
        )
        assert (quota.households if quota else None) == expected
    assert quota is None
    shown = boss.get(f"/campaigns/{warmth.id}").get_data(as_text=True)
    assert "请以元为单位填写金额" in shown
