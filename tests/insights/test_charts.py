"""Charts are inline SVG the site's CSP allows (no script, no inline style) and screen readers can name."""

import xml.etree.ElementTree as ET

from app.insights.charts import Chart, render_svg

SVG = "{http://www.w3.org/2000/svg}"


def test_a_chart_has_a_title_a_description_and_nothing_the_csp_blocks():
    svg = render_svg(Chart("answers", "Answers", "Share answered within 24 hours, per day.", ["03-01", "03-02", "03-03"],
                           [("Answered (%)", [50.0, None, 100.0]), ("Solved (%)", [0.0, 25.0, 50.0])]))
    root = ET.fromstring(svg)
    assert root.get("role") == "img" and root.get("aria-labelledby") == "chart-answers-title chart-answers-desc"
    assert root[0].tag == f"{SVG}title" and root[0].text == "Answers"
    assert root[1].tag == f"{SVG}desc" and root[1].text.startswith("Share answered")
    tags = {element.tag for element in root.iter()}
    assert not tags & {f"{SVG}script", f"{SVG}style", "script", "style"}
    assert "style=" not in svg and "<!--" not in svg and "Pygal" not in svg
    assert "Solved (%)" in svg  # the legend names each series


def test_the_same_numbers_give_the_same_svg():
    chart = Chart("members", "Members", "d", ["a", "b"], [("New", [1, 2])])
    assert render_svg(chart) == render_svg(Chart("members", "Members", "d", ["a", "b"], [("New", [1, 2])]))
    assert render_svg(chart) != render_svg(Chart("members", "Members", "d", ["a", "b"], [("New", [1, 3])]))
