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
)

pytestmark = pytest.mark.slow

ALL_PATCHES = ["single_pass_subset", "kept_text_layouts", "fast_pdf_operands", "fast_percentages"]


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


def test_the_operand_and_percentage_patches_leave_the_pdf_byte_identical(
    env,  # noqa: F811
    sample_context,  # noqa: F811
    monkeypatch,
):
    """The two hot-path patches only compute the same values faster: with their switches off
    (WeasyPrint's and pydyf's own functions run) the case file's PDF is the same bytes."""
    assert weasyprint_patches.install() == dict.fromkeys(weasyprint_patches.PATCHES, True)
    fast = _render(env, sample_context)
    monkeypatch.setattr(pdf, "FAST_PDF_OPERANDS", False)
    monkeypatch.setattr(pdf, "FAST_PERCENTAGES", False)
    stock = _render(env, sample_context)
    assert len(pypdf.PdfReader(io.BytesIO(fast)).pages) == 3
    assert fast == stock
