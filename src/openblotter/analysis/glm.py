"""Logistic regression on grouped counts: a binomial GLM fitted by IRLS.

Analyses aggregate records in the store into *covariate patterns* — one row per combination of
the model's categorical covariates, with ``n`` trials (stops, people) and ``k`` successes (force
used, injured) — and fit the model here, on that small table. For categorical covariates the
likelihood of the grouped binomial model is the row-level one up to a constant, so estimates,
standard errors and the deviance *differences* are exactly those of a logistic regression on one
row per record, at a cost that does not grow with the records.

* :func:`~openblotter.analysis.design.design_matrix` builds treatment-coded indicator columns
  from categorical columns (reference level chosen, by default the level with the most trials;
  nulls become the level ``"(missing)"``) plus any numeric columns;
* :func:`fit_binomial` is the IRLS fit of a given design (``logit P = X b``) — what
  ``veil_model`` fits with its own spline columns;
* :func:`fit_counts` does both on a polars frame and handles the data problems a count table
  brings: levels without trials are dropped, levels whose outcome never varies (all successes
  or none) are set aside with a message (their odds ratio is 0 or infinite; for the other
  coefficients, dropping their rows gives exactly the limit of the maximum-likelihood fit),
  aliased (collinear) columns are dropped as R's ``glm`` does, and remaining separation shows
  up as a warning on huge standard errors.

Standard errors come from the inverse Fisher information at the estimate (binomial dispersion
fixed at 1); intervals are Wald intervals ``b ± z·SE`` and their exponentials for odds ratios.
The tests check the fits against statsmodels' ``GLM(..., family=Binomial())``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import TYPE_CHECKING

import numpy as np
import polars as pl
from scipy.linalg import LinAlgError, cho_factor, cho_solve  # type: ignore[import-untyped]
from scipy.special import expit, ndtr  # type: ignore[import-untyped]

from openblotter.analysis.design import MISSING, design_matrix, independent_columns
from openblotter.errors import ConfigError

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from numpy.typing import NDArray

__all__ = ["Coefficient", "GLMFit", "binomial_deviance", "fit_binomial", "fit_counts", "z_value"]

_HUGE_SE = 15.0  # a log-odds SE this large means the likelihood is flat: separation
_HUGE_COEF = 20.0


@dataclass(frozen=True, slots=True)
class Coefficient:
    """One coefficient (log odds ratio for an indicator) with its Wald interval."""

    name: str
    term: str
    level: str | None
    estimate: float
    std_error: float
    z: float
    p_value: float
    interval: tuple[float, float]

    @property
    def odds_ratio(self) -> float:
        """``exp(estimate)``: the odds ratio of the level against the reference."""
        return math.exp(self.estimate)

    @property
    def odds_interval(self) -> tuple[float, float]:
        """The interval on the odds-ratio scale."""
        return (math.exp(self.interval[0]), math.exp(self.interval[1]))


@dataclass(frozen=True, slots=True)
class GLMFit:
    """A fitted binomial GLM and what was done to the data to fit it.

    ``coefficients`` holds the estimable ones; ``aliased`` the columns dropped as linear
    combinations of earlier ones; ``dropped_levels`` the levels without trials;
    ``separated`` the levels set aside because their outcome never varied, as
    ``{term: {level: "no successes" | "all successes"}}`` (their odds ratio is 0 or infinite);
    ``warnings`` plain sentences about what remains: huge standard errors (separation by a
    combination of levels) and a fit that did not converge.
    """

    coefficients: tuple[Coefficient, ...]
    covariance: NDArray[np.float64]
    deviance: float
    null_deviance: float
    df_residual: int
    iterations: int
    converged: bool
    pearson_dispersion: float
    rows: int
    trials: int
    successes: int
    level: float = 0.95
    references: dict[str, str] = field(default_factory=dict)
    aliased: tuple[str, ...] = ()
    dropped_levels: dict[str, tuple[str, ...]] = field(default_factory=dict)
    separated: dict[str, dict[str, str]] = field(default_factory=dict)
    rows_set_aside: int = 0
    trials_set_aside: int = 0
    warnings: tuple[str, ...] = ()

    def coefficient(self, term: str, level: str | None = None) -> Coefficient | None:
        """The coefficient of ``term`` (at ``level`` for a factor), or ``None`` if not estimable."""
        for c in self.coefficients:
            if c.term == term and c.level == level:
                return c
        return None

    def diagnostics(self) -> dict[str, float | str]:
        """The fit's numbers for a :class:`~openblotter.analysis.Result`'s diagnostics."""
        return {
            "converged": 1.0 if self.converged else 0.0,
            "iterations": float(self.iterations),
            "deviance": self.deviance,
            "null_deviance": self.null_deviance,
            "df_residual": float(self.df_residual),
            "pearson_dispersion": self.pearson_dispersion,
            "covariate_patterns": float(self.rows),
            "aliased_columns": float(len(self.aliased)),
            "trials_set_aside": float(self.trials_set_aside),
        }


def z_value(level: float) -> float:
    """The two-sided normal quantile of an interval at ``level`` (1.96 for 0.95)."""
    return NormalDist().inv_cdf(0.5 + level / 2.0)


def binomial_deviance(
    y: NDArray[np.float64], m: NDArray[np.float64], mu: NDArray[np.float64]
) -> float:
    """Deviance of success counts ``y`` out of ``m`` against probabilities ``mu``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(y > 0, y * np.log(y / (m * mu)), 0.0)
        b = np.where(m - y > 0, (m - y) * np.log((m - y) / (m * (1.0 - mu))), 0.0)
    return float(2.0 * np.sum(a + b))


def fit_binomial(
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    m: NDArray[np.float64],
    *,
    max_iter: int = 100,
    tol: float = 1e-10,
) -> tuple[NDArray[np.float64], NDArray[np.float64], dict[str, float]]:
    """IRLS fit of ``logit(y / m) = x @ b``; returns ``b``, its covariance and fit statistics.

    ``x`` must have full column rank (see :func:`independent_columns`). Starts from the
    empirical logits (``(y + 0.5) / (m + 1)``, as R's ``glm``), halves a step that increases the
    deviance, and stops when the relative change in deviance is below ``tol``. The statistics
    are ``iterations``, ``converged`` (1 or 0), ``deviance``, ``df_residual`` and
    ``pearson_dispersion``.
    """
    mu = (y + 0.5) / (m + 1.0)
    eta = np.log(mu / (1.0 - mu))
    beta: NDArray[np.float64] = np.zeros(x.shape[1])
    deviance_old, converged, iterations = math.inf, 0.0, 0
    while iterations < max_iter:
        iterations += 1
        mu = np.clip(expit(eta), 1e-12, 1 - 1e-12)
        w = m * mu * (1.0 - mu)
        z = eta + (y - m * mu) / w
        xtw = x.T * w
        try:
            step = np.asarray(cho_solve(cho_factor(xtw @ x), xtw @ z), dtype=np.float64)
        except LinAlgError:
            step = np.asarray(np.linalg.lstsq(xtw @ x, xtw @ z, rcond=None)[0], dtype=np.float64)
        deviance = binomial_deviance(y, m, np.clip(expit(x @ step), 1e-12, 1 - 1e-12))
        halvings = 0
        while deviance > deviance_old + 1e-9 * abs(deviance_old) and halvings < 30:
            step = (step + beta) / 2.0
            deviance = binomial_deviance(y, m, np.clip(expit(x @ step), 1e-12, 1 - 1e-12))
            halvings += 1
        beta, eta = step, x @ step
        if abs(deviance - deviance_old) / (abs(deviance) + 0.1) < tol:
            converged = 1.0
            break
        deviance_old = deviance
    mu = np.clip(expit(eta), 1e-12, 1 - 1e-12)
    w = m * mu * (1.0 - mu)
    information = (x.T * w) @ x
    try:
        cov = np.asarray(cho_solve(cho_factor(information), np.eye(x.shape[1])), dtype=np.float64)
    except LinAlgError:
        cov = np.asarray(np.linalg.pinv(information), dtype=np.float64)
    df_resid = x.shape[0] - x.shape[1]
    pearson = float(np.sum((y - m * mu) ** 2 / w)) / max(df_resid, 1)
    stats = {
        "iterations": float(iterations),
        "converged": converged,
        "deviance": binomial_deviance(y, m, mu),
        "df_residual": float(df_resid),
        "pearson_dispersion": pearson,
    }
    return beta, cov, stats


def _set_aside(
    frame: pl.DataFrame, factors: Sequence[str], successes: str, trials: str
) -> tuple[pl.DataFrame, dict[str, dict[str, str]]]:
    """Drop, factor by factor until nothing changes, the levels whose outcome never varies."""
    separated: dict[str, dict[str, str]] = {}
    changed = True
    while changed and frame.height:
        changed = False
        for factor in factors:
            totals = frame.group_by(factor).agg(pl.col(successes).sum(), pl.col(trials).sum())
            flat = totals.filter(
                (pl.col(successes) == 0) | (pl.col(successes) == pl.col(trials))
            ).with_columns(
                pl.when(pl.col(successes) == 0)
                .then(pl.lit("no successes"))
                .otherwise(pl.lit("all successes"))
                .alias("why")
            )
            if flat.height and flat.height < totals.height:
                for value, why in flat.select(factor, "why").iter_rows():
                    separated.setdefault(factor, {})[value] = why
                frame = frame.join(flat.select(factor), on=factor, how="anti")
                changed = True
    return frame, separated


def fit_counts(
    frame: pl.DataFrame,
    *,
    successes: str = "k",
    trials: str = "n",
    factors: Sequence[str] = (),
    references: Mapping[str, str] | None = None,
    numeric: Sequence[str] = (),
    level: float = 0.95,
    max_iter: int = 100,
) -> GLMFit:
    """Fit ``logit P(success) = intercept + factors + numeric`` on a count table.

    ``frame`` has one row per covariate pattern with ``trials`` and ``successes`` columns
    (whole numbers, ``0 <= successes <= trials``); rows may repeat a pattern. ``factors`` are
    categorical columns (treatment-coded; put fixed effects here too — every coefficient is
    fitted, the caller reports the ones it needs). Levels without trials are dropped; levels
    whose outcome never varies are set aside (:attr:`GLMFit.separated`); a reference level in
    ``references`` that is set aside raises :class:`~openblotter.errors.ConfigError`, as does
    a table with no variation in the outcome at all.
    """
    for name in (successes, trials, *factors, *numeric):
        if name not in frame.columns:
            raise ConfigError(f"column {name!r} is not in the count table")
    work = frame.select(
        *(pl.col(f).cast(pl.String).fill_null(MISSING) for f in factors),
        *(pl.col(c).cast(pl.Float64) for c in numeric),
        pl.col(successes).cast(pl.Float64).alias("_k"),
        pl.col(trials).cast(pl.Float64).alias("_n"),
    )
    if work.select(((pl.col("_k") < 0) | (pl.col("_k") > pl.col("_n"))).any()).item():
        raise ConfigError("successes must lie between 0 and the trials in every row")
    present = {f: set(work.get_column(f).unique().to_list()) for f in factors}
    work = work.filter(pl.col("_n") > 0)
    dropped = {
        f: tuple(sorted(present[f] - set(work.get_column(f).unique().to_list()))) for f in factors
    }
    n_before, rows_before = float(work.get_column("_n").sum()), work.height
    work, separated = _set_aside(work, factors, "_k", "_n")
    total_k, total_n = float(work.get_column("_k").sum()), float(work.get_column("_n").sum())
    if work.height == 0 or total_k in (0.0, total_n):
        raise ConfigError("the outcome does not vary: every record has it, or none does")
    for factor, reference in (references or {}).items():
        if reference in separated.get(factor, {}):
            why = separated[factor][reference]
            raise ConfigError(f"the reference {reference!r} of {factor} has {why}: no contrast")
    design = design_matrix(
        work, factors, trials="_n", references=references, numeric=numeric, intercept=True
    )
    keep = independent_columns(design.matrix)
    x = design.matrix[:, keep]
    y, m = work.get_column("_k").to_numpy(), work.get_column("_n").to_numpy()
    beta, cov, stats = fit_binomial(x, y, m, max_iter=max_iter)
    z_crit = z_value(level)
    se = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    with np.errstate(divide="ignore", invalid="ignore"):
        zs = np.where(se > 0, beta / se, np.nan)
    p_values = 2.0 * ndtr(-np.abs(zs))
    kept = [i for i, k in enumerate(keep) if k]
    coefficients = tuple(
        Coefficient(
            design.names[i],
            design.terms[i],
            design.levels[i],
            float(beta[j]),
            float(se[j]),
            float(zs[j]),
            float(p_values[j]),
            (float(beta[j] - z_crit * se[j]), float(beta[j] + z_crit * se[j])),
        )
        for j, i in enumerate(kept)
    )
    warnings = _warnings(coefficients, converged=bool(stats["converged"]))
    p_all = total_k / total_n
    null = binomial_deviance(y, m, np.full_like(y, p_all))
    return GLMFit(
        coefficients=coefficients,
        covariance=cov,
        deviance=stats["deviance"],
        null_deviance=null,
        df_residual=int(stats["df_residual"]),
        iterations=int(stats["iterations"]),
        converged=bool(stats["converged"]),
        pearson_dispersion=stats["pearson_dispersion"],
        rows=work.height,
        trials=int(total_n),
        successes=int(total_k),
        level=level,
        references=design.references,
        aliased=tuple(n for n, k in zip(design.names, keep, strict=True) if not k),
        dropped_levels={f: v for f, v in dropped.items() if v},
        separated=separated,
        rows_set_aside=rows_before - work.height,
        trials_set_aside=int(n_before - total_n),
        warnings=warnings,
    )


def _warnings(coefficients: Sequence[Coefficient], *, converged: bool) -> tuple[str, ...]:
    out: list[str] = []
    flat = [c.name for c in coefficients if c.std_error > _HUGE_SE or abs(c.estimate) > _HUGE_COEF]
    if flat:
        out.append(
            "possible separation (huge standard errors) for "
            + ", ".join(flat[:10])
            + (" …" if len(flat) > 10 else "")
            + ": those estimates are not reliable"
        )
    if not converged:
        out.append("the fit did not converge; the estimates are not reliable")
    return tuple(out)
