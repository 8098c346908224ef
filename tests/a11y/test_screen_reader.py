"""What a screen reader is given for a refused form: Chromium's own accessibility tree."""

from assist.cases.models import CaseStatus
from tests.a11y.conftest import cases_at_station, sign_in_as


def _ax_nodes(page) -> list[dict]:
    """The page's full accessibility tree, as Chromium hands it to assistive technology."""
    session = page.context.new_cdp_session(page)
    try:
        return session.send("Accessibility.getFullAXTree")["nodes"]
    finally:
        session.detach()


def _value(node: dict, key: str) -> str:
    return str((node.get(key) or {}).get("value") or "")


def _property(node: dict, name: str):
    for prop in node.get("properties", []):
        if prop["name"] == name:
            return prop["value"].get("value")
    return None


def test_a_refused_payment_ties_each_error_to_its_field(browser, demo_site):
    case_id = cases_at_station(demo_site, CaseStatus.READY_TO_PAY)[0]
    page = sign_in_as(browser, demo_site, "finance")
    page.goto(f"/funds/cases/{case_id}/pay")
    page.get_by_label("金额（元）").fill("-5")
    page.get_by_test_id("pay").click()
    page.wait_for_load_state()

    # The rendered errors, each with the field it belongs to.
    errors = page.locator("[data-field-error]")
    shown = {
        errors.nth(i).get_attribute("data-field-error"): errors.nth(i).inner_text()
        for i in range(errors.count())
    }
    assert "amount" in shown, shown

    nodes = _ax_nodes(page)
    # The summary is an alert, announced and focused, listing each message as a link.
    alerts = [n for n in nodes if _value(n, "role") == "alert"]
    assert alerts and "未保存" in _value(alerts[0], "name")
    links = [_value(n, "name") for n in nodes if _value(n, "role") == "link"]
    for message in shown.values():
        assert any(message in name for name in links), (message, links)
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")

    # Each invalid field: named by its label, marked invalid, described by its error (and
    # by its help text where it has one), and marked required where it is.
    amount = next(n for n in nodes if _value(n, "name").startswith("金额（元）"))
    assert _value(amount, "role") in ("textbox", "spinbutton")
    assert _property(amount, "invalid") == "true"
    assert shown["amount"] in _value(amount, "description")
    assert "实物发放可留空" in _value(amount, "description")  # and its help text
    print(
        f"{_value(amount, 'role')} {_value(amount, 'name')!r}: invalid, described by "
        f"{_value(amount, 'description')!r}"
    )
    for name in shown:
        field = page.locator(f"[name={name}]").first
        if not field.count():
            continue
        described = field.get_attribute("aria-describedby") or ""
        group = page.locator(f"fieldset#{name}")
        if group.count():  # a radio group carries the description for its choices
            described = group.get_attribute("aria-describedby") or ""
        assert f"{name}-error" in described.split(), (name, described)

    # Playwright's view of the same: the summary as a screen reader reads it.
    snapshot = page.locator("[data-error-summary]").aria_snapshot()
    assert snapshot.startswith("- alert") and 'link "金额（元）: ' in snapshot, snapshot
    print(snapshot)
    page.context.close()


def test_required_fields_are_announced_as_required(browser, demo_site):
    page = sign_in_as(browser, demo_site, "caseworker")
    page.goto("/files/new")
    nodes = _ax_nodes(page)
    name = next(n for n in nodes if _value(n, "role") == "textbox" and "姓名" in _value(n, "name"))
    assert _property(name, "required") is True
    # The visible mark is not read twice: the name is the label's text alone.
    assert "*" not in _value(name, "name")
    page.context.close()
