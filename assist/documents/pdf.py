"""HTML → PDF rendering for Assist's printed documents (WeasyPrint 70).

This module is a pure library: it knows nothing about Flask or the database.
The app renders a Jinja2 template from ``templates/documents/`` with plain
data and hands the HTML string to :func:`render_pdf`.

Security model
--------------
User data (household names, addresses, notes) is escaped by Jinja2 autoescape,
so ``<img src="file:///etc/passwd">`` typed as a name prints as text and never
becomes an element.  The URL fetcher is the second wall: WeasyPrint may only
read files that live inside ``static_root``.

* Allowed: the ``assist-static:`` scheme (``assist-static:/print/seal.png``, or a
  relative URL resolved against the default base URL), and ``file://`` URLs whose
  resolved real path (symlinks followed) is inside ``static_root``.
* Refused: ``http``, ``https``, ``ftp`` and every other scheme; ``file://``
  anywhere else; any path that escapes ``static_root`` (``..``, ``%2e%2e``,
  symlinks pointing outside); non-regular files; files larger than
  :data:`MAX_ASSET_BYTES`.
* ``data:`` URLs are refused too.  They do no I/O, but they are the one way a
  string (rather than a file reviewed into ``static/``) can smuggle an image,
  SVG (which can itself reference other URLs) or font into an official
  document, and they allow decompression bombs.  Templates put their assets
  (seals, logos) under ``static/`` instead.

A refusal is logged at WARNING on the ``assist.documents.pdf`` logger, recorded
in :attr:`StaticOnlyURLFetcher.attempts`, and raises :class:`AssetRefusedError`
without touching the file system or the network.  By default
(``strict=True``) :func:`render_pdf` turns any failed fetch, refused or missing,
into a :class:`PdfAssetError`: an official document silently missing its seal
is worse than an error page.

Performance
-----------
Measured with ``bench/pdf_bench.py --ablation`` on the 3-page sample case file
(CPU ms per document on the 2-core development machine; naive WeasyPrint
~650 ms, this engine ~190 ms).  What each measure saves, largest first:

* print.css: ``table-layout: fixed`` with <col> widths (~155 ms); one font
  face instead of three (~30 ms); a table grid drawn as the table's black
  background between white cells rather than collapsed borders (~30 ms);
  explicit margin-box widths (~12 ms); ``white-space: nowrap`` on one-line
  cells (~5 ms).
* One :class:`weasyprint.text.fonts.FontConfiguration` and one parsed
  print.css per process (~100 ms together).  Keyed by PID, so a forked worker
  never reuses its parent's Pango/fontconfig objects.
* A compact CJK font ("Assist Serif SC": GB 2312 + symbols cut from Noto
  Serif CJK SC once per process, ~0.3 s) so per-PDF font subsetting and
  compression work on 14.5k glyphs, not 65k (~20 ms, PDF 270 → 180 KB).
* Engine details: zlib level 1 instead of pydyf's 9 (~25 ms), a reduced
  user-agent stylesheet (~20 ms), expat instead of the pure-Python HTML5
  parser for well-formed templates (~18 ms), reusing Pango layouts from line
  breaking for drawing (~16 ms), a higher gen-0 GC threshold while rendering
  (~15 ms), single-pass HarfBuzz subsetting (~12 ms).  The two WeasyPrint
  patches live in :mod:`assist.documents.weasyprint_patches`: installed only on
  the exact pinned WeasyPrint (70.0), reported at start-up and on /healthz, and
  falling back to the stock code for anything they were not written for.
* Rendering holds a per-process lock: Pango font maps are not thread safe and
  the work is CPU bound.  Use processes for throughput (see the benchmark).

What remains is WeasyPrint's own cost of about 0.3–0.4 ms per block of text
(a table cell, a paragraph): a case file's ~450 text blocks are most of the
~190 ms.  The interpreter matters too: Debian's /usr/bin/python3.11 (PGO) runs
the same engine ~15 % faster than a plain source build (pyenv), so the Makefile
builds .venv on it when present (scripts/pick-python.sh).  Machines differ by
2-3x: bench/case_file_bench.py also times naive WeasyPrint on the same HTML
(2026-11-25, an idle 2-core machine where naive takes 807 ms: this engine
222 ms, 0.27 of naive).
"""

from __future__ import annotations

import atexit
import ctypes
import ctypes.util
import functools
import gc
import logging
import os
import pathlib
import shutil
import subprocess
import threading
import urllib.parse
import xml.etree.ElementTree as ET
import zlib
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import cffi
import cssselect2
import pydyf
import weasyprint
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import (
    FatalURLFetchingError,
    URLFetcher,
    URLFetcherResponse,
    ensure_url,
)

from assist.documents import weasyprint_patches

__all__ = [
    "ASSET_SCHEME",
    "MAX_ASSET_BYTES",
    "PRINT_CSS",
    "AssetRefusedError",
    "MissingFontError",
    "PdfAssetError",
    "StaticOnlyURLFetcher",
    "check_pdf_environment",
    "ensure_cjk_font",
    "harfbuzz_subset_available",
    "render_pdf",
]

logger = logging.getLogger(__name__)

#: URL scheme for files under ``static_root``: ``assist-static:/print/print.css``.
ASSET_SCHEME = "assist-static"

#: Stylesheet applied to every document, relative to ``static_root``.
PRINT_CSS = "print/print.css"

#: Largest asset the fetcher will read (seals and logos are a few hundred kB).
MAX_ASSET_BYTES = 5 * 1024 * 1024

#: Font families the documents are designed for (``fonts-noto-cjk``).
CJK_FAMILIES = ("Noto Serif CJK SC", "Noto Sans CJK SC")

FONT_PACKAGE = "fonts-noto-cjk"
FONT_INSTALL_COMMAND = "apt-get install fonts-noto-cjk"
HARFBUZZ_SUBSET_PACKAGE = "libharfbuzz-subset0"

_MIME_TYPES = {
    ".css": "text/css",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".svg": "image/svg+xml",
    ".webp": "image/webp",
    ".otf": "font/otf",
    ".ttf": "font/ttf",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
}

# Let urllib.parse.urljoin resolve relative URLs against "assist-static:/"
# (it leaves "img/seal.png" unresolved for a scheme it does not know).
# Appending a scheme name only affects URLs of that scheme.
if ASSET_SCHEME not in urllib.parse.uses_relative:
    urllib.parse.uses_relative.append(ASSET_SCHEME)


class AssetRefusedError(ValueError):
    """The URL fetcher refused a URL; nothing was read."""


class PdfAssetError(RuntimeError):
    """A document referenced an asset that could not be fetched (strict mode)."""


class MissingFontError(RuntimeError):
    """The CJK fonts the documents need are not installed."""


# --------------------------------------------------------------------------
# URL fetcher
# --------------------------------------------------------------------------


class StaticOnlyURLFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that serves files from ``static_root`` only.

    Every URL asked for is appended to :attr:`attempts` (refused ones too), and
    refused ones to :attr:`refused`, so callers and tests can audit what a
    document tried to load.
    """

    def __init__(self, static_root: pathlib.Path, *, fail_on_errors: bool = True):
        super().__init__(
            allowed_protocols=(ASSET_SCHEME, "file"),
            allow_redirects=False,
            fail_on_errors=fail_on_errors,
        )
        self.static_root = pathlib.Path(static_root).resolve(strict=True)
        self.attempts: list[str] = []
        self.refused: list[tuple[str, str]] = []

    # WeasyPrint calls fetch(url) (and, via open(), fetch(url, headers)).
    def fetch(self, url, headers=None):  # WeasyPrint's signature; headers unused
        self.attempts.append(url)
        path = self.resolve(url)
        if path.stat().st_size > MAX_ASSET_BYTES:
            self._refuse(url, "larger than MAX_ASSET_BYTES")
        with path.open("rb") as file:
            body = file.read(MAX_ASSET_BYTES + 1)
        if len(body) > MAX_ASSET_BYTES:  # grew since the stat
            self._refuse(url, "larger than MAX_ASSET_BYTES")
        mime = _MIME_TYPES.get(path.suffix.lower(), "application/octet-stream")
        headers = {"Content-Type": mime}
        if mime == "text/css":
            headers["Content-Type"] = "text/css; charset=utf-8"
        # Answer with an assist-static: URL so that URLs inside a stylesheet or
        # SVG resolve against the same scheme, never against file://.
        url = f"{ASSET_SCHEME}:/{path.relative_to(self.static_root).as_posix()}"
        return URLFetcherResponse(url, body=body, headers=headers)

    def resolve(self, url: str) -> pathlib.Path:
        """Return the real path inside ``static_root`` for ``url`` or refuse it.

        Does not read the file; only ``stat``s paths under ``static_root``.
        """
        try:
            parts = urlsplit(url)
        except ValueError:
            self._refuse(url, "malformed URL")
        scheme = parts.scheme.lower()
        if scheme == ASSET_SCHEME:
            if parts.netloc:
                self._refuse(url, "assist-static URLs have no host")
            relative = unquote(parts.path)
        elif scheme == "file":
            if parts.netloc not in ("", "localhost"):
                self._refuse(url, "remote file URL")
            absolute = pathlib.Path(url2pathname(parts.path))
            if not absolute.is_absolute():
                self._refuse(url, "relative file URL")
            # Compare lexically first so nothing outside static_root is stat'ed.
            try:
                relative = os.path.normpath(absolute).removeprefix("/")
                relative = str(pathlib.PurePosixPath("/", relative).relative_to(self.static_root))
            except ValueError:
                self._refuse(url, "file outside static_root")
        else:
            self._refuse(url, f"scheme {scheme or '(none)'!r} not allowed")

        if "\x00" in relative or "\\" in relative:
            self._refuse(url, "invalid character in path")
        pieces = [p for p in relative.split("/") if p not in ("", ".")]
        if not pieces or ".." in pieces:
            self._refuse(url, "path traversal")
        candidate = self.static_root.joinpath(*pieces)
        real = pathlib.Path(os.path.realpath(candidate))
        if real != self.static_root and self.static_root not in real.parents:
            self._refuse(url, "resolves outside static_root (symlink?)")
        if not real.is_file():
            self._refuse(url, "not a regular file under static_root")
        return real

    def _refuse(self, url: str, reason: str):
        self.refused.append((url, reason))
        logger.warning("PDF asset refused: %s (%s)", _short(url), reason)
        raise AssetRefusedError(f"refused to fetch {_short(url)}: {reason}")


def _short(url: str, limit: int = 120) -> str:
    return url if len(url) <= limit else url[:limit] + "…"


# --------------------------------------------------------------------------
# Fonts and HarfBuzz
# --------------------------------------------------------------------------


def _fc_list_families(lang: str = "zh-cn") -> set[str]:
    """Family names fontconfig knows for ``lang`` (via the ``fc-list`` tool)."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return set()
    result = subprocess.run(  # noqa: S603, RUF100 - fixed argv, no shell
        [fc_list, f":lang={lang}", "family"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    families = set()
    for line in result.stdout.splitlines():
        # "Noto Serif CJK SC,Noto Serif CJK SC Bold" → every alias counts.
        families.update(name.strip() for name in line.split(",") if name.strip())
    return families


def ensure_cjk_font() -> str:
    """Check that a Noto CJK SC font is installed; return the family found.

    Raises :class:`MissingFontError` naming the Debian package otherwise:
    without it Pango would fall back to whatever is installed and the PDF
    would print empty boxes (tofu) for every Chinese character.
    """
    families = _fc_list_families("zh-cn")
    for family in CJK_FAMILIES:
        if family in families:
            return family
    raise MissingFontError(
        "No Simplified Chinese font found (looked for "
        f"{' / '.join(CJK_FAMILIES)} with `fc-list :lang=zh-cn family`). "
        f"Install the Debian package {FONT_PACKAGE}: `{FONT_INSTALL_COMMAND}` "
        "(then `fc-cache -f`). Refusing to render documents that would print "
        "boxes instead of Chinese text."
    )


def harfbuzz_subset_available() -> bool:
    """Whether WeasyPrint can subset fonts with HarfBuzz (libharfbuzz-subset).

    Without it WeasyPrint silently falls back to fontTools, which takes
    seconds per document on the large Noto CJK fonts.
    """
    try:
        from weasyprint.text import ffi as wp_ffi
    except (ImportError, OSError):  # pragma: no cover - WeasyPrint itself is broken
        wp_ffi = None
    if wp_ffi is not None:
        # What WeasyPrint itself will use (it needs HarfBuzz >= 4.1.0 too).
        return bool(
            wp_ffi.harfbuzz_subset is not None and wp_ffi.harfbuzz.hb_version_atleast(4, 1, 0)
        )
    names = [ctypes.util.find_library("harfbuzz-subset"), "libharfbuzz-subset.so.0"]
    for name in filter(None, names):
        try:
            ctypes.CDLL(name)
        except OSError:
            continue
        return True
    return False


def check_pdf_environment(*, strict_fonts: bool = True) -> dict:
    """Start-up check for the app: call once when the app starts.

    Logs a loud WARNING when libharfbuzz-subset is missing, and checks the CJK
    font (raising :class:`MissingFontError` when ``strict_fonts``; logging an
    ERROR otherwise), and installs and reports the WeasyPrint patches.  Returns a
    summary dict for a health endpoint.
    """
    summary = {
        "harfbuzz_subset": harfbuzz_subset_available(),
        "cjk_font": None,
        "weasyprint": weasyprint.__version__,
        "weasyprint_patches": weasyprint_patches.report(),
    }
    if not summary["harfbuzz_subset"]:
        logger.warning(
            "!!! libharfbuzz-subset is missing: WeasyPrint falls back to fontTools "
            "font subsetting, about 30x slower (seconds per PDF with Noto CJK). "
            "Install the Debian package %s: `apt-get install %s`.",
            HARFBUZZ_SUBSET_PACKAGE,
            HARFBUZZ_SUBSET_PACKAGE,
        )
    try:
        summary["cjk_font"] = ensure_cjk_font()
    except MissingFontError:
        if strict_fonts:
            raise
        logger.exception("PDF documents cannot be rendered correctly")
    return summary


# --------------------------------------------------------------------------
# Engine tuning
# --------------------------------------------------------------------------
# Each switch below was measured with `bench/pdf_bench.py --ablation`, which
# turns them off one at a time.  They exist for that measurement and for
# diagnosing a rendering difference; production keeps them all on.

#: Use :data:`MINIMAL_UA_CSS` instead of WeasyPrint's user-agent stylesheet.
MINIMAL_UA = True
#: Parse well-formed templates with expat (see :func:`_parse_polyglot`).
FAST_PARSE = True
#: Register and use the compact CJK font (see :func:`build_compact_font`).
USE_COMPACT_FONT = True
#: Subset big CJK fonts in one HarfBuzz pass (see :func:`_install_single_pass_subset`).
SINGLE_PASS_SUBSET = True
#: Draw text with the Pango layouts used for line breaking
#: (see :func:`_install_kept_text_layouts`).
KEEP_TEXT_LAYOUTS = True
#: Write PDF operator operands with bytes formatting (see weasyprint_patches).
FAST_PDF_OPERANDS = True
#: Resolve plain lengths and percentages inline (see weasyprint_patches).
FAST_PERCENTAGES = True
#: Reuse a style's used margins, paddings and sizes per containing block (see weasyprint_patches).
CACHED_PERCENTAGES = True
#: Keep a style's strut (line height, baseline) on the style (see weasyprint_patches).
CACHED_STRUTS = True
#: Lay out "nothing to draw" backgrounds once per style (see weasyprint_patches).
PLAIN_BACKGROUNDS = True
#: Reuse computed styles from earlier documents (see weasyprint_patches).
SHARED_STYLES = True
#: Set up Pango layouts from what their style gave before (see weasyprint_patches).
CACHED_FONT_SETUP = True
#: zlib level for PDF streams.  pydyf hard-codes 9: ~25 ms per case file,
#: mostly on the embedded font subset, for a file ~4 % smaller than at 1.
ZLIB_LEVEL = 1
#: Gen-0 threshold of the cyclic garbage collector while rendering (0: leave it).
GC_THRESHOLD = 20_000

#: A reduced user-agent stylesheet used instead of WeasyPrint's html5_ua.css.
#:
#: The stock one carries rules for forms, bidi ``[dir]`` attributes, links,
#: ruby, footnotes and ``::marker``; the universal pseudo-element rules
#: (``::marker``, ``::footnote-call``…) make WeasyPrint compute an extra style
#: for *every* element.  Our documents are print-only HTML with no forms, no
#: bidi text and no footnotes; this keeps the HTML defaults they rely on.
MINIMAL_UA_CSS = r"""
[hidden], area, base, head, link, meta, script, style, template, title { display: none }
address, article, aside, blockquote, body, div, dl, dt, dd, figure, figcaption,
footer, h1, h2, h3, h4, h5, h6, header, hr, html, main, nav, ol, p, pre, section,
ul { display: block }
li { display: list-item }
table { display: table; box-sizing: border-box; text-indent: initial;
        border-spacing: 2px; border-collapse: separate }
caption { display: table-caption }
colgroup { display: table-column-group }
col { display: table-column }
thead { display: table-header-group }
tbody { display: table-row-group }
tfoot { display: table-footer-group }
tr { display: table-row }
td, th { display: table-cell; padding: 1px }
thead, tbody, tfoot { vertical-align: middle }
tr, td, th { vertical-align: inherit }
blockquote, dl, figure, ol, p, pre, ul { margin-top: 1em; margin-bottom: 1em }
ol, ul { padding-left: 40px; counter-reset: list-item }
ol { list-style-type: decimal }
ul { list-style-type: disc }
body { margin: 8px }
h1 { font-size: 2em; margin-top: .67em; margin-bottom: .67em }
h2 { font-size: 1.5em; margin-top: .83em; margin-bottom: .83em }
h3 { font-size: 1.17em; margin-top: 1em; margin-bottom: 1em }
h1, h2, h3, h4, h5, h6, b, strong, th { font-weight: bold }
h1, h2, h3, h4, h5, h6 { hyphens: manual; break-after: avoid; break-inside: avoid }
h1 { bookmark-level: 1 }
h2 { bookmark-level: 2 }
h1, h2 { bookmark-label: content(text) }
em, i { font-style: italic }
small, sub, sup { font-size: smaller }
sub { vertical-align: sub }
sup { vertical-align: super }
u, ins { text-decoration: underline }
s, del { text-decoration: line-through }
pre { white-space: pre; font-family: monospace }
br::before { content: "\A"; white-space: pre-line }
hr { border-style: inset; border-width: 1px; color: gray; margin: .5em auto }
table, td, th { border-color: gray }
thead, tbody, tfoot, tr { border-color: inherit }
img, svg { overflow: hidden }
@page {
  margin: 75px;
  @top-left { text-align: left; vertical-align: middle }
  @top-center { text-align: center; vertical-align: middle }
  @top-right { text-align: right; vertical-align: middle }
  @bottom-left { text-align: left; vertical-align: middle }
  @bottom-center { text-align: center; vertical-align: middle }
  @bottom-right { text-align: right; vertical-align: middle }
}
"""


_minimal_ua: tuple[int, weasyprint.CSS] | None = None


def _minimal_ua_stylesheet() -> weasyprint.CSS:
    global _minimal_ua
    if _minimal_ua is None or _minimal_ua[0] != os.getpid():
        _minimal_ua = (os.getpid(), weasyprint.CSS(string=MINIMAL_UA_CSS))
    return _minimal_ua[1]


def _parse_polyglot(html: str):
    """Parse well-formed (polyglot XHTML-compatible) HTML with expat, or None.

    WeasyPrint parses with tinyhtml5, a pure-Python HTML5 parser (~13 ms for
    a case file); expat takes ~1 ms.  Our templates are written to be
    well-formed XML (``<br/>``, ``<meta …/>``, no named entities), and Jinja's
    escaping keeps them so.  Anything that is not well-formed, declares
    entities or uses namespaces returns None and goes through the HTML5 parser,
    so a template that is only valid HTML still renders, just slower.
    """
    if "<!ENTITY" in html or "xmlns" in html:
        return None
    try:
        root = ET.fromstring(html)  # noqa: S314, RUF100 - our own template output, entities refused above
    except ET.ParseError:
        return None
    if root.tag != "html":
        return None
    return root


class _PrintHTML(weasyprint.HTML):
    """``weasyprint.HTML`` tuned for our documents.

    * :data:`MINIMAL_UA_CSS` as user-agent stylesheet.  ``_ua_stylesheets`` is
      a private hook of WeasyPrint (checked for 70.x); if it disappears the
      stock stylesheet is used, which is only slower.
    * Well-formed input is parsed with expat (see :func:`_parse_polyglot`).
      The attributes set here are the ones ``weasyprint.HTML.__init__`` sets.
    """

    def __init__(self, *, string: str, base_url: str, url_fetcher, media_type: str = "print"):
        root = _parse_polyglot(string) if FAST_PARSE else None
        if root is None:
            super().__init__(
                string=string, base_url=base_url, url_fetcher=url_fetcher, media_type=media_type
            )
            return
        self.base_url = weasyprint._find_base_url(root, ensure_url(base_url))
        self.url_fetcher = url_fetcher
        self.media_type = media_type
        self.wrapper_element = cssselect2.ElementWrapper.from_html_root(root, content_language=None)
        self.etree_element = self.wrapper_element.etree_element

    def _ua_stylesheets(self, forms=False):
        if forms or not MINIMAL_UA:  # documents have no PDF forms
            return super()._ua_stylesheets(forms)
        return [_minimal_ua_stylesheet()]


class _MissingGlyphCollector(logging.Handler):
    """Collects WeasyPrint's ".notdef glyph rendered" warnings during a render."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.characters: list[str] = []

    def emit(self, record):
        if str(record.msg).startswith(".notdef glyph") and record.args:
            self.characters.append(str(record.args[0]))


def _compress_streams(document, pdf) -> None:
    """WeasyPrint ``finisher``: deflate streams at :data:`ZLIB_LEVEL`."""
    for obj in pdf.objects:
        if isinstance(obj, pydyf.Stream) and obj.compress:
            raw = b"\n".join(pydyf._to_bytes(item) for item in obj.stream)
            obj.stream = [zlib.compress(raw, ZLIB_LEVEL)]
            obj.compress = False
            obj.extra["Filter"] = "/FlateDecode"


# --------------------------------------------------------------------------
# Per-process caches
# --------------------------------------------------------------------------

_lock = threading.RLock()
_font_config: tuple[int, FontConfiguration] | None = None
_css_cache: dict[tuple, weasyprint.CSS] = {}


def get_font_config() -> FontConfiguration:
    """The process's FontConfiguration (a new one after ``fork``).

    Creating it first checks the CJK font (:func:`ensure_cjk_font`, raising
    :class:`MissingFontError`), then registers the compact CJK font
    (:data:`COMPACT_FAMILY`).
    """
    global _font_config
    pid = os.getpid()
    if _font_config is None or _font_config[0] != pid:
        ensure_cjk_font()  # refuse to render boxes instead of Chinese
        font_config = FontConfiguration()
        _register_compact_font(font_config)
        _font_config = (pid, font_config)
        _css_cache.clear()  # CSS objects are tied to their FontConfiguration
    return _font_config[1]


# --------------------------------------------------------------------------
# Compact CJK font
# --------------------------------------------------------------------------

#: Family name of the compact font print.css asks for first.
COMPACT_FAMILY = "Assist Serif SC"
COMPACT_SOURCE = "Noto Serif CJK SC:style=Regular"

#: Code points kept besides the GB 2312 characters (decoded from Python's
#: gb2312 codec): Latin, punctuation, symbols, CJK punctuation, enclosed
#: numbers, ㎡-style units and full-width forms.
COMPACT_RANGES = (
    (0x0020, 0x007E), (0x00A0, 0x017F), (0x02C6, 0x02DD), (0x0391, 0x03C9),
    (0x0401, 0x0451), (0x2000, 0x206F), (0x20AC, 0x20AC), (0x2100, 0x218F),
    (0x2190, 0x21FF), (0x2200, 0x22FF), (0x2460, 0x24FF), (0x2500, 0x257F),
    (0x25A0, 0x25FF), (0x2600, 0x27BF), (0x3000, 0x303F), (0x3200, 0x33FF),
    (0xFE30, 0xFE4F), (0xFF00, 0xFFEF),
)  # fmt: skip

_HB_CDEF = """
typedef struct hb_blob_t hb_blob_t;
typedef struct hb_face_t hb_face_t;
typedef struct hb_set_t hb_set_t;
typedef struct hb_subset_input_t hb_subset_input_t;
typedef uint32_t hb_codepoint_t;
hb_blob_t *hb_blob_create_from_file (const char *file_name);
void hb_blob_destroy (hb_blob_t *blob);
unsigned int hb_blob_get_length (hb_blob_t *blob);
const char *hb_blob_get_data (hb_blob_t *blob, unsigned int *length);
hb_face_t *hb_face_create (hb_blob_t *blob, unsigned int index);
void hb_face_destroy (hb_face_t *face);
unsigned int hb_face_get_glyph_count (const hb_face_t *face);
hb_blob_t *hb_face_reference_blob (hb_face_t *face);
void hb_set_add (hb_set_t *set, hb_codepoint_t codepoint);
void hb_set_add_range (hb_set_t *set, hb_codepoint_t first, hb_codepoint_t last);
"""
_HB_SUBSET_CDEF = """
typedef struct hb_face_t hb_face_t;
typedef struct hb_set_t hb_set_t;
typedef struct hb_subset_input_t hb_subset_input_t;
hb_subset_input_t *hb_subset_input_create_or_fail (void);
void hb_subset_input_destroy (hb_subset_input_t *input);
hb_set_t *hb_subset_input_unicode_set (hb_subset_input_t *input);
hb_face_t *hb_subset_or_fail (hb_face_t *source, const hb_subset_input_t *input);
"""


def _compact_codepoints() -> set[int]:
    codepoints = set()
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                codepoints.add(ord(bytes((high, low)).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return codepoints


def _system_font(pattern: str) -> tuple[str, int] | None:
    """(file, face index) fontconfig picks for ``pattern``, if it is that family."""
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return None
    result = subprocess.run(  # noqa: S603, RUF100 - fixed argv, no shell
        [fc_match, "--format", "%{file}\t%{index}\t%{family}", pattern],
        capture_output=True, text=True, timeout=30, check=False)  # fmt: skip
    try:
        path, index, families = result.stdout.split("\t")
    except ValueError:
        return None
    family = pattern.split(":")[0]
    if family not in (name.strip() for name in families.split(",")):
        return None
    return path, int(index)


def build_compact_font(pattern: str = COMPACT_SOURCE) -> bytes | None:
    """A HarfBuzz subset of the system Noto Serif CJK SC: GB 2312 + symbols.

    Noto Serif CJK is a 65 535-glyph pan-CJK font.  WeasyPrint subsets the
    embedded font per PDF keeping glyph ids (so it processes all 65 535
    glyphs), then compresses the result: about 30 ms and 100 KB per document
    whatever its length.  This compact font has ~14 500 glyphs with the same
    outlines and metrics, so that work shrinks fourfold.  Characters outside
    it (rare name characters beyond GB 2312) fall back to the full Noto font
    through the font-family list in print.css, and still print correctly.

    Takes ~0.3 s once per process.  Returns None (and the documents use the
    full font) if the font or libharfbuzz-subset is missing.
    """
    source = _system_font(pattern)
    if source is None or not harfbuzz_subset_available():
        return None
    ffi = cffi.FFI()
    ffi.cdef(_HB_CDEF)
    subset_ffi = cffi.FFI()
    subset_ffi.cdef(_HB_SUBSET_CDEF)
    try:
        hb = ffi.dlopen("libharfbuzz.so.0")
        hb_subset = subset_ffi.dlopen("libharfbuzz-subset.so.0")
    except OSError:
        return None
    blob = hb.hb_blob_create_from_file(source[0].encode())
    face = hb.hb_face_create(blob, source[1])
    subset_input = hb_subset.hb_subset_input_create_or_fail()
    try:
        if subset_input == subset_ffi.NULL or hb.hb_blob_get_length(blob) == 0:
            return None
        unicodes = ffi.cast("hb_set_t *", hb_subset.hb_subset_input_unicode_set(subset_input))
        for first, last in COMPACT_RANGES:
            hb.hb_set_add_range(unicodes, first, last)
        for codepoint in _compact_codepoints():
            hb.hb_set_add(unicodes, codepoint)
        result = hb_subset.hb_subset_or_fail(subset_ffi.cast("hb_face_t *", face), subset_input)
        if result == subset_ffi.NULL:
            return None
        result = ffi.cast("hb_face_t *", result)
        result_blob = hb.hb_face_reference_blob(result)
        length = ffi.new("unsigned int *")
        data = hb.hb_blob_get_data(result_blob, length)
        font = ffi.unpack(data, length[0]) if data != ffi.NULL else None
        hb.hb_blob_destroy(result_blob)
        hb.hb_face_destroy(result)
        return font or None
    finally:
        if subset_input != subset_ffi.NULL:
            hb_subset.hb_subset_input_destroy(subset_input)
        hb.hb_face_destroy(face)
        hb.hb_blob_destroy(blob)


class _CompactFontFetcher(URLFetcher):
    """Serves the in-memory compact font to WeasyPrint's @font-face loader."""

    url = "assist-font:/compact-serif-sc.otf"

    def __init__(self, font: bytes):
        super().__init__(allowed_protocols=("assist-font",), allow_redirects=False)
        self._font = font

    def fetch(self, url, headers=None):
        if url != self.url:
            raise AssetRefusedError(f"refused to fetch {_short(url)}")
        return URLFetcherResponse(url, body=self._font, headers={"Content-Type": "font/otf"})


def _register_compact_font(font_config: FontConfiguration) -> bool:
    font = build_compact_font() if USE_COMPACT_FONT else None
    if font is None:
        if USE_COMPACT_FONT:
            logger.info("compact CJK font unavailable; PDFs embed the full Noto font")
        return False
    fetcher = _CompactFontFetcher(font)
    weasyprint.CSS(
        string=f'@font-face {{ font-family: "{COMPACT_FAMILY}"; src: url("{fetcher.url}") }}',
        url_fetcher=fetcher, font_config=font_config)  # fmt: skip
    # WeasyPrint writes @font-face files to a temporary folder it removes in
    # FontConfiguration.__del__, which may not run at interpreter exit.
    folder = getattr(font_config, "_folder", None)
    if folder is not None:
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return True


@functools.lru_cache(maxsize=8)
def _static_root_checked(static_root: pathlib.Path) -> pathlib.Path:
    return static_root.resolve(strict=True)


def get_print_css(static_root: pathlib.Path) -> weasyprint.CSS:
    """Parsed ``print/print.css`` from ``static_root``, cached per process."""
    font_config = get_font_config()
    path = static_root / PRINT_CSS
    stat = path.stat()
    key = (os.getpid(), str(path), stat.st_mtime_ns, stat.st_size)
    css = _css_cache.get(key)
    if css is None:
        fetcher = StaticOnlyURLFetcher(static_root)
        css = weasyprint.CSS(
            url=f"{ASSET_SCHEME}:/{PRINT_CSS}", url_fetcher=fetcher, font_config=font_config
        )
        for old in [k for k in _css_cache if k[1] == str(path)]:
            del _css_cache[old]
        _css_cache[key] = css
    return css


def warm_up(static_root: pathlib.Path) -> None:
    """Create the process's font configuration and stylesheet, and lay out a
    little CJK text so Pango/fontconfig caches are filled before the first
    real request (or in each worker of a process pool)."""
    render_pdf(
        "<html><body><h1>预热</h1><p>困难职工帮扶中心 人民币壹仟伍佰元整 0123456789</p>"
        "<table><thead><tr><th>项目</th></tr></thead><tbody><tr><td>金额</td></tr>"
        "</tbody></table></body></html>",
        static_root=static_root,
    )


# --------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------


def render_pdf(
    html: str,
    *,
    static_root: pathlib.Path,
    base_url: str = f"{ASSET_SCHEME}:/",
    url_fetcher: StaticOnlyURLFetcher | None = None,
    strict: bool = True,
) -> bytes:
    """Render an HTML string to PDF bytes.

    ``static_root`` is the directory holding ``print/print.css`` and any
    images the templates use; nothing outside it can be read.  Relative URLs
    in the HTML resolve against ``base_url`` (``assist-static:/``).

    ``url_fetcher`` may be passed to audit fetches (see
    :attr:`StaticOnlyURLFetcher.attempts`); it must be a
    :class:`StaticOnlyURLFetcher`.  With ``strict`` (the default) any asset
    that cannot be fetched raises :class:`PdfAssetError`; otherwise WeasyPrint
    logs the error and renders without it.
    """
    static_root = _static_root_checked(pathlib.Path(static_root))
    if url_fetcher is None:
        url_fetcher = StaticOnlyURLFetcher(static_root, fail_on_errors=strict)
    elif not isinstance(url_fetcher, StaticOnlyURLFetcher):
        raise TypeError("url_fetcher must be a StaticOnlyURLFetcher")
    else:
        url_fetcher._fail_on_errors = strict
    with _lock:
        weasyprint_patches.install()
        font_config = get_font_config()
        stylesheet = get_print_css(static_root)
        # WeasyPrint allocates hundreds of thousands of short-lived objects per
        # document; with the default gen-0 threshold (700) the cyclic GC runs
        # hundreds of times, each time walking the young generation.
        thresholds = gc.get_threshold()
        if GC_THRESHOLD:
            gc.set_threshold(max(thresholds[0], GC_THRESHOLD), *thresholds[1:])
        missing = _MissingGlyphCollector()
        weasyprint.LOGGER.addHandler(missing)
        try:
            document = _PrintHTML(string=html, base_url=base_url, url_fetcher=url_fetcher)
            return document.write_pdf(
                stylesheets=[stylesheet], font_config=font_config, finisher=_compress_streams
            )
        except FatalURLFetchingError as exc:
            # A BaseException in WeasyPrint: turn it into an ordinary error.
            raise PdfAssetError(str(exc)) from exc.__cause__
        finally:
            gc.set_threshold(*thresholds)
            weasyprint.LOGGER.removeHandler(missing)
            if missing.characters:
                # Never print boxes silently: name the characters.
                logger.error(
                    "PDF printed %d character(s) as empty boxes, no installed font has "
                    "them: %s (check %s is installed; other scripts need their own fonts)",
                    len(missing.characters),
                    " ".join(f"U+{ord(c[0]):04X}" for c in dict.fromkeys(missing.characters) if c),
                    FONT_PACKAGE,
                )
