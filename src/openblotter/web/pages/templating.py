"""Helpers the page templates call: drawings, analysis charts, sizes, dates and estimates.

:func:`install` adds them to the Jinja2 environment of each language (once, when the pages are
registered). Each helper takes the page model's JSON-able parts and returns escaped markup or
text, so the JSON twin stays plain data while the HTML page gets its SVG, its summaries and its
locale's numbers. Analysis charts are the report's (:func:`openblotter.report.sections.
build_sections`): the same charts, summaries and tables as the HTML report.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from babel.numbers import format_decimal

from openblotter.report.i18n import Numbers
from openblotter.report.sections import build_sections
from openblotter.web.i18n import LANGUAGES, language
from openblotter.web.pages.drawing import Mark, bars, dot_map, tile_grid
from openblotter.web.pages.results import as_result
from openblotter.web.twins import environment

if TYPE_CHECKING:
    from markupsafe import Markup
    from starlette.requests import Request

    from openblotter.report.sections import Panel
    from openblotter.web.i18n import Language

__all__ = ["install"]

_UNITS = ("B", "kB", "MB", "GB")


def _size(lang: Language, n: int) -> str:
    value, unit = float(n), 0
    while value >= 1000 and unit < len(_UNITS) - 1:
        value, unit = value / 1000, unit + 1
    pattern = "#,##0" if unit == 0 else "#,##0.0"
    return f"{format_decimal(value, format=pattern, locale=lang.code)}\u00a0{_UNITS[unit]}"


def _day(lang: Language, iso: str | None) -> str:
    if not iso:
        return lang.date(None)
    try:
        return lang.date(dt.date.fromisoformat(str(iso)[:10]))
    except ValueError:
        return str(iso)


def _moment(lang: Language, iso: str | None) -> str:
    if not iso:
        return lang.date(None)
    try:
        moment = dt.datetime.fromisoformat(str(iso))
    except ValueError:
        return str(iso)
    return Numbers(lang.code).datetime(moment) if moment.tzinfo else lang.date(moment)


def _counts_summary(lang: Language, counts: dict[str, Any], title: str) -> str:
    rows = counts.get("rows", [])
    known = [r for r in rows if r.get("count") is not None]
    withheld = sum(1 for r in rows if not r.get("exact"))
    if not known:
        text = lang.gettext("%(title)s: every count is withheld.") % {"title": title}
    else:
        top = max(known, key=lambda r: r["count"])
        text = lang.gettext("%(title)s: %(n)s groups; the largest is %(label)s with %(count)s.") % {
            "title": title,
            "n": lang.number(len(rows)),
            "label": top["label"],
            "count": top["text"],
        }
    if withheld:
        text += " " + lang.ngettext(
            "%(w)s group is withheld or incomplete.",
            "%(w)s groups are withheld or incomplete.",
            withheld,
        ) % {"w": lang.number(withheld)}
    return text


def _count_chart(lang: Language, counts: dict[str, Any], chart_id: str, title: str) -> Markup:
    marks = [Mark(label=r["label"], count=r.get("count"), text=r["text"]) for r in counts["rows"]]
    return bars(chart_id, title, _counts_summary(lang, counts, title), marks)


def _map_summary(lang: Language, model: dict[str, Any], title: str) -> str:
    units = model.get("units", [])
    known = [u for u in units if u.get("count") is not None]
    text = lang.gettext("%(title)s: %(n)s places.") % {"title": title, "n": lang.number(len(units))}
    if known:
        top = max(known, key=lambda u: u["count"])
        text += " " + lang.gettext("The largest count is in %(place)s: %(count)s.") % {
            "place": top["label"],
            "count": top["text"],
        }
    return text


def _place_map(lang: Language, model: dict[str, Any], chart_id: str, title: str) -> Markup:
    marks = [
        Mark(
            label=u["label"],
            count=u.get("count"),
            text=u["text"],
            key=u["key"],
            lat=u.get("lat"),
            lng=u.get("lng"),
        )
        for u in model.get("units", [])
    ]
    summary = _map_summary(lang, model, title)
    if model.get("kind") == "dots":
        return dot_map(chart_id, title, summary, marks)
    return tile_grid(chart_id, title, summary, marks)


def _analysis_panels(lang: Language, request: Request, slug: str, method: str) -> list[Panel]:
    saved = request.app.state.portal.analyses(slug) or {}
    found = [r for r in saved.get("results", []) if r.get("method") == method]
    if not found:
        return []
    return list(_panels(json.dumps(found[0], sort_keys=True), lang.code))


@lru_cache(maxsize=128)
def _panels(serialised: str, code: str) -> tuple[Panel, ...]:
    """The report's charts and tables of a saved result, withheld estimates left out."""
    result = as_result(json.loads(serialised))
    shown = tuple(e for e in result.estimates if not e.extra.get("suppressed"))
    sections = build_sections(
        [dataclasses.replace(result, estimates=shown)],
        numbers=Numbers(code),
        methods_url=f"{language(code).prefix}/methods/{{method}}",
        locale=code,
    )
    return tuple(sections[0].panels) if sections else ()


def _estimate(lang: Language, row: dict[str, Any]) -> dict[str, str]:
    numbers = Numbers(lang.code)
    value, low, high = row.get("value"), row.get("low"), row.get("high")
    quantity = str(row.get("quantity", ""))
    share = (
        quantity.endswith(("_rate", "_share"))
        or quantity.startswith("share_")
        or quantity
        in (
            "threshold",
            "weighted_threshold",
        )
    )
    in_unit = all(v is None or 0.0 <= float(v) <= 1.0 for v in (value, low, high))
    if share and in_unit:
        shown = numbers.percents(value, low, high)
    else:
        shown = numbers.numbers(value, low, high)
    interval = (
        lang.gettext("%(low)s to %(high)s") % {"low": shown[1], "high": shown[2]}
        if low is not None and high is not None
        else "\u2013"
    )
    return {"value": shown[0], "interval": interval, "level": numbers.level(row.get("level", 0.95))}


def install() -> None:
    """Add the helpers to every language's template environment (idempotent)."""
    for code in LANGUAGES:
        lang = language(code)
        env = environment(code)
        env.globals.update(
            size_text=lambda n, lang=lang: _size(lang, int(n)),
            day=lambda iso, lang=lang: _day(lang, iso),
            moment=lambda iso, lang=lang: _moment(lang, iso),
            count_chart=lambda c, i, t, lang=lang: _count_chart(lang, c, i, t),
            count_summary=lambda c, t, lang=lang: _counts_summary(lang, c, t),
            map_summary=lambda m, t, lang=lang: _map_summary(lang, m, t),
            place_map=lambda m, i, t, lang=lang: _place_map(lang, m, i, t),
            analysis_panels=lambda r, s, m, lang=lang: _analysis_panels(lang, r, s, m),
            estimate=lambda row, lang=lang: _estimate(lang, row),
            query_string=lambda values: urlencode(values),
        )
