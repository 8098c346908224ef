"""axe-core finds no WCAG 2.0/2.1 A or AA violation on any page of the demo, for any role, in
either language, including forms shown with their errors.

One test per language (each its own crawl: the signed-out pages, then every role's reachable
pages found from its own links), so the two halves can run on two pytest-xdist workers.
"""

import pytest

from tests.a11y.conftest import LANGUAGES, ROLE_USERS, new_page, set_language, sign_in_as
from tests.a11y.crawl import Crawl


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_every_reachable_page_passes_axe(browser, demo_site, language):
    crawl = Crawl(demo_site.url)
    locale = LANGUAGES[language]

    # Signed out: the sign-in page (refused too) and the 404 page.
    page = new_page(browser, demo_site.url, locale)
    page.goto("/login")
    set_language(page, language)
    crawl.walk(page, "anonymous", language, ["/login", "/no-such-page"], follow=False)
    page.context.close()

    reachable = {}
    for role in ROLE_USERS:
        page = sign_in_as(browser, demo_site, role)  # the sign-in form in Chinese, as before
        set_language(page, language)  # through the top bar; the user's choice is remembered
        reachable[role] = len(crawl.walk(page, role, language, ["/"], follow=True))
        set_language(page, "zh_Hans")  # leave the demo user on the default language
        page.context.close()

    summary = (
        f"{len(crawl.checked)} page states checked in {language}; route patterns reachable "
        f"per role {reachable}, with their forms refused; {len(crawl.violations)} violation(s) "
        f"on {sum(v.count for v in crawl.violations)} element(s)"
    )
    print(summary)
    assert not crawl.violations, summary + "\n" + "\n".join(map(str, crawl.violations))
