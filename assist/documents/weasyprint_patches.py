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

import importlib
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
    FAST_PDF_OPERANDS = FAST_PERCENTAGES = CACHED_PERCENTAGES = CACHED_STRUTS = (
        PLAIN_BACKGROUNDS
    ) = True


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
    if "resolve_percentages" in _stock:
        stock = _stock.pop("resolve_percentages")
        for module in _percentage_users():
            module.resolve_percentages = stock
    if "strut" in _stock:
        stock = _stock.pop("strut")
        for module in _strut_users():
            module.strut = stock
    if "set_computed_styles" in _stock:
        css = importlib.import_module("weasyprint.css")
        css.StyleFor.set_computed_styles = _stock.pop("set_computed_styles")
    if "setup" in _stock:
        line_break.Layout.setup = _stock.pop("setup")
    if "layout_box_backgrounds" in _stock:
        background = importlib.import_module("weasyprint.layout.background")
        background.layout_box_backgrounds = _stock.pop("layout_box_backgrounds")


def active() -> list[str]:
    """The names of the patches installed in this process."""
    installed = {
        "single_pass_subset": "_harfbuzz_subset",
        "kept_text_layouts": "deactivate",
        "fast_pdf_operands": "_to_bytes",
        "fast_percentages": "resolve_one_percentage",
        "cached_percentages": "resolve_percentages",
        "cached_struts": "strut",
        "plain_backgrounds": "layout_box_backgrounds",
        "shared_styles": "set_computed_styles",
        "cached_font_setup": "setup",
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


#: What `resolve_percentages` sets on a box with separated borders: every value it writes.
_USED_VALUES = (
    "margin_left",
    "margin_right",
    "margin_top",
    "margin_bottom",
    "padding_left",
    "padding_right",
    "padding_top",
    "padding_bottom",
    "width",
    "min_width",
    "max_width",
    "height",
    "min_height",
    "max_height",
    "border_top_width",
    "border_right_width",
    "border_bottom_width",
    "border_left_width",
)


def _percentage_users():
    """The WeasyPrint modules that call `resolve_percentages` under their own name (``from
    .percent import resolve_percentages``); flex calls it through `percent`."""
    names = ("percent", "absolute", "block", "column", "float", "grid", "inline", "page", "table")
    return tuple(importlib.import_module(f"weasyprint.layout.{name}") for name in names)


def _cached_percentages() -> bool:
    """Give a box the used margins, paddings, sizes and borders computed for the last box
    with the same style object, box class and containing block size, without resolving them
    again.

    `resolve_percentages` runs ~1,460 times per case file (every box at every layout pass,
    table rows, cells and their text and line boxes) and writes 18 used values each time from
    ~25 style look-ups; only ~430 of those calls have inputs not seen before (the cells of one
    column share a style and a width, a cell's text and line boxes share their parent's
    anonymous style). With separated borders those values depend only on the style, the
    containing block's width and height and whether the box is a page box (the class is in
    the key): the first call runs WeasyPrint's own function and the values it wrote are kept
    on the style object (a style's copy starts without them); later calls copy them onto the
    box. Not cached, so WeasyPrint's own code runs every time: collapsed borders (their widths
    come from the box, not the style), a zero or missing containing-block size (so -0.0 and
    0 never share an entry), and anything that is not a WeasyPrint box. Byte-identical output.
    """
    from weasyprint.formatting_structure import boxes
    from weasyprint.layout import percent

    if "resolve_percentages" in _stock:
        return True
    users = _percentage_users()
    stock = _stock["resolve_percentages"] = percent.resolve_percentages
    box_class = boxes.Box
    switches = _switches()
    names = _USED_VALUES

    def resolve_percentages(box, containing_block):
        if isinstance(containing_block, box_class):
            cb_width = containing_block.width
            cb_height = containing_block.height
        else:
            cb_width, cb_height = containing_block
        if not (cb_width and cb_height and switches.CACHED_PERCENTAGES):
            return stock(box, containing_block)
        style = box.style
        key = (box.__class__, cb_width, cb_height)
        cache = style.__dict__.get("_assist_used")
        if cache is not None:
            used = cache.get(key)
            if used is not None:
                box.__dict__.update(used)
                return None
        stock(box, containing_block)
        if isinstance(box, box_class) and style["border_collapse"] != "collapse":
            values = box.__dict__
            if cache is None or len(cache) >= 64:  # styles now live across documents
                cache = style.__dict__["_assist_used"] = {}
            cache[key] = {name: values[name] for name in names}
        return None

    for module in users:
        module.resolve_percentages = resolve_percentages
    return True


def _strut_users():
    """The WeasyPrint modules that call `strut` under their own name."""
    names = ("text.line_break", "layout.inline", "css.units", "css.computed_values")
    return tuple(importlib.import_module(f"weasyprint.{name}") for name in names)


def _cached_struts() -> bool:
    """Keep a style's strut (used line height and baseline) on the style object.

    `strut(style)` runs ~750 times per case file (every line box, every inline and text box,
    ``lh`` units and line-height computations) and each time builds its cache key by turning
    a tuple of 16 style values into a string (`_font_style_cache_key`) before finding the
    answer in the font configuration's cache. The answer depends only on those style values,
    so the first answer for a style object is kept on it and returned for that style again
    (a copied style, as for ``::first-line``, starts without it). Byte-identical output.
    """
    from weasyprint.text import line_break

    if "strut" in _stock:
        return True
    users = _strut_users()
    stock = _stock["strut"] = line_break.strut
    switches = _switches()

    def strut(style):
        if switches.CACHED_STRUTS:
            try:
                kept = style.__dict__
            except AttributeError:
                return stock(style)
            result = kept.get("_assist_strut")
            if result is None:
                result = kept["_assist_strut"] = stock(style)
            return result
        return stock(style)

    for module in users:
        module.strut = strut
    return True


_RADII = ("border_top_left_radius", "border_top_right_radius")
_RADII += ("border_bottom_right_radius", "border_bottom_left_radius")
_ZERO_RADII = dict.fromkeys(_RADII, (0, 0))


def _plain_backgrounds() -> bool:
    """Give a box that draws no background, border image, mask or shadow and has square
    corners its used radii and its (empty) background in one step.

    Before drawing, `layout_box_backgrounds` runs for every box of every page (~1,250 per
    case file): per corner it formats the property name and resolves the radius, then reads
    ~12 style values and the background colour to find, for nearly every box, that there is
    nothing to draw (``box.background = None``). Those findings depend only on the style, so
    they are worked out once per style object, with WeasyPrint's own tests: each corner has a
    zero radius (WeasyPrint then sets it to ``(0, 0)``), no border image or mask border, no box
    shadow, and either ``visibility: hidden`` or a transparent background colour with no
    background image (an image given by URL is never plain: WeasyPrint fetches it). Such a
    box gets ``(0, 0)`` radii, its children are laid out as before, and ``background = None``.
    The page box, the canvas call (an explicit style) and every other style go through
    WeasyPrint's own function. Byte-identical output.
    """
    from weasyprint.draw.color import get_color
    from weasyprint.layout import background

    if "layout_box_backgrounds" in _stock:
        return True
    stock = _stock["layout_box_backgrounds"] = background.layout_box_backgrounds
    switches = _switches()
    zero = (0, "px")

    def is_plain(style):
        return (
            all(zero in style[name] for name in _RADII)
            and style["border_image_source"][0] == "none"
            and style["mask_border_source"][0] == "none"
            and not style["box_shadow"]
            and (
                style["visibility"] == "hidden"
                or (
                    all(kind != "url" and not value for kind, value in style["background_image"])
                    and get_color(style, "background_color").alpha == 0
                )
            )
        )

    def layout_box_backgrounds(page, box, get_image_from_uri, layout_children=True, style=None):
        if style is None and box is not page and switches.PLAIN_BACKGROUNDS:
            box_style = box.style
            kept = box_style.__dict__
            plain = kept.get("_assist_plain")
            if plain is None:
                plain = kept["_assist_plain"] = is_plain(box_style)
            if plain:
                box.__dict__.update(_ZERO_RADII)
                if layout_children:
                    for child in box.all_children():
                        layout_box_backgrounds(page, child, get_image_from_uri)
                box.background = None
                return None
        return stock(page, box, get_image_from_uri, layout_children, style)

    background.layout_box_backgrounds = layout_box_backgrounds
    return True


#: Computed styles shared between documents: {font configuration: {key: entry}} (see
#: _shared_styles). At most 8 font configurations and 4,000 styles each (a case file has ~70).
_shared_styles_cache: dict[tuple, dict[tuple, tuple]] = {}
_SHARED_STYLES_MAX = 4_000


def _same_value(a, b) -> bool:
    """``a`` and ``b`` are the same cascaded value: the same object, or equal values of exactly
    the same types all the way down (so ``1`` and ``1.0`` differ)."""
    if a is b:
        return True
    kind = type(a)
    if kind is not type(b):
        return False
    if isinstance(a, tuple):
        return len(a) == len(b) and all(map(_same_value, a, b))
    if kind in (str, int, float, bool):
        return a == b
    return False


def _mentions_viewport(value, units) -> bool:
    """``value`` (a cascaded value, token or tuple of them) has a viewport unit somewhere."""
    unit = getattr(value, "unit", None)  # a Dimension (a tuple) or a dimension token
    if isinstance(unit, str) and unit.lower() in units:
        return True
    if isinstance(value, (tuple, list, set)):
        return any(_mentions_viewport(item, units) for item in value)
    inner = getattr(value, "arguments", None) or getattr(value, "tokens", None)
    return inner is not None and _mentions_viewport(inner, units)


def _shared_styles() -> bool:
    """Let the next document reuse a computed style that an earlier one computed from the same
    inputs, with all the values already computed in it.

    WeasyPrint computes style values lazily per document: every ``style[name]`` first read
    runs the cascade-to-computed machinery (`ComputedStyle.__missing__`, ~10,000 times per
    case file, ~12 % of its CPU, plus `check_math` and the computer functions). Within one
    document WeasyPrint already shares a style between elements with the same parent style
    and the same matched rules. A `ComputedStyle` is a pure function of what it is built
    from: its parent style, the root element's style, the pseudo-element (or page margin
    box) it is for, the cascaded values, the base URL and the font configuration (and, for
    viewport units, the first page's size); the engine renders every document with the same
    cached font configuration, so the same template yields the same styles in every
    document. Here the style of an element, pseudo-element, page or margin box is
    reused (from an earlier document, or an earlier page or element of this one) when all of
    these are the same objects (the parent's and root's styles being themselves reused) and
    its cascaded values are the same objects or equal values of the same types, with equal
    cascade weights (``lang`` and ``id`` attributes are parsed again per document; a list,
    set or dict value, as the background longhands are, must be the very same object, which
    the stored entry keeps alive so that its id cannot be reused). The stylesheets need not
    be the same objects: a template's own ``<style>`` is parsed again for every document and
    its values compare equal (the weights say which rule won). Never shared:
    a style with a viewport unit (``vw``…) among its cascaded values, footnotes, ``leader()``
    content and ``::marker``/footnote pseudo-elements (WeasyPrint writes into their
    anonymous styles), and elements with another unhashable cascaded value. Where WeasyPrint
    writes into an element's style after building it, the write is checked: ``overflow`` of
    ``<html>``/``<body>`` (moved to the viewport) and ``display`` (when there is no root box)
    must still have the value they had when stored. The ``anchor`` of the element is
    collected as WeasyPrint does. Byte-identical output: a test prints different case files
    in turn with it and compares each with a render without it.
    """
    from weasyprint import css
    from weasyprint.css.units import VIEWPORT_UNITS

    if "set_computed_styles" in _stock:
        return True
    style_for_class = css.StyleFor
    stock = _stock["set_computed_styles"] = style_for_class.set_computed_styles
    switches = _switches()
    cache_for = _shared_styles_cache
    same = _same_value
    unhashable = (list, set, dict)  # the stylesheets' own objects, kept alive by the entry
    # WeasyPrint writes into the anonymous style of markers and footnote calls and markers
    unshared = ("marker", "footnote-call", "footnote-marker")

    def set_computed_styles(
        self, element, parent, root=None, pseudo_type=None, base_url=None, target_collector=None
    ):
        if pseudo_type in unshared or not switches.SHARED_STYLES:
            return stock(self, element, parent, root, pseudo_type, base_url, target_collector)
        computed_styles = self._computed_styles
        if element == root and pseudo_type is None:
            parent_id = root_id = None
        else:
            parent_id = id(computed_styles[parent, None])
            root_id = id(computed_styles[root, None])
        cascaded = self._cascaded_styles.get((element, pseudo_type), {})
        try:
            key = (
                parent_id,
                root_id,
                pseudo_type,
                base_url,
                tuple(
                    (name, id(value) if value.__class__ in unhashable else value)
                    for name, (value, _weight) in cascaded.items()
                ),
            )
            styles = cache_for.get(self.font_config)
            entry = None if styles is None else styles.get(key)
        except TypeError:  # an unhashable cascaded value
            return stock(self, element, parent, root, pseudo_type, base_url, target_collector)
        if (
            entry is not None
            and entry[0]["overflow"] == entry[2]
            and entry[0]["display"] == entry[3]
            and len(entry[1]) == len(cascaded)
            and all(
                name in entry[1]
                and same(value, entry[1][name][0])
                and weight == entry[1][name][1]  # (pages' weights hold lists: not in the key)
                for name, (value, weight) in cascaded.items()
            )
        ):
            computed = computed_styles[element, pseudo_type] = entry[0]
            if target_collector and computed["anchor"]:
                target_collector.collect_anchor(computed["anchor"])
            return None
        stock(self, element, parent, root, pseudo_type, base_url, target_collector)
        computed = computed_styles[element, pseudo_type]
        content = computed["content"]
        if computed["float"] == "footnote" or (
            content not in ("normal", "none") and any(part[0] == "leader()" for part in content)
        ):
            return None  # WeasyPrint writes into these styles (or their anonymous ones)
        if any(_mentions_viewport(value, VIEWPORT_UNITS) for value, _weight in cascaded.values()):
            return None  # resolved against this document's first page
        if styles is None:
            if len(cache_for) >= 8:
                cache_for.clear()
            styles = cache_for[self.font_config] = {}
        elif len(styles) >= _SHARED_STYLES_MAX:
            styles.clear()
        styles[key] = (computed, cascaded, computed["overflow"], computed["display"])
        return None

    style_for_class.set_computed_styles = set_computed_styles
    return True


def _cached_font_setup() -> bool:
    """Set up a text layout from what its style gave the last time, not from the style again.

    WeasyPrint's `Layout.setup` runs for every text layout (~760 per case file: line breaking,
    struts, drawing) and each time reads ~20 style values to build a new Pango font
    description, the OpenType feature string, the base direction and the language. Those
    depend only on the style, so they are worked out once per style object with WeasyPrint's
    own code (`get_font_description`, `font_features`, the same language lookup; Pango
    languages are interned for the life of the process, and Pango copies the description
    into each layout) and kept on the style. Every layout still gets its own new Pango
    context and layout, set up by the same calls in the same order. A style with text
    decorations (which reads font metrics from the context) goes through WeasyPrint's own
    `setup`. Byte-identical output.
    """
    from weasyprint.text import line_break
    from weasyprint.text.constants import LST_TO_ISO, PANGO_DIRECTION
    from weasyprint.text.ffi import ffi, gobject, pango, unicode_to_char_p
    from weasyprint.text.fonts import font_features, get_font_description

    layout_class = line_break.Layout
    if "setup" in _stock:
        return True
    stock = _stock["setup"] = layout_class.setup
    switches = _switches()

    def recipe(style):
        """What `setup` derives from ``style`` alone, or False to leave it to WeasyPrint."""
        if style["text_decoration_line"] != "none":
            return False
        if style["font_language_override"] != "normal":
            lang_p, lang = unicode_to_char_p(
                LST_TO_ISO.get(
                    style["font_language_override"].lower(), style["font_language_override"]
                )
            )
        elif style["lang"]:
            lang_p, lang = unicode_to_char_p(style["lang"])
        else:
            lang = None
        language = pango.pango_language_from_string(lang_p) if lang else None
        features = font_features(
            style["font_kerning"],
            style["font_variant_ligatures"],
            style["font_variant_position"],
            style["font_variant_caps"],
            style["font_variant_numeric"],
            style["font_variant_alternates"],
            style["font_variant_east_asian"],
            style["font_feature_settings"],
        )
        if features:
            features = ",".join(f"{key} {value}" for key, value in features.items()).encode()
        return (
            PANGO_DIRECTION[style["direction"]],
            language,
            get_font_description(style),
            features or None,
        )

    def setup(self, style):
        if not switches.CACHED_FONT_SETUP:
            return stock(self, style)
        kept = style.__dict__
        made = kept.get("_assist_setup")
        if made is None:
            made = kept["_assist_setup"] = recipe(style)
        if made is False:
            return stock(self, style)
        direction, language, font_description, features = made
        self.style = style
        self.first_line_direction = 0
        pango_context = ffi.gc(
            pango.pango_font_map_create_context(style.font_config.font_map),
            gobject.g_object_unref,
        )
        pango.pango_context_set_round_glyph_positions(pango_context, False)
        pango.pango_context_set_base_dir(pango_context, direction)
        if language is None:
            self.language = pango.pango_language_get_default()
        else:
            self.language = language
            pango.pango_context_set_language(pango_context, language)
        self.layout = ffi.gc(pango.pango_layout_new(pango_context), gobject.g_object_unref)
        pango.pango_layout_set_auto_dir(self.layout, False)
        pango.pango_layout_set_font_description(self.layout, font_description)
        self.ascent = None
        self.underline_position = None
        self.strikethrough_position = None
        if features:
            cached = style.font_config.font_features
            attr = cached.get(features)
            if attr is None:
                attr = cached[features] = pango.pango_attr_font_features_new(features)
            attr_list = pango.pango_attr_list_new()
            pango.pango_attr_list_insert(attr_list, attr)
            pango.pango_layout_set_attributes(self.layout, attr_list)
        return None

    layout_class.setup = setup
    return True


#: Every patch by name, in the order they install.
PATCHES = {
    "single_pass_subset": _single_pass_subset,
    "kept_text_layouts": _kept_text_layouts,
    "fast_pdf_operands": _fast_pdf_operands,
    "fast_percentages": _fast_percentages,
    "cached_percentages": _cached_percentages,
    "cached_struts": _cached_struts,
    "plain_backgrounds": _plain_backgrounds,
    "shared_styles": _shared_styles,
    "cached_font_setup": _cached_font_setup,
}
