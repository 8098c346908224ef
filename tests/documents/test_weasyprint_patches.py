"""The PDF engine's WeasyPrint patches: on the pinned version only, reported, and harmless.

The equivalence test renders the same case file with the patches installed and with
WeasyPrint's own code back in place, and compares what a reader gets: the text of every
page, the number of pages and each page drawn at low resolution (pdftoppm). An upgrade that
changed the output would fail here.
"""

import io
import logging
import pathlib
import re
import subprocess

import pypdf
import pytest
import weasyprint
from PIL import Image, ImageChops

from assist import create_app
from assist.documents import pdf, weasyprint_patches
from assist.extensions import db
from tests.documents.test_pdf_engine import (  # noqa: F401, F811  (env, sample_context: fixtures)
    STATIC,
    env,
    page_texts,
    render_case_file,
    sample_context,
    sample_data,
)

pytestmark = pytest.mark.slow

ALL_PATCHES = [
    "single_pass_subset",
    "kept_text_layouts",
    "fast_pdf_operands",
    "fast_percentages",
    "cached_percentages",
    "cached_struts",
    "plain_backgrounds",
    "shared_styles",
    "cached_font_setup",
]

#: The switches of the patches that only compute the same values faster (or once): with them
#: off, WeasyPrint's and pydyf's own functions run, and the PDF must be the same bytes.
EXACT_SWITCHES = [
    "FAST_PDF_OPERANDS",
    "FAST_PERCENTAGES",
    "CACHED_PERCENTAGES",
    "CACHED_STRUTS",
    "PLAIN_BACKGROUNDS",
    "SHARED_STYLES",
    "CACHED_FONT_SETUP",
]


@pytest.fixture
def stock_weasyprint():
    """WeasyPrint without the patches for the test's body; installed again afterwards."""
    weasyprint_patches.uninstall()
    yield
    weasyprint_patches.install()


def test_the_pin_is_the_version_requirements_txt_installs():
    pins = (pathlib.Path(__file__).resolve().parents[2] / "requirements.txt").read_text()
    assert (
        re.search(r"^weasyprint==(\S+)$", pins, re.M).group(1) == weasyprint_patches.PINNED_VERSION
    )
    assert weasyprint.__version__ == weasyprint_patches.PINNED_VERSION


def test_every_patch_is_active_on_the_pinned_version():
    assert weasyprint_patches.install() == dict.fromkeys(ALL_PATCHES, True)
    assert weasyprint_patches.active() == ALL_PATCHES


def test_no_patch_installs_on_another_weasyprint(stock_weasyprint, monkeypatch, caplog):
    monkeypatch.setattr(weasyprint, "__version__", "70.1")
    with caplog.at_level(logging.WARNING, logger="assist.documents.weasyprint_patches"):
        summary = weasyprint_patches.report()
    assert summary == {"pinned": "70.0", "active": []}
    assert weasyprint_patches.active() == []
    assert "70.1 is not the pinned 70.0" in caplog.text


def test_startup_and_healthz_say_which_patches_are_active(db_url, caplog):
    with caplog.at_level(logging.INFO, logger="assist.documents.weasyprint_patches"):
        app = create_app("testing", SQLALCHEMY_DATABASE_URI=db_url, TESTING=False)
    assert f"PDF engine patches active: {', '.join(ALL_PATCHES)}" in caplog.text
    body = app.test_client().get("/healthz").get_json()
    with app.app_context():  # close the pool /healthz opened (a leaked one warns when collected)
        db.engine.dispose()
    assert body["pdf"]["weasyprint_patches"] == {
        "pinned": "70.0",
        "active": ALL_PATCHES,
    }


def _render(jinja, context) -> bytes:
    return pdf.render_pdf(render_case_file(jinja, context), static_root=STATIC)


def _page_images(data: bytes, folder: pathlib.Path) -> list[Image.Image]:
    """Every page drawn in grey at 36 dpi (enough to see a moved line, table or heading)."""
    folder.mkdir()
    (folder / "doc.pdf").write_bytes(data)
    subprocess.run(  # noqa: S603
        ["pdftoppm", "-r", "36", "-gray", str(folder / "doc.pdf"), str(folder / "page")],  # noqa: S607
        check=True,
    )
    return [Image.open(p) for p in sorted(folder.glob("page*.pgm"))]


def test_patched_and_stock_weasyprint_print_the_same_case_file(env, sample_context, tmp_path):  # noqa: F811
    assert weasyprint_patches.install() == dict.fromkeys(weasyprint_patches.PATCHES, True)
    patched = _render(env, sample_context)
    weasyprint_patches.uninstall()
    try:
        assert weasyprint_patches.active() == []
        stock = _render(env, sample_context)
    finally:
        weasyprint_patches.install()
    assert len(pypdf.PdfReader(io.BytesIO(patched)).pages) == 3
    assert len(pypdf.PdfReader(io.BytesIO(stock)).pages) == 3
    assert page_texts(patched) == page_texts(stock)
    drawn = _page_images(patched, tmp_path / "patched")
    stock_drawn = _page_images(stock, tmp_path / "stock")
    assert len(drawn) == len(stock_drawn) == 3
    for n, (a, b) in enumerate(zip(drawn, stock_drawn, strict=True), start=1):
        assert a.size == b.size, n
        diff = ImageChops.difference(a, b)
        # Anti-aliasing may differ by a grey level at a glyph's edge; nothing may move.
        changed = sum(diff.point(lambda v: 255 if v > 48 else 0).histogram()[255:])
        assert changed <= a.size[0] * a.size[1] // 1000, (n, changed)


@pytest.mark.parametrize("switch", [*EXACT_SWITCHES, "all"])
def test_the_hot_path_patches_leave_the_pdf_byte_identical(
    env,  # noqa: F811
    sample_context,  # noqa: F811
    monkeypatch,
    switch,
):
    """The hot-path patches only compute the same values faster: with a switch off (or all
    of them), WeasyPrint's and pydyf's own functions run and the case file's PDF is the same
    bytes."""
    assert weasyprint_patches.install() == dict.fromkeys(weasyprint_patches.PATCHES, True)
    fast = _render(env, sample_context)
    for name in EXACT_SWITCHES if switch == "all" else [switch]:
        monkeypatch.setattr(pdf, name, False)
    stock = _render(env, sample_context)
    assert len(pypdf.PdfReader(io.BytesIO(fast)).pages) == 3
    assert fast == stock


def _shared_style_count() -> int:
    return sum(len(styles) for styles in weasyprint_patches._shared_styles_cache.values())


#: A template's own stylesheet, as case_file.html has (parsed again for every document).
OWN_STYLE = "<style>table.cases tr td { white-space: normal; } .sign td { height: 26mm; }</style>"


@pytest.mark.parametrize("own_style", ["", OWN_STYLE])
def test_case_files_printed_one_after_another_share_styles_and_print_the_same_bytes(
    env,  # noqa: F811
    monkeypatch,
    own_style,
):
    """shared_styles: each document reuses the computed styles of the ones before it (other
    data, then the first again), also when the template has its own <style>, and prints the
    same bytes as without any shared style."""
    assert weasyprint_patches.install() == dict.fromkeys(weasyprint_patches.PATCHES, True)
    htmls = [
        render_case_file(env, sample_data.make_case_file(v)).replace(
            "</head>", f"{own_style}</head>", 1
        )
        for v in (0, 1, 2, 0)
    ]
    shared = [pdf.render_pdf(htmls[0], static_root=STATIC)]
    stored = _shared_style_count()
    assert stored >= 30
    shared += [pdf.render_pdf(html, static_root=STATIC) for html in htmls[1:]]
    assert _shared_style_count() == stored  # every element's style came from the first
    monkeypatch.setattr(pdf, "SHARED_STYLES", False)
    alone = [pdf.render_pdf(html, static_root=STATIC) for html in htmls]
    assert shared == alone
    assert shared[3] == shared[0] != shared[1]


def test_styles_with_viewport_units_are_not_shared():
    """A ``vw`` length resolves against the document's first page: such a style (and so its
    children's) is computed per document, the others are shared."""
    assert weasyprint_patches.install() == dict.fromkeys(weasyprint_patches.PATCHES, True)
    html = (
        '<html lang="zh-CN"><body><p style="width: 50vw">宽度<span>一半</span></p>'
        '<p style="width: 50%">宽度</p></body></html>'
    )
    pdf.render_pdf(html, static_root=STATIC)
    widths = [
        entry[1]["width"][0]
        for styles in weasyprint_patches._shared_styles_cache.values()
        for entry in styles.values()
        if "width" in entry[1]
    ]
    assert ("width", 50, "%") in [("width", *w) for w in widths]
    assert all(w.unit != "vw" for w in widths)
