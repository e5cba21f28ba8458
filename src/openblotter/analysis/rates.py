"""Among-stop rates: how often stopped people of each group were searched, frisked, arrested.

Question. Of the people stopped, what share of each group was searched (frisked, arrested,
cited, given a summons, subjected to force, asked for consent to search, refused consent), and
how does each group's rate compare with a reference group's? Rates come with Wilson intervals
and the number of records behind them; rate ratios (group rate / reference rate) with the Katz
log interval (:mod:`openblotter.analysis.intervals`). Results can be broken down ``by`` a
geography field (district, precinct, beat…) or a period (year, month); the agency-wide rates
are always included (``geography="agency"``, ``place="all"``).

Aggregation: one ``GROUP BY [by,] group`` over :func:`openblotter.analysis.source.subject_stops`
counting, for every outcome flag, the records where it was recorded and where it was true
(:func:`aggregate`), run in the store. The rates are then computed on that small table
(:func:`rates_from_counts`, which researchers can also call on published counts). An outcome the
agency never recorded (null on every stop) is skipped with a caveat, never reported as 0.

Method page: ``docs/methods/rates-and-benchmarks.md``; the per-capita benchmark is
:mod:`openblotter.analysis.per_capita` (``docs/methods/per-capita-rates.md``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from openblotter.analysis import source
from openblotter.analysis.eligibility import (
    Eligibility,
    check_options,
    choose_reference,
    describe_group,
    group_known,
    opp_filters,
    opp_stops,
    place_labels,
)
from openblotter.analysis.intervals import rate_ratio, wilson
from openblotter.analysis.result import Estimate, Result
from openblotter.errors import ConfigError, NotFoundError

if TYPE_CHECKING:
    from collections.abc import Sequence

    import ibis.expr.types as ir

    from openblotter.storage.base import Transaction

__all__ = ["METHOD", "OUTCOMES", "aggregate", "among_stop_rates", "rates_from_counts"]

METHOD = "rates-and-benchmarks"
OUTCOMES = {
    "search_conducted": "search_rate",
    "frisk_performed": "frisk_rate",
    "arrest_made": "arrest_rate",
    "citation_issued": "citation_rate",
    "summons_issued": "summons_rate",
    "force_used": "force_rate",
    "consent_search_requested": "consent_request_rate",
    "consent_refused": "consent_refusal_rate",
}
"""Outcomes of a stop (flags of ``stop_subjects``, and ``consent_refused`` = consent requested
and not given) and the ``quantity`` name of their rate."""
_VERBS = {
    "search_conducted": "searched",
    "frisk_performed": "frisked",
    "arrest_made": "arrested",
    "citation_issued": "cited",
    "summons_issued": "given a summons",
    "force_used": "subjected to force",
    "consent_search_requested": "asked for consent to search",
    "consent_refused": "recorded as refusing a search",
}
_CAVEATS = (
    "These rates compare people who were stopped. They say nothing about who was stopped in the "
    "first place: if officers stop one group on weaker grounds, its rates after the stop mix that "
    "difference with what happened during the stop.",
    "A higher rate for one group is a disparity, not by itself proof of discrimination: groups "
    "can differ in what officers observe or find during stops. The outcome test "
    "(docs/methods/outcome-test.md) and the threshold test look at that.",
    "Race, ethnicity, sex and age are as the agency recorded them (usually the officer's "
    "perception).",
)


def _measures(view: ir.Table) -> dict[str, ir.BooleanValue]:
    measures: dict[str, ir.BooleanValue] = {}
    for flag in OUTCOMES:
        if flag == "consent_refused":
            asked, given = view.consent_search_requested, view.consent_search_given
            measures[f"{flag}__known"] = asked.notnull() & (~asked | given.notnull())
            measures[f"{flag}__yes"] = asked & ~given
        else:
            measures[f"{flag}__known"] = view[flag].notnull()
            measures[f"{flag}__yes"] = view[flag]
    return measures


def aggregate(
    agency: str,
    *,
    group: str = "subject_race",
    by: str | None = None,
    eligibility: Eligibility = "known",
) -> ir.Table:
    """The one ``GROUP BY`` behind :func:`among_stop_rates`, as an Ibis expression.

    One row per (``by``, ``group``) value with ``n`` (stopped people) and, for every outcome of
    :data:`OUTCOMES`, ``<outcome>__known`` (records where it was recorded) and
    ``<outcome>__yes`` (records where it was true). Run it with
    :func:`openblotter.analysis.source.run` or :func:`~openblotter.analysis.source.run_on`.
    """
    view = source.subject_stops(agency)
    if eligibility == "opp":
        view = opp_stops(view)
    keys = [by, group] if by is not None else [group]
    return source.counts(view, keys, _measures(view))


def _estimates(long: pl.DataFrame, *, group: str, reference: str, level: float) -> list[Estimate]:
    """Rates and rate ratios from ``by_label, place, outcome, group, n, events`` rows."""
    long = long.sort(["outcome_order", "place_order", "place", group])
    low, high = wilson(long.get_column("events").to_numpy(), long.get_column("n").to_numpy(), level)
    ref = long.filter(pl.col(group) == reference).select(
        "outcome", "place", ref_n="n", ref_events="events"
    )
    pairs = long.filter(pl.col(group) != reference).join(
        ref, on=["outcome", "place"], how="left", nulls_equal=True, maintain_order="left"
    )
    ratio = rate_ratio(
        pairs.get_column("events").to_numpy(),
        pairs.get_column("n").to_numpy(),
        pairs.get_column("ref_events").fill_null(0).to_numpy(),
        pairs.get_column("ref_n").fill_null(0).to_numpy(),
        level,
    )
    out: dict[tuple[Any, ...], list[Estimate]] = {}
    for i, row in enumerate(long.iter_rows(named=True)):
        n, x = int(row["n"]), int(row["events"])
        labels = {"group": row[group], "outcome": row["outcome"]}
        labels |= place_labels(row["by_label"], row["place"])
        out.setdefault((row["outcome_order"], row["place_order"], row["place"]), []).append(
            Estimate(
                quantity=OUTCOMES.get(row["outcome"], f"{row['outcome']}_rate"),
                value=x / n if n else None,
                labels=labels,
                interval=(float(low[i]), float(high[i])) if n else None,
                level=level,
                n=n,
                extra={"events": float(x)},
            )
        )
    for i, row in enumerate(pairs.iter_rows(named=True)):
        value = float(ratio.estimate[i])
        ok = bool(np.isfinite(value))
        labels = {"group": row[group], "reference": reference, "outcome": row["outcome"]}
        labels |= place_labels(row["by_label"], row["place"])
        out[(row["outcome_order"], row["place_order"], row["place"])].append(
            Estimate(
                quantity="rate_ratio",
                value=value if ok else None,
                labels=labels,
                interval=(float(ratio.low[i]), float(ratio.high[i])) if ok else None,
                level=level,
                n=int(row["n"]) + int(row["ref_n"] or 0),
                extra={"zero_corrected": 1.0} if bool(ratio.corrected[i]) else {},
            )
        )
    return [estimate for block in out.values() for estimate in block]


def _long(
    frame: pl.DataFrame, *, group: str, by: str | None, outcomes: Sequence[str]
) -> pl.DataFrame:
    """Per-place and agency-wide counts, one row per (outcome, place, group)."""
    order = {o: i for i, o in enumerate(outcomes)}
    pieces = []
    for outcome in outcomes:
        piece = frame.filter(pl.col("outcome") == outcome)
        pieces.append(
            piece.group_by(group)
            .agg(pl.col("n").sum(), pl.col("events").sum())
            .with_columns(place=pl.lit(None, pl.String), place_order=pl.lit(0))
            .with_columns(outcome=pl.lit(outcome))
        )
        if by is not None:
            pieces.append(
                piece.filter(pl.col("place").is_not_null())
                .group_by("place", group)
                .agg(pl.col("n").sum(), pl.col("events").sum())
                .with_columns(place_order=pl.lit(1), outcome=pl.lit(outcome))
            )
    columns = ["outcome", "place", "place_order", group, "n", "events"]
    long = pl.concat([p.select(columns) for p in pieces], how="vertical_relaxed")
    return long.with_columns(
        outcome_order=pl.col("outcome").replace_strict(order, return_dtype=pl.Int64),
        by_label=pl.when(pl.col("place").is_null()).then(None).otherwise(pl.lit(by)),
    )


def rates_from_counts(
    counts: pl.DataFrame,
    *,
    group: str = "group",
    outcome: str = "outcome",
    events: str = "events",
    n: str = "n",
    by: str | None = None,
    reference: str | None = None,
    level: float = 0.95,
) -> Result:
    """Among-stop rates and rate ratios from a counts table (one row per [by x] group x outcome).

    ``n`` is the number of stopped people where the outcome was recorded, ``events`` those where
    it was true; repeated rows are summed. Without an ``outcome`` column the table is one
    outcome called ``"outcome"``. With ``by`` (a column of places or periods) the result has
    per-place rates and agency-wide ones (the sums over places). ``reference`` defaults to
    ``white`` if present, else the largest group. Raises
    :class:`~openblotter.errors.ConfigError` for missing columns or impossible counts.
    """
    needed = [group, events, n, *([by] if by else [])]
    missing = [c for c in needed if c not in counts.columns]
    if missing:
        raise ConfigError(f"counts table lacks column(s) {', '.join(missing)}")
    frame = counts.select(
        pl.col(group).cast(pl.String),
        (pl.col(outcome) if outcome in counts.columns else pl.lit("outcome"))
        .cast(pl.String)
        .alias("outcome"),
        (pl.col(by).cast(pl.String) if by else pl.lit(None, pl.String)).alias("place"),
        pl.col(n).cast(pl.Int64).alias("n"),
        pl.col(events).cast(pl.Int64).alias("events"),
    ).filter(pl.col(group).is_not_null())
    bad = frame.filter((pl.col("events") > pl.col("n")) | (pl.col("events") < 0)).height
    if bad or frame.get_column("n").null_count() or frame.get_column("events").null_count():
        raise ConfigError("counts must be whole numbers with 0 <= events <= n")
    outcomes = tuple(dict.fromkeys(frame.get_column("outcome").to_list()))
    sizes = dict(frame.group_by(group).agg(pl.col("n").sum()).iter_rows())
    ref = choose_reference({str(k): int(v) for k, v in sizes.items()}, reference)
    long = _long(frame, group=group, by=by, outcomes=outcomes)
    estimates = _estimates(long, group=group, reference=ref, level=level)
    return Result(
        method=METHOD,
        estimates=tuple(estimates),
        caveats=_CAVEATS,
        provenance={"counts": "table"},
        diagnostics={"reference": ref},
        summary=_summary(estimates, group, ref, level),
    )


def _summary(estimates: Sequence[Estimate], group: str, reference: str, level: float) -> str:
    overall = [e for e in estimates if e.labels.get("place") == "all"]
    ratios = [e for e in overall if e.quantity == "rate_ratio" and e.value is not None]
    if not ratios:
        return "No group could be compared with the reference group."
    # the first outcome reported, and the compared group with the most records
    outcome = ratios[0].labels["outcome"]
    best = max((e for e in ratios if e.labels["outcome"] == outcome), key=lambda e: e.n or 0)
    rates = {
        e.labels["group"]: e
        for e in overall
        if e.labels["outcome"] == outcome and e.quantity != "rate_ratio"
    }
    mine, ref = rates[best.labels["group"]], rates[reference]
    value, (low, high) = best.value or 0.0, best.interval or (0.0, 0.0)
    verb = _VERBS.get(
        outcome, "recorded with " + ("the outcome" if outcome == "outcome" else outcome)
    )
    return (
        f"Stopped {describe_group(group, best.labels['group'])} were {verb} at {value:.2f} "
        f"times the rate of {describe_group(group, reference)} ({(mine.value or 0):.1%} against "
        f"{(ref.value or 0):.1%}; {level:.0%} interval of the ratio {low:.2f} to {high:.2f})."
    )


def among_stop_rates(
    tx: Transaction,
    agency: str,
    *,
    by: str | None = None,
    group: str = "subject_race",
    reference: str | None = None,
    eligibility: Eligibility = "known",
    outcomes: Sequence[str] | None = None,
    level: float = 0.95,
) -> Result:
    """Among-stop rates by group for one agency, read from the store in ``tx``'s snapshot.

    ``outcomes`` picks from :data:`OUTCOMES` (default: all). ``eligibility`` is ``"known"`` or
    ``"opp"`` (:mod:`openblotter.analysis.eligibility`). Raises
    :class:`~openblotter.errors.ConfigError` for bad options and
    :class:`~openblotter.errors.NotFoundError` when the agency has no eligible stops.
    """
    check_options(group=group, by=by, eligibility=eligibility, level=level)
    wanted = tuple(outcomes) if outcomes is not None else tuple(OUTCOMES)
    unknown = [o for o in wanted if o not in OUTCOMES]
    if unknown or not wanted:
        raise ConfigError(f"outcomes must be among {', '.join(OUTCOMES)} (got {unknown})")
    raw = source.run(aggregate(agency, group=group, by=by, eligibility=eligibility), tx)
    if by is not None:
        raw = raw.with_columns(pl.col(by).cast(pl.String))
    total = int(raw.get_column("n").sum())
    if total == 0:
        rules = " that meet Open Policing's eligibility rules" if eligibility == "opp" else ""
        raise NotFoundError(f"no stops{rules} for agency {agency!r}")
    filters = list(opp_filters()) if eligibility == "opp" else []
    caveats = list(_CAVEATS)
    provenance = source.provenance(tx, agency, ["stops", "stop_subjects"])
    null_group = int(raw.filter(pl.col(group).is_null()).get_column("n").sum())
    if eligibility == "opp" and (total - null_group) / total < 0.65:
        caveats.append(
            f"subject_race is recorded on only {(total - null_group) / total:.0%} of the stops: "
            "Open Policing's rules leave this agency out, so no rates are given."
        )
        return Result(METHOD, (), tuple(filters), tuple(caveats), provenance, summary="")
    kept, without, outside = group_known(raw, group, eligibility)
    eligible = int(kept.get_column("n").sum())
    filters.append(f"{group} recorded ({without:,} of {total:,} stopped people without)")
    if outside:
        filters.append(f"{outside:,} stopped people of other groups left out")
    if by is not None:
        no_place = int(kept.filter(pl.col(by).is_null()).get_column("n").sum())
        filters.append(
            f"{by} recorded for the per-{by} rates ({no_place:,} stopped people without; they "
            "count in the agency-wide rates)"
        )
    pieces = []
    for outcome in wanted:
        if int(raw.get_column(f"{outcome}__known").sum()) == 0:
            caveats.append(f"{outcome}: never recorded by this agency; no rate is given.")
            continue
        known = int(kept.get_column(f"{outcome}__known").sum())
        if known < eligible:
            caveats.append(
                f"{outcome}: not recorded for {eligible - known:,} of the {eligible:,} eligible "
                f"stopped people ({1 - known / eligible:.2%}); its rates use the others."
            )
        pieces.append(
            kept.select(
                pl.col(group),
                outcome=pl.lit(outcome),
                place=pl.col(by) if by is not None else pl.lit(None, pl.String),
                n=pl.col(f"{outcome}__known"),
                events=pl.col(f"{outcome}__yes"),
            )
        )
    filters.append("for each outcome, the stopped people for whom it was recorded")
    if not pieces:
        caveats.append("The agency recorded none of the outcomes asked for.")
        return Result(METHOD, (), tuple(filters), tuple(caveats), provenance)
    frame = pl.concat(pieces, how="vertical_relaxed")
    sizes = dict(kept.group_by(group).agg(pl.col("n").sum()).iter_rows())
    ref = choose_reference({str(k): int(v) for k, v in sizes.items()}, reference)
    present = set(frame.get_column("outcome"))
    long = _long(frame, group=group, by=by, outcomes=[o for o in wanted if o in present])
    estimates = _estimates(long, group=group, reference=ref, level=level)
    corrected = sum(1 for e in estimates if e.extra.get("zero_corrected"))
    if corrected:
        caveats.append(
            f"{corrected} rate ratio(s) had a zero count; 0.5 was added to each cell of those "
            "comparisons (Haldane-Anscombe) so that the ratio has an interval."
        )
    return Result(
        method=METHOD,
        estimates=tuple(estimates),
        filters=tuple(filters),
        caveats=tuple(caveats),
        provenance=provenance,
        diagnostics={"reference": ref, "records": total, "eligible_records": eligible},
        summary=_summary(estimates, group, ref, level),
    )
