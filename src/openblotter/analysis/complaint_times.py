"""Time to decision of complaints, with open cases counted as censored (Kaplan-Meier).

A complaint's clock runs from ``received_date`` to the allegation's ``finding_date`` (by
allegation category) or the complaint's ``closed_date`` (all complaints). Cases still open —
status ``received``, ``under investigation``, ``in mediation`` or none, and no end date — have
lasted at least until ``as_of`` and are right-censored there. Cases without a received date,
closed without a date, or whose end precedes their start are counted and left out. Each
breakdown is one ``GROUP BY`` (kind of case x days) in the store; the quartiles and their
Brookmeyer-Crowley intervals come from :mod:`openblotter.analysis.survival`. ``extra`` carries
the number of decided and open cases and the biased quartile of the closed cases only
(``closed_cases_only``), so a reader sees what ignoring open cases would have said.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import ibis
import polars as pl

from openblotter.analysis.result import Estimate
from openblotter.analysis.source import counts, run, table
from openblotter.analysis.survival import kaplan_meier

if TYPE_CHECKING:
    import datetime as dt

    import ibis.expr.types as ir

    from openblotter.storage.base import Transaction

__all__ = ["OPEN_STATUSES", "time_to_decision"]

OPEN_STATUSES = ("received", "under investigation", "in mediation")
_QUANTILES = (("lower quartile", 0.25), ("median", 0.5), ("upper quartile", 0.75))


def _durations(view: ir.Table, end: ir.DateValue, as_of: dt.date) -> ir.Table:
    """``kind`` (decided, open, …) and ``days`` of each case, censored at ``as_of``."""
    start = view.received_date
    is_open = view.status.isnull() | view.status.isin(OPEN_STATUSES)
    kind = ibis.cases(
        (start.isnull(), "no received date"),
        (end.notnull() & (end < start), "dates out of order"),
        (end.notnull(), "decided"),
        (is_open & (start <= ibis.literal(as_of)), "open"),
        (is_open, "received after as_of"),
        else_="closed without a date",
    )
    days = ibis.cases(
        (kind == "decided", end.delta(start, unit="day")),
        (kind == "open", ibis.literal(as_of).delta(start, unit="day")),
        else_=ibis.null("int64"),
    )
    return view.mutate(kind=kind, days=days)


def _latest(tx: Transaction, agency: str) -> dt.date | None:
    complaints, allegations = table("complaints"), table("allegations")
    dates = run(
        complaints.filter(complaints.agency_slug == agency).aggregate(
            a=complaints.received_date.max(), b=complaints.closed_date.max()
        ),
        tx,
    ).row(0)
    finding = run(
        allegations.filter(allegations.agency_slug == agency).aggregate(
            c=allegations.finding_date.max()
        ),
        tx,
    ).item()
    known = [d for d in (*dates, finding) if d is not None]
    return max(known) if known else None


def _time_estimates(frame: pl.DataFrame, label: dict[str, str], level: float) -> list[Estimate]:
    usable = frame.filter(pl.col("kind").is_in(["decided", "open"]))
    if usable.height == 0 or usable.filter(pl.col("kind") == "decided").height == 0:
        return []
    days = usable.get_column("days").to_numpy()
    decided = (usable.get_column("kind") == "decided").to_numpy()
    n = usable.get_column("n").to_numpy()
    curve = kaplan_meier(days, decided, n)
    closed_only = kaplan_meier(days[decided], decided[decided], n[decided])
    extra_base = {"decided": float(n[decided].sum()), "open": float(n[~decided].sum())}
    out = []
    for name, p in _QUANTILES:
        value, naive = curve.quantile(p), closed_only.quantile(p)
        extra = dict(extra_base)
        if naive is not None:
            extra["closed_cases_only"] = naive
        out.append(
            Estimate(
                "days_to_decision",
                value,
                {**label, "quantile": name},
                curve.quantile_interval(p, level) if value is not None else None,
                level,
                curve.n,
                extra,
            )
        )
    return out


def time_to_decision(
    tx: Transaction, agency: str, view: ir.Table, as_of: dt.date | None, level: float
) -> tuple[list[Estimate], list[str], list[str]]:
    """Quartiles of days to decision, overall and by category; filters and caveats.

    ``view`` is the allegations joined to their complaints (``category``, ``finding_date``,
    ``closed_date``, ``received_date``, ``status``); ``as_of`` defaults to the latest date in
    the agency's complaint records.
    """
    as_of = as_of or _latest(tx, agency)
    if as_of is None:
        return [], [], ["No complaint dates are recorded: time to decision cannot be computed."]
    filters = [f"open cases censored at {as_of.isoformat()}"]
    by_category = _durations(view, view.finding_date.coalesce(view.closed_date), as_of)
    complaints = table("complaints")
    complaints = complaints.filter(complaints.agency_slug == agency)
    whole = _durations(complaints, complaints.closed_date, as_of)
    times = run(counts(by_category, ["category", "kind", "days"]), tx)
    overall = run(counts(whole, ["kind", "days"]), tx)
    estimates = _time_estimates(overall, {"category": "all complaints"}, level)
    for category in sorted(times.get_column("category").drop_nulls().unique().to_list()):
        part = times.filter(pl.col("category") == category)
        estimates.extend(_time_estimates(part, {"category": category}, level))
    kinds = dict(overall.group_by("kind").agg(pl.col("n").sum()).iter_rows())
    filters.append(
        "complaints by state for timing: "
        + ", ".join(f"{k} {v:,}" for k, v in sorted(kinds.items()))
    )
    caveats = []
    if not estimates:
        caveats.append(
            "No complaint has both a received date and a decision date: time to decision "
            "cannot be computed."
        )
    elif any(e.value is None for e in estimates):
        caveats.append(
            "Where too many cases are still open, the later quartiles cannot be estimated yet."
        )
    return estimates, filters, caveats
