"""Charts as inline, accessible SVG drawn on the server by pygal.

pygal's output carries a <script> (its tooltip config) and a <style> element; the site's
Content-Security-Policy allows neither inline script nor inline style, so both are removed here and
static/css/hearth.css styles the chart's classes instead. Each chart gets a <title> and <desc>
(role="img"); the page puts the same numbers in a table next to it.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

import pygal

SVG = "http://www.w3.org/2000/svg"
XLINK = "http://www.w3.org/1999/xlink"
ET.register_namespace("", SVG)
ET.register_namespace("xlink", XLINK)
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
        if child.tag in DROPPED:
            element.remove(child)
        else:
            _clean(child)
    element.attrib.pop("style", None)


def render_svg(chart: Chart) -> str:
    """The chart as an SVG string with no script and no inline style, labelled for screen readers."""
    line = pygal.Line(
        width=720, height=300, explicit_size=False, js=[], css=[], disable_xml_declaration=True,
        show_legend=True, legend_at_bottom=True, legend_at_bottom_columns=min(3, len(chart.series)),
        x_label_rotation=30, show_minor_x_labels=False, x_labels_major_count=8, truncate_legend=-1,
        dots_size=2.5, include_x_axis=True, no_prefix=True, margin=12,
        show_y_guides=True, print_values=False, classes=["pygal-chart", "insight-chart"],
    )
    line.x_labels = chart.labels
    for name, values in chart.series:
        line.add(name, [None if v is None else v for v in values])
    root = ET.fromstring(line.render(is_unicode=True))
    _clean(root)
    for own_title in root.findall(f"{{{SVG}}}title"):  # pygal's "Pygal" document title
        root.remove(own_title)
    root.set("id", f"chart-{chart.key}")
    root.set("role", "img")
    root.set("aria-labelledby", f"chart-{chart.key}-title chart-{chart.key}-desc")
    desc = ET.Element(f"{{{SVG}}}desc", {"id": f"chart-{chart.key}-desc"})
    desc.text = chart.description
    title = ET.Element(f"{{{SVG}}}title", {"id": f"chart-{chart.key}-title"})
    title.text = chart.title
    root.insert(0, desc)
    root.insert(0, title)
    return ET.tostring(root, encoding="unicode")
