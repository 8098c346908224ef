"""axe-core finds no WCAG 2.0/2.1 A or AA violation on any page of the demo, for any role, in
either language, including forms shown with their errors."""

from tests.a11y.conftest import LANGUAGES, ROLE_USERS, new_page, set_language, sign_in_as
from tests.a11y.crawl import Crawl


def test_every_reachable_page_passes_axe(browser, demo_site):
    crawl = Crawl(demo_site.url)

    for language, locale in LANGUAGES.items():  # signed out: sign-in page (refused too), 404
        page = new_page(browser, demo_site.url, locale)
        page.goto("/login")
        set_language(page, language)
        crawl.walk(page, "anonymous", language, ["/login", "/no-such-page"], follow=False)
        page.context.close()

    reachable = {}
    for role in ROLE_USERS:
        page = sign_in_as(browser, demo_site, role)
        urls = crawl.walk(page, role, "zh_Hans", ["/"], follow=True)
        reachable[role] = len(urls)
        set_language(page, "en")
        crawl.walk(page, role, "en", urls, follow=False)
        set_language(page, "zh_Hans")
        page.context.close()

    summary = (
        f"{len(crawl.checked)} page states checked; route patterns reachable per role "
        f"{reachable}, each checked once per language ({', '.join(LANGUAGES)}), with its "
        f"forms refused; {len(crawl.violations)} violation(s) on "
        f"{sum(v.count for v in crawl.violations)} element(s)"
    )
    print(summary)
    assert not crawl.violations, summary + "\n" + "\n".join(map(str, crawl.violations))
