"""Server-rendered SVG charts for the staff pages: horizontal bars, a histogram, and counts over time.

Hand-written rather than a library, after reading the two maintained small ones: pygal loads its tooltips
from a CDN unless configured not to, brings importlib-metadata, and writes no ``<desc>``; leather is
alpha, returns an IPython object when IPython happens to be installed, sets fixed pixel sizes, keeps its
colours in module globals and has no histogram. Both would need their output patched for accessibility.
Three charts of a few dozen marks each are shorter to draw than to configure.

Every chart is an ``<svg role="img">`` labelled by its ``<title>`` and ``<desc>``; ElementTree escapes all
text and attributes, so a label such as a check's name cannot break out of the markup. Colours are fixed
for the marks and ``currentColor`` for text and axes, so the admin's light and dark themes both read.
No Django here.
"""

from __future__ import annotations

import math
import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from datetime import date

SVG_NS = "http://www.w3.org/2000/svg"
PALETTE = ("#417690", "#d97706", "#15803d", "#b91c1c")
FONT_SIZE = 12
# Characters XML 1.0 forbids even escaped: ElementTree would write them and the document would not parse.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def bar_chart(
    bars: Sequence[tuple[str, float]],
    *,
    title: str,
    desc: str,
    maximum: float | None = None,
    value_text: Callable[[float], str] = lambda value: f"{value:g}",
) -> str:
    """Horizontal bars, one per ``(label, value)``, scaled to ``maximum`` (default: the largest value)."""
    label_width, plot_width, row, top = 230, 330, 22, 8
    width, height = label_width + plot_width + 60, top + row * max(len(bars), 1) + 8
    root = _svg(width, height, title, desc)
    if not bars:
        return _empty(root, width, height)
    scale = maximum or max(value for _, value in bars) or 1.0
    for index, (label, value) in enumerate(bars):
        y = top + index * row
        group = ET.SubElement(root, "g", {"class": "chart-bar"})
        ET.SubElement(group, "title").text = _clean(f"{label}: {value_text(value)}")
        _text(group, label_width - 8, y + row / 2, _shorten(label, 34), anchor="end")
        length = plot_width * max(0.0, min(value / scale, 1.0))
        _rect(group, label_width, y + 3, length, row - 6, PALETTE[0])
        _text(group, label_width + length + 6, y + row / 2, value_text(value))
    _line(root, label_width, top, label_width, height - 8)
    return _render(root)


def histogram(bins: Sequence[tuple[str, int]], *, title: str, desc: str, x_label: str, y_label: str) -> str:
    """Vertical columns, one per ``(bin label, count)``, in the order given, on a y axis from zero."""
    left, bottom, top, column = 48, 40, 28, 36
    width = left + column * max(len(bins), 1) + 16
    width, plot_height = max(width, 240), 160
    height = top + plot_height + bottom
    root = _svg(width, height, title, desc)
    if not any(count for _, count in bins):
        return _empty(root, width, height)
    ticks = nice_ticks(max(count for _, count in bins), integer=True)
    y_of = _y_scale(ticks[-1], top, plot_height)
    _y_axis(root, ticks, y_of, left, width - 8)
    for index, (label, count) in enumerate(bins):
        x = left + index * column
        group = ET.SubElement(root, "g", {"class": "chart-column"})
        ET.SubElement(group, "title").text = _clean(f"{label}: {count}")
        _rect(group, x + 4, y_of(count), column - 8, y_of(0) - y_of(count), PALETTE[0])
        _text(group, x + column / 2, top + plot_height + 14, label, anchor="middle")
    _text(root, left + (width - left) / 2, height - 6, x_label, anchor="middle")
    _text(root, 4, 10, y_label)
    return _render(root)


def time_chart(
    days: Sequence[date], series: Sequence[tuple[str, Sequence[float]]], *, title: str, desc: str, area: bool = True
) -> str:
    """One line per ``(name, values)`` over ``days`` (values[i] belongs to days[i]), shaded below if ``area``."""
    left, right, top, bottom = 48, 32, 28, 36
    width, plot_height = 720, 180
    height = top + plot_height + bottom
    root = _svg(width, height, title, desc)
    if not days or not any(any(values) for _, values in series):
        return _empty(root, width, height)
    ticks = nice_ticks(max(max(values) for _, values in series), integer=True)
    y_of = _y_scale(ticks[-1], top, plot_height)
    plot_width = width - left - right

    def x_of(index: int) -> float:
        return left + (plot_width * index / (len(days) - 1) if len(days) > 1 else plot_width / 2)

    _y_axis(root, ticks, y_of, left, width - right)
    for index in _date_tick_indices(len(days)):
        _text(root, x_of(index), top + plot_height + 16, f"{days[index]:%b} {days[index].day}", anchor="middle")
    for number, (name, values) in enumerate(series):
        colour = PALETTE[number % len(PALETTE)]
        group = ET.SubElement(root, "g", {"class": "chart-series"})
        ET.SubElement(group, "title").text = _clean(f"{name}: {sum(values):g} in all")
        points = " ".join(f"{x_of(i):.1f},{y_of(v):.1f}" for i, v in enumerate(values))
        if area:
            baseline = f"{x_of(len(values) - 1):.1f},{y_of(0):.1f} {x_of(0):.1f},{y_of(0):.1f}"
            ET.SubElement(group, "polygon", points=f"{points} {baseline}", fill=colour, **{"fill-opacity": "0.15"})
        ET.SubElement(group, "polyline", points=points, fill="none", stroke=colour, **{"stroke-width": "2"})
        _rect(root, left + number * 170, 6, 12, 12, colour)
        _text(root, left + number * 170 + 18, 12, name)
    return _render(root)


def nice_ticks(maximum: float, *, count: int = 5, integer: bool = False) -> list[float]:
    """Axis ticks from 0 to at least ``maximum`` in steps of 1, 2 or 5 times a power of ten (whole steps if
    ``integer``)."""
    if maximum <= 0:
        return [0, 1]
    raw = maximum / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    if integer:
        step = max(1, round(step))
    steps = math.ceil(maximum / step - 1e-9)
    return [round(i * step, 10) for i in range(steps + 1)]


def _date_tick_indices(length: int, most: int = 8) -> list[int]:
    if length <= most:
        return list(range(length))
    stride = math.ceil((length - 1) / (most - 1))
    return list(range(0, length, stride))


def _y_scale(top_value: float, top: float, plot_height: float) -> Callable[[float], float]:
    return lambda value: top + plot_height * (1 - value / top_value)


def _y_axis(root: ET.Element, ticks: list[float], y_of: Callable[[float], float], left: float, right: float) -> None:
    for tick in ticks:
        y = y_of(tick)
        _line(root, left, y, right, y, opacity="0.15")
        _text(root, left - 6, y, f"{tick:g}", anchor="end")
    _line(root, left, y_of(ticks[-1]), left, y_of(0))


def _svg(width: float, height: float, title: str, desc: str) -> ET.Element:
    ident = f"chart-{uuid.uuid4().hex[:12]}"
    root = ET.Element(
        "svg",
        {
            "xmlns": SVG_NS,
            "viewBox": f"0 0 {width:g} {height:g}",
            "width": f"{width:g}",
            "height": f"{height:g}",
            "role": "img",
            "aria-labelledby": f"{ident}-title {ident}-desc",
            "class": "chart",
            "font-family": "sans-serif",
            "font-size": str(FONT_SIZE),
        },
    )
    ET.SubElement(root, "title", id=f"{ident}-title").text = _clean(title)
    ET.SubElement(root, "desc", id=f"{ident}-desc").text = _clean(desc)
    return root


def _empty(root: ET.Element, width: float, height: float) -> str:
    _text(root, width / 2, height / 2, "No data yet", anchor="middle")
    return _render(root)


def _render(root: ET.Element) -> str:
    return ET.tostring(root, encoding="unicode")


def _text(parent: ET.Element, x: float, y: float, content: str, *, anchor: str = "start") -> None:
    style = {"fill": "currentColor", "text-anchor": anchor, "dominant-baseline": "middle"}
    ET.SubElement(parent, "text", {"x": f"{x:.1f}", "y": f"{y:.1f}", **style}).text = _clean(content)


def _rect(parent: ET.Element, x: float, y: float, width: float, height: float, fill: str) -> None:
    size = {"width": f"{max(width, 0):.1f}", "height": f"{max(height, 0):.1f}"}
    ET.SubElement(parent, "rect", {"x": f"{x:.1f}", "y": f"{y:.1f}", **size, "fill": fill})


def _line(root: ET.Element, x1: float, y1: float, x2: float, y2: float, *, opacity: str = "0.6") -> None:
    ends = {"x1": f"{x1:.1f}", "y1": f"{y1:.1f}", "x2": f"{x2:.1f}", "y2": f"{y2:.1f}"}
    ET.SubElement(root, "line", {**ends, "stroke": "currentColor", "stroke-opacity": opacity})


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _clean(text: str) -> str:
    return _NOT_XML.sub("", str(text))
