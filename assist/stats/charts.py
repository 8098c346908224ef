"""Server-side SVG charts (pygal), drawn to print well and to be read without colour.

pygal is kept behind this module: its default tooltip script comes from a public CDN, so
`js=[]`; its guides default to heavy black dashes on paper, so they are thin and grey. Every
bar carries its label on the axis and its value printed on it, and a second series is hatched,
so colour is never the only cue. The same figures always stand beside the chart as a table.
"""

import re

import pygal
from markupsafe import Markup
from pygal.style import Style

from assist.core.money import format_yuan

FONT = "'Noto Sans CJK SC', 'Noto Sans SC', 'Source Han Sans SC', sans-serif"

PRINT_STYLE = Style(
    background="white",
    plot_background="white",
    foreground="#222",
    foreground_strong="#000",
    foreground_subtle="#999",
    guide_stroke_color="#ddd",
    major_guide_stroke_color="#bbb",
    guide_stroke_dasharray="1,0",
    major_guide_stroke_dasharray="1,0",
    colors=("#9ecae1", "#8c5a00"),
    font_family=FONT,
    label_font_family=FONT,
    major_label_font_family=FONT,
    value_font_family=FONT,
    title_font_family=FONT,
    legend_font_family=FONT,
    label_font_size=12,
    major_label_font_size=12,
    value_font_size=11,
    title_font_size=14,
    legend_font_size=12,
    opacity="1",
    opacity_hover="1",
)

#: The second series is hatched so that it differs from the first without colour.
HATCH_DEFS = [
    '<pattern id="hatch" patternUnits="userSpaceOnUse" width="6" height="6" '
    'patternTransform="rotate(45)"><rect width="6" height="6" fill="white"/>'
    '<line x1="0" y1="0" x2="0" y2="6" stroke="#8c5a00" stroke-width="3"/></pattern>'
]
HATCH_CSS = "inline:.color-1 rect, .color-1 .reactive {fill: url(#hatch) !important}"
OUTLINE_CSS = "inline:.series rect {stroke: #1f4e79 !important; stroke-width: 1px}"
#: pygal always writes its config as an inline script; a chart needs none.
SCRIPT_RE = re.compile(r"<script\b[^>]*>.*?</script>|<script\b[^>]*/>", re.S)


def _wide_margin(labels) -> int:
    """Extra room for CJK labels: pygal measures every character as a narrow Latin one."""
    wide = max((sum(ord(ch) > 0x2E80 for ch in str(label)) for label in labels), default=0)
    return int(wide * 0.5 * PRINT_STYLE.label_font_size)


def _base(chart_class, *, title: str, money: bool, height: int, legend: bool = False, labels=()):
    return chart_class(
        style=PRINT_STYLE,
        js=[],
        title=title,
        show_legend=legend,
        legend_at_bottom=True,
        print_values=True,
        disable_xml_declaration=True,
        width=720,
        height=height,
        explicit_size=True,  # intrinsic size for <img>; CSS scales it to the column
        # a zero prints as "0", which print_zeroes=False leaves off (it would not know "0.00")
        value_formatter=(lambda v: format_yuan(int(round(v * 100))) if v else "0")
        if money
        else (lambda v: str(int(v or 0))),
        truncate_label=-1,
        truncate_legend=-1,
        margin=8,
        margin_left=8 + _wide_margin(labels),
        margin_right=8 + (28 if money else 0),  # the last money tick is centred on the edge
        print_zeroes=False,
        no_data_text="—",
        defs=HATCH_DEFS,
        css=("file://style.css", "file://graph.css", OUTLINE_CSS, HATCH_CSS),
    )


def _integer_ticks(chart, values) -> None:
    """Counts get whole-number ticks (pygal would print 0.2, 0.4… as 0, 0…)."""
    top = max([int(v or 0) for v in values] + [1])
    step = max(1, -(-top // 8))
    chart.y_labels = list(range(0, top + step, step))


def _svg(chart) -> Markup:
    svg = SCRIPT_RE.sub("", chart.render(is_unicode=True))
    return Markup(svg)  # noqa: S704 - pygal escapes the labels it writes


def _yuan(fen: int) -> float:
    return fen / 100


def bar_chart(title: str, labels: list[str], values: list[int], *, money: bool = False) -> Markup:
    """A horizontal bar per label, top to bottom in the given order, each with its value."""
    chart = _base(
        pygal.HorizontalBar,
        title=title,
        money=money,
        height=90 + 34 * max(len(labels), 1),
        labels=labels,
    )
    chart.x_labels = list(reversed(labels))
    chart.add(title, [(_yuan(v) if money else v) for v in reversed(values)])
    if not money:
        _integer_ticks(chart, values)
    return _svg(chart)


def month_chart(title: str, months: list[str], values: list[int], *, money: bool = False) -> Markup:
    """Vertical bars per month."""
    chart = _base(pygal.Bar, title=title, money=money, height=300)
    chart.x_labels = months
    chart.x_label_rotation = -45 if len(months) > 12 else 0
    chart.add(title, [(_yuan(v) if money else v) for v in values])
    if not money:
        _integer_ticks(chart, values)
    return _svg(chart)


def pair_chart(title: str, labels: list[str], series: list[tuple[str, list[int]]]) -> Markup:
    """Two money series per label (e.g. allocated against paid), the second hatched."""
    chart = _base(
        pygal.HorizontalBar,
        title=title,
        money=True,
        height=110 + 50 * max(len(labels), 1),
        legend=True,
        labels=labels,
    )
    chart.x_labels = list(reversed(labels))
    for name, values in series:
        chart.add(name, [_yuan(v) for v in reversed(values)])
    return _svg(chart)
