"""The PDF engine's patches to WeasyPrint, in one place.

Each patch replaces one WeasyPrint internal with a faster equivalent and falls back to the
stock code for anything it was not written for. Internals change between releases, so the
patches install only on the exact WeasyPrint they were written against (`PINNED_VERSION`,
the version requirements.txt pins): on any other version the engine runs stock WeasyPrint,
slower but correct, and says so at start-up and on /healthz. The switches that turn a patch's
fast path off for measurement stay in `assist.documents.pdf` (`bench/pdf_bench.py
--ablation`); `uninstall` restores the stock code (tests compare the output both ways).
"""

from __future__ import annotations

import logging
import sys

import weasyprint

logger = logging.getLogger(__name__)

#: The WeasyPrint release the patches were written against — exactly, not any 70.x.
PINNED_VERSION = "70.0"

#: The stock attributes each installed patch replaced, to restore them.
_stock: dict[str, object] = {}


def _switch(name: str) -> bool:
    """A fast path's switch in `assist.documents.pdf` (on unless the benchmark turned it off)."""
    engine = sys.modules.get("assist.documents.pdf")
    return getattr(engine, name, True)


class _AllOn:
    FAST_PDF_OPERANDS = FAST_PERCENTAGES = True


def _switches():
    """Where the hot patches read their switch per call (an attribute, no function call):
    the engine module, or all on when it is not loaded."""
    return sys.modules.get("assist.documents.pdf") or _AllOn


def install() -> dict[str, bool]:
    """Install the patches once per process, on the pinned WeasyPrint only; say which are on."""
    if weasyprint.__version__ != PINNED_VERSION:
        return {name: False for name in PATCHES}
    return {name: patch() for name, patch in PATCHES.items()}


def uninstall() -> None:
    """Put WeasyPrint's own code back (for comparing output with and without the patches)."""
    import pydyf
    from weasyprint.layout import percent
    from weasyprint.pdf import fonts as pdf_fonts
    from weasyprint.text import line_break

    if "_harfbuzz_subset" in _stock:
        pdf_fonts.Font._harfbuzz_subset = _stock.pop("_harfbuzz_subset")
    for name in ("deactivate", "reactivate"):
        if name in _stock:
            setattr(line_break.Layout, name, _stock.pop(name))
    if "_to_bytes" in _stock:
        pydyf._to_bytes = _stock.pop("_to_bytes")
    if "resolve_one_percentage" in _stock:
        percent.resolve_one_percentage = _stock.pop("resolve_one_percentage")


def active() -> list[str]:
    """The names of the patches installed in this process."""
    installed = {
        "single_pass_subset": "_harfbuzz_subset",
        "kept_text_layouts": "deactivate",
        "fast_pdf_operands": "_to_bytes",
        "fast_percentages": "resolve_one_percentage",
    }
    return [name for name, key in installed.items() if key in _stock]


def report() -> dict:
    """Install the patches and log which are active; the summary /healthz shows."""
    state = install()
    on = [name for name, is_on in state.items() if is_on]
    if weasyprint.__version__ != PINNED_VERSION:
        logger.warning(
            "WeasyPrint %s is not the pinned %s: the PDF engine's patches are off and PDFs "
            "render with stock WeasyPrint (correct, slower). Install weasyprint==%s.",
            weasyprint.__version__,
            PINNED_VERSION,
            PINNED_VERSION,
        )
    else:
        logger.info(
            "WeasyPrint %s: PDF engine patches active: %s",
            weasyprint.__version__,
            ", ".join(on) or "none",
        )
    return {"pinned": PINNED_VERSION, "active": on}


_SUBSET_DROP_TABLES = (
    b"BASE",
    b"DSIG",
    b"EBDT",
    b"EBLC",
    b"EBSC",
    b"GPOS",
    b"GSUB",
    b"JSTF",
    b"LTSH",
    b"PCLT",
    b"SVG ",
)


def _single_pass_subset() -> bool:
    """Make WeasyPrint subset big CJK fonts in one HarfBuzz pass, not two.

    WeasyPrint 70 subsets each embedded font twice: first keeping the used
    glyphs at their original ids (``RETAIN_GIDS``), then again keeping glyph
    ids ``0..max(used)`` to drop the empty tail.  For Noto CJK (65 535 glyphs)
    the Chinese glyphs sit near the end, so the second pass drops almost
    nothing yet costs as much as the first (~18 ms per face per document).
    For such fonts we keep the first pass's output, which is exactly what the
    stock code feeds into its second pass (CFF hints stay in: a few KB);
    other fonts go through the stock code.
    """
    from weasyprint.pdf import fonts as pdf_fonts
    from weasyprint.text.ffi import ffi, harfbuzz, harfbuzz_subset
    from weasyprint.text.fonts import get_hb_object_data

    font_class = pdf_fonts.Font
    if "_harfbuzz_subset" in _stock:
        return True
    if harfbuzz_subset is None or not hasattr(font_class, "_harfbuzz_subset"):
        return False
    stock = _stock["_harfbuzz_subset"] = font_class._harfbuzz_subset

    def _harfbuzz_subset(self, to_unicode, hinting):
        if (
            not _switch("SINGLE_PASS_SUBSET")
            or not to_unicode
            or max(to_unicode) + 1 < 0.9 * self.glyph_count
        ):
            return stock(self, to_unicode, hinting)
        subset_input = ffi.gc(
            harfbuzz_subset.hb_subset_input_create_or_fail(),
            harfbuzz_subset.hb_subset_input_destroy,
        )
        gid_set = harfbuzz_subset.hb_subset_input_glyph_set(subset_input)
        gids = sorted(to_unicode)
        harfbuzz.hb_set_add_sorted_array(
            gid_set, ffi.new(f"hb_codepoint_t[{len(gids)}]", gids), len(gids)
        )
        flags = (
            harfbuzz_subset.HB_SUBSET_FLAGS_RETAIN_GIDS
            | harfbuzz_subset.HB_SUBSET_FLAGS_PASSTHROUGH_UNRECOGNIZED
            | harfbuzz_subset.HB_SUBSET_FLAGS_DESUBROUTINIZE
        )
        if self.missing:
            flags |= harfbuzz_subset.HB_SUBSET_FLAGS_NOTDEF_OUTLINE
        harfbuzz_subset.hb_subset_input_set_flags(subset_input, flags)
        drop_set = harfbuzz_subset.hb_subset_input_set(
            subset_input, harfbuzz_subset.HB_SUBSET_SETS_DROP_TABLE_TAG
        )
        tags = sorted(harfbuzz.hb_tag_from_string(tag, -1) for tag in _SUBSET_DROP_TABLES)
        harfbuzz.hb_set_add_sorted_array(
            drop_set, ffi.new(f"hb_codepoint_t[{len(tags)}]", tags), len(tags)
        )
        hb_face = ffi.gc(
            harfbuzz_subset.hb_subset_or_fail(self.hb_face, subset_input), harfbuzz.hb_face_destroy
        )
        if hb_face:
            file_content = get_hb_object_data(hb_face)
            if file_content:
                self.file_content = file_content
                return None
        return stock(self, to_unicode, hinting)

    font_class._harfbuzz_subset = _harfbuzz_subset
    return True


def _kept_text_layouts() -> bool:
    """Let WeasyPrint draw text with the Pango layout it used for line breaking.

    WeasyPrint 70 drops ("deactivates") every text box's Pango layout once
    the line is broken and rebuilds it when drawing: a new Pango context and
    layout, the text set and shaped again.  For a case file that is ~450
    layouts rebuilt, about 10 ms.  Here the layout is kept on deactivation
    and handed back on reactivation when nothing that affects drawing can
    differ: same style object and no justification spacing (which is only
    added at drawing time).  Otherwise WeasyPrint's own code runs.  The
    benchmark sample renders to a byte-identical PDF either way.
    """
    from weasyprint.text import line_break

    layout_class = line_break.Layout
    if "deactivate" in _stock:
        return True
    if not all(hasattr(layout_class, name) for name in ("deactivate", "reactivate", "setup")):
        return False
    stock_deactivate = _stock["deactivate"] = layout_class.deactivate
    stock_reactivate = _stock["reactivate"] = layout_class.reactivate

    def deactivate(self):
        if _switch("KEEP_TEXT_LAYOUTS"):
            self._assist_kept = (self.layout, self.language, self.style)
        stock_deactivate(self)

    def reactivate(self, style):
        kept = self.__dict__.pop("_assist_kept", None)
        if kept is not None and kept[2] is style and not self.justification_spacing:
            self.layout, self.language, self.style = kept
            return
        stock_reactivate(self, style)

    layout_class.deactivate = deactivate
    layout_class.reactivate = reactivate
    return True


def _fast_pdf_operands() -> bool:
    """Write the numbers of the PDF drawing operators without pydyf's generic conversion.

    pydyf turns every operand of every drawing operator (``re``, ``m``, ``l``, ``Tf``, ``Tm``…)
    into bytes with ``_to_bytes``: an ``isinstance`` chain, then ``str()`` and ``.encode()``.
    A case file has ~16,000 operands, nearly all ``float`` or ``int``; bytes ``%``-formatting
    gives the same bytes with less work (with the next patch, ~7 ms or 4 % of a case file's
    CPU, measured interleaved in one process). ``%d`` is what
    ``str(int(x))`` writes, ``%f`` what ``f"{x:f}"`` writes; anything that is not exactly a
    bytes, float, int or str (bool, Object…) goes through pydyf's own function; a str is
    encoded as pydyf does, ``str(item).encode("ascii")``. The output is
    byte-identical (test_weasyprint_patches compares the PDFs).
    """
    import pydyf

    if "_to_bytes" in _stock:
        return True
    stock = _stock["_to_bytes"] = pydyf._to_bytes
    switches = _switches()

    def _to_bytes(item, _bytes=bytes, _float=float, _int=int, _str=str):
        kind = type(item)
        if kind is _bytes:
            return item
        if not switches.FAST_PDF_OPERANDS:
            return stock(item)
        if kind is _float:
            if item.is_integer():
                return b"%d" % item
            return (b"%f" % item).rstrip(b"0")
        if kind is _int:
            return b"%d" % item
        if kind is _str:
            return item.encode("ascii")
        return stock(item)

    pydyf._to_bytes = _to_bytes
    return True


def _fast_percentages() -> bool:
    """Resolve a box's lengths without WeasyPrint's generic `percentage` for plain values.

    `resolve_percentages` runs for every box at every layout pass (~1,500 times and ~20,000
    lengths per case file, table cells laid out more than once). WeasyPrint's
    `resolve_one_percentage` calls `percentage()`, which looks the unit up again and handles
    ``auto``, ``None`` and ``calc()``. Here a plain length (px) or percentage is resolved
    inline with the same arithmetic; ``auto``, ``None`` and ``calc()`` still go through
    `percentage()`. Byte-identical output.
    """
    from weasyprint.layout import percent

    if "resolve_one_percentage" in _stock:
        return True
    _stock["resolve_one_percentage"] = percent.resolve_one_percentage
    stock_percentage = percent.percentage
    switches = _switches()

    def resolve_one_percentage(box, property_name, refer_to):
        style = box.style
        value = style[property_name]
        unit = getattr(value, "unit", None)
        if unit is None or not switches.FAST_PERCENTAGES:
            used = stock_percentage(value, style, refer_to)
        elif unit == "%":
            used = refer_to * value.value / 100
        else:
            used = value.value
        setattr(box, property_name, used)
        if used == "auto" and property_name in ("min_width", "min_height"):
            setattr(box, property_name, 0)

    percent.resolve_one_percentage = resolve_one_percentage
    return True


#: Every patch by name, in the order they install.
PATCHES = {
    "single_pass_subset": _single_pass_subset,
    "kept_text_layouts": _kept_text_layouts,
    "fast_pdf_operands": _fast_pdf_operands,
    "fast_percentages": _fast_percentages,
}
