"""The drawing primitives of check figures (:mod:`quizsite.learning.figure_kinds` draws each kind). No Django here.

Hand-written, like :mod:`quizsite.courses.charts` and for its reasons, after weighing pygal 3.1.3 for these
figures: pygal draws line (with a log scale), bar and histogram charts, but it writes no ``<desc>``, puts a
``<script>`` in every chart unless configured not to, cannot shade a band, mark an epoch with a vertical
line or overlay a density curve on a histogram, and silently drops the non-finite values a learner's
wrong answer returns, which these figures must show. Two of the kinds (the fold grid, the images) are not
charts at all. A few primitives below cover all six kinds.

The data comes from the stored results: recomputed values, and values the learner's process returned.
Every string is escaped by ElementTree and stripped of characters XML cannot hold; numbers are read
defensively (``"nan"``, ``"inf"``, ``"-inf"`` and null stand for values that are not finite, and are
drawn as marks on the plot's edge and named in a note, never left out). The SVG has no script, no
link and no external reference; its text alternative is its ``<title>`` and ``<desc>``. It is 480 units
wide and scales to its box; a style rule enlarges the text when it is drawn narrower than 420 px.
"""

from __future__ import annotations

import math
import re
import textwrap
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

SVG_NS = "http://www.w3.org/2000/svg"
WIDTH = 480
LEFT, RIGHT, TOP, PLOT_HEIGHT = 64, 16, 14, 200
# Okabe-Ito colours: told apart with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
OFF_CHART = "#C00000"
MARKER_COLOURS = ("#009E73", "#CC79A7", "#444444")
STYLE = (
    "text{font-family:sans-serif;font-size:13px;fill:#222}.note{font-size:12px}"
    "@media (max-width:420px){text{font-size:18px}.note{font-size:16px}.tick-minor{display:none}}"
)
# Characters XML 1.0 forbids even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
LINE_HEIGHT = 20
# Characters per line of a legend or note: what fits in 480 units at the larger, narrow-screen text size.
WRAP = 40
# How far a learner's value may lie outside the recomputed values' range before it is drawn on the edge.
LINEAR_MARGIN, LOG_MARGIN_DECADES = 1.0, 3.0


def number(value: Any) -> float:
    """A stored value as a float: NaN for null, ``"nan"`` or anything that is not a number."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return float(value)
    return {"inf": math.inf, "-inf": -math.inf}.get(value, math.nan) if isinstance(value, str) else math.nan


def numbers(values: Any) -> list[float]:
    """A stored list as floats (see :func:`number`); anything but a list is empty."""
    return [number(value) for value in values] if isinstance(values, list) else []


def shown(value: float) -> str:
    """A value as a note shows it."""
    return "not a number" if math.isnan(value) else f"{value:.4g}"


class Canvas:
    """An SVG document being drawn: a plot area, then lines of legend and notes below it."""

    def __init__(self, title: str, description: str) -> None:
        self.root = ET.Element("svg", {"xmlns": SVG_NS, "role": "img", "aria-labelledby": "figure-title figure-desc"})
        ET.SubElement(self.root, "title", id="figure-title").text = clean(title)
        ET.SubElement(self.root, "desc", id="figure-desc").text = clean(description)
        ET.SubElement(self.root, "style").text = STYLE
        self.background = ET.SubElement(self.root, "rect", x="0", y="0", width=str(WIDTH), fill="#fff")
        self.y = TOP  # where the next thing goes

    def text(self, x: float, y: float, content: str, *, anchor: str = "start", css: str = "", **extra: str) -> None:
        attributes = {"x": f"{x:.1f}", "y": f"{y:.1f}", "text-anchor": anchor, **extra}
        if css:
            attributes["class"] = css
        ET.SubElement(self.root, "text", attributes).text = clean(content)

    def element(self, tag: str, parent: ET.Element | None = None, **attributes: Any) -> ET.Element:
        return ET.SubElement(
            self.root if parent is None else parent,
            tag,
            {k.rstrip("_").replace("_", "-"): str(v) for k, v in attributes.items()},
        )

    def legend(self, swatch: Callable[[ET.Element, float, float], None], label: str) -> None:
        """One legend entry: a swatch drawn by ``swatch(group, x, y_middle)``, then ``label`` (wrapped)."""
        group = self.element("g", class_="legend")
        swatch(group, LEFT, self.y + 6)
        for line in textwrap.wrap(label, WRAP) or [""]:
            self.text(LEFT + 30, self.y + 11, line)
            self.y += LINE_HEIGHT

    def note(self, content: str) -> None:
        for line in textwrap.wrap(content, WRAP):
            self.text(LEFT, self.y + 11, line, css="note")
            self.y += LINE_HEIGHT

    def finish(self) -> str:
        height = self.y + 8
        self.root.set("viewBox", f"0 0 {WIDTH} {height:.0f}")
        self.root.set("width", str(WIDTH))
        self.root.set("height", f"{height:.0f}")
        self.background.set("height", f"{height:.0f}")
        return ET.tostring(self.root, encoding="unicode")


def clean(text: Any) -> str:
    return _NOT_XML.sub("", str(text))


class Scale:
    """Maps values in ``[low, high]`` (linear or log) onto pixels ``[start, end]``."""

    def __init__(self, low: float, high: float, start: float, end: float, *, log: bool = False) -> None:
        if log:
            low, high = math.log10(low), math.log10(high)
        if not high > low:
            low, high = low - 1, high + 1
        self.low, self.high, self.start, self.end, self.log = low, high, start, end, log

    def __call__(self, value: float) -> float:
        value = math.log10(value) if self.log else value
        return self.start + (self.end - self.start) * (value - self.low) / (self.high - self.low)

    def contains(self, value: float) -> bool:
        if not math.isfinite(value) or (self.log and value <= 0):
            return False
        position = math.log10(value) if self.log else value
        return self.low - 1e-9 * abs(self.low) <= position <= self.high + 1e-9 * abs(self.high)

    def ticks(self) -> list[float]:
        if self.log:
            first, last = math.floor(self.low + 1e-9), math.ceil(self.high - 1e-9)
            stride = max(1, math.ceil((last - first) / 5))
            return [10.0**power for power in range(first, last + 1, stride) if self.low - 1e-9 <= power <= self.high]
        raw = (self.high - self.low) / 4
        magnitude = 10 ** math.floor(math.log10(raw))
        step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
        first = math.ceil(self.low / step - 1e-9)
        return [round(k * step, 12) for k in range(first, math.floor(self.high / step + 1e-9) + 1)]


def tick_label(value: float, log: bool) -> str:
    return f"1e{round(math.log10(value))}" if log and not 0.001 <= value <= 1000 else f"{value:g}"


def value_domain(trusted: list[float], learner: list[float], *, log: bool, pad: float = 0.05) -> tuple[float, float]:
    """The y range: the recomputed values', widened to take in the learner's values that are not far off
    (a wild answer must not flatten the expected curve; it is drawn on the edge instead)."""
    usable = [v for v in trusted if math.isfinite(v) and (v > 0 or not log)]
    if not usable:
        usable = [v for v in learner if math.isfinite(v) and (v > 0 or not log)] or ([1.0, 10.0] if log else [0, 1])
    low, high = min(usable), max(usable)
    if log:
        near = [
            v
            for v in learner
            if math.isfinite(v)
            and v > 0
            and abs(math.log10(v / math.sqrt(low * high))) <= math.log10(high / low) / 2 + LOG_MARGIN_DECADES
        ]
        low, high = min([low, *near]), max([high, *near])
        return 10 ** math.floor(math.log10(low)), 10 ** math.ceil(math.log10(high))
    span = (high - low) or abs(high) or 1.0
    near = [v for v in learner if math.isfinite(v) and low - LINEAR_MARGIN * span <= v <= high + LINEAR_MARGIN * span]
    low, high = min([low, *near]), max([high, *near])
    span = (high - low) or abs(high) or 1.0
    return low - pad * span, high + pad * span


class Plot:
    """A plot area with two scales and labelled axes, drawn on a canvas."""

    def __init__(self, canvas: Canvas, x: Scale, y: Scale, x_label: str, y_label: str, *, x_ticks=None) -> None:
        self.canvas, self.x, self.y = canvas, x, y
        self.top, self.bottom = TOP, TOP + PLOT_HEIGHT
        for tick in y.ticks():
            self._grid(tick)
        for tick in x_ticks if x_ticks is not None else thin(x.ticks(), 8):
            canvas.text(x(tick), self.bottom + 16, f"{tick:g}", anchor="middle")
        line = {"stroke": "#444"}
        canvas.element("line", x1=LEFT, y1=self.top, x2=LEFT, y2=self.bottom, **line)
        canvas.element("line", x1=LEFT, y1=self.bottom, x2=WIDTH - RIGHT, y2=self.bottom, **line)
        canvas.text((LEFT + WIDTH - RIGHT) / 2, self.bottom + 36, x_label, anchor="middle")
        middle = (self.top + self.bottom) / 2
        canvas.text(14, middle, y_label, anchor="middle", transform=f"rotate(-90 14 {middle:.1f})")
        canvas.y = self.bottom + 48

    def _grid(self, tick: float) -> None:
        y = self.y(tick)
        self.canvas.element("line", x1=LEFT, y1=y, x2=WIDTH - RIGHT, y2=y, stroke="#ddd")
        self.canvas.text(LEFT - 6, y + 4, tick_label(tick, self.y.log), anchor="end")

    def edge_mark(self, parent: ET.Element, x: float, value: float, colour: str, what: str) -> None:
        """A value that is not finite or is far off the chart: a triangle on the edge it points to."""
        low = value == -math.inf or (
            math.isfinite(value) and ((value <= 0 and self.y.log) or self.y(value) > self.bottom)
        )
        y = self.bottom if low else self.top
        tip, base = (y + 1, y - 9) if low else (y - 1, y + 9)
        points = f"{x - 5:.1f},{base:.1f} {x + 5:.1f},{base:.1f} {x:.1f},{tip:.1f}"
        mark = self.canvas.element("polygon", parent, points=points, fill=colour, stroke=OFF_CHART)
        self.canvas.element("title", mark).text = clean(f"{what}: {shown(value)}")


def thin(ticks: list[float], most: int) -> list[float]:
    stride = max(1, math.ceil(len(ticks) / most))
    return ticks[::stride]


def off_chart_note(canvas: Canvas, off: list[str]) -> None:
    if off:
        listed = ", ".join(off[:6]) + (f" and {len(off) - 6} more" if len(off) > 6 else "")
        canvas.note(f"▲▼ on the edge, not to scale: {listed}")


def swatch_line(colour: str, dashed: bool, marker: bool = False) -> Callable[[ET.Element, float, float], None]:
    def draw(group: ET.Element, x: float, y: float) -> None:
        style = {"stroke": colour, "stroke-width": "2.5", **({"stroke-dasharray": "6 4"} if dashed else {})}
        ET.SubElement(group, "line", {"x1": f"{x}", "y1": f"{y}", "x2": f"{x + 24}", "y2": f"{y}", **style})
        if marker:
            ET.SubElement(group, "circle", {"cx": f"{x + 12}", "cy": f"{y}", "r": "3.5", "fill": colour})

    return draw


def swatch_box(fill: str, opacity: str = "1", stroke: str = "none") -> Callable[[ET.Element, float, float], None]:
    def draw(group: ET.Element, x: float, y: float) -> None:
        box = {"x": f"{x}", "y": f"{y - 6}", "width": "24", "height": "12", "fill": fill, "fill-opacity": opacity}
        ET.SubElement(group, "rect", {**box, "stroke": stroke})

    return draw
