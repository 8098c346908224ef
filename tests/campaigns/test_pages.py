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
