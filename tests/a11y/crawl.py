"""Walk the pages a signed-in user can reach from the app's own links and run axe-core on each.

Pages are discovered, not listed, so new domains' pages are checked as soon as they are
linked from the navigation or from another page. One page stands for each route pattern
(numbers in the path become `<id>`, the query string is ignored) to keep the walk bounded.
"""

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

from axe_playwright_python.sync_playwright import Axe

#: WCAG 2.0 and 2.1, levels A and AA.
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}

#: Not HTML pages: files, PDFs, JSON polling, the API, static assets.
SKIP = re.compile(
    r"\.(pdf|zip|csv|xlsx)$|^/attachments/|/download$|/status$|^/static/|^/api/|^/healthz"
)
MAX_PAGES = 120  # per role: a ceiling in case a link scheme ever makes patterns explode

_axe = Axe()

#: Checks axe-core leaves out: a title that names the page (no markup in it), unique ids.
_OWN_CHECKS_JS = """() => {
  const problems = [];
  const title = document.title;
  if (/[<>]/.test(title) || !title.split(' · ')[0].trim()) {
    problems.push(['page-title', 'The title names the page, without markup', [title]]);
  }
  const seen = {};
  document.querySelectorAll('[id]').forEach(el => { seen[el.id] = (seen[el.id] || 0) + 1; });
  const dup = Object.keys(seen).filter(id => seen[id] > 1);
  if (dup.length) { problems.push(['duplicate-id', 'Each id is used once', dup]); }
  return problems;
}"""

#: Links on the page: same origin, not downloads, not exports.
_LINKS_JS = """() => Array.from(document.querySelectorAll('a[href]'))
  .filter(a => !a.hasAttribute('download') && a.origin === location.origin)
  .map(a => a.pathname + a.search)"""

#: POST forms in the page's main part with a required field a person types into: refused when
#: submitted empty, so the crawl changes nothing (forms asking for confirmation are left alone).
_FORMS_JS = """() => Array.from(document.querySelectorAll('main form')).map((f, i) => {
  const typed = f.querySelectorAll(
    'input:not([type=hidden]):not([type=checkbox]):not([type=radio]):not([type=file])' +
    ':not([type=submit]):not([type=button]), textarea');
  const ok = (f.getAttribute('method') || '').toLowerCase() === 'post' && !f.querySelector('.js-confirm') &&
    Array.from(typed).some(el => el.required && el.offsetParent !== null);
  const action = new URL(f.getAttribute('action') || '', location.href).pathname;
  return ok ? {index: i, action: action} : null;
}).filter(Boolean)"""

#: Empty the typed fields of form `index`, switch off the browser's own checks, submit it.
_SUBMIT_EMPTY_JS = """(index) => {
  const form = document.querySelectorAll('main form')[index];
  form.noValidate = true;
  form.querySelectorAll('input:not([type=hidden]):not([type=checkbox]):not([type=radio])' +
    ':not([type=file]):not([type=submit]):not([type=button]), textarea')
    .forEach(el => { el.value = ''; });
  const button = form.querySelector('button[type=submit], input[type=submit], button:not([type])');
  if (button) { button.click(); } else { form.requestSubmit(); }
}"""


def route_pattern(path: str) -> str:
    """`/cases/17/decide/approve?x=1` → `/cases/<id>/decide/approve`."""
    return re.sub(r"/\d+(?=/|$|\.)", "/<id>", urlsplit(path).path)


@dataclass
class Violation:
    role: str
    language: str
    page: str
    rule: str
    help: str
    count: int  # elements concerned
    targets: list

    def __str__(self) -> str:
        where = ", ".join(" ".join(t) if isinstance(t, list) else str(t) for t in self.targets)
        return f"[{self.role} {self.language}] {self.page}: {self.rule} ×{self.count} {self.help} — {where}"


@dataclass
class Crawl:
    """Pages checked and violations found; each route pattern once per language."""

    base: str
    checked: list = field(default_factory=list)  # (role, language, page label)
    violations: list = field(default_factory=list)
    done: set = field(default_factory=set)  # (language, pattern) already checked

    def check(self, page, role: str, language: str, label: str) -> None:
        """Run axe-core (and the checks it lacks) on the page as it stands."""
        self.checked.append((role, language, label))
        result = _axe.run(page, options=AXE_OPTIONS).response
        for v in result["violations"]:
            nodes = [n["target"] for n in v["nodes"]]
            self.violations.append(
                Violation(role, language, label, v["id"], v["help"], len(nodes), nodes[:4])
            )
        for rule, help_, targets in page.evaluate(_OWN_CHECKS_JS):
            self.violations.append(
                Violation(role, language, label, rule, help_, len(targets), targets)
            )

    def walk(self, page, role: str, language: str, urls: list[str], follow: bool) -> list[str]:
        """Visit `urls` (and, if `follow`, the pages they link to); return the pages visited.

        One URL stands for each route pattern. A pattern, or a form's target, already checked
        in this language under another role is visited but not checked again: the pages share
        their templates, and the crawl must stay short. The landing page differs most between
        roles and is checked for each.
        """
        queue, seen, visited = list(urls), set(), []
        while queue and len(visited) < MAX_PAGES:
            url = queue.pop(0)
            pattern = route_pattern(url)
            if pattern in seen or SKIP.search(urlsplit(url).path) or "format=" in url:
                continue
            seen.add(pattern)
            if (language, pattern) in self.done and url != "/":
                if follow:  # only its links are needed: fetch it without rendering it
                    response = page.request.get(self.base + url)
                    if _is_html(response):
                        visited.append(url)
                        queue.extend(_links(response.text()))
                continue
            response = page.goto(self.base + url)
            if not _is_html(response):
                continue
            visited.append(url)
            if follow:
                queue.extend(page.evaluate(_LINKS_JS))
            self.done.add((language, pattern))
            self.check(page, role, language, pattern)
            self.refuse_forms(page, role, language, url)
        return visited

    def refuse_forms(self, page, role: str, language: str, url: str) -> None:
        """Submit each form with required fields empty, and check the page of errors."""
        for form in page.evaluate(_FORMS_JS):
            key = (language, "POST " + route_pattern(form["action"]))
            if key in self.done:
                continue
            self.done.add(key)
            if page.url != self.base + url:
                page.goto(self.base + url)
            with page.expect_navigation():
                page.evaluate(_SUBMIT_EMPTY_JS, form["index"])
            page.wait_for_load_state()
            if page.locator("[data-field-error], .is-invalid, .alert-danger").count():
                self.check(page, role, language, f"{key[1]} (refused)")


class _LinkParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        href = attrs.get("href") or ""
        if tag == "a" and "download" not in attrs and href.startswith("/") and href[1:2] != "/":
            self.links.append(href)


def _links(html: str) -> list[str]:
    """The same-origin links of a page fetched without a browser (as _LINKS_JS finds them)."""
    parser = _LinkParser()
    parser.feed(html)
    return parser.links


def _is_html(response) -> bool:
    return bool(response) and "text/html" in (response.headers.get("content-type") or "")
