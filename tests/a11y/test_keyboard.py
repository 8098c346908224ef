"""Keyboard only: the top bar and the four main forms are reached in order, focus always shows,
and a refused form sends focus to its error summary, whose links lead to the fields."""

import pytest

from assist.cases.models import CaseStatus
from tests.a11y.conftest import cases_at_station, set_language, sign_in_as

#: The controls Tab should stop at inside `root`, in document order: visible, enabled, not
#: taken out of the order, and one stop per radio group (its checked or first choice).
_TABBABLE_JS = """(root) => {
  const all = Array.from(root.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]'));
  const radios = new Set();
  return all.filter(el => {
    if (el.disabled || el.tabIndex < 0 || !el.getClientRects().length) return false;
    if (getComputedStyle(el).visibility === 'hidden') return false;
    if (el.type === 'radio') {
      if (radios.has(el.name)) return false;
      radios.add(el.name);
    }
    return true;
  }).map(el => el.id || el.dataset.testid || el.name || el.textContent.trim());
}"""

_ACTIVE_JS = """() => {
  const el = document.activeElement;
  return el.id || el.dataset.testid || el.name || el.textContent.trim();
}"""

#: How the focused element shows focus: its outline, and the colour behind it.
_FOCUS_STYLE_JS = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  let bg = 'rgba(0, 0, 0, 0)', node = el.parentElement;
  while (node && /rgba\\(0, 0, 0, 0\\)|transparent/.test(bg)) {
    bg = getComputedStyle(node).backgroundColor;
    node = node.parentElement;
  }
  // A date input's own parts (day, month, year, its calendar button) take focus inside the
  // browser's widget, which draws its own ring: the input itself is then not ':focus'.
  return {style: style.outlineStyle, width: parseFloat(style.outlineWidth),
          color: style.outlineColor, behind: bg, inner: !el.matches(':focus')};
}"""


def _rgb(css: str) -> tuple:
    parts = css[css.index("(") + 1 : css.index(")")].split(",")
    return tuple(float(p) for p in parts[:3])


def _contrast(a: str, b: str) -> float:
    def lum(rgb):
        c = [v / 255 for v in rgb]
        c = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in c]
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]

    hi, lo = sorted((lum(_rgb(a)), lum(_rgb(b))), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _assert_focus_visible(page, where: str) -> None:
    focus = page.evaluate(_FOCUS_STYLE_JS)
    active = page.evaluate(_ACTIVE_JS)
    if focus["inner"]:
        return
    assert focus["style"] != "none" and focus["width"] >= 2, (where, active, focus)
    # A ring in the colour behind it cannot be seen (the old top bar's fault): 3:1 at least.
    assert _contrast(focus["color"], focus["behind"]) >= 3, (where, active, focus)


def _tab_through(page, form_selector: str, last: str) -> list[str]:
    """Tab from the form's first control to `last`, checking focus shows at each stop."""
    form = page.locator(form_selector)
    expected = form.evaluate(_TABBABLE_JS)
    form.evaluate(
        "f => f.querySelector('input:not([type=hidden]), select, textarea, button').focus()"
    )
    page.keyboard.press("Tab")
    page.keyboard.press("Shift+Tab")  # the first stop, now reached from the keyboard
    reached = [page.evaluate(_ACTIVE_JS)]
    _assert_focus_visible(page, form_selector)
    for _ in range(4 * len(expected)):  # a date input takes a stop for each of its parts
        if reached[-1] == last:
            break
        page.keyboard.press("Tab")
        active = page.evaluate(_ACTIVE_JS)
        if active != reached[-1]:
            reached.append(active)
        _assert_focus_visible(page, form_selector)
    assert reached == expected[: expected.index(last) + 1]
    return reached


def _refuse_and_follow_summary(page, submit_name: str) -> None:
    """Submit from the keyboard with required fields empty; focus lands on the summary, and
    its first link takes focus to the field in error."""
    page.evaluate(
        """() => document.querySelectorAll('main form [required]')
             .forEach(el => { if (el.type !== 'radio') el.value = ''; })"""
    )
    page.get_by_role("button", name=submit_name, exact=True).focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    _assert_focus_visible(page, "error summary")
    page.keyboard.press("Tab")
    link = page.evaluate("document.activeElement.getAttribute('href')")
    assert link and link.startswith("#"), link
    page.keyboard.press("Enter")
    focused = page.evaluate(
        "() => [document.activeElement.id, document.activeElement.getAttribute('aria-invalid')]"
    )
    target = link[1:]
    assert focused[0] == target or focused[0].startswith(target + "-"), (link, focused)
    assert focused[1] == "true", focused


def test_top_bar_focus_order_and_ring(browser, demo_site):
    page = sign_in_as(browser, demo_site, "finance")
    page.goto("/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.classList.contains('skip-link')")
    _assert_focus_visible(page, "skip link")
    expected = page.locator("nav.navbar").evaluate(_TABBABLE_JS)
    reached = []
    for _ in expected:
        page.keyboard.press("Tab")
        reached.append(page.evaluate(_ACTIVE_JS))
        _assert_focus_visible(page, "top bar")
    assert reached == expected
    assert len(reached) >= 6  # brand, menus and links, account, sign out, language
    page.context.close()


@pytest.mark.parametrize("language", ["zh_Hans", "en"])
def test_new_file_and_new_case_forms_by_keyboard(browser, demo_site, language):
    page = sign_in_as(browser, demo_site, "caseworker")
    set_language(page, language)
    try:
        page.goto("/files/new")
        reached = _tab_through(page, "[data-testid=file-form]", "save-file")
        assert reached[:4] == ["centre", "name", "id_number", "phone"]
        _refuse_and_follow_summary(page, page.get_by_test_id("save-file").inner_text())

        page.goto("/cases/new")
        reached = _tab_through(
            page, "[data-testid=case-form]", "Save" if language == "en" else "保存"
        )
        assert reached[0] == "kind"
        _refuse_and_follow_summary(page, "Save" if language == "en" else "保存")
    finally:
        set_language(page, "zh_Hans")
        page.context.close()


def test_decision_form_by_keyboard(browser, demo_site):
    page = sign_in_as(browser, demo_site, "supervisor")
    for case_id in cases_at_station(demo_site, CaseStatus.SUBMITTED):
        page.goto(f"/cases/{case_id}")
        if page.get_by_test_id("decide-return").count():  # this tier decides it
            break
    page.get_by_test_id("decide-return").click()
    page.wait_for_load_state()
    reached = _tab_through(page, "[data-testid=decide-form]", "confirm-return")
    assert reached[0] == "comment"
    # The comment is required to return a case: refused, then back to the comment field.
    page.locator("#comment").fill("")
    page.get_by_test_id("confirm-return").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "comment"
    page.context.close()


def test_payment_form_by_keyboard(browser, demo_site):
    case_id = cases_at_station(demo_site, CaseStatus.READY_TO_PAY)[0]
    page = sign_in_as(browser, demo_site, "finance")
    page.goto(f"/funds/cases/{case_id}/pay")
    reached = _tab_through(page, "form.js-method-form", "pay")
    assert reached[0] == "source"
    assert any(r.startswith("method-") for r in reached)  # the method group: one stop
    _refuse_and_follow_summary(page, page.get_by_test_id("pay").inner_text())
    page.context.close()
