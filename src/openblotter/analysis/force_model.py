"""Use of force, the model side: group odds ratios with controls, fitted on the count table.

:func:`fit_groups` takes the ``GROUP BY`` of :mod:`openblotter.analysis.force` — one row per
combination of group, controls, geography and period with ``n`` records, ``k`` with the outcome
and ``unrecorded`` without it — drops what cannot inform the model (controls never recorded or
with one value, records without the outcome or the group), fits the adjusted and the unadjusted
logistic regressions (:func:`openblotter.analysis.glm.fit_counts`) and builds the
:class:`~openblotter.analysis.Result`: per group the adjusted ``odds_ratio``, the
``unadjusted_odds_ratio`` and the raw rate, each with its interval and ``n``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import polars as pl

from openblotter.analysis.design import MISSING
from openblotter.analysis.glm import GLMFit, fit_counts
from openblotter.analysis.intervals import wilson
from openblotter.analysis.result import Estimate, Result
from openblotter.errors import ConfigError

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

__all__ = ["METHOD", "SEVERITY_METHOD", "GroupModel", "check_options", "fit_groups"]

METHOD = "use-of-force-regression"
SEVERITY_METHOD = "force-severity"
_SMALL = 30
_WORDS = {
    "subject_sex": "sex",
    "age_band": "age band",
    "stop_reason": "main reason for the stop",
    "type": "stop type",
    "subject_role": "role in the stop",
    "subject_ethnicity": "ethnicity",
    "reason_for_contact": "reason for the contact",
    "subject_impaired": "impairment",
    "county_name": "county",
    "reporting_area": "reporting area",
}


@dataclass(frozen=True, slots=True)
class GroupModel:
    """What :func:`fit_groups` fits and how its result is worded."""

    method: str
    outcome: str
    group: str
    reference: str | None
    controls: Sequence[str]
    by: str | None
    period: str | None
    level: float
    population: str
    record: str
    caveats: Sequence[str]
    outcome_words: str = "force was used on {who}"


def check_options(level: float) -> None:
    """Refuse an interval level outside [0.5, 1)."""
    if not 0.5 <= level < 1.0:
        raise ConfigError("level must be in [0.5, 1)")


def _usable(table: pl.DataFrame, column: str) -> tuple[bool, str]:
    """Whether a control can enter the model, and a filter sentence about it."""
    values = table.get_column(column)
    trials = table.get_column("trials")
    missing = int(trials.filter(values.is_null()).sum())
    distinct = values.drop_nulls().n_unique()
    name = _WORDS.get(column, column)
    if distinct == 0:
        return False, f"{name}: not recorded, not controlled for"
    if distinct == 1 and missing == 0:
        return False, f"{name}: one value only, not controlled for"
    note = f" ({missing:,} without it, kept as a level of their own)" if missing else ""
    return True, f"controlled for {name}: {distinct} values{note}"


def _reference(table: pl.DataFrame, group: str, chosen: str | None) -> str:
    totals = (
        table.group_by(group)
        .agg(pl.col("trials").sum())
        .sort(["trials", group], descending=[True, False])
    )
    levels = totals.get_column(group).to_list()
    if chosen is not None:
        if chosen not in levels:
            raise ConfigError(
                f"reference group {chosen!r} has no records; {group} values: {', '.join(levels)}"
            )
        return chosen
    if group == "subject_race" and "white" in levels:
        return "white"
    return str(levels[0])


def _ratio(
    fit: GLMFit, group: str, value: str
) -> tuple[float | None, tuple[float, float] | None, dict[str, float]]:
    coefficient = fit.coefficient(group, value)
    if coefficient is None:
        return None, None, {}
    extra = {
        "log_odds_ratio": coefficient.estimate,
        "std_error": coefficient.std_error,
        "p_value": coefficient.p_value,
    }
    return coefficient.odds_ratio, coefficient.odds_interval, extra


def _words(names: Sequence[str]) -> str:
    names = [_WORDS.get(n, n) for n in names]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def fit_groups(
    table: pl.DataFrame, model: GroupModel, *, provenance: Mapping[str, str] | None = None
) -> Result:
    """Fit the adjusted and unadjusted models on ``table`` and return the method's result."""
    group = model.group
    unrecorded = int(table.get_column("unrecorded").sum())
    table = table.with_columns((pl.col("n") - pl.col("unrecorded")).alias("trials"))
    no_group = int(table.filter(pl.col(group).is_null()).get_column("trials").sum())
    table = table.filter(pl.col(group).is_not_null() & (pl.col("trials") > 0))
    if table.height == 0:
        raise ConfigError(f"no {model.record} with both {model.outcome} and {group} recorded")
    filters = [
        f"{model.population} with {model.outcome} recorded ({unrecorded:,} without it left out)",
        f"{group} recorded ({no_group:,} without it left out)",
    ]
    factors: list[str] = []
    for column in [*model.controls, *(c for c in (model.by, model.period) if c)]:
        usable, sentence = _usable(table, column)
        filters.append(sentence)
        if usable:
            factors.append(column)
    reference = _reference(table, group, model.reference)
    adjusted = fit_counts(
        table,
        successes="k",
        trials="trials",
        factors=[group, *factors],
        references={group: reference},
        level=model.level,
    )
    totals = table.group_by(group).agg(pl.col("k").sum(), pl.col("trials").sum()).sort(group)
    crude = fit_counts(
        totals,
        successes="k",
        trials="trials",
        factors=[group],
        references={group: reference},
        level=model.level,
    )
    if adjusted.trials_set_aside:
        filters.append(
            f"{adjusted.trials_set_aside:,} {model.record} set aside in levels where the outcome "
            "never varies (they carry no information about the other levels)"
        )
    adjusted_for = ", ".join(factors)
    estimates: list[Estimate] = []
    rates = wilson(
        totals.get_column("k").to_numpy(), totals.get_column("trials").to_numpy(), model.level
    )
    for i, (value, k, n) in enumerate(totals.select(group, "k", "trials").iter_rows()):
        labels = {"group": value, "outcome": model.outcome, "field": group}
        interval = (float(rates.low[i]), float(rates.high[i]))
        estimates.append(
            Estimate("rate", k / n, labels, interval, model.level, int(n), {"events": float(k)})
        )
        if value == reference:
            continue
        labels = {**labels, "reference": reference}
        for quantity, fit, adjusted_labels in (
            ("odds_ratio", adjusted, {"adjusted_for": adjusted_for}),
            ("unadjusted_odds_ratio", crude, {}),
        ):
            ratio, ratio_interval, extra = _ratio(fit, group, value)
            estimates.append(
                Estimate(
                    quantity,
                    ratio,
                    {**labels, **adjusted_labels},
                    ratio_interval,
                    model.level,
                    int(n),
                    extra,
                )
            )
    caveats = list(model.caveats)
    for value, why in sorted(adjusted.separated.get(group, {}).items()):
        caveats.append(
            f"{value}: {why.replace('successes', 'records with the outcome')}, so the odds ratio "
            f"is {'0' if why == 'no successes' else 'infinite'} and cannot be estimated."
        )
    caveats.extend(w[0].upper() + w[1:] + "." for w in adjusted.warnings)
    if adjusted.pearson_dispersion > 1.5:
        caveats.append(
            f"The counts vary more than a binomial model allows (Pearson dispersion "
            f"{adjusted.pearson_dispersion:.2f}); records of the same incident or stop are not "
            "independent, so the intervals are likely too narrow."
        )
    small = [v for v, n in totals.select(group, "trials").iter_rows() if n < _SMALL]
    if small:
        caveats.append(
            f"Fewer than {_SMALL} {model.record} for {', '.join(small)}: too few to compare."
        )
    if adjusted.aliased:
        caveats.append(
            "Some levels could not be told apart from others (they always occur together) and "
            f"were merged into them: {', '.join(adjusted.aliased[:8])}."
        )
    diagnostics: dict[str, float | str] = {**adjusted.diagnostics(), "reference": reference}
    return Result(
        method=model.method,
        estimates=tuple(estimates),
        filters=tuple(filters),
        caveats=tuple(caveats),
        provenance=dict(provenance or {}),
        diagnostics=diagnostics,
        summary=_summary(estimates, model, reference, factors),
    )


def _summary(
    estimates: Sequence[Estimate], model: GroupModel, reference: str, factors: Sequence[str]
) -> str:
    ratios = [e for e in estimates if e.quantity == "odds_ratio" and e.value is not None]
    if not ratios:
        return f"No group could be compared with {reference}: too little variation in the outcome."
    preferred = [e for e in ratios if e.labels["group"] == "black"]
    best = preferred[0] if preferred else max(ratios, key=lambda e: e.n or 0)
    if best.value is None or best.interval is None:  # pragma: no cover - filtered above
        return ""
    low, high = best.interval
    control_words = f"controlling for {_words(factors)}, " if factors else ""
    verdict = " — no clear difference" if low <= 1.0 <= high else ""
    group_label = best.labels["group"] if best.labels["group"] != MISSING else "unrecorded"
    return (
        f"Among {model.population}, {control_words}the odds that "
        f"{model.outcome_words.format(who=group_label + ' people')} were {best.value:.2f} times "
        f"those for {reference} people "
        f"({model.level:.0%} interval {low:.2f} to {high:.2f}; {best.n:,} {model.record}){verdict}."
    )
