"""Draw each kind of check figure (``grader.harness.figure``) as a standalone SVG document. No Django here.

One function per kind in ``DRAWERS``; :func:`render` picks it. The primitives, and why they are hand-written
rather than pygal, are in :mod:`quizsite.learning.figure_svg`.
"""

from __future__ import annotations

import logging
import math
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

from quizsite.learning.figure_svg import (
    LEFT,
    MARKER_COLOURS,
    OFF_CHART,
    PALETTE,
    PLOT_HEIGHT,
    RIGHT,
    TOP,
    WIDTH,
    Canvas,
    Plot,
    Scale,
    clean,
    number,
    numbers,
    off_chart_note,
    shown,
    swatch_box,
    swatch_line,
    value_domain,
)

log = logging.getLogger(__name__)


def render(figure: dict, title: str) -> str:
    """The SVG document for a stored ``figure`` (``{"kind", "data", "description"}``), titled ``title``.

    Data the drawing cannot place (stored by an older version of the checks, or degenerate: a scale whose span
    overflows, a log scale over nothing positive) gives the title, the description and a note instead."""
    description = str(figure.get("description", ""))
    canvas = Canvas(title, description)
    data = figure.get("data") if isinstance(figure.get("data"), dict) else {}
    try:
        DRAWERS[figure.get("kind")](canvas, data)
    except (ArithmeticError, TypeError, ValueError):
        # A figure is feedback: odd stored data must not turn the learner's page into a server error.
        log.exception("a stored %r figure could not be drawn; its description is shown instead", figure.get("kind"))
        canvas = Canvas(title, description)
        canvas.note("This figure cannot be drawn; the text above says what it shows.")
    return canvas.finish()


def draw_lines(canvas: Canvas, data: dict) -> None:
    """Curves over x (layers, epochs), the learner's dashed with dots; vertical markers (best, stop epochs)."""
    series = [item for item in data.get("series", []) if isinstance(item, dict)]
    values = [numbers(item.get("values")) for item in series]
    length = max((len(v) for v in values), default=0)
    xs = numbers(data.get("x"))[:length] if isinstance(data.get("x"), list) else []
    xs = xs if len(xs) == length and all(map(math.isfinite, xs)) else [float(i) for i in range(length)]
    log = bool(data.get("log_y"))
    trusted = [v for item, vals in zip(series, values, strict=True) if not item.get("learner") for v in vals]
    learner = [v for item, vals in zip(series, values, strict=True) if item.get("learner") for v in vals]
    low, high = value_domain(trusted, learner, log=log)
    x = Scale(min(xs, default=0), max(xs, default=1), LEFT + 8, WIDTH - RIGHT - 8)
    plot = Plot(canvas, x, Scale(low, high, TOP + PLOT_HEIGHT, TOP, log=log), *_labels(data))
    off: list[str] = []
    for number_, (item, vals) in enumerate(zip(series, values, strict=True)):
        colour, dashed, name = PALETTE[number_ % len(PALETTE)], bool(item.get("learner")), clean(item.get("name", ""))
        group = canvas.element("g", class_="series")
        canvas.element("title", group).text = name
        run: list[str] = []
        for px, value in zip(xs, vals, strict=False):
            if plot.y.contains(value):
                run.append(f"{x(px):.1f},{plot.y(value):.1f}")
                if dashed:
                    canvas.element("circle", group, cx=f"{x(px):.1f}", cy=f"{plot.y(value):.1f}", r=3, fill=colour)
                continue
            _polyline(canvas, group, run, colour, dashed)
            run = []
            plot.edge_mark(group, x(px), value, colour, f"{name} at {px:g}")
            off.append(f"{name} at {px:g}: {shown(value)}")
        _polyline(canvas, group, run, colour, dashed)
        canvas.legend(swatch_line(colour, dashed, dashed), name)
    _markers(canvas, plot, data.get("markers"))
    off_chart_note(canvas, off)


def _polyline(canvas: Canvas, group: ET.Element, points: list[str], colour: str, dashed: bool) -> None:
    if len(points) == 1:
        x, y = points[0].split(",")
        canvas.element("circle", group, cx=x, cy=y, r=3, fill=colour)
    elif points:
        dash = {"stroke_dasharray": "6 4"} if dashed else {}
        canvas.element("polyline", group, points=" ".join(points), fill="none", stroke=colour, stroke_width=2.5, **dash)


def _markers(canvas: Canvas, plot: Plot, markers: Any) -> None:
    """Vertical lines at given x (an epoch), each with a legend line; a learner's is dashed."""
    for index, marker in enumerate(markers if isinstance(markers, list) else []):
        if not isinstance(marker, dict):
            continue
        if marker.get("x") is None:
            canvas.legend(
                swatch_line(MARKER_COLOURS[index // 2 % len(MARKER_COLOURS)], bool(marker.get("learner"))),
                f"{clean(marker.get('label', ''))}: none",
            )
            continue
        # Markers come in pairs (expected, then the learner's): one colour per pair.
        at, colour = number(marker.get("x")), MARKER_COLOURS[index // 2 % len(MARKER_COLOURS)]
        dashed, label = bool(marker.get("learner")), clean(marker.get("label", ""))
        if math.isfinite(at) and plot.x.low <= at <= plot.x.high:
            style = {"stroke_dasharray": "2 3"} if dashed else {}
            line = canvas.element(
                "line",
                x1=plot.x(at),
                y1=plot.top,
                x2=plot.x(at),
                y2=plot.bottom,
                stroke=colour,
                stroke_width=1.5,
                **style,
            )
            canvas.element("title", line).text = f"{label}: {at:g}"
            canvas.legend(swatch_line(colour, dashed), f"{label}: {at:g}")
        else:
            canvas.legend(swatch_line(colour, dashed), f"{label}: {shown(at)} (off the chart)")


def _labels(data: dict) -> tuple[str, str]:
    return clean(data.get("x_label", "")), clean(data.get("y_label", ""))


def draw_band(canvas: Canvas, data: dict) -> None:
    """The learner's value per row (a kept fraction) as dots, over a shaded acceptance band and the expected
    value; a dot outside the band is a cross."""
    values, low, high, expected = (
        numbers(data.get("values")),
        *(number(data.get(k)) for k in ("low", "high", "expected")),
    )
    trusted = [v for v in (low, high, expected) if math.isfinite(v)]
    lo, hi = value_domain(trusted, values, log=False, pad=0.25)
    x = Scale(0, max(len(values) - 1, 1), LEFT + 8, WIDTH - RIGHT - 8)
    plot = Plot(canvas, x, Scale(lo, hi, TOP + PLOT_HEIGHT, TOP), *_labels(data))
    band_label = clean(data.get("band_label", "where a correct answer lands"))
    if math.isfinite(low) and math.isfinite(high):
        top, bottom = plot.y(min(max(high, lo), hi)), plot.y(max(min(low, hi), lo))
        canvas.element(
            "rect",
            x=LEFT,
            y=top,
            width=WIDTH - RIGHT - LEFT,
            height=max(bottom - top, 0),
            fill=PALETTE[2],
            fill_opacity=0.2,
        )
    if math.isfinite(expected) and plot.y.contains(expected):
        canvas.element(
            "line",
            x1=LEFT,
            y1=plot.y(expected),
            x2=WIDTH - RIGHT,
            y2=plot.y(expected),
            stroke=PALETTE[2],
            stroke_width=2,
        )
    group, off, outside = canvas.element("g", class_="series"), [], 0
    for row, value in enumerate(values):
        if not plot.y.contains(value):
            plot.edge_mark(group, x(row), value, PALETTE[1], f"row {row}")
            off.append(f"row {row}: {shown(value)}")
            outside += 1
            continue
        inside = low <= value <= high
        outside += not inside
        _dot(canvas, group, x(row), plot.y(value), inside)
    canvas.legend(swatch_box(PALETTE[2], "0.2"), f"{band_label}: {shown(low)} to {shown(high)}")
    canvas.legend(swatch_line(PALETTE[2], False), f"expected: {shown(expected)}")
    canvas.legend(_swatch_dot(), f"yours, one per row: {len(values) - outside} of {len(values)} inside the band")
    off_chart_note(canvas, off)


def _dot(canvas: Canvas, group: ET.Element, x: float, y: float, inside: bool) -> None:
    if inside:
        canvas.element("circle", group, cx=f"{x:.1f}", cy=f"{y:.1f}", r=2.5, fill=PALETTE[0])
    else:
        cross = f"M{x - 4:.1f},{y - 4:.1f}L{x + 4:.1f},{y + 4:.1f}M{x - 4:.1f},{y + 4:.1f}L{x + 4:.1f},{y - 4:.1f}"
        canvas.element("path", group, d=cross, stroke=PALETTE[1], stroke_width=2)


def _swatch_dot() -> Callable[[ET.Element, float, float], None]:
    def draw(group: ET.Element, x: float, y: float) -> None:
        ET.SubElement(group, "circle", {"cx": f"{x + 6}", "cy": f"{y}", "r": "3", "fill": PALETTE[0]})
        cross = f"M{x + 14},{y - 4}L{x + 22},{y + 4}M{x + 14},{y + 4}L{x + 22},{y - 4}"
        ET.SubElement(group, "path", {"d": cross, "stroke": PALETTE[1], "stroke-width": "2"})

    return draw


def _bar(
    canvas: Canvas, group: ET.Element, left: float, top: float, width: float, height: float, fill: str,
    opacity: float, title: str, **attributes: str,
) -> None:  # fmt: skip
    """One rectangle of a histogram or bar chart, with its value as a tooltip."""
    bar = canvas.element(
        "rect", group, x=f"{left:.1f}", y=f"{top:.1f}", width=f"{width:.1f}", height=f"{height:.1f}", fill=fill,
        fill_opacity=opacity, **attributes,
    )  # fmt: skip
    canvas.element("title", bar).text = title


def draw_histogram(canvas: Canvas, data: dict) -> None:
    """The learner's values binned (columns) against the expected count per bin from the target density."""
    edges, counts, expected = numbers(data.get("edges")), numbers(data.get("counts")), numbers(data.get("expected"))
    bins = min(len(edges) - 1, len(counts))
    if bins < 1 or not all(map(math.isfinite, edges[: bins + 1])):
        canvas.note("No values to draw.")
        return
    expected = expected[:bins] if len(expected) >= bins else []
    top = max([c for c in counts[:bins] + expected if math.isfinite(c)], default=1.0) or 1.0
    x = Scale(edges[0], edges[bins], LEFT, WIDTH - RIGHT)
    plot = Plot(canvas, x, Scale(0, top * 1.08, TOP + PLOT_HEIGHT, TOP), *_labels(data))
    group = canvas.element("g", class_="series")
    for index in range(bins):
        count = counts[index] if math.isfinite(counts[index]) else 0.0
        left, right = x(edges[index]), x(edges[index + 1])
        _bar(
            canvas, group, left, plot.y(count), right - left, plot.bottom - plot.y(count), PALETTE[0], 0.55,
            f"{edges[index]:.3g} to {edges[index + 1]:.3g}: {count:g}", stroke="#fff",
        )  # fmt: skip
    canvas.legend(swatch_box(PALETTE[0], "0.55"), clean(data.get("counts_label", "yours")))
    if expected:
        centres = [(x(edges[i]) + x(edges[i + 1])) / 2 for i in range(bins)]
        points = [f"{cx:.1f},{plot.y(c):.1f}" for cx, c in zip(centres, expected, strict=True) if math.isfinite(c)]
        _polyline(canvas, canvas.element("g", class_="series"), points, PALETTE[1], False)
        canvas.legend(swatch_line(PALETTE[1], False), clean(data.get("expected_label", "expected")))
    outside = {
        key: int(number(data.get(key)))
        for key in ("below", "above", "non_finite")
        if math.isfinite(number(data.get(key))) and number(data.get(key)) > 0
    }
    if outside:
        names = {"below": "below the range", "above": "above the range", "non_finite": "not finite"}
        canvas.note("Not drawn: " + ", ".join(f"{count} {names[key]}" for key, count in outside.items()))


def draw_fold_grid(canvas: Canvas, data: dict) -> None:
    """One row per fold, one column per sample (grouped by class): a filled cell is in that fold's
    validation set. Cells that differ from the expected assignment are outlined in red."""
    classes = [clean(label) for label in data.get("classes", [])] if isinstance(data.get("classes"), list) else []
    rows = [numbers(row) for row in data.get("cells", [])] if isinstance(data.get("cells"), list) else []
    expected = [numbers(row) for row in data.get("expected", [])] if isinstance(data.get("expected"), list) else []
    columns = len(classes)
    if not rows or not columns:
        canvas.note("No folds to draw.")
        return
    names = list(dict.fromkeys(classes))
    colour = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(names)}
    cell = max(4.0, min(36.0, (WIDTH - LEFT - RIGHT) / columns))
    height = max(6.0, min(22.0, 260 / len(rows)))
    canvas.text(
        (LEFT + LEFT + cell * columns) / 2, canvas.y + 12, clean(data.get("x_label", "sample")), anchor="middle"
    )
    top = canvas.y + 22
    wrong = 0
    for r, row in enumerate(rows):
        y = top + r * height
        canvas.text(LEFT - 6, y + height / 2 + 4, f"fold {r}", anchor="end")
        group = canvas.element("g", class_="fold")
        for c in range(columns):
            filled = c < len(row) and row[c] == 1
            differs = bool(expected) and r < len(expected) and c < len(expected[r]) and (expected[r][c] == 1) != filled
            wrong += differs
            style = {"fill": colour[classes[c]], "fill_opacity": 1 if filled else 0.12}
            if differs:
                style.update(stroke=OFF_CHART, stroke_width=2)
            canvas.element(
                "rect",
                group,
                x=f"{LEFT + c * cell + 0.5:.1f}",
                y=f"{y + 0.5:.1f}",
                width=f"{cell - 1:.1f}",
                height=f"{height - 1:.1f}",
                **style,
            )
    canvas.y = top + len(rows) * height + 10
    for name in names[:8]:
        canvas.legend(swatch_box(colour[name]), f"class {name}: validation (solid), training (pale)")
    if expected:
        canvas.legend(swatch_box("#fff", stroke=OFF_CHART), f"differs from the expected folds: {wrong} cell(s)")


def draw_images(canvas: Canvas, data: dict) -> None:
    """Source images beside their augmented copies, one pair per row, on one grey or colour scale."""
    pairs = [pair for pair in data.get("pairs", []) if isinstance(pair, dict)][:6]
    low, high = number(data.get("low", 0.0)), number(data.get("high", 1.0))
    low, high = (low, high) if math.isfinite(low) and math.isfinite(high) and high > low else (0.0, 1.0)
    canvas.text(LEFT, canvas.y + 12, clean(data.get("source_label", "source")))
    canvas.text(LEFT + 200, canvas.y + 12, clean(data.get("augmented_label", "augmented")))
    canvas.y += 22
    flagged = 0
    for pair in pairs:
        size = 0.0
        scale = number(pair.get("low", low)), number(pair.get("high", high))
        scale = scale if all(map(math.isfinite, scale)) and scale[1] > scale[0] else (low, high)
        for offset, key in ((0, "source"), (200, "augmented")):
            drawn, bad = _image(canvas, pair.get(key), LEFT + offset, canvas.y, *scale)
            size, flagged = max(size, drawn), flagged + bad
        canvas.text(LEFT + 170, canvas.y + size / 2 + 4, "→", anchor="middle")
        canvas.y += size + 4
        canvas.note(clean(pair.get("caption", "")))
    scales = "each pair on its own scale" if any("high" in pair for pair in pairs) else f"{low:g} to {high:g}"
    canvas.legend(swatch_box("#000"), f"pixel values from black (low) to white (high), {scales}")
    if flagged:
        canvas.legend(swatch_box("#f0f", stroke=OFF_CHART), f"{flagged} pixel(s) not finite")


def _image(canvas: Canvas, image: Any, x: float, y: float, low: float, high: float) -> tuple[float, int]:
    """Draw an image (rows of pixels; a pixel is a number or a list of 3 channels) 130 units wide at most."""
    rows = image if isinstance(image, list) else []
    width = max((len(row) for row in rows if isinstance(row, list)), default=0)
    if not rows or not width:
        canvas.text(x, y + 12, "(no image)", css="note")
        return 20.0, 0
    pixel, bad = min(20.0, 130.0 / max(width, len(rows))), 0
    group = canvas.element("g", class_="image", shape_rendering="crispEdges")
    for r, row in enumerate(rows):
        for c, value in enumerate(row if isinstance(row, list) else []):
            channels = numbers(value) if isinstance(value, list) else [number(value)]
            if not channels or not all(map(math.isfinite, channels)):
                fill, bad = "#f0f", bad + 1
            else:
                # Values beyond the scale are drawn as its ends (black, white), like any image viewer.
                levels = [round(255 * min(max((v - low) / (high - low), 0.0), 1.0)) for v in (channels * 3)[:3]]
                fill = "#{:02x}{:02x}{:02x}".format(*levels)
            canvas.element(
                "rect",
                group,
                x=f"{x + c * pixel:.2f}",
                y=f"{y + r * pixel:.2f}",
                width=f"{pixel:.2f}",
                height=f"{pixel:.2f}",
                fill=fill,
            )
    return pixel * len(rows), bad


def draw_bars(canvas: Canvas, data: dict) -> None:
    """Grouped columns per category (an array: its norm before, after yours, after expected); horizontal
    reference lines (the max norm)."""
    categories = [clean(c) for c in data.get("categories", [])] if isinstance(data.get("categories"), list) else []
    series = [item for item in data.get("series", []) if isinstance(item, dict)][:4]
    values = [numbers(item.get("values"))[: len(categories)] for item in series]
    lines = (
        [line for line in data.get("lines", []) if isinstance(line, dict)]
        if isinstance(data.get("lines"), list)
        else []
    )
    log = bool(data.get("log_y"))
    trusted = [v for item, vals in zip(series, values, strict=True) if not item.get("learner") for v in vals]
    trusted += [number(line.get("value")) for line in lines]
    learner = [v for item, vals in zip(series, values, strict=True) if item.get("learner") for v in vals]
    low, high = value_domain([*trusted, *([] if log else [0.0])], learner, log=log)
    low = low if log else min(low, 0.0)
    slot = (WIDTH - LEFT - RIGHT) / max(len(categories), 1)
    x = Scale(0, max(len(categories), 1), LEFT, WIDTH - RIGHT)
    plot = Plot(canvas, x, Scale(low, high, TOP + PLOT_HEIGHT, TOP, log=log), *_labels(data), x_ticks=[])
    for index, name in enumerate(categories):
        canvas.text(x(index + 0.5), plot.bottom + 16, name if slot > 60 else str(index), anchor="middle")
    width, off = slot * 0.8 / max(len(series), 1), []
    base = plot.bottom if log or low >= 0 else plot.y(0)
    for number_, (item, vals) in enumerate(zip(series, values, strict=True)):
        colour, name = PALETTE[number_ % len(PALETTE)], clean(item.get("name", ""))
        group = canvas.element("g", class_="series")
        for index, value in enumerate(vals):
            left = LEFT + index * slot + slot * 0.1 + number_ * width
            if not plot.y.contains(value):
                plot.edge_mark(group, left + width / 2, value, colour, f"{name}, {categories[index]}")
                off.append(f"{name}, {categories[index]}: {shown(value)}")
                continue
            y = plot.y(value)
            opacity = 0.6 if item.get("learner") else 1
            title = f"{name}, {categories[index]}: {value:.4g}"
            _bar(canvas, group, left, min(y, base), width, abs(base - y), colour, opacity, title)
        canvas.legend(swatch_box(colour, "0.6" if item.get("learner") else "1"), name)
    for line in lines:
        value, label = number(line.get("value")), clean(line.get("label", ""))
        if plot.y.contains(value):
            canvas.element(
                "line",
                x1=LEFT,
                y1=plot.y(value),
                x2=WIDTH - RIGHT,
                y2=plot.y(value),
                stroke="#000",
                stroke_dasharray="6 3",
            )
        canvas.legend(swatch_line("#000", True), f"{label}: {shown(value)}")
    if slot <= 60:
        canvas.note("Arrays: " + ", ".join(f"{i} = {name}" for i, name in enumerate(categories[:12])))
    off_chart_note(canvas, off)


DRAWERS: dict[str, Callable[[Canvas, dict], None]] = {
    "lines": draw_lines,
    "band": draw_band,
    "histogram": draw_histogram,
    "fold_grid": draw_fold_grid,
    "images": draw_images,
    "bars": draw_bars,
}
