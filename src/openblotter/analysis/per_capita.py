"""Per-capita rates: stops, arrests and uses of force per 1,000 residents of each group.

Question. Relative to how many people of each group live in the agency's area, how often were
they stopped, arrested (arrests among stops, and the ``arrests`` dataset) and subjected to force
(people in ``force_subjects``)? Each rate is events per 1,000 residents per year of records
(``events / population / years x 1000``; ``years`` is the number of calendar months from the
first record's to the last record's, over 12), with the
exact (Garwood) Poisson interval of the count, and a rate ratio against a reference group with
the log interval (:mod:`openblotter.analysis.intervals`). This is the *population benchmark*.

Denominators come from the store's ``population`` dataset (census or ACS counts loaded per
agency, each row with its ``source`` and ``vintage``). The result records which source and
vintage it used; with no population rows for the agency it refuses with a
:class:`~openblotter.errors.ConfigError` that says how to load them.

Record codes are matched to population codes explicitly
(:data:`openblotter.analysis.population.POPULATION_CODES`); records of a group with no
population (``unknown``, a missing value) are left out, with their count in the filters.

Method page: ``docs/methods/per-capita-rates.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from openblotter.analysis import source
from openblotter.analysis.eligibility import (
    OPP_RACES,
    Eligibility,
    check_options,
    choose_reference,
    describe_group,
    opp_filters,
    place_labels,
)
from openblotter.analysis.intervals import poisson_exact, poisson_rate_ratio
from openblotter.analysis.per_capita_data import DATASETS, aggregate, measure_frame
from openblotter.analysis.population import POPULATION_CODES, population_cells
from openblotter.analysis.result import Estimate, Result
from openblotter.errors import ConfigError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from openblotter.storage.base import Transaction

__all__ = ["MEASURES", "aggregate", "per_capita_from_counts", "per_capita_rates"]

METHOD = "per-capita-rates"
MEASURES = ("stops", "stop_arrests", "arrests", "force")
"""What is counted: people stopped, arrests among them (``arrest_made``), people in the
``arrests`` dataset, people in ``force_subjects``."""
_MEASURE_WORDS = {
    "stops": ("stopped", "stops"),
    "stop_arrests": ("arrested at stops", "arrests at stops"),
    "arrests": ("arrested", "arrests"),
    "force": ("subjected to force", "people subjected to force"),
}
_CAVEATS = (
    "Residents are not the people at risk of being stopped. Who drives or walks in the area, "
    "commutes into it or visits it, and for how long, differs between groups, so a rate per "
    "resident mixes exposure with enforcement (the benchmark or denominator problem).",
    "Where people are stopped is not where they live: stops of non-residents count in the "
    "numerator but not in the denominator.",
    "Records carry the race the officer recorded (usually perceived); census counts are "
    "self-reported.",
    "The interval covers the random variation of the event counts only, not the error of the "
    "population estimate (ACS margins of error) nor a mismatch between its year and the records'.",
)


def _estimates(
    frame: pl.DataFrame, *, reference: str, level: float, per: int, labels: dict[str, str]
) -> list[Estimate]:
    """Rates and ratios from ``measure, by_label, place, group, events, population, years``."""
    exposure = frame.get_column("population").to_numpy() * frame.get_column("years").to_numpy()
    low, high = poisson_exact(frame.get_column("events").to_numpy(), level)
    ref = frame.filter(pl.col("group") == reference).select(
        "measure", "place", ref_events="events", ref_population="population", ref_years="years"
    )
    pairs = frame.filter(pl.col("group") != reference).join(
        ref, on=["measure", "place"], how="left", nulls_equal=True, maintain_order="left"
    )
    ratio = poisson_rate_ratio(
        pairs.get_column("events").to_numpy(),
        (pairs.get_column("population") * pairs.get_column("years")).to_numpy(),
        pairs.get_column("ref_events").fill_null(0).to_numpy(),
        (pairs.get_column("ref_population") * pairs.get_column("ref_years"))
        .fill_null(0)
        .to_numpy(),
        level,
    )
    out: dict[tuple[Any, ...], list[Estimate]] = {}
    for i, row in enumerate(frame.iter_rows(named=True)):
        key = (row["measure"], row["place"])
        scale = per / exposure[i] if exposure[i] > 0 else np.nan
        ok = bool(np.isfinite(scale))
        out.setdefault(key, []).append(
            Estimate(
                quantity=f"{row['measure']}_per_{per}",
                value=row["events"] * scale if ok else None,
                labels={"measure": row["measure"], "group": row["group"], **labels}
                | place_labels(row["by_label"], row["place"]),
                interval=(float(low[i] * scale), float(high[i] * scale)) if ok else None,
                level=level,
                n=int(row["events"]),
                extra={
                    "events": float(row["events"]),
                    "population": float(row["population"]),
                    "years": float(row["years"]),
                },
            )
        )
    for i, row in enumerate(pairs.iter_rows(named=True)):
        value = float(ratio.estimate[i])
        ok = bool(np.isfinite(value))
        place = place_labels(row["by_label"], row["place"])
        out[(row["measure"], row["place"])].append(
            Estimate(
                quantity="rate_ratio",
                value=value if ok else None,
                labels={"measure": row["measure"], "group": row["group"], "reference": reference}
                | labels
                | place,
                interval=(float(ratio.low[i]), float(ratio.high[i])) if ok else None,
                level=level,
                n=int(row["events"]) + int(row["ref_events"] or 0),
                extra={"zero_corrected": 1.0} if bool(ratio.corrected[i]) else {},
            )
        )
    return [estimate for block in out.values() for estimate in block]


def per_capita_from_counts(
    counts: pl.DataFrame,
    *,
    group: str = "group",
    events: str = "events",
    population: str = "population",
    measure: str = "measure",
    years: str | None = None,
    by: str | None = None,
    reference: str | None = None,
    per: int = 1000,
    level: float = 0.95,
    labels: dict[str, str] | None = None,
) -> Result:
    """Per-capita rates and rate ratios from a counts table (one row per [place x] group).

    ``events`` are counted over ``years`` years (a column; 1 when not given) among
    ``population`` residents. Without a ``measure`` column the table is one measure called
    ``"events"``. With ``by``, rows whose ``by`` value is null are the agency-wide rates.
    ``labels`` (for example the population source and vintage) are added to every estimate.
    """
    wanted = [group, events, population, *([by] if by else []), *([years] if years else [])]
    missing = [c for c in wanted if c not in counts.columns]
    if missing:
        raise ConfigError(f"counts table lacks column(s) {', '.join(missing)}")
    frame = counts.select(
        (pl.col(measure) if measure in counts.columns else pl.lit("events"))
        .cast(pl.String)
        .alias("measure"),
        (pl.col(by).cast(pl.String) if by else pl.lit(None, pl.String)).alias("place"),
        pl.col(group).cast(pl.String).alias("group"),
        pl.col(events).cast(pl.Int64).alias("events"),
        pl.col(population).cast(pl.Float64).alias("population"),
        (pl.col(years).cast(pl.Float64) if years else pl.lit(1.0)).alias("years"),
    )
    if frame.filter((pl.col("events") < 0) | (pl.col("population") < 0)).height:
        raise ConfigError("events and population must not be negative")
    frame = frame.with_columns(
        by_label=pl.when(pl.col("place").is_null()).then(None).otherwise(pl.lit(by))
    ).sort("measure", "place", "group", nulls_last=False, maintain_order=True)
    sizes = dict(frame.group_by("group").agg(pl.col("population").max()).iter_rows())
    ref = choose_reference({str(k): int(v) for k, v in sizes.items()}, reference)
    estimates = _estimates(frame, reference=ref, level=level, per=per, labels=labels or {})
    return Result(
        method=METHOD,
        estimates=tuple(estimates),
        caveats=_CAVEATS,
        provenance={"counts": "table"},
        diagnostics={"reference": ref},
        summary=_summary(estimates, group, ref, per),
    )


def _summary(estimates: Sequence[Estimate], group: str, reference: str, per: int) -> str:
    ratios = [
        e
        for e in estimates
        if e.quantity == "rate_ratio"
        and e.value is not None
        and e.interval is not None
        and e.labels["place"] == "all"
    ]
    if not ratios:
        return "No group could be compared with the reference group."
    measure = ratios[0].labels["measure"]
    best = max((e for e in ratios if e.labels["measure"] == measure), key=lambda e: e.n or 0)
    rates = {
        e.labels["group"]: e.value or 0.0
        for e in estimates
        if e.quantity != "rate_ratio"
        and e.labels["measure"] == measure
        and e.labels["place"] == "all"
    }
    verb, noun = _MEASURE_WORDS.get(measure, ("counted", "events"))
    value, (low, high) = best.value or 0.0, best.interval or (0.0, 0.0)
    who = describe_group(group, best.labels["group"]).replace("people", "residents")
    them = describe_group(group, reference).replace("people", "residents")
    return (
        f"{who[0].upper()}{who[1:]} were {verb} at {value:.2f} times the rate of {them} "
        f"({rates[best.labels['group']]:.1f} against {rates[reference]:.1f} {noun} per "
        f"{per:,} residents a year; interval of the ratio {low:.2f} to {high:.2f}), measured "
        "against the residential population."
    )


def per_capita_rates(
    tx: Transaction,
    agency: str,
    *,
    by: str | None = None,
    group: str = "subject_race",
    reference: str | None = None,
    eligibility: Eligibility = "known",
    measures: Sequence[str] = MEASURES,
    population_source: str | None = None,
    vintage: int | None = None,
    per: int = 1000,
    level: float = 0.95,
) -> Result:
    """Stops, arrests and uses of force per ``per`` residents a year, by group, for one agency.

    The population is the agency's ``population`` rows of ``population_source`` and
    ``vintage`` (default: the latest vintage, which must have one source), at the agency level,
    or at the level of ``by`` when it is a geography (district, beat…; ``location`` has no
    population). Measures the agency has no records of are skipped with a caveat.
    """
    check_options(group=group, by=by, eligibility=eligibility, level=level)
    if group not in POPULATION_CODES:
        raise ConfigError(f"per-capita rates compare {', '.join(POPULATION_CODES)} only")
    if by == "location":
        raise ConfigError("there is no population by location: use a police or census geography")
    bad = [m for m in measures if m not in MEASURES]
    if bad or not measures:
        raise ConfigError(f"measures must be among {', '.join(MEASURES)} (got {bad})")
    cells, src, year = population_cells(
        tx, agency, group=group, by=by, source_name=population_source, vintage=vintage
    )
    present = set(cells.get_column("group"))
    codes = {k: v for k, v in POPULATION_CODES[group][1].items() if v in present}
    filters = list(opp_filters()) if eligibility == "opp" else []
    caveats = list(_CAVEATS)
    pieces, datasets = [], {"population"}
    for measure in measures:
        raw = source.run(
            aggregate(agency, measure, group=group, by=by, eligibility=eligibility), tx
        )
        datasets |= DATASETS[measure]
        if int(raw.get_column("known").sum()) == 0:
            caveats.append(f"{measure}: no records of it for this agency; no rate is given.")
            continue
        raw = raw.with_columns(
            place=pl.col(by).cast(pl.String) if by else pl.lit(None, pl.String),
            group=pl.col(group).replace_strict(codes, default=None, return_dtype=pl.String),
        )
        if eligibility == "opp":
            raw = raw.with_columns(
                group=pl.when(pl.col("group").is_in(OPP_RACES)).then(pl.col("group"))
            )
        unmatched = int(raw.filter(pl.col("group").is_null()).get_column("events").sum())
        filters.append(f"{measure}: {group} with a population count ({unmatched:,} without)")
        piece, lost = measure_frame(raw.filter(pl.col("group").is_not_null()), cells, by)
        if lost:
            filters.append(f"{measure}: {by} with a population count ({lost:,} without)")
        pieces.append(piece.with_columns(measure=pl.lit(measure)))
    if not pieces:
        raise ConfigError(f"agency {agency!r} has no stops, arrests or uses of force to rate")
    columns = ["measure", "by_label", "place", "group", "events", "population", "years"]
    frame = pl.concat([p.select(columns) for p in pieces], how="vertical_relaxed")
    order = {m: i for i, m in enumerate(MEASURES)}
    frame = frame.sort(
        pl.col("measure").replace_strict(order, return_dtype=pl.Int64),
        "place",
        "group",
        nulls_last=False,
    )
    sizes = dict(frame.group_by("group").agg(pl.col("population").max()).iter_rows())
    ref = choose_reference({str(k): int(v) for k, v in sizes.items()}, reference)
    labels = {"population_source": src, "population_vintage": str(year)}
    estimates = _estimates(frame, reference=ref, level=level, per=per, labels=labels)
    provenance = source.provenance(tx, agency, sorted(datasets))
    provenance |= labels
    filters.append(f"population: {src}, vintage {year}")
    return Result(
        method=METHOD,
        estimates=tuple(estimates),
        filters=tuple(filters),
        caveats=tuple(caveats),
        provenance=provenance,
        diagnostics={"reference": ref},
        summary=_summary(estimates, group, ref, per),
    )
