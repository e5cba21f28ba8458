"""Drawing a chart as SVG: labels above their marks, a dot or bar with its whisker, an axis.

Each row is a line of text stating the numbers (``Black: 1.6 (1.4 to 1.8)``) over its mark, so
the plot can use the full width of a phone and nothing depends on reading a position or telling
colours apart. The dashed "no difference" line and the grid are drawn in each row's mark band,
never through text. The SVG has ``role="img"``, a ``<title>`` and a ``<desc>`` (the chart's
summary) referenced by ``aria-labelledby``, and a ``viewBox`` with no fixed size.
"""

from __future__ import annotations

import itertools
import math
from typing import TYPE_CHECKING

from markupsafe import Markup

from openblotter.report.chart_model import (
    PALETTE,
    ChartSpec,
    chart_summary,
    facets,
    formatted,
    plotted,
    usable,
)
from openblotter.report.i18n import Numbers
from openblotter.report.i18n import gettext as _
from openblotter.report.markup import attributes, element, html_id, void
from openblotter.report.scales import Scale, make_scale

if TYPE_CHECKING:
    from collections.abc import Sequence

    from openblotter.report.chart_model import ChartRow

__all__ = ["WIDTH", "svg"]

WIDTH = 400
_X0, _X1 = 16.0, WIDTH - 16.0
_ROW = 44
_FACET = 28
_LABEL_CHARS = 50
_MIN_LABEL_GAP = 34


def _fmt(x: float) -> str:
    return f"{x:.1f}"


def _clip(text: str) -> str:
    return (
        text if len(text) <= _LABEL_CHARS else text[: _LABEL_CHARS - 1] + "\N{HORIZONTAL ELLIPSIS}"
    )


def _row_text(spec: ChartSpec, row: ChartRow, numbers: Numbers) -> str:
    interval = row.low is not None and row.high is not None
    value, low, high = formatted(spec, numbers, row.value, row.low, row.high)
    if interval and low != numbers.missing and high != numbers.missing:
        return _("{label}: {value} ({low} to {high})").format(
            label=_clip(row.label), value=value, low=low, high=high
        )
    return _("{label}: {value}").format(label=_clip(row.label), value=value)


def _scale(spec: ChartSpec, rows: Sequence[ChartRow]) -> Scale:
    points: list[float] = []
    for row in rows:
        points.extend(
            float(v)
            for v in (row.value, row.low, row.high)
            if v is not None and usable(v, spec.unit)
        )
    return make_scale(
        points,
        log=spec.unit == "ratio",
        include=[spec.null] if spec.null is not None else [],
        zero=spec.unit == "share" or spec.style == "bar",
        span=(_X0, _X1),
    )


def _marks(spec: ChartSpec, row: ChartRow, scale: Scale, y: float) -> list[Markup]:
    """The row's reference and grid segments, bar or dot, and whisker, centred on ``y``."""
    out = [
        void(
            "line",
            {
                "x1": _fmt(x),
                "x2": _fmt(x),
                "y1": _fmt(y - 9),
                "y2": _fmt(y + 9),
                "stroke": PALETTE["grid"],
                "stroke-width": "1",
            },
        )
        for x in (scale.position(t) for t in scale.ticks)
    ]
    if spec.null is not None:
        x = scale.position(spec.null)
        out.append(
            void(
                "line",
                {
                    "x1": _fmt(x),
                    "x2": _fmt(x),
                    "y1": _fmt(y - 12),
                    "y2": _fmt(y + 12),
                    "stroke": PALETTE["reference"],
                    "stroke-width": "2",
                    "stroke-dasharray": "4 3",
                },
            )
        )
    value = float(row.value or 0.0)
    x_value = scale.position(value)
    if spec.style == "bar":
        x_zero = scale.position(0.0)
        out.append(
            void(
                "rect",
                {
                    "x": _fmt(min(x_zero, x_value)),
                    "y": _fmt(y - 7),
                    "width": _fmt(max(abs(x_value - x_zero), 1.0)),
                    "height": "14",
                    "fill": PALETTE["bar"],
                },
            )
        )
    bounds = [b for b in (row.low, row.high) if usable(b, spec.unit)]
    if len(bounds) == 2:
        x_low, x_high = sorted(scale.position(float(b or 0.0)) for b in bounds)
        ink = PALETTE["ink"] if spec.style == "bar" else PALETTE["mark"]
        out.append(
            void(
                "line",
                {
                    "x1": _fmt(x_low),
                    "x2": _fmt(x_high),
                    "y1": _fmt(y),
                    "y2": _fmt(y),
                    "stroke": ink,
                    "stroke-width": "2",
                },
            )
        )
        out.extend(
            void(
                "line",
                {
                    "x1": _fmt(x),
                    "x2": _fmt(x),
                    "y1": _fmt(y - 6),
                    "y2": _fmt(y + 6),
                    "stroke": ink,
                    "stroke-width": "2",
                },
            )
            for x in (x_low, x_high)
        )
    if spec.style == "dot":
        out.append(
            void(
                "circle",
                {
                    "cx": _fmt(x_value),
                    "cy": _fmt(y),
                    "r": "5.5",
                    "fill": PALETTE["mark"],
                    "stroke": PALETTE["background"],
                    "stroke-width": "1.5",
                },
            )
        )
    return out


def _tick_texts(spec: ChartSpec, scale: Scale, numbers: Numbers) -> list[str]:
    """Tick labels with the decimals their spacing needs (``0% 5% 10%``; ``0.5 1 2``)."""
    ticks = scale.ticks
    if scale.log:
        return [
            numbers.number(t, 0 if float(t).is_integer() else min(3, len(f"{t:g}".split(".")[-1])))
            for t in ticks
        ]
    factor = 100.0 if spec.unit in ("share", "points") else 1.0
    steps = [factor * (b - a) for a, b in itertools.pairwise(ticks) if b > a]
    step = min(steps) if steps else 1.0
    decimals = max(0, min(3, -math.floor(math.log10(step) + 1e-9))) if step > 0 else 0
    if spec.unit == "share":
        return list(numbers.percents(*ticks, decimals=decimals))
    if spec.unit == "points":
        return list(numbers.points(*ticks, decimals=decimals))
    return list(numbers.numbers(*ticks, decimals=decimals))


def _axis(spec: ChartSpec, scale: Scale, y: float, numbers: Numbers) -> tuple[list[Markup], float]:
    out = [
        void(
            "line",
            {
                "x1": _fmt(_X0),
                "x2": _fmt(_X1),
                "y1": _fmt(y),
                "y2": _fmt(y),
                "stroke": PALETTE["ink"],
                "stroke-width": "1",
            },
        )
    ]
    last_label = -math.inf
    for tick, text in zip(scale.ticks, _tick_texts(spec, scale, numbers), strict=True):
        x = scale.position(tick)
        anchor = "start" if x - _X0 < 12 else "end" if _X1 - x < 12 else "middle"
        out.append(
            void(
                "line",
                {
                    "x1": _fmt(x),
                    "x2": _fmt(x),
                    "y1": _fmt(y),
                    "y2": _fmt(y + 5),
                    "stroke": PALETTE["ink"],
                    "stroke-width": "1",
                },
            )
        )
        if x - last_label < _MIN_LABEL_GAP:
            continue
        last_label = x
        out.append(
            element(
                "text",
                {"x": _fmt(x), "y": _fmt(y + 20), "text-anchor": anchor, "font-size": "13"},
                text,
            )
        )
    y += 22
    for line in filter(None, (spec.axis_label, spec.null_label)):
        y += 18
        out.append(element("text", {"x": _fmt(_X0), "y": _fmt(y), "font-size": "13"}, line))
    return out, y + 10


def svg(spec: ChartSpec, *, numbers: Numbers | None = None) -> Markup:
    """The chart as an ``<svg role="img">`` with a title and description; empty if nothing plots.

    Rows whose value is missing, not finite or (on a ratio scale) not positive are left out of
    the drawing; the table still lists them.
    """
    numbers = numbers or Numbers()
    rows = plotted(spec)
    if not rows:
        return Markup("")
    chart_id = html_id(spec.chart_id)
    scale = _scale(spec, rows)
    body: list[Markup] = []
    y = 8.0
    for facet, facet_rows in facets(rows):
        if facet:
            body.append(
                element(
                    "text",
                    {
                        "x": _fmt(_X0 - 8),
                        "y": _fmt(y + 19),
                        "font-size": "15",
                        "font-weight": "bold",
                    },
                    _clip(facet),
                )
            )
            y += _FACET
        for row in facet_rows:
            body.append(
                element(
                    "text",
                    {"x": _fmt(_X0 - 4), "y": _fmt(y + 15), "font-size": "14"},
                    _row_text(spec, row, numbers),
                )
            )
            body.extend(_marks(spec, row, scale, y + 31))
            y += _ROW
    axis, height = _axis(spec, scale, y + 2, numbers)
    body.extend(axis)
    title = element("title", {"id": f"{chart_id}-title"}, spec.title)
    desc = element("desc", {"id": f"{chart_id}-desc"}, chart_summary(spec, numbers=numbers))
    attrs: dict[str, object] = {
        "xmlns": "http://www.w3.org/2000/svg",
        "viewBox": f"0 0 {WIDTH} {math.ceil(height)}",
        "role": "img",
        "aria-labelledby": f"{chart_id}-title {chart_id}-desc",
        "focusable": "false",
        "class": "chart-svg",
        "font-family": "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif",
        "fill": PALETTE["ink"],
    }
    return Markup("<svg{}>{}{}{}</svg>").format(
        attributes(attrs), title, desc, Markup("").join(body)
    )
