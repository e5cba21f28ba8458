"""Accessible charts drawn on the server: SVG dot and bar charts of estimates with intervals.

One chart shows one quantity: a row per group (optionally under facet headings, one per place or
outcome), a dot (or a bar, for shares) at the estimate, a whisker over its interval, and a dashed
line at the value that means "no difference" (1 for a ratio, 0 for a difference). Each row's
label states the numbers in text (``Black: 1.6 (1.4 to 1.8)``), so nothing depends on reading a
position or telling colours apart; one colour is used, dark enough for WCAG AA (at least 3:1 for
marks, 4.5:1 for text, checked in the tests). Labels sit above their marks so the plot can use the
full width; the SVG has a ``viewBox`` and no fixed size, so it scales to a phone and to paper.

Every chart is emitted by :func:`figure` with its accessible alternative: a one-sentence summary
(:func:`chart_summary`) and a real data table (:func:`data_table`, ``<caption>``, ``<th
scope>``). The SVG itself has ``role="img"``, a ``<title>`` and a ``<desc>`` referenced by
``aria-labelledby``. All functions are pure and return :class:`markupsafe.Markup`; every value
from a result is escaped. Their words are in the ``locale`` given (default: the current one).
"""

from __future__ import annotations

from markupsafe import Markup

from openblotter.report.chart_model import (
    PALETTE,
    ChartRow,
    ChartSpec,
    chart_summary,
    formatted,
    headings,
)
from openblotter.report.chart_svg import svg
from openblotter.report.i18n import Numbers, use_locale
from openblotter.report.i18n import gettext as _
from openblotter.report.markup import element, html_id

__all__ = ["PALETTE", "ChartRow", "ChartSpec", "chart_summary", "data_table", "figure", "svg"]


def data_table(
    spec: ChartSpec, *, numbers: Numbers | None = None, locale: str | None = None
) -> Markup:
    """The chart's data as a ``<table>`` with a caption and row and column headers.

    Every row of the spec appears, including those the chart could not draw.
    """
    with use_locale(locale) as current:
        return _table(spec, numbers or Numbers(current))


def _table(spec: ChartSpec, numbers: Numbers) -> Markup:
    chart_id = html_id(spec.chart_id)
    faceted = any(r.facet for r in spec.rows)
    facet_heading, label_heading, value_heading, n_heading = headings(spec)
    heads = ([facet_heading] if faceted else []) + [
        label_heading,
        value_heading,
        _("{level} interval").format(level=numbers.level(spec.level)),
        n_heading,
    ]
    head = Markup("<tr>{}</tr>").format(
        Markup("").join(element("th", {"scope": "col"}, h) for h in heads)
    )
    body: list[Markup] = []
    for row in spec.rows:
        value, low, high = formatted(spec, numbers, row.value, row.low, row.high)
        has_interval = low != numbers.missing and high != numbers.missing
        interval = (
            _("{low} to {high}").format(low=low, high=high) if has_interval else "\N{EM DASH}"
        )
        cells = [element("td", None, row.facet)] if faceted else []
        cells += [
            element("th", {"scope": "row"}, row.label),
            element("td", {"class": "num"}, value),
            element("td", {"class": "num"}, interval),
            element(
                "td", {"class": "num"}, numbers.count(row.n) if row.n is not None else "\N{EM DASH}"
            ),
        ]
        body.append(Markup("<tr>{}</tr>").format(Markup("").join(cells)))
    caption = element("caption", {"id": f"{chart_id}-caption"}, spec.title)
    table = Markup('<table class="data">{}<thead>{}</thead><tbody>{}</tbody></table>').format(
        caption, head, Markup("").join(body)
    )
    return Markup(
        '<div class="table-wrap" role="region" tabindex="0" aria-labelledby="{}">{}</div>'
    ).format(f"{chart_id}-caption", table)


def figure(
    spec: ChartSpec,
    *,
    numbers: Numbers | None = None,
    draw: bool = True,
    note: str = "",
    locale: str | None = None,
) -> Markup:
    """The chart with its summary sentence (the figure caption) and its data table.

    ``draw=False`` leaves the drawing out (say why in ``note``, added to the caption). Words
    are in ``locale`` (default: the current one), numbers too unless ``numbers`` is given.
    """
    with use_locale(locale) as current:
        numbers = numbers or Numbers(current)
        chart_id = html_id(spec.chart_id)
        drawing = svg(spec, numbers=numbers) if draw else Markup("")
        summary = chart_summary(spec, numbers=numbers) + (f" {note}" if note else "")
        caption = element("figcaption", {"id": f"{chart_id}-summary"}, summary)
        return Markup('<figure class="chart" id="{}">{}{}{}</figure>').format(
            chart_id, caption, drawing, _table(spec, numbers)
        )
