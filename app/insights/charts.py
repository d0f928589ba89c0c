"""Charts as inline, accessible SVG drawn on the server by pygal.

pygal's output carries a <script> (its tooltip config) and a <style> element; the site's
Content-Security-Policy allows neither inline script nor inline style, so both are removed here and
static/css/hearth.css styles the chart's classes instead. Each chart gets a <title> and <desc>
(role="img"); the page puts the same numbers in a table next to it.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import lru_cache


SVG = "http://www.w3.org/2000/svg"
XLINK = "http://www.w3.org/1999/xlink"
ET.register_namespace("", SVG)
ET.register_namespace("xlink", XLINK)
# Drawn small and scaled by the browser: at phone width (about 340 px) the 14 px labels stay
# about 10 px; static/css/hearth.css sets the same sizes pygal laid the chart out with.
WIDTH, HEIGHT, FONT = 480, 300, 14


@lru_cache(maxsize=1)
def _style():
    # pygal loads with the first chart: a web worker that never draws one does not hold it.
    from pygal.style import Style

    return Style(label_font_size=FONT, major_label_font_size=FONT, legend_font_size=FONT, font_family="sans-serif")
DROPPED = {f"{{{SVG}}}script", f"{{{SVG}}}style", "script", "style"}


@dataclass(frozen=True)
class Chart:
    """One chart: its key (for ids), title, description, x labels and named series."""

    key: str
    title: str
    description: str
    labels: list[str]
    series: list[tuple[str, list]]
    unit: str = ""


def _clean(element: ET.Element) -> None:
    for child in list(element):
        if child.tag in DROPPED or child.tag is ET.Comment:
            element.remove(child)
        else:
            _clean(child)
    for name in [name for name in element.attrib if name == "style" or name.startswith("xmlns")]:
        del element.attrib[name]


def render_svg(chart: Chart) -> str:
    """The chart as an SVG string with no script and no inline style, labelled for screen readers."""
    return _render(chart.key, chart.title, chart.description, tuple(chart.labels),
                   tuple((name, tuple(values)) for name, values in chart.series))


# pygal needs tens of milliseconds per chart; past periods rarely change, so the same numbers
# are drawn once per process.
@lru_cache(maxsize=256)
def _render(key: str, title_text: str, description: str, labels: tuple, series: tuple) -> str:
    import pygal

    long_names = any(len(name) > 16 for name, _values in series)
    line = pygal.Line(
        width=WIDTH, height=HEIGHT, explicit_size=False, js=[], css=[], disable_xml_declaration=True, style=_style(),
        show_legend=True, legend_at_bottom=True, legend_at_bottom_columns=1 if long_names else min(3, len(series)),
        x_label_rotation=30, show_minor_x_labels=False, x_labels_major_count=6, truncate_legend=-1,
        show_dots=len(labels) <= 1, include_x_axis=True, no_prefix=True, margin=12,
        show_y_guides=True, print_values=False, classes=["pygal-chart", "insight-chart"],
    )
    line.x_labels = list(labels)
    for name, values in series:
        line.add(name, list(values))
    root = line.render_tree()
    _clean(root)
    for own_title in [child for child in root if child.tag in ("title", f"{{{SVG}}}title")]:  # pygal's "Pygal"
        root.remove(own_title)
    root.set("id", f"chart-{key}")
    root.set("role", "img")
    root.set("aria-labelledby", f"chart-{key}-title chart-{key}-desc")
    desc = ET.Element(f"{{{SVG}}}desc", {"id": f"chart-{key}-desc"})
    desc.text = description
    title = ET.Element(f"{{{SVG}}}title", {"id": f"chart-{key}-title"})
    title.text = title_text
    root.insert(0, desc)
    root.insert(0, title)
    return ET.tostring(root, encoding="unicode")
