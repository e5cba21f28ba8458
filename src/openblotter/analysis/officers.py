"""Officer internal benchmarking: each officer's stops against peers' in the same places and times.

Question (Ridgeway & MacDonald 2009; Walker's early-intervention literature): does an officer
stop people of one group (``target``, Black by default) at a higher share than other officers
working the same places at the same times? Comparing an officer with the department average is
misleading, because officers are assigned to different neighbourhoods and shifts; comparing
with *peers in the same strata* removes that part of the difference.

Method. Strata are geography (``by``) x period (year, quarter or month) x time of day
(``time_bands`` equal bands of the clock; 1 = none). For officer ``i`` with ``n_is`` stops in
stratum ``s``, ``y_is`` of them of the target group, and the stratum's totals ``N_s``, ``Y_s``:

    observed  o_i = sum_s y_is / n_i
    benchmark b_i = sum_s (n_is / n_i) * (Y_s - y_is) / (N_s - n_is)

— the peers' share in each stratum (the officer's own stops excluded), weighted by the officer's
own distribution over strata: a direct standardisation. Ridgeway & MacDonald instead weight each
peer stop by a propensity score (the odds that the officer made a stop with those features), which
also balances features within strata; strata are that weighting with step-function propensities,
so the two agree when the strata capture what matters and differ when stops within a stratum
still differ (place within district, hour within band). Strata where the officer has no peers
are set aside. Under the null that the officer and peers share each stratum's rate ``p_s``,

    z_i = (o_i - b_i) / sqrt( sum_s (n_is / n_i)^2 * p_s (1 - p_s) * (1/n_is + 1/(N_s - n_is)) )

with ``p_s = Y_s / N_s``. Officers with at least ``min_stops`` comparable stops are tested;
p-values are one-sided (``alternative="greater"``: more than peers) or two-sided, and the
Benjamini-Hochberg procedure flags officers at false discovery rate ``q``
(:mod:`openblotter.analysis.multiple_testing`); Efron's local fdr and an empirical null are
options. The aggregation is one ``GROUP BY`` officer x stratum in the store (``stop_officers``
joined to the stopped people). Method page: ``docs/methods/officer-benchmarking.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import polars as pl

from openblotter.analysis.officer_model import (
    compare_officers,
    officer_estimates,
    score_officers,
)
from openblotter.analysis.result import Estimate, Result
from openblotter.analysis.source import (
    GEOGRAPHY_FIELDS,
    counts,
    provenance,
    run,
    subject_stops,
    table,
)
from openblotter.errors import ConfigError

if TYPE_CHECKING:
    from collections.abc import Mapping

    import ibis.expr.types as ir

    from openblotter.storage.base import Transaction

__all__ = ["METHOD", "Benchmark", "benchmark_counts", "fit_benchmark", "officer_benchmark"]

METHOD = "officer-benchmarking"
_GROUPS = ("subject_race", "subject_sex", "subject_ethnicity", "age_band")
_PERIODS = ("year", "quarter", "month")
_CAVEATS = (
    "A flag is a pattern worth reviewing, not proof that an officer is biased: officers in the "
    "same place and time band can still have different assignments (a specialised unit, calls "
    "versus proactive patrol, a hot spot within the district) that the strata do not capture.",
    "The benchmark is the officer's peers. If the whole department stops a group more than it "
    "should, officers who do the same as their peers are not flagged: internal benchmarking "
    "finds outliers, not a department-wide disparity.",
    "Officers with few stops cannot be told apart from their peers; they are not tested. A "
    "flag depends on the strata chosen, and the subject's group is as the officer recorded it.",
    "Many officers are tested at once; the false discovery rate control keeps the expected "
    "share of wrongly flagged officers among those flagged at or below q, not zero.",
)


def _stops(agency: str, group: str, *, primary_only: bool) -> ir.Table:
    """One row per person stopped x officer, with the stop's place, date and time."""
    officers = table("stop_officers")
    officers = officers.filter(officers.agency_slug == agency)
    if primary_only:
        officers = officers.filter(
            officers.officer_role.isnull() | (officers.officer_role == "primary")
        )
    people = subject_stops(agency)
    people = people.filter(people[group].notnull() & (people[group] != "unknown"))
    return people.join(
        officers.select("agency_slug", "stop_id", "officer_key"), ["agency_slug", "stop_id"]
    )


def benchmark_counts(view: ir.Table, spec: Benchmark) -> ir.Table:
    """The ``GROUP BY`` officer x stratum with ``n`` stops and ``y`` of the target group."""
    group = spec.group
    if spec.reference is not None:
        view = view.filter(view[group].isin([spec.target, spec.reference]))
    strata: dict[str, ir.Value] = {}
    if spec.by is not None:
        strata["place"] = view[spec.by]
    year = view.date.year().cast("string")
    if spec.period == "year":
        strata["period"] = year
    elif spec.period == "quarter":
        strata["period"] = year + "-Q" + view.date.quarter().cast("string")
    elif spec.period == "month":
        strata["period"] = view.month
    if spec.time_bands > 1:
        strata["band"] = (view.time.hour() * spec.time_bands // 24).cast("int64")
    view = view.mutate(**strata) if strata else view
    return counts(view, ["officer_key", *strata], {"y": view[group] == spec.target})


@dataclass(frozen=True, slots=True)
class Benchmark:
    """The options of :func:`officer_benchmark` (see there), checked when built."""

    group: str = "subject_race"
    target: str = "black"
    reference: str | None = None
    by: str | None = None
    period: str | None = "year"
    time_bands: int = 4
    min_stops: int = 50
    q: float = 0.05
    alternative: str = "greater"
    null: str = "theoretical"
    with_local_fdr: bool = False
    primary_only: bool = True
    level: float = 0.95

    def __post_init__(self) -> None:
        _check(self)


def officer_benchmark(
    tx: Transaction,
    agency: str,
    *,
    group: str = "subject_race",
    target: str = "black",
    reference: str | None = None,
    by: str | None = None,
    period: Literal["year", "quarter", "month"] | None = "year",
    time_bands: int = 4,
    min_stops: int = 50,
    q: float = 0.05,
    alternative: Literal["greater", "two-sided"] = "greater",
    null: Literal["theoretical", "empirical"] = "theoretical",
    with_local_fdr: bool = False,
    primary_only: bool = True,
    level: float = 0.95,
) -> Result:
    """Compare each officer's share of ``target`` stops with peers' in the same strata.

    ``group``: the field (``subject_race``); ``target``: the group whose share is compared
    (``black``); ``reference``: if given, the share is among stops of ``target`` or
    ``reference`` only, else among all stops with a known group; ``by``: the geography of the
    strata (``None``: none); ``period``, ``time_bands``: the time part of the strata;
    ``min_stops``: comparable stops an officer needs to be tested; ``q``: the false discovery
    rate; ``alternative``: ``"greater"`` tests for a higher share than peers, ``"two-sided"``
    for any difference; ``null="empirical"`` standardises the z-scores by an empirical null;
    ``with_local_fdr`` adds Efron's local fdr; ``primary_only`` keeps the primary officer of
    each stop (records without a role are kept). Officers are identified by ``officer_key``.
    Raises :class:`~openblotter.errors.ConfigError` for bad options, no linked stops or fewer
    than two officers to test.
    """
    spec = Benchmark(
        group,
        target,
        reference,
        by,
        period,
        time_bands,
        min_stops,
        q,
        alternative,
        null,
        with_local_fdr,
        primary_only,
        level,
    )
    view = _stops(agency, group, primary_only=primary_only)
    cells = run(benchmark_counts(view, spec), tx)
    if cells.height == 0:
        raise ConfigError(f"{agency} has no stops linked to officers (stop_officers) in the store")
    return fit_benchmark(
        cells, spec, provenance=provenance(tx, agency, ("stops", "stop_subjects", "stop_officers"))
    )


def fit_benchmark(
    cells: pl.DataFrame, spec: Benchmark, *, provenance: Mapping[str, str] | None = None
) -> Result:
    """The comparison, tests and result from the officer x stratum counts.

    ``cells`` has ``officer_key``, the strata columns present among ``place``, ``period`` and
    ``band``, ``n`` stops and ``y`` of the target group (:func:`benchmark_counts`).
    """
    group, target, reference, q = spec.group, spec.target, spec.reference, spec.q
    strata = [c for c in ("place", "period", "band") if c in cells.columns]
    officers = compare_officers(cells, strata)
    tested = officers.filter(pl.col("n") >= spec.min_stops)
    if tested.height < 2:
        raise ConfigError(
            f"fewer than 2 officers have {spec.min_stops} or more comparable stops; lower min_stops"
        )
    tested, null_used = score_officers(
        tested, spec.alternative, spec.null, with_local_fdr=spec.with_local_fdr
    )
    flagged = tested.filter(pl.col("q_value") <= q)
    if spec.alternative == "greater":
        flagged = flagged.filter(pl.col("z") > 0)
    shares = f"{target} people" + (f" (among {target} and {reference} people)" if reference else "")
    estimates = [
        *officer_estimates(
            tested, set(flagged.get_column("officer_key").to_list()), group, target, spec.level
        ),
        Estimate(
            "flagged_officers",
            float(flagged.height),
            {"group": target, "field": group, "alternative": spec.alternative},
            None,
            spec.level,
            tested.height,
            {"q": q, "officers_tested": float(tested.height)},
        ),
    ]
    names = {
        "place": spec.by or "",
        "period": spec.period or "",
        "band": f"{spec.time_bands} time-of-day bands",
    }
    where = " x ".join(names[s] for s in strata)
    filters = [
        f"people stopped with a known {group} (null and unknown left out)"
        + (f", {target} or {reference} only" if reference else ""),
        "primary officer of each stop (stops without a role kept)"
        if spec.primary_only
        else "every officer of each stop",
        f"strata: {where or 'none (the whole department)'}",
        f"{int(officers.get_column('alone').sum()):,} stops set aside in strata where the "
        "officer had no peers",
        f"officers with at least {spec.min_stops} comparable stops tested: "
        f"{tested.height} of {officers.height}",
    ]
    caveats = list(_CAVEATS)
    if null_used.sd > 1.5:
        caveats.append(
            f"The officers' z-scores are spread more widely than chance allows (empirical "
            f"null sd {null_used.sd:.2f}): the strata leave differences between officers "
            "unexplained"
            + (
                "; null='empirical' would account for them and flag fewer officers."
                if spec.null == "theoretical"
                else "; the empirical null accounts for them."
            )
        )
    diagnostics: dict[str, float | str] = {
        "officers": float(officers.height),
        "officers_tested": float(tested.height),
        "officers_flagged": float(flagged.height),
        "strata_cells": float(cells.height),
        "null": spec.null,
        "null_mean": null_used.mean,
        "null_sd": null_used.sd,
        "pi0": null_used.pi0,
    }
    summary = (
        f"Of {tested.height} officers with at least {spec.min_stops} comparable stops, "
        f"{flagged.height} stopped a {'higher' if spec.alternative == 'greater' else 'different'} "
        f"share of {shares} than peers working the same places and times "
        f"(false discovery rate {q:.0%}). A flag is a pattern to review, not proof of bias."
    )
    return Result(
        method=METHOD,
        estimates=tuple(estimates),
        filters=tuple(filters),
        caveats=tuple(caveats),
        provenance=dict(provenance or {}),
        diagnostics=diagnostics,
        summary=summary,
    )


def _check(spec: Benchmark) -> None:
    if spec.group not in _GROUPS:
        raise ConfigError(f"group must be one of {', '.join(_GROUPS)}, not {spec.group!r}")
    if spec.by is not None and (spec.by not in GEOGRAPHY_FIELDS or spec.by == "location"):
        raise ConfigError(f"by must be a geography field of stops, not {spec.by!r}")
    if spec.period is not None and spec.period not in _PERIODS:
        raise ConfigError(f"period must be one of {', '.join(_PERIODS)} or None")
    if spec.time_bands not in (1, 2, 3, 4, 6, 8, 12, 24):
        raise ConfigError("time_bands must divide 24 (1, 2, 3, 4, 6, 8, 12 or 24)")
    if spec.min_stops < 1 or not 0.0 < spec.q < 1.0 or not 0.5 <= spec.level < 1.0:
        raise ConfigError("min_stops must be at least 1, q in (0, 1) and level in [0.5, 1)")
    if spec.alternative not in ("greater", "two-sided"):
        raise ConfigError("alternative must be 'greater' or 'two-sided'")
    if spec.null not in ("theoretical", "empirical"):
        raise ConfigError("null must be 'theoretical' or 'empirical'")
    if spec.target == spec.reference:
        raise ConfigError("target and reference must differ")
