"""What a chart shows, independent of how it is drawn: rows, units, numbers and its summary.

A :class:`ChartSpec` holds one quantity's rows (:class:`ChartRow`: label, value, interval, n,
facet), its unit (``ratio``, ``share``, ``points``, ``number``) and the value of no difference.
Numbers of one chart share their decimals, so a table's column lines up; :func:`chart_summary`
states in one sentence what the chart shows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from openblotter.report.i18n import Numbers, decimals_for, ngettext
from openblotter.report.i18n import gettext as _

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "PALETTE",
    "ChartRow",
    "ChartSpec",
    "Unit",
    "chart_summary",
    "facets",
    "formatted",
    "headings",
    "null_text",
    "plotted",
    "usable",
]

Unit = Literal["ratio", "share", "points", "number"]

PALETTE = {
    "ink": "#1a1a1a",
    "mark": "#1f4e79",
    "bar": "#4a73a0",
    "reference": "#595959",
    "grid": "#d0d0d0",
    "background": "#ffffff",
}
"""The chart's colours; ``grid`` is decorative, the others pass WCAG AA on ``background``."""

_MAX_ABS = 1e15


@dataclass(frozen=True, slots=True)
class ChartRow:
    """One estimate to draw: its label, value, interval, the records behind it and its facet."""

    label: str
    value: float | None
    low: float | None = None
    high: float | None = None
    n: int | None = None
    facet: str = ""


@dataclass(frozen=True, slots=True)
class ChartSpec:
    """What to draw and how to describe it.

    ``chart_id`` must be unique on the page (it prefixes the SVG's and the table's ids);
    ``unit`` chooses the scale (``ratio``: logarithmic; the others linear) and how numbers
    read; ``null`` is where the dashed "no difference" line goes (``None``: no line) and
    ``null_label`` what it means; ``label_heading``, ``value_heading``, ``facet_heading`` and
    ``n_heading`` head the table's columns (empty: "Group", "Estimate", "Place" and "Records" in
    the current language, see :func:`headings`).
    """

    chart_id: str
    title: str
    rows: tuple[ChartRow, ...]
    unit: Unit = "number"
    level: float = 0.95
    null: float | None = None
    null_label: str = ""
    axis_label: str = ""
    label_heading: str = ""
    value_heading: str = ""
    facet_heading: str = ""
    n_heading: str = ""
    style: Literal["dot", "bar"] = "dot"


def headings(spec: ChartSpec) -> tuple[str, str, str, str]:
    """The table's facet, label, value and n headings, defaults in the current language."""
    return (
        spec.facet_heading or _("Place"),
        spec.label_heading or _("Group"),
        spec.value_heading or _("Estimate"),
        spec.n_heading or _("Records"),
    )


def _decimals(spec: ChartSpec) -> int:
    """Decimals shared by every number of the chart and its table, so columns line up."""
    scale = 100.0 if spec.unit in ("share", "points") else 1.0
    values = [
        scale * v
        for r in spec.rows
        for v in (r.value, r.low, r.high)
        if v is not None and math.isfinite(v) and abs(v) <= _MAX_ABS
    ]
    return decimals_for(values, most=1 if scale > 1 else 2 if spec.unit == "ratio" else 3)


def formatted(spec: ChartSpec, numbers: Numbers, *values: float | None) -> tuple[str, ...]:
    """``values`` in the chart's unit and its shared decimals."""
    decimals = _decimals(spec)
    if spec.unit == "share":
        return numbers.percents(*values, decimals=decimals)
    if spec.unit == "points":
        return numbers.points(*values, decimals=decimals)
    return numbers.numbers(*values, decimals=decimals)


def null_text(spec: ChartSpec, numbers: Numbers) -> str:
    """The no-difference value as the chart's numbers read (``1``, ``0``)."""
    null = spec.null if spec.null is not None else 0.0
    if spec.unit in ("share", "points"):
        null *= 100
    return numbers.number(null, decimals_for([null]) if not float(null).is_integer() else 0)


def usable(value: float | None, unit: Unit) -> bool:
    """Whether ``value`` can be placed on the chart's scale."""
    if value is None or not math.isfinite(value) or abs(value) > _MAX_ABS:
        return False
    return value > 0 if unit == "ratio" else True


def plotted(spec: ChartSpec) -> list[ChartRow]:
    """The rows that can be drawn."""
    return [r for r in spec.rows if usable(r.value, spec.unit)]


def facets(rows: Sequence[ChartRow]) -> list[tuple[str, list[ChartRow]]]:
    """Rows grouped by facet, in the order they first appear."""
    order: dict[str, list[ChartRow]] = {}
    for row in rows:
        order.setdefault(row.facet, []).append(row)
    return list(order.items())


def chart_summary(spec: ChartSpec, *, numbers: Numbers | None = None) -> str:
    """One sentence that says what the chart shows: its range and, with a null, how many differ."""
    numbers = numbers or Numbers()
    rows = plotted(spec)
    if not rows:
        return _("{title}: no estimate could be drawn; the table lists what there is.").format(
            title=spec.title
        )

    def name(row: ChartRow) -> str:
        return f"{row.label}, {row.facet}" if row.facet else row.label

    def shown(value: float | None) -> str:
        (text,) = formatted(spec, numbers, value)
        if spec.unit == "points":
            return _("{value} percentage points").format(value=text)
        return text

    low_row = min(rows, key=lambda r: float(r.value or 0.0))
    high_row = max(rows, key=lambda r: float(r.value or 0.0))
    if len(rows) == 1:
        text = _("{title}: {value} for {label}").format(
            title=spec.title, value=shown(low_row.value), label=name(low_row)
        )
    else:
        text = _(
            "{title}: {count} estimates, from {low} for {low_label} to {high} for {high_label}"
        ).format(
            title=spec.title,
            count=numbers.count(len(rows)),
            low=shown(low_row.value),
            low_label=name(low_row),
            high=shown(high_row.value),
            high_label=name(high_row),
        )
    with_interval = [r for r in rows if usable(r.low, spec.unit) and usable(r.high, spec.unit)]
    if spec.null is not None and with_interval:
        null = spec.null
        clear = [
            r
            for r in with_interval
            if min(r.low or 0.0, r.high or 0.0) > null or max(r.low or 0.0, r.high or 0.0) < null
        ]
        if len(with_interval) == 1:
            template = (
                _("; its interval excludes {null}")
                if clear
                else _("; its interval includes {null}")
            )
            text += template.format(null=null_text(spec, numbers))
        else:
            text += ngettext(
                "; {clear} of {total} interval excludes {null}",
                "; {clear} of {total} intervals exclude {null}",
                len(clear),
            ).format(
                clear=numbers.count(len(clear)),
                total=numbers.count(len(with_interval)),
                null=null_text(spec, numbers),
            )
    return text + "."
