"""Veil of darkness, the model side: a binomial GLM fitted on the aggregated counts.

A natural spline of clock time and location fixed effects, fitted by IRLS.

See ``openblotter.analysis.veil`` for the method.
"""

from __future__ import annotations

import logging
import math
from statistics import NormalDist
from typing import TYPE_CHECKING, Literal

import numpy as np
import polars as pl

from openblotter.analysis.result import Estimate, Result
from openblotter.analysis.veil_data import METHOD, Frame

if TYPE_CHECKING:
    from numpy.typing import NDArray

logger = logging.getLogger(__name__)

__all__ = ["fit", "natural_spline_basis"]

_Z = {0.95: 1.959963984540054}


def natural_spline_basis(x: NDArray[np.float64], knots: NDArray[np.float64]) -> NDArray[np.float64]:
    """Natural cubic spline basis of ``x`` without the constant: ``len(knots) - 1`` columns.

    ``knots`` are sorted, boundary knots first and last. The basis is the truncated-power one of
    Hastie, Tibshirani & Friedman (*Elements of Statistical Learning*, eq. 5.4-5.5) on ``x``
    rescaled to [0, 1]; it spans the same space as R's ``splines::ns(x, knots=…,
    Boundary.knots=…)``, so fitted values and every other coefficient of a model are the same.
    """
    k = np.asarray(knots, dtype=np.float64)
    width = k[-1] - k[0]
    u = (np.asarray(x, dtype=np.float64) - k[0]) / width
    kk = (k - k[0]) / width
    cubes = np.clip(u[:, None] - kk[None, :], 0.0, None) ** 3
    d = (cubes[:, :-1] - cubes[:, -1:]) / (kk[-1] - kk[:-1])[None, :]
    return np.column_stack([u, d[:, :-1] - d[:, -1:]])


def _knots(
    x: NDArray[np.float64], weights: NDArray[np.float64], df: int, *, by: str
) -> NDArray[np.float64]:
    """Boundary knots at the range of ``x``, ``df - 1`` interior knots at its quantiles."""
    probs = np.linspace(0.0, 1.0, df + 1)[1:-1]
    if by == "cells":  # R's ns() on the count table, as OPP fits it
        interior = np.quantile(x, probs)
    else:  # quantiles of the stops: the knots of the row-level model
        order = np.argsort(x, kind="stable")
        cum = np.cumsum(weights[order]) / weights.sum()
        interior = x[order][np.searchsorted(cum, probs)]
    return np.unique(np.concatenate([[x.min()], interior, [x.max()]]))


def _deviance(y: NDArray[np.float64], m: NDArray[np.float64], mu: NDArray[np.float64]) -> float:
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(y > 0, y * np.log(y / (m * mu)), 0.0)
        b = np.where(m - y > 0, (m - y) * np.log((m - y) / (m * (1 - mu))), 0.0)
    return float(2.0 * np.sum(a + b))


def _irls(
    x: NDArray[np.float64], y: NDArray[np.float64], m: NDArray[np.float64], *, max_iter: int = 100
) -> tuple[NDArray[np.float64], NDArray[np.float64], dict[str, float]]:
    """Binomial GLM (logit link) by iteratively reweighted least squares, as R's ``glm``."""
    mu = (y + 0.5) / (m + 1.0)
    eta = np.log(mu / (1.0 - mu))
    beta: NDArray[np.float64] = np.zeros(x.shape[1])
    deviance_old, converged, iterations = math.inf, 0.0, 0
    while iterations < max_iter:
        iterations += 1
        mu = np.clip(1.0 / (1.0 + np.exp(-eta)), 1e-12, 1 - 1e-12)
        w = m * mu * (1.0 - mu)
        z = eta + (y - m * mu) / w
        xtw = x.T * w
        beta = np.asarray(np.linalg.solve(xtw @ x, xtw @ z), dtype=np.float64)
        eta = x @ beta
        deviance = _deviance(y, m, np.clip(1.0 / (1.0 + np.exp(-eta)), 1e-12, 1 - 1e-12))
        if abs(deviance - deviance_old) / (abs(deviance) + 0.1) < 1e-10:
            converged = 1.0
            break
        deviance_old = deviance
    mu = np.clip(1.0 / (1.0 + np.exp(-eta)), 1e-12, 1 - 1e-12)
    w = m * mu * (1.0 - mu)
    cov: NDArray[np.float64] = np.asarray(np.linalg.inv((x.T * w) @ x), dtype=np.float64)
    df_resid = max(x.shape[0] - x.shape[1], 1)
    pearson = float(np.sum((y - m * mu) ** 2 / w)) / df_resid
    stats = {
        "iterations": float(iterations),
        "converged": converged,
        "deviance": _deviance(y, m, mu),
        "df_residual": float(x.shape[0] - x.shape[1]),
        "pearson_dispersion": pearson,
    }
    return beta, cov, stats


def _dummies(codes: NDArray[np.int64], levels: int) -> NDArray[np.float64]:
    """Treatment-coded indicator columns (first level dropped)."""
    out: NDArray[np.float64] = (codes[:, None] == np.arange(1, levels)[None, :]).astype(np.float64)
    return out


def _independent(x: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Columns not in the span of the columns before them (R's rule for aliased terms).

    A Cholesky factorisation of the Gram matrix built one column at a time: a column whose
    residual, after projection on the columns kept so far, is numerically zero is aliased.
    (Small Gram matrices only; LAPACK's QR is far slower under contention on small VMs.)
    """
    norms = np.linalg.norm(x, axis=0)
    unit = x / np.where(norms > 0, norms, 1.0)
    gram = unit.T @ unit
    keep: list[int] = []
    chol = np.zeros((x.shape[1], x.shape[1]))
    for j in range(x.shape[1]):  # columns of the design, not rows
        if norms[j] == 0:
            continue
        k = len(keep)
        proj = np.linalg.solve(chol[:k, :k], gram[keep, j]) if k else np.zeros(0)
        residual = gram[j, j] - proj @ proj
        if residual > 1e-9:
            chol[k, :k], chol[k, k] = proj, math.sqrt(residual)
            keep.append(j)
    out = np.zeros(x.shape[1], dtype=np.bool_)
    out[keep] = True
    return out


def _z(level: float) -> float:
    return _Z.get(level) or NormalDist().inv_cdf(0.5 + level / 2.0)


def _share(successes: int, trials: int, level: float) -> tuple[float | None, tuple[float, float]]:
    """A proportion with its Wilson interval."""
    if trials == 0:
        return None, (0.0, 1.0)
    z, p = _z(level), successes / trials
    centre = (p + z * z / (2 * trials)) / (1 + z * z / trials)
    half = (
        z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / (1 + z * z / trials)
    )
    return p, (max(centre - half, 0.0), min(centre + half, 1.0))


def _codes(values: pl.Series) -> tuple[NDArray[np.int64], int]:
    levels = values.unique().sort()
    lookup = dict(zip(levels.to_list(), range(levels.len()), strict=True))
    return values.replace_strict(lookup, return_dtype=pl.Int64).to_numpy(), levels.len()


def _no_variation(kept: pl.DataFrame, column: str) -> pl.DataFrame:
    """Levels of ``column`` where only one group was stopped: they carry no information."""
    totals = kept.group_by(column).agg(pl.col("n").sum(), pl.col("n_comparison").sum())
    return totals.filter((pl.col("n_comparison") == 0) | (pl.col("n_comparison") == pl.col("n")))


def fit(
    cells: Frame,
    *,
    spline_df: int = 6,
    interact_time_location: bool = False,
    knots: Literal["stops", "cells"] = "stops",
    level: float = 0.95,
    comparison: str = "black",
    reference: str = "white",
) -> Result:
    """Fit the veil-of-darkness GLM on the count table of :func:`aggregate`.

    Uses the rows with ``status == "kept"`` (all rows when there is no ``status``): columns
    ``location``, ``is_dark``, ``minute_bin``, ``n``, ``n_comparison`` and optionally
    ``period``. Locations (and periods) where only one group was stopped are set aside, as they
    carry no information under fixed effects. ``knots="cells"`` places the spline knots at
    quantiles of the count table's bins, as OPP's ``ns()`` on its aggregated table does;
    ``"stops"`` (default) at quantiles of the stops, as the row-level model. ``comparison`` and
    ``reference`` only label the estimates. Returns a :class:`Result` whose estimates are the
    darkness coefficient (log odds ratio), the odds ratio and the comparison group's share of
    stops in light and in dark; an estimate is ``None`` when the data cannot identify it.
    """
    frame = cells.lazy()
    if "status" in frame.collect_schema():
        frame = frame.filter(pl.col("status") == "kept")
    kept = frame.collect()
    has_period = "period" in kept.columns and kept.get_column("period").null_count() == 0
    # a fixed row order makes the fit bit-for-bit reproducible (GROUP BY order is arbitrary)
    kept = kept.sort(
        [c for c in ("location", "period", "is_dark", "minute_bin") if c in kept.columns]
    )
    dropped = _no_variation(kept, "location") if kept.height else kept.head(0)
    kept = kept.join(dropped.select("location"), on="location", how="anti")
    if has_period and kept.height:
        dropped_periods = _no_variation(kept, "period")
        kept = kept.join(dropped_periods.select("period"), on="period", how="anti")
    labels = {"group": comparison, "reference_group": reference}
    dark = kept.get_column("is_dark").to_numpy().astype(bool)
    m = kept.get_column("n").to_numpy().astype(np.float64)
    y = kept.get_column("n_comparison").to_numpy().astype(np.float64)
    n_stops, n_dark = int(m.sum()), int(m[dark].sum())
    share_light = _share(int(y[~dark].sum()), n_stops - n_dark, level)
    share_dark = _share(int(y[dark].sum()), n_dark, level)
    shares = (
        Estimate("share_light", share_light[0], labels, share_light[1], level, n_stops - n_dark),
        Estimate("share_dark", share_dark[0], labels, share_dark[1], level, n_dark),
    )
    diagnostics: dict[str, float | str] = {
        "cells": kept.height,
        "locations": kept.get_column("location").n_unique(),
        "locations_dropped_one_group": dropped.height,
        "stops_dropped_one_group": int(dropped.get_column("n").sum()) if dropped.height else 0,
    }
    if n_dark == 0 or n_dark == n_stops:
        return Result(
            method=METHOD,
            estimates=(
                Estimate("dark_coefficient", None, labels, None, level, n_stops),
                Estimate("dark_odds_ratio", None, labels, None, level, n_stops),
                *shares,
            ),
            caveats=("No stops on one side of dusk: the darkness effect cannot be estimated.",),
            diagnostics=diagnostics,
            summary="Not estimable: the kept stops are all light or all dark.",
        )
    minute = kept.get_column("minute_bin").to_numpy().astype(np.float64)
    knot_values = _knots(minute, m, spline_df, by=knots)
    spline = (
        natural_spline_basis(minute, knot_values)
        if knot_values.size >= 2
        else np.empty((kept.height, 0))
    )
    loc_codes, n_loc = _codes(kept.get_column("location"))
    loc = _dummies(loc_codes, n_loc)
    columns = [np.ones((kept.height, 1)), dark[:, None].astype(np.float64), spline, loc]
    if has_period:
        columns.append(_dummies(*_codes(kept.get_column("period"))))
    if interact_time_location and n_loc > 1 and spline.shape[1]:
        columns.append((spline[:, :, None] * loc[:, None, :]).reshape(kept.height, -1))
    design = np.column_stack(columns)
    independent = _independent(design)
    diagnostics |= {
        "spline_df": float(spline.shape[1]),
        "knots": ",".join(f"{k:g}" for k in knot_values),
        "aliased_columns": float((~independent).sum()),
    }
    beta, cov, stats = _irls(design[:, independent], y, m)
    diagnostics |= stats
    coef, se = float(beta[1]), float(math.sqrt(cov[1, 1]))
    z = _z(level)
    interval = (coef - z * se, coef + z * se)
    p_value = 2.0 * NormalDist().cdf(-abs(coef / se))
    extra = {"std_error": se, "z": coef / se, "p_value": p_value}
    odds = (math.exp(coef), (math.exp(interval[0]), math.exp(interval[1])))
    summary = (
        f"After dark, the odds that a stopped driver was {comparison} rather than {reference} "
        f"were {odds[0]:.2f} times those in daylight ({level:.0%} interval {odds[1][0]:.2f} to "
        f"{odds[1][1]:.2f}; {n_stops:,} stops), at the same clock time and location. "
        "Below 1 is what a daylight bias against the group predicts."
    )
    return Result(
        method=METHOD,
        estimates=(
            Estimate("dark_coefficient", coef, labels, interval, level, n_stops, extra),
            Estimate("dark_odds_ratio", odds[0], labels, odds[1], level, n_stops, extra),
            *shares,
        ),
        diagnostics=diagnostics,
        summary=summary,
    )
