"""SVG drawings of counts: bars by group, and a map of places built from the data's own geography.

No map tiles or boundary files exist on the portal's side (and the content security policy would
refuse them), so the map places each place (district, beat, precinct…) at the mean published
coordinates of its records and draws a circle whose area is proportional to its count; each
circle carries a number that keys it to the table beside it. When the records carry no
coordinates the places become a grid of labelled tiles instead. Withheld counts are drawn as an
empty dashed circle (or a plain tile) and read "withheld", never as a number.

Every drawing is an ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` (the one-sentence
summary) referenced by ``aria-labelledby``; numbers are written next to their marks, so nothing
depends on judging a length, an area or a colour, and the page always gives the same counts as a
table. Values are escaped (Markup), sizes are set by ``viewBox`` so a drawing scales to a phone
and to paper.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from markupsafe import Markup, escape

__all__ = ["Mark", "bars", "dot_map", "tile_grid"]

INK = "#1a1a1a"
BAR = "#1f4e79"
FILL = "#4a73a0"
PALE = "#dfe8f1"
RULE = "#767676"
WIDTH = 600
_ROW = 40
_LABEL = 46


@dataclass(frozen=True, slots=True)
class Mark:
    """One thing to draw: its label, its count (None: withheld), the text that states it."""

    label: str
    count: int | None
    text: str
    key: str = ""
    lat: float | None = None
    lng: float | None = None


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def _plain(text: str) -> str:
    """``text`` without control characters (which no XML or HTML text may carry)."""
    return _CONTROL.sub("", text)


def _clip(text: str, limit: int = _LABEL) -> str:
    text = _plain(text)
    return text if len(text) <= limit else text[: limit - 1] + "\N{HORIZONTAL ELLIPSIS}"


def _frame(chart_id: str, title: str, summary: str, height: float, body: list[Markup]) -> Markup:
    return Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" role="img" '
        'aria-labelledby="{i}-title {i}-desc" focusable="false" class="drawing" '
        'font-family="system-ui, sans-serif"><title id="{i}-title">{t}</title>'
        '<desc id="{i}-desc">{d}</desc>{b}</svg>'
    ).format(
        w=WIDTH,
        h=math.ceil(height),
        i=chart_id,
        t=_plain(title),
        d=_plain(summary),
        b=Markup("").join(body),
    )


def _text(x: float, y: float, text: str, *, size: int = 14, anchor: str = "start") -> Markup:
    return Markup(
        '<text x="{:.1f}" y="{:.1f}" font-size="{}" text-anchor="{}" fill="{}">{}</text>'
    ).format(x, y, size, anchor, INK, escape(_plain(text)))


def bars(chart_id: str, title: str, summary: str, marks: list[Mark]) -> Markup:
    """Horizontal bars, one per mark, each labelled with its text above it."""
    largest = max((m.count for m in marks if m.count), default=0)
    span = WIDTH - 24
    body: list[Markup] = []
    y = 6.0
    for mark in marks:
        body.append(_text(12, y + 15, _clip(f"{mark.label}: {mark.text}", 70)))
        if mark.count is not None and largest:
            width = max(1.0, span * mark.count / largest)
            body.append(
                Markup(
                    '<rect x="12" y="{:.1f}" width="{:.1f}" height="14" fill="{}"></rect>'
                ).format(y + 21, width, FILL)
            )
        else:
            body.append(
                Markup(
                    '<rect x="12" y="{:.1f}" width="28" height="14" fill="none" stroke="{}" '
                    'stroke-dasharray="3 2"></rect>'
                ).format(y + 21, RULE)
            )
        y += _ROW
    body.append(
        Markup('<line x1="12" x2="12" y1="4" y2="{:.1f}" stroke="{}"></line>').format(y, INK)
    )
    return _frame(chart_id, title, summary, y + 8, body)


def _projected(marks: list[Mark]) -> list[tuple[Mark, float, float]]:
    located = [m for m in marks if m.lat is not None and m.lng is not None]
    if not located:
        return []
    lats = [float(m.lat or 0.0) for m in located]
    lngs = [float(m.lng or 0.0) for m in located]
    scale_x = math.cos(math.radians(sum(lats) / len(lats)))
    xs = [g * scale_x for g in lngs]
    width = max(max(xs) - min(xs), 1e-6)
    height = max(max(lats) - min(lats), 1e-6)
    inner = WIDTH - 2 * 60
    ratio = inner / max(width, height)
    out = []
    for mark, x, lat in zip(located, xs, lats, strict=True):
        out.append((mark, 60 + (x - min(xs)) * ratio, 60 + (max(lats) - lat) * ratio))
    return out


def dot_map(chart_id: str, title: str, summary: str, marks: list[Mark]) -> Markup:
    """Circles at each place's mean coordinates, area by count, each with its key number.

    Places without coordinates are left out of the drawing (the table still lists them).
    """
    placed = _projected(marks)
    if not placed:
        return Markup("")
    largest = max((m.count for m, _x, _y in placed if m.count), default=1)
    height = max(y for _m, _x, y in placed) + 60
    body: list[Markup] = [
        Markup(
            '<rect x="1" y="1" width="{}" height="{:.1f}" fill="none" stroke="{}"></rect>'
        ).format(WIDTH - 2, height - 2, RULE)
    ]
    for mark, x, y in sorted(placed, key=lambda p: -(p[0].count or 0)):
        if mark.count:
            radius = 6 + 34 * math.sqrt(mark.count / largest)
            body.append(
                Markup(
                    '<circle cx="{:.1f}" cy="{:.1f}" r="{:.1f}" fill="{}" fill-opacity="0.35" '
                    'stroke="{}" stroke-width="1.5"></circle>'
                ).format(x, y, radius, FILL, BAR)
            )
        else:
            body.append(
                Markup(
                    '<circle cx="{:.1f}" cy="{:.1f}" r="6" fill="none" stroke="{}" '
                    'stroke-dasharray="3 2" stroke-width="1.5"></circle>'
                ).format(x, y, RULE)
            )
    for mark, x, y in placed:
        body.append(_text(x, y + 5, mark.key, size=13, anchor="middle"))
    return _frame(chart_id, title, summary, height, body)


def tile_grid(chart_id: str, title: str, summary: str, marks: list[Mark]) -> Markup:
    """A grid of labelled tiles, one per place, shaded by count and stating it."""
    if not marks:
        return Markup("")
    columns = min(8, max(1, math.ceil(math.sqrt(len(marks)))))
    size = (WIDTH - 8) / columns
    largest = max((m.count for m in marks if m.count), default=1)
    body: list[Markup] = []
    for index, mark in enumerate(marks):
        x = 4 + (index % columns) * size
        y = 4 + (index // columns) * 56
        share = (mark.count or 0) / largest
        shade = PALE if mark.count is None else _blend(share)
        body.append(
            Markup(
                '<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="52" fill="{}" stroke="{}">'
                "</rect>"
            ).format(x, y, size - 4, shade, RULE)
        )
        limit = max(4, int(size / 8))
        body.append(_text(x + 6, y + 20, _clip(mark.label, limit), size=13))
        body.append(_text(x + 6, y + 40, _clip(mark.text, limit), size=13))
    rows = math.ceil(len(marks) / columns)
    return _frame(chart_id, title, summary, 8 + rows * 56, body)


def _blend(share: float) -> str:
    """A pale blue, darker for a larger share, light enough for dark text (contrast ≥ 7:1)."""
    low, high = (0xF4, 0xF7, 0xFA), (0xA9, 0xC1, 0xDA)
    mixed = (round(a + (b - a) * max(0.0, min(1.0, share))) for a, b in zip(low, high, strict=True))
    return "#" + "".join(f"{c:02x}" for c in mixed)
