"""Tests for the PDF engine (assist.documents.pdf) and the sample case file.

Plain pytest: no Flask app, no database.  The sample is rendered with Jinja2
exactly as the app will do it, from the synthetic plain data that the
benchmark uses (bench/sample_data.py).
"""

from __future__ import annotations

import importlib.util
import io
import logging
import pathlib
import re

import jinja2
import pypdf
import pytest

from assist.documents import pdf

REPO = pathlib.Path(__file__).resolve().parents[2]
STATIC = REPO / "assist" / "static"
HOSTILE_NAME = '<img src="file:///etc/passwd">'
A4_POINTS = (595.28, 841.89)


def _load_sample_data():
    spec = importlib.util.spec_from_file_location("sample_data", REPO / "bench" / "sample_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


sample_data = _load_sample_data()


@pytest.fixture(scope="module")
def env():
    return jinja2.Environment(loader=jinja2.FileSystemLoader(REPO / "templates"), autoescape=True)


def render_case_file(env, context) -> str:
    return env.get_template("documents/_sample_case_file.html").render(**context)


def page_texts(data: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages]


def squash(text: str) -> str:
    """Text without whitespace (a table cell may wrap a long value)."""
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def sample_context():
    return sample_data.make_case_file()


@pytest.fixture(scope="module")
def sample_pdf(env, sample_context) -> bytes:
    return pdf.render_pdf(render_case_file(env, sample_context), static_root=STATIC)


# --- the sample document ---------------------------------------------------


def test_sample_is_three_a4_pages(sample_pdf):
    reader = pypdf.PdfReader(io.BytesIO(sample_pdf))
    assert len(reader.pages) == 3
    for page in reader.pages:
        box = page.mediabox
        assert (float(box.width), float(box.height)) == pytest.approx(A4_POINTS, abs=0.5)


def test_chinese_comes_out_as_text(sample_pdf, sample_context):
    text = squash("".join(page_texts(sample_pdf)))
    expected = [
        "困难职工档案",
        "苏州市总工会困难职工帮扶中心",
        "深度困难",
        sample_context["head"]["name"],
        "李桂芳",
        "张凤英",
        "人民币壹仟伍佰元整",
        "人民币陆仟捌佰肆拾贰元陆角",
        sample_context["payments_total_capitals"],
        "家庭人均月收入＝（家庭年收入−刚性支出）÷12÷家庭人口",
        "＝（58,800.00−46,813.00）÷12÷4",
        "249.73元/人·月",
        "服务站意见",
        "区级审核意见",
        "市级审定意见",
        "（盖章）",
        "SZ-GS-PJ-2026-00042",
    ]
    for snippet in expected:
        assert squash(snippet) in text, snippet


def test_running_header_and_footer_on_every_page(sample_pdf, sample_context):
    texts = page_texts(sample_pdf)
    doc = sample_context["doc"]
    for number, text in enumerate(texts, start=1):
        assert f"第 {number} 页 共 {len(texts)} 页" in text
        assert f"档案编号：{sample_context['file']['number']}" in text
        assert f"文档编号：{doc['doc_number']}" in text
        assert f"核验码：{doc['verify_code']}" in text
        assert text.count("困难职工档案") >= 1  # running title


def test_only_the_cjk_fonts_are_embedded(sample_pdf):
    reader = pypdf.PdfReader(io.BytesIO(sample_pdf))
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    assert fonts
    assert all(("Serif-CJK-SC" in name) or ("Assist-Serif-SC" in name) for name in fonts), fonts


# --- user data is text, never markup or a fetch -----------------------------


def test_hostile_name_prints_literally_and_is_never_fetched(env):
    context = sample_data.make_case_file()
    context["head"]["name"] = HOSTILE_NAME
    context["members"][0]["name"] = HOSTILE_NAME
    html = render_case_file(env, context)
    assert HOSTILE_NAME not in html  # escaped by Jinja2 autoescape
    fetcher = pdf.StaticOnlyURLFetcher(STATIC)

    data = pdf.render_pdf(html, static_root=STATIC, url_fetcher=fetcher)

    assert not any("passwd" in url for url in fetcher.attempts), fetcher.attempts
    assert fetcher.refused == []
    assert squash(HOSTILE_NAME) in squash("".join(page_texts(data)))


def test_rare_name_characters_fall_back_to_the_full_font(env):
    context = sample_data.make_case_file()
    context["head"]["name"] = "王喆堃"  # 喆 and 堃 are not in GB 2312
    data = pdf.render_pdf(render_case_file(env, context), static_root=STATIC)
    assert "王喆堃" in page_texts(data)[0]


# --- the URL fetcher --------------------------------------------------------


@pytest.fixture
def static_root(tmp_path):
    root = tmp_path / "static"
    (root / "print").mkdir(parents=True)
    (root / "print" / "print.css").write_text((STATIC / "print" / "print.css").read_text())
    (root / "img").mkdir()
    (root / "img" / "dot.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        '<rect width="10" height="10"/></svg>'
    )
    (tmp_path / "secret.txt").write_text("outside static_root")
    (root / "img" / "escape.svg").symlink_to(tmp_path / "secret.txt")
    return root


REFUSED_URLS = [
    "assist-static:/../../etc/passwd",
    "assist-static:/img/../../secret.txt",
    "assist-static:/%2e%2e/%2e%2e/etc/passwd",
    "assist-static:/img/%2E%2E/%2E%2E/secret.txt",
    "assist-static://evil.example/img/dot.svg",
    "assist-static:/img/escape.svg",  # symlink pointing outside
    "assist-static:/img/missing.png",
    "assist-static:/img",  # a directory
    "file:///etc/passwd",
    "file://localhost/etc/passwd",
    "file://evil.example/share/x.png",
    "http://example.com/logo.png",
    "https://example.com/logo.png",
    "ftp://example.com/logo.png",
    "data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg'/>",
    "javascript:alert(1)",
]


@pytest.mark.parametrize("url", REFUSED_URLS)
def test_fetcher_refuses_anything_outside_static_root(static_root, url, monkeypatch, caplog):
    fetcher = pdf.StaticOnlyURLFetcher(static_root)
    opened = []
    monkeypatch.setattr(pathlib.Path, "open", lambda self, *a, **k: opened.append(self))

    with (
        caplog.at_level(logging.WARNING, logger="assist.documents.pdf"),
        pytest.raises(pdf.AssetRefusedError),
    ):
        fetcher.fetch(url)

    assert opened == []  # refused before reading anything
    assert fetcher.attempts == [url]
    assert fetcher.refused and fetcher.refused[0][0] == url
    assert "PDF asset refused" in caplog.text


def test_fetcher_file_url_inside_static_root_is_served(static_root):
    fetcher = pdf.StaticOnlyURLFetcher(static_root)
    response = fetcher.fetch((static_root / "img" / "dot.svg").as_uri())
    assert response.read().startswith(b"<svg")
    assert response.url == "assist-static:/img/dot.svg"


def test_document_loads_static_images_through_the_fetcher(static_root):
    fetcher = pdf.StaticOnlyURLFetcher(static_root)
    html = '<html><body><p>公章</p><img src="img/dot.svg" alt="seal"/></body></html>'
    data = pdf.render_pdf(html, static_root=static_root, url_fetcher=fetcher)
    assert fetcher.attempts == ["assist-static:/img/dot.svg"]
    assert data.startswith(b"%PDF")


@pytest.mark.parametrize(
    "src", ["http://example.com/seal.png", "file:///etc/passwd", "../../etc/passwd"]
)
def test_template_referencing_forbidden_url_fails_loudly(static_root, src):
    fetcher = pdf.StaticOnlyURLFetcher(static_root)
    html = f'<html><body><p>公章</p><img src="{src}"/></body></html>'
    with pytest.raises(pdf.PdfAssetError):
        pdf.render_pdf(html, static_root=static_root, url_fetcher=fetcher)
    assert len(fetcher.refused) == 1


def test_non_strict_render_skips_the_forbidden_asset(static_root):
    fetcher = pdf.StaticOnlyURLFetcher(static_root)
    html = '<html><body><p>公章</p><img src="http://example.com/seal.png"/></body></html>'
    data = pdf.render_pdf(html, static_root=static_root, url_fetcher=fetcher, strict=False)
    assert data.startswith(b"%PDF")
    assert [url for url, _ in fetcher.refused] == ["http://example.com/seal.png"]


def test_html_that_is_not_well_formed_still_renders(static_root):
    html = "<!DOCTYPE html><html lang=zh-CN><meta charset=utf-8><p>第一行<br>第二行&nbsp;完"
    assert pdf._parse_polyglot(html) is None  # goes through the HTML5 parser
    text = page_texts(pdf.render_pdf(html, static_root=static_root))[0]
    assert "第一行" in text and "第二行" in text


# --- environment checks -------------------------------------------------------


def test_cjk_font_is_installed_here():
    assert pdf.ensure_cjk_font() in pdf.CJK_FAMILIES


def test_missing_font_raises_a_clear_error(monkeypatch):
    monkeypatch.setattr(pdf, "_fc_list_families", lambda lang="zh-cn": {"DejaVu Sans"})
    with pytest.raises(pdf.MissingFontError) as excinfo:
        pdf.ensure_cjk_font()
    message = str(excinfo.value)
    assert "fonts-noto-cjk" in message
    assert "apt-get install fonts-noto-cjk" in message


def test_startup_check_refuses_to_run_without_the_font(monkeypatch):
    monkeypatch.setattr(pdf, "_fc_list_families", lambda lang="zh-cn": set())
    with pytest.raises(pdf.MissingFontError):
        pdf.check_pdf_environment()


def test_startup_check_warns_loudly_without_harfbuzz_subset(monkeypatch, caplog):
    monkeypatch.setattr(pdf, "harfbuzz_subset_available", lambda: False)
    with caplog.at_level(logging.WARNING, logger="assist.documents.pdf"):
        summary = pdf.check_pdf_environment()
    assert summary["harfbuzz_subset"] is False
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert any("libharfbuzz-subset0" in r.getMessage() for r in warnings)


def test_harfbuzz_subset_is_detected():
    assert isinstance(pdf.harfbuzz_subset_available(), bool)


def test_characters_no_font_has_are_reported(static_root, caplog):
    html = "<html><body><p>户主：陈\U00013000国</p></body></html>"
    with caplog.at_level(logging.ERROR, logger="assist.documents.pdf"):
        pdf.render_pdf(html, static_root=static_root)
    assert "U+13000" in caplog.text
    assert "empty boxes" in caplog.text


def test_render_refuses_to_start_without_the_font(monkeypatch, static_root):
    monkeypatch.setattr(pdf, "_font_config", None)  # as in a fresh process
    monkeypatch.setattr(pdf, "_fc_list_families", lambda lang="zh-cn": set())
    with pytest.raises(pdf.MissingFontError, match="fonts-noto-cjk"):
        pdf.render_pdf("<p>困难职工</p>", static_root=static_root)


def test_concurrent_renders_in_threads(static_root):
    import concurrent.futures

    html = "<html><body><p>困难职工帮扶中心 {}</p></body></html>"
    with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
        results = list(
            pool.map(lambda i: pdf.render_pdf(html.format(i), static_root=static_root), range(6))
        )
    for i, data in enumerate(results):
        assert f"困难职工帮扶中心 {i}" in page_texts(data)[0]


def _render_in_child(static_root: str) -> str:
    return page_texts(
        pdf.render_pdf("<p>分叉后的子进程</p>", static_root=pathlib.Path(static_root))
    )[0]


def test_forked_worker_gets_its_own_font_configuration(static_root):
    import multiprocessing

    pdf.render_pdf("<p>父进程</p>", static_root=static_root)  # parent has its caches
    with multiprocessing.get_context("fork").Pool(1) as pool:
        text = pool.apply(_render_in_child, (str(static_root),))
    assert "分叉后的子进程" in text
