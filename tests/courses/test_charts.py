"""Server-rendered SVG charts: valid, labelled for assistive technology, and escaped."""

import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest

from quizsite.courses import charts

NS = {"svg": charts.SVG_NS}
HOSTILE = '<script>alert("x")</script> & \x01 </svg>'


def _parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{{{charts.SVG_NS}}}svg"
    return root


def _labelled_by(root: ET.Element) -> tuple[str, str]:
    title_id, desc_id = root.get("aria-labelledby").split()
    title = root.find(f"svg:title[@id='{title_id}']", NS)
    desc = root.find(f"svg:desc[@id='{desc_id}']", NS)
    return title.text, desc.text


def test_a_bar_chart_is_an_image_labelled_by_its_title_and_description():
    root = _parse(charts.bar_chart([("a", 1.0)], title="Difficulty", desc="One question at 100%."))
    assert root.get("role") == "img"
    assert _labelled_by(root) == ("Difficulty", "One question at 100%.")


def test_bar_lengths_are_proportional_to_the_values_on_the_given_scale():
    root = _parse(charts.bar_chart([("half", 0.5), ("full", 1.0), ("none", 0.0)], title="t", desc="d", maximum=1.0))
    widths = [float(rect.get("width")) for rect in root.iterfind("svg:g/svg:rect", NS)]
    assert widths[0] == pytest.approx(widths[1] / 2) and widths[2] == 0


def test_hostile_labels_titles_and_descriptions_are_escaped_and_still_parse():
    svg = charts.bar_chart([(HOSTILE, 3)], title=HOSTILE, desc=HOSTILE)
    assert "<script>" not in svg
    root = _parse(svg)
    cleaned = HOSTILE.replace("\x01", "")
    assert _labelled_by(root) == (cleaned, cleaned)
    assert root.find("svg:g/svg:title", NS).text == f"{cleaned}: 3"
    assert not root.findall(".//svg:script", NS)


def test_a_long_label_is_shortened_on_the_chart_and_kept_whole_in_the_tooltip():
    label = "Gradient of the loss with respect to every weight matches finite differences"
    root = _parse(charts.bar_chart([(label, 2)], title="t", desc="d"))
    shown = root.find("svg:g/svg:text", NS).text
    assert shown.endswith("…") and len(shown) <= 34
    assert root.find("svg:g/svg:title", NS).text == f"{label}: 2"


def test_a_histogram_draws_one_column_per_bin_on_whole_number_ticks():
    root = _parse(charts.histogram([("1", 4), ("2", 0), ("3", 1)], title="t", desc="d", x_label="x", y_label="y"))
    columns = root.findall("svg:g[@class='chart-column']", NS)
    assert [column.find("svg:text", NS).text for column in columns] == ["1", "2", "3"]
    heights = [float(column.find("svg:rect", NS).get("height")) for column in columns]
    assert heights[1] == 0 and heights[0] == pytest.approx(4 * heights[2])


def test_a_time_chart_puts_one_point_per_day_in_each_series():
    days = [date(2027, 3, 1) + timedelta(days=n) for n in range(10)]
    series = [("Submissions", list(range(10))), ("Quiz attempts", [1] * 10)]
    root = _parse(charts.time_chart(days, series, title="Activity", desc="d"))
    lines = root.findall(".//svg:polyline", NS)
    assert [len(line.get("points").split()) for line in lines] == [10, 10]
    assert len(root.findall(".//svg:polygon", NS)) == 2
    assert "Mar 1" in [text.text for text in root.iter(f"{{{charts.SVG_NS}}}text")]


@pytest.mark.parametrize(
    "svg",
    [
        charts.bar_chart([], title="t", desc="d"),
        charts.histogram([("1", 0)], title="t", desc="d", x_label="x", y_label="y"),
        charts.time_chart([date(2027, 3, 1)], [("Submissions", [0])], title="t", desc="d"),
    ],
)
def test_a_chart_without_data_says_so_and_is_still_valid(svg):
    root = _parse(svg)
    assert "No data yet" in [text.text for text in root.iter(f"{{{charts.SVG_NS}}}text")]


@pytest.mark.parametrize(
    ("maximum", "integer", "expected"),
    [
        (7, False, [0, 2, 4, 6, 8]),
        (1.0, False, [0, 0.2, 0.4, 0.6, 0.8, 1.0]),
        (3, True, [0, 1, 2, 3]),
        (0, True, [0, 1]),
    ],
)
def test_axis_ticks_are_round_steps_from_zero_past_the_maximum(maximum, integer, expected):
    assert charts.nice_ticks(maximum, integer=integer) == pytest.approx(expected)


def test_two_charts_on_one_page_never_share_an_id():
    first, second = (_parse(charts.bar_chart([("a", 1)], title="t", desc="d")) for _ in range(2))
    assert first.get("aria-labelledby") != second.get("aria-labelledby")
