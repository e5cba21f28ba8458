"""The threshold test for discrimination in searches (Simoiu, Corbett-Davies & Goel 2017).

Question: do officers search drivers of one group on less evidence than others? Comparing
search rates (the benchmark test) ignores that groups may differ in how often they carry
contraband; comparing hit rates (the outcome test) suffers from infra-marginality — hit rates
average over everyone searched, not over the drivers at the margin. The threshold test fits a
hierarchical Bayesian model of search decisions to the search and hit counts of many locations
at once and infers, for each location x group cell, the probability of carrying contraband above
which officers search: the *threshold*. A group with lower thresholds is searched on less
evidence.

Input: aggregated counts, one row per location x group with stops, searches and hits (hits ≤
searches ≤ stops). Output (:class:`~openblotter.analysis.Result`, method ``"threshold-test"``):

* ``threshold`` per cell — posterior mean and 95 % credible interval, with the observed and
  posterior-predicted search and hit rates, R-hat and effective sample size in ``extra``;
* ``weighted_threshold`` per group — the average of the group's cell thresholds weighted by the
  location's total stops (all groups), as the Stanford Open Policing code reports it;
* ``threshold_difference`` per group — its weighted threshold minus the reference group's, with
  ``prob_below_reference`` (posterior probability that the group's bar is lower);
* ``diagnostics`` — max R-hat, min ESS, divergences, and the posterior predictive check: the
  stop-weighted RMS error of predicted vs observed search and hit rates (the paper's "RMS") and
  the share of cells whose observed counts fall inside their 95 % posterior predictive interval.

The models and the sampler are in :mod:`openblotter.analysis.threshold_models`; ``model="beta"``
is the reference (``model_flat.stan``), ``model="discriminant"`` the fast variant of Pierson et
al. (2018). Method page: ``docs/methods/threshold-test.md``.
"""

from __future__ import annotations

from typing import Any, overload

import numpy as np
import polars as pl

from openblotter.analysis.result import Result
from openblotter.analysis.threshold_models import MODELS, CellData, ModelName, sample_posterior
from openblotter.analysis.threshold_results import posterior_estimates
from openblotter.errors import ConfigError

__all__ = ["METHOD", "fit_threshold", "prepare_counts"]

METHOD = "threshold-test"
_MIN_LOCATIONS_ADVISED = 5


def _fail(message: str) -> ConfigError:
    return ConfigError(f"threshold test: {message}")


def prepare_counts(
    counts: pl.DataFrame, *, location: str, group: str, stops: str, searches: str, hits: str
) -> pl.DataFrame:
    """Check the count columns and return one row per location x group.

    The result has columns ``location``, ``group`` (strings), ``stops``, ``searches``,
    ``hits`` (integers); repeated location x group rows are summed. Raises
    :class:`~openblotter.errors.ConfigError` naming the column or the row numbers (never their
    values) when a column is missing or not whole numbers, when a count is negative or missing,
    or when hits > searches or searches > stops.
    """
    names = {
        "location": location,
        "group": group,
        "stops": stops,
        "searches": searches,
        "hits": hits,
    }
    missing = [f"{role} column {col!r}" for role, col in names.items() if col not in counts.columns]
    if missing:
        raise _fail(f"missing {', '.join(missing)} (columns are: {', '.join(counts.columns)})")
    frame = counts.select(
        pl.col(location).cast(pl.String).alias("location"),
        pl.col(group).cast(pl.String).alias("group"),
        *(pl.col(names[k]).alias(k) for k in ("stops", "searches", "hits")),
    )
    for key in ("stops", "searches", "hits"):
        dtype = frame.schema[key]
        if not (dtype.is_integer() or dtype.is_float() or dtype == pl.Null):
            raise _fail(f"{key} column {names[key]!r} is not numeric ({dtype})")
        whole = frame.get_column(key).drop_nulls()
        if dtype.is_float() and not (whole == whole.round(0)).all():
            raise _fail(f"{key} column {names[key]!r} has values that are not whole numbers")
    frame = frame.with_row_index("row", offset=1)
    checks = {
        "missing location, group or count": pl.any_horizontal(
            pl.col("location", "group", "stops", "searches", "hits").is_null()
        ),
        "negative counts": pl.min_horizontal("stops", "searches", "hits") < 0,
        "more searches than stops": pl.col("searches") > pl.col("stops"),
        "more hits than searches": pl.col("hits") > pl.col("searches"),
    }
    for problem, condition in checks.items():
        rows = frame.filter(condition.fill_null(value=False)).get_column("row").to_list()
        if rows:
            shown = ", ".join(str(r) for r in rows[:10]) + (" …" if len(rows) > 10 else "")
            raise _fail(f"{problem} in {len(rows)} row(s) (data row numbers: {shown})")
    return (
        frame.group_by("location", "group", maintain_order=True)
        .agg(pl.col("stops", "searches", "hits").sum().cast(pl.Int64))
        .sort("location", "group")
    )


def _cells(table: pl.DataFrame) -> tuple[CellData, list[str], list[str]]:
    """Integer codes: locations by total stops (largest first, pinned), groups sorted."""
    locations = (
        table.group_by("location")
        .agg(pl.col("stops").sum())
        .sort(["stops", "location"], descending=[True, False])
        .get_column("location")
        .to_list()
    )
    groups = sorted(table.get_column("group").unique().to_list())
    coded = table.with_columns(
        pl.col("location").replace_strict(locations, list(range(len(locations)))).alias("l"),
        pl.col("group").replace_strict(groups, list(range(len(groups)))).alias("g"),
    )
    cells = CellData(
        location=coded.get_column("l").to_numpy().astype(np.int64),
        group=coded.get_column("g").to_numpy().astype(np.int64),
        stops=coded.get_column("stops").to_numpy().astype(np.float64),
        searches=coded.get_column("searches").to_numpy().astype(np.float64),
        hits=coded.get_column("hits").to_numpy().astype(np.float64),
        n_locations=len(locations),
        n_groups=len(groups),
    )
    return cells, locations, groups


def _fit_one(
    table: pl.DataFrame,
    *,
    model: ModelName,
    chains: int,
    warmup: int,
    draws: int,
    seed: int,
    reference_group: str | None,
    labels: dict[str, str],
    provenance: dict[str, str],
    target_accept: float,
    max_tree_depth: int,
) -> Result:
    dropped = table.filter(pl.col("searches") == 0).height
    table = table.filter(pl.col("searches") > 0)
    if table.get_column("group").n_unique() < 2 or table.get_column("location").n_unique() < 2:
        where = "".join(f" ({k} {v})" for k, v in labels.items())
        raise _fail(f"needs at least 2 groups and 2 locations with searches{where}")
    cells, locations, groups = _cells(table)
    if reference_group is None:
        totals = (
            table.group_by("group")
            .agg(pl.col("stops").sum())
            .sort(["stops", "group"], descending=[True, False])
        )
        reference = str(totals.get_column("group")[0])
    elif reference_group in groups:
        reference = reference_group
    else:
        raise _fail(f"reference group {reference_group!r} has no cells with searches")
    posterior = sample_posterior(
        cells,
        model=model,
        chains=chains,
        warmup=warmup,
        draws=draws,
        seed=seed,
        target_accept=target_accept,
        max_tree_depth=max_tree_depth,
    )
    found, diagnostics = posterior_estimates(cells, posterior, locations, groups, reference, labels)
    diagnostics.update(
        {
            "model": model,
            "chains": float(chains),
            "warmup": float(warmup),
            "draws": float(draws),
            "seed": float(seed),
        }
    )
    caveats = [
        "Thresholds are model-based: they rest on the model's risk distributions and priors, "
        "and on officers searching when risk exceeds one threshold per location and group.",
        "A lower threshold is evidence that a group is searched on less suspicion; it does not "
        "by itself establish intent.",
    ]
    if cells.n_locations < _MIN_LOCATIONS_ADVISED:
        caveats.append(
            f"Only {cells.n_locations} locations: the original code requires at "
            f"least {_MIN_LOCATIONS_ADVISED} to constrain the estimates."
        )
    if dropped:
        caveats.append(f"{dropped} location x group cell(s) with no searches were left out.")
    if diagnostics["rhat_max"] > 1.05 or diagnostics["divergences"] > 0:  # type: ignore[operator]
        caveats.append(
            "Convergence warning: R-hat above 1.05 or divergent transitions; "
            "run more draws before relying on these numbers."
        )
    means = {e.labels["group"]: e.value for e in found if e.quantity == "weighted_threshold"}
    summary = "; ".join(f"{g}: {v:.3f}" for g, v in means.items() if v is not None)
    return Result(
        method=METHOD,
        estimates=tuple(found),
        filters=("location x group cells with at least one search",),
        caveats=tuple(caveats),
        provenance=dict(provenance),
        diagnostics=diagnostics,
        summary=f"Stop-weighted search thresholds ({model} model) — {summary}",
    )


@overload
def fit_threshold(
    counts: pl.DataFrame,
    *,
    location: str,
    group: str,
    stops: str,
    searches: str,
    hits: str,
    by: None = None,
    model: ModelName = ...,
    chains: int = ...,
    draws: int = ...,
    warmup: int | None = ...,
    seed: int = ...,
    reference_group: str | None = ...,
    target_accept: float = ...,
    max_tree_depth: int = ...,
    provenance: dict[str, str] | None = ...,
) -> Result: ...
@overload
def fit_threshold(
    counts: pl.DataFrame,
    *,
    location: str,
    group: str,
    stops: str,
    searches: str,
    hits: str,
    by: str,
    model: ModelName = ...,
    chains: int = ...,
    draws: int = ...,
    warmup: int | None = ...,
    seed: int = ...,
    reference_group: str | None = ...,
    target_accept: float = ...,
    max_tree_depth: int = ...,
    provenance: dict[str, str] | None = ...,
) -> list[Result]: ...
@overload
def fit_threshold(
    counts: pl.DataFrame,
    *,
    location: str,
    group: str,
    stops: str,
    searches: str,
    hits: str,
    by: str | None,
    model: ModelName = ...,
    chains: int = ...,
    draws: int = ...,
    warmup: int | None = ...,
    seed: int = ...,
    reference_group: str | None = ...,
    target_accept: float = ...,
    max_tree_depth: int = ...,
    provenance: dict[str, str] | None = ...,
) -> Result | list[Result]: ...
def fit_threshold(
    counts: pl.DataFrame,
    *,
    location: str,
    group: str,
    stops: str,
    searches: str,
    hits: str,
    by: str | None = None,
    model: ModelName = "beta",
    chains: int = 2,
    draws: int = 500,
    warmup: int | None = None,
    seed: int = 0,
    reference_group: str | None = None,
    target_accept: float = 0.9,
    max_tree_depth: int = 10,
    provenance: dict[str, str] | None = None,
) -> Result | list[Result]:
    """Fit the threshold test to aggregated counts, one fit per value of ``by`` if given.

    Args:
        counts: one row per location x group (x ``by``), with stop, search and hit counts.
        location: the column naming the location (county, district, ...).
        group: the column naming the group (e.g. driver race).
        stops: the column with the number of stops.
        searches: the column with the number of searches.
        hits: the column with the number of searches that found contraband.
        by: a column to split on (e.g. state); each value gets its own fit and Result.
        model: ``"beta"`` (the reference, Simoiu et al. 2017) or ``"discriminant"`` (the fast
            test of Pierson et al. 2018).
        chains: the number of NUTS chains (run in parallel when JAX has enough host devices).
        draws: kept draws per chain.
        warmup: warm-up iterations per chain (default: as many as ``draws``).
        seed: the random seed; the same seed and input give the same numbers.
        reference_group: the group differences are taken against (default: most stops).
        target_accept: NUTS target acceptance probability.
        max_tree_depth: NUTS maximum tree depth.
        provenance: copied into the Result (e.g. ``{"counts_file": "…"}``).

    Returns:
        One :class:`Result`, or a list of them (one per ``by`` value, labelled with it).
    """
    if model not in MODELS:
        raise _fail(f"unknown model {model!r} (choose from {', '.join(MODELS)})")
    if chains < 1 or draws < 4 or (warmup is not None and warmup < 0):
        raise _fail("chains must be at least 1, draws at least 4 and warm-up not negative")
    columns = [location, group, stops, searches, hits]
    if any(c not in counts.columns for c in columns):  # let prepare_counts name them
        prepare_counts(
            counts, location=location, group=group, stops=stops, searches=searches, hits=hits
        )
    if by is not None and by not in counts.columns:
        raise _fail(f"missing by column {by!r} (columns are: {', '.join(counts.columns)})")
    options: dict[str, Any] = {
        "model": model,
        "chains": chains,
        "warmup": draws if warmup is None else warmup,
        "draws": draws,
        "seed": seed,
        "reference_group": reference_group,
        "provenance": provenance or {},
        "target_accept": target_accept,
        "max_tree_depth": max_tree_depth,
    }
    if by is None:
        table = prepare_counts(
            counts.select(columns),
            location=location,
            group=group,
            stops=stops,
            searches=searches,
            hits=hits,
        )
        return _fit_one(table, labels={}, **options)
    results = []
    for (value,), part in counts.partition_by(by, as_dict=True, maintain_order=True).items():
        table = prepare_counts(
            part.select(columns),
            location=location,
            group=group,
            stops=stops,
            searches=searches,
            hits=hits,
        )
        results.append(_fit_one(table, labels={by: str(value)}, **options))
    return results
