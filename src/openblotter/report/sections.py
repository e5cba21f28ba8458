"""One report section per method: its findings, a chart and table per quantity, and its evidence.

:func:`build_sections` turns the results of an analysis run (and the methods that could not run)
into :class:`Section` view models that the template lays out. A result's estimates are grouped
by quantity; each quantity becomes a :class:`Panel` whose rows are its groups, under facets for
whatever else varies (outcome, place), with the labels that do not vary (the reference group, the
variant) named in the panel's title. Nothing is dropped: a quantity with too many rows to draw
keeps its table, and a method that failed keeps its section with the reason. Titles, headings and
sentences are in the ``locale`` :func:`build_sections` is given (default: the current one); the
filters, caveats and failure reasons stay as the analyses wrote them, in English.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from openblotter.analysis.result import Result
from openblotter.analysis.suite import METHODS
from openblotter.report.charts import ChartRow, ChartSpec, figure
from openblotter.report.findings import Subject, findings
from openblotter.report.i18n import N_, Numbers, decimals_for, use_locale
from openblotter.report.i18n import gettext as _
from openblotter.report.quantities import (
    GROUP_LABELS,
    HIDDEN_LABELS,
    REFERENCE_LABELS,
    QuantityInfo,
    field_title,
    label_value,
    quantity_info,
    unit_words,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from markupsafe import Markup

    from openblotter.analysis.result import Estimate
    from openblotter.analysis.suite import Failure

__all__ = [
    "MAX_CHART_ROWS",
    "MAX_TABLE_ROWS",
    "Panel",
    "Section",
    "build_sections",
    "method_title",
    "method_url",
]

MAX_CHART_ROWS = 60
"""A quantity with more rows than this is shown as a table only."""
MAX_TABLE_ROWS = 100
"""A table shows at most this many rows, the most notable; the JSON and CSV results have all."""
_MAX_PANELS = 12
_PROVENANCE_TITLES = {
    "agency": N_("Agency"),
    "batches": N_("Ingest batches"),
    "release": N_("Release"),
    "counts_file": N_("Counts file"),
}
_DIAGNOSTIC_TITLES = {"searches": N_("Searches made")}
"""Diagnostics whose name as a label would read otherwise (``searches`` counts searches)."""


@dataclass(frozen=True, slots=True)
class Panel:
    """One quantity of a result: a heading and its figure (summary, chart, table)."""

    title: str
    figure: Markup


@dataclass(frozen=True, slots=True)
class Section:
    """Everything the report shows about one method's result, or why it has none."""

    anchor: str
    method: str
    title: str
    url: str
    headline: str
    findings: tuple[str, ...] = ()
    panels: tuple[Panel, ...] = ()
    more_panels: int = 0
    filters: tuple[str, ...] = ()
    caveats: tuple[str, ...] = ()
    provenance: tuple[tuple[str, str], ...] = ()
    diagnostics: tuple[tuple[str, str], ...] = ()
    failure: str | None = None
    summary_only: bool = False
    """Whether the findings are just the result's own summary (written in English)."""


def method_title(method: str) -> str:
    """The method's title from the suite's registry (in the current language), or its id."""
    spec = METHODS.get(method)
    if spec is not None:
        return _(spec.title)
    text = re.sub(r"[_\-]+", " ", method).strip()
    return text[:1].upper() + text[1:] if text else _("Analysis")


def method_url(method: str, base: str) -> str:
    """The link to the method's page: ``base`` with ``{method}`` filled in, or ``base + id.md``.

    >>> method_url("veil-of-darkness", "docs/methods/")
    'docs/methods/veil-of-darkness.md'
    >>> method_url("veil-of-darkness", "/methods/{method}")
    '/methods/veil-of-darkness'
    """
    if "{method}" in base:
        return base.replace("{method}", method)
    return f"{base if base.endswith('/') or not base else base + '/'}{method}.md"


def _cap(text: str) -> str:
    """Capitalise a sentence, unless it starts with a name such as ``frisk_performed``."""
    first = text.split(" ", 1)[0]
    return text if not first.isalpha() else text[:1].upper() + text[1:]


def _cap_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "method"


_FAMILIES = {
    "share_light": ("veil_shares", N_("In daylight")),
    "share_dark": ("veil_shares", N_("After dark")),
}
"""Quantities shown together in one panel, and the facet each one takes there."""
_FAMILY_INFO = {
    "veil_shares": QuantityInfo(
        "share",
        N_("The group's share of stops, in daylight and after dark"),
        None,
        ("stop", "stops"),
    ),
}


PanelKey = tuple[str, tuple[str, ...]]
"""A panel: its quantity and the label names its estimates have."""


def _by_quantity(estimates: Sequence[Estimate]) -> dict[PanelKey, list[Estimate]]:
    """Estimates by quantity and by the set of label names they carry (hidden ones dropped)."""
    out: dict[PanelKey, list[Estimate]] = {}
    for e in estimates:
        labels = {k: v for k, v in e.labels.items() if k not in HIDDEN_LABELS}
        family = _FAMILIES.get(e.quantity)
        if family is not None:
            labels["light"] = _(family[1])
        e = dataclasses.replace(e, labels=labels)
        key = (family[0] if family else e.quantity, tuple(sorted(labels)))
        out.setdefault(key, []).append(e)
    return out


def _varying(estimates: Sequence[Estimate]) -> tuple[list[str], dict[str, str]]:
    """Label names whose values differ across ``estimates``, and the constant ones."""
    names: list[str] = []
    for e in estimates:
        names.extend(k for k in e.labels if k not in names)
    varying, constant = [], {}
    for name in names:
        values = {e.labels.get(name, "") for e in estimates}
        if len(values) > 1:
            varying.append(name)
        elif values != {""}:
            constant[name] = values.pop()
    return varying, constant


def _notable(e: Estimate, null: float | None) -> float:
    """How far an estimate stands out (0 when it does not): flagged, or interval clear of null."""
    if e.extra.get("flagged", 0.0) >= 0.5:
        return math.inf
    if null is None or e.value is None or not e.interval or not math.isfinite(e.value):
        return 0.0
    low, high = sorted(e.interval)
    if not (low > null or high < null):
        return 0.0
    if null == 1.0 and e.value > 0:
        return abs(math.log(e.value))
    return abs(e.value - null)


def _capped(estimates: list[Estimate], null: float | None) -> tuple[list[Estimate], str]:
    """At most :data:`MAX_TABLE_ROWS` rows (the most notable first), and a note when cut."""
    if len(estimates) <= MAX_TABLE_ROWS:
        return estimates, ""
    scores = [_notable(e, null) for e in estimates]
    ranked = sorted(range(len(estimates)), key=lambda i: -scores[i])[:MAX_TABLE_ROWS]
    kept = [estimates[i] for i in sorted(ranked)]
    note = _(
        "The table shows {shown} of {total} rows, those that stand out most; the "
        "machine-readable results (blotter analyze) have them all."
    ).format(shown=MAX_TABLE_ROWS, total=len(estimates))
    return kept, note


def _panel(
    key: PanelKey, estimates: list[Estimate], chart_id: str, numbers: Numbers, *, split: bool
) -> Panel:
    quantity = key[0]
    family = _FAMILY_INFO.get(quantity)
    info = (
        dataclasses.replace(family, title=_(family.title))
        if family is not None
        else quantity_info(quantity, [e.value for e in estimates])
    )
    estimates, cut_note = _capped(estimates, info.null)
    varying, constant = _varying(estimates)
    row_label = next((k for k in GROUP_LABELS if k in varying or k in constant), None)
    if row_label is None and varying:
        row_label = varying[-1]
    facets = [k for k in varying if k != row_label]
    rows = tuple(
        ChartRow(
            label=label_value(row_label, e.labels.get(row_label, ""))
            if row_label
            else _("All records"),
            value=e.value,
            low=e.interval[0] if e.interval else None,
            high=e.interval[1] if e.interval else None,
            n=e.n,
            facet=" \N{MIDDLE DOT} ".join(
                label_value(k, e.labels[k]) if e.labels.get(k) else _("All") for k in facets
            ),
        )
        for e in estimates
    )
    context = [
        f"{field_title(k)}: {label_value(k, v)}"
        for k, v in constant.items()
        if k != row_label
        and not (k == "outcome" and quantity.endswith("_rate"))
        and v != "all"
        and not (k == "geography" and v == "agency")
    ]
    title = info.title
    if split and row_label:
        title = _("{title}, by {label}").format(title=title, label=field_title(row_label).lower())
    title += f" ({'; '.join(context)})" if context else ""
    reference = next((constant[k] for k in REFERENCE_LABELS if k in constant), None)
    unit = "number" if info.kind == "coefficient" else info.kind
    null_label = {
        "ratio": _("Dashed line: 1, no difference from {reference}.").format(
            reference=label_value("reference", reference)
        )
        if reference
        else _("Dashed line: 1, no difference."),
        "points": _("Dashed line: 0, no difference."),
    }.get(unit, "")
    axis_label = {
        "ratio": _("{title}, on a logarithmic scale").format(title=info.title),
        "share": _("Percent"),
        "points": _("Difference in percentage points"),
    }.get(unit, info.title)
    spec = ChartSpec(
        chart_id=chart_id,
        title=title,
        rows=rows,
        unit=unit,
        level=estimates[0].level,
        null=info.null if unit in ("ratio", "points") else None,
        null_label=null_label,
        axis_label=axis_label,
        label_heading=field_title(row_label) if row_label else _("Estimate of"),
        facet_heading=" \N{MIDDLE DOT} ".join(field_title(k) for k in facets) or _("Place"),
        n_heading=_cap_first(unit_words(info, 2)),
        value_heading=_("Difference (percentage points)") if unit == "points" else _("Estimate"),
        style="bar" if unit == "share" else "dot",
    )
    if info.kind == "coefficient":  # a model's scale, shown by its ratio: table only
        return Panel(title, figure(spec, numbers=numbers, draw=False, note=cut_note))
    if len(rows) > MAX_CHART_ROWS:
        note = _("There are too many rows to draw; the table lists them.")
        note += f" {cut_note}" if cut_note else ""
        return Panel(title, figure(spec, numbers=numbers, draw=False, note=note))
    return Panel(title, figure(spec, numbers=numbers, note=cut_note))


def _diagnostic(value: float | str, numbers: Numbers) -> str:
    if isinstance(value, str):
        return value
    if not math.isfinite(value):
        return numbers.missing
    if float(value).is_integer():
        return numbers.count(int(value))
    return numbers.number(value, max(decimals_for([value]), 2))


def _result_section(
    result: Result, anchor: str, title: str, url: str, numbers: Numbers, subject: Subject
) -> Section:
    found = findings(result, numbers=numbers, subject=subject)
    groups = list(_by_quantity(result.estimates).items())
    quantities = [key[0] for key, _es in groups]
    panels = tuple(
        _panel(
            key,
            es,
            f"{anchor}-{i}-{_slug(key[0])}",
            numbers,
            split=quantities.count(key[0]) > 1,
        )
        for i, (key, es) in enumerate(groups[:_MAX_PANELS])
    )
    provenance = tuple(
        (_(_PROVENANCE_TITLES[k]) if k in _PROVENANCE_TITLES else field_title(k), v)
        for k, v in result.provenance.items()
    )
    diagnostics = tuple(
        (
            _(_DIAGNOSTIC_TITLES[k]) if k in _DIAGNOSTIC_TITLES else field_title(k),
            label_value(k, v) if isinstance(v, str) else _diagnostic(v, numbers),
        )
        for k, v in result.diagnostics.items()
    )
    return Section(
        anchor=anchor,
        method=result.method,
        title=title,
        url=url,
        headline=found[0] if found else _("No estimate could be made from the records."),
        findings=tuple(found),
        panels=panels,
        more_panels=max(0, len(groups) - _MAX_PANELS),
        filters=tuple(_cap(f) for f in result.filters),
        caveats=tuple(_cap(c) for c in result.caveats),
        provenance=provenance,
        diagnostics=diagnostics,
        summary_only=bool(result.summary) and found == [result.summary],
    )


def build_sections(
    items: Sequence[Result | Failure],
    *,
    numbers: Numbers | None = None,
    subject: Subject = ("people", "person"),
    methods_url: str = "docs/methods/",
    locale: str | None = None,
) -> list[Section]:
    """A section per result or failure, in the order given, with unique anchors and titles.

    Words are in ``locale`` (default: the current locale), and so are the numbers unless
    ``numbers`` says otherwise.
    """
    with use_locale(locale) as current:
        return _sections(items, numbers or Numbers(current), subject, methods_url)


def _sections(
    items: Sequence[Result | Failure], numbers: Numbers, subject: Subject, methods_url: str
) -> list[Section]:
    out: list[Section] = []
    seen: dict[str, int] = {}
    anchors: set[str] = set()
    for item in items:
        title = method_title(item.method) if isinstance(item, Result) else _(item.title)
        count = seen.get(title, 0) + 1
        seen[title] = count
        if count > 1:
            variant = item.diagnostics.get("variant") if isinstance(item, Result) else None
            title = f"{title} ({variant if variant else count})"
        anchor = f"m-{_slug(title)}"
        while anchor in anchors:
            anchor += "-x"
        anchors.add(anchor)
        url = method_url(item.method, methods_url)
        if isinstance(item, Result):
            out.append(_result_section(item, anchor, title, url, numbers, subject))
        else:
            reason = (item.reason or _("no reason was given")).strip()
            reason = reason[:1].upper() + reason[1:] + ("" if reason.endswith(".") else ".")
            out.append(
                Section(
                    anchor=anchor,
                    method=item.method,
                    title=title,
                    url=url,
                    headline=_("Not run. {reason}").format(reason=reason),
                    failure=reason,
                )
            )
    return out
