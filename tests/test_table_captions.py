"""Record tables name themselves (issue 17): every data table on a screen page has a caption
(visually hidden when the heading above already says it) and its header cells a scope.
Print and PDF layouts (forms laid out as tables, signature blocks) are left out."""

import re
from pathlib import Path

from tests.conftest import login

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
PRINT = re.compile(r"_pdf\.html$|print|^documents/|^funds/roster\.html$|_sample")


def _screen_templates():
    for path in sorted(TEMPLATES.rglob("*.html")):
        name = path.relative_to(TEMPLATES).as_posix()
        if not PRINT.search(name):
            yield name, path.read_text(encoding="utf-8")


def test_every_screen_table_has_a_caption_and_scoped_headers():
    missing, unscoped = [], []
    for name, text in _screen_templates():
        for m in re.finditer(r"<table\b[^>]*>", text):
            if not text[m.end() :].lstrip().startswith("<caption"):
                missing.append(f"{name}:{text[: m.start()].count(chr(10)) + 1}")
        for m in re.finditer(r"<th\b(?![^>]*\bscope=)[^>]*>", text):
            unscoped.append(f"{name}:{text[: m.start()].count(chr(10)) + 1}")
    assert missing == []
    assert unscoped == []


def test_a_rendered_table_carries_its_caption(network, client):
    login(client, "sz-gs-pj.caseworker")
    html = client.get("/help/limits").get_data(as_text=True)
    table = html[html.index('<table class="table table-sm" data-testid="help-limits">') :]
    assert re.match(r'<table[^>]*>\s*<caption class="visually-hidden">审批权限', table), table[:200]
    assert '<th scope="col">' in table[: table.index("</table>")]
