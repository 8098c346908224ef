"""One term per concept (item 10 of issue 13): paying aid to a household or member is 发放.

发放 is the word for giving aid money or goods to a beneficiary everywhere: case states,
payment pages, cards, queues, rosters, PDFs (发放, 待发放, 发放记录, 发放花名册). 支付 is kept
only where it names a finance technicality that is not the aid act; each such text is listed
below with the reason. The zh_Hans catalogues and the Chinese written straight into the
templates (the printed documents) are read as they are on disk.
"""

from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent

#: English source text → why its Chinese may say 支付.
ALLOWED = {
    # A union fund pays a unit's mutual-aid premium subsidy: a transfer between union funds,
    # not aid given to a member.
    "Choose the union fund that pays the subsidy.": "premium subsidy, finance between unions",
    "Union fund paying the subsidy": "premium subsidy, finance between unions",
}


def _catalogues():
    paths = sorted((ROOT / "assist").glob("**/translations/zh_Hans/LC_MESSAGES/messages.po"))
    assert len(paths) >= 10  # every domain's catalogue is found, not just one
    return paths


def test_no_catalogue_says_zhifu_for_paying_aid():
    offending = []
    for path in _catalogues():
        with path.open("rb") as fh:
            for message in read_po(fh):
                if not message.id:
                    continue
                texts = message.string if isinstance(message.string, tuple) else [message.string]
                msgid = message.id[0] if isinstance(message.id, tuple) else message.id
                if any("支付" in (t or "") for t in texts) and msgid not in ALLOWED:
                    offending.append(f"{path.relative_to(ROOT)}: {msgid} → {texts}")
    assert not offending, "\n".join(offending)


def test_the_allowed_texts_still_exist():
    """An allow-list entry whose text is gone is removed, so the list stays short and true."""
    ids = set()
    for path in _catalogues():
        with path.open("rb") as fh:
            ids |= {m.id for m in read_po(fh) if isinstance(m.id, str)}
    assert set(ALLOWED) <= ids


def test_no_template_says_zhifu():
    """Printed documents carry their Chinese in the template (付款凭证 keeps its name)."""
    offending = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in sorted((ROOT / "templates").glob("**/*.html"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "支付" in line
    ]
    assert not offending, offending


def test_the_ready_to_pay_names_agree():
    """The case state, the finance queue, its page and the inbox card all say 待发放."""
    wanted = {"Ready to pay": "待发放", "To pay": "待发放", "Cases ready to pay": "待发放案件"}
    seen = {}
    for path in _catalogues():
        with path.open("rb") as fh:
            for message in read_po(fh):
                if message.id in wanted:
                    seen.setdefault(message.id, set()).add(message.string)
    assert {k: {v} for k, v in wanted.items()} == seen
