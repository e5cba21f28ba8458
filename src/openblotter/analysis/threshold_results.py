"""Threshold test: the estimates of a fitted model, with their diagnostics.

Per cell, per group and group differences, with posterior intervals, R-hat and effective
sample sizes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from openblotter.analysis.result import Estimate

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from openblotter.analysis.threshold_models import CellData, Draws

__all__ = ["posterior_estimates"]


def _rhat_ess(x: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Split R-hat and effective sample size of (chains, draws, ...) draws."""
    from numpyro.diagnostics import (  # type: ignore[import-untyped]
        effective_sample_size,
        split_gelman_rubin,
    )

    return np.asarray(split_gelman_rubin(x)), np.asarray(effective_sample_size(x))


def _interval(x: NDArray[np.float64]) -> tuple[float, float]:
    low, high = np.quantile(x, [0.025, 0.975])
    return float(low), float(high)


def posterior_estimates(
    cells: CellData,
    draws: Draws,
    locations: list[str],
    groups: list[str],
    reference: str,
    labels: dict[str, str],
) -> tuple[list[Estimate], dict[str, float | str]]:
    """Estimates per cell, per group (stop-weighted) and of each group minus ``reference``.

    Returns them with the fit's diagnostics (worst R-hat, smallest effective sample size,
    posterior predictive checks).
    """
    chains, n_draws, _ = draws.threshold.shape
    flat = draws.threshold.reshape(chains * n_draws, -1)
    rhat, ess = _rhat_ess(draws.threshold)
    pred_search = draws.search_rate.reshape(chains * n_draws, -1).mean(axis=0)
    pred_hit = draws.hit_rate.reshape(chains * n_draws, -1).mean(axis=0)
    obs_search = cells.searches / cells.stops
    obs_hit = cells.hits / cells.searches
    out: list[Estimate] = []
    for i in range(cells.n_cells):
        out.append(
            Estimate(
                quantity="threshold",
                value=float(flat[:, i].mean()),
                labels={
                    **labels,
                    "location": locations[cells.location[i]],
                    "group": groups[cells.group[i]],
                },
                interval=_interval(flat[:, i]),
                n=int(cells.stops[i]),
                extra={
                    "searches": float(cells.searches[i]),
                    "hits": float(cells.hits[i]),
                    "search_rate": float(obs_search[i]),
                    "search_rate_predicted": float(pred_search[i]),
                    "hit_rate": float(obs_hit[i]),
                    "hit_rate_predicted": float(pred_hit[i]),
                    "rhat": float(rhat[i]),
                    "ess": float(ess[i]),
                },
            )
        )
    location_stops = np.bincount(cells.location, weights=cells.stops)[cells.location]
    weighted: dict[str, NDArray[np.float64]] = {}
    for g, name in enumerate(groups):
        w = np.where(cells.group == g, location_stops, 0.0)
        weighted[name] = draws.threshold @ (w / w.sum())
    for name in groups:
        x = weighted[name]
        r, e = _rhat_ess(x)
        out.append(
            Estimate(
                quantity="weighted_threshold",
                value=float(x.mean()),
                labels={**labels, "group": name},
                interval=_interval(x),
                n=int(cells.stops[cells.group == groups.index(name)].sum()),
                extra={"rhat": float(r), "ess": float(e)},
            )
        )
    for name in groups:
        if name == reference:
            continue
        diff = weighted[name] - weighted[reference]
        out.append(
            Estimate(
                quantity="threshold_difference",
                value=float(diff.mean()),
                labels={**labels, "group": name, "reference": reference},
                interval=_interval(diff),
                n=int(cells.stops[cells.group == groups.index(name)].sum()),
                extra={"prob_below_reference": float((diff < 0).mean())},
            )
        )
    weights = cells.stops / cells.stops.sum()
    rng = np.random.default_rng(0)
    flat_search = draws.search_rate.reshape(chains * n_draws, -1)
    flat_hit = draws.hit_rate.reshape(chains * n_draws, -1)
    rep_s = rng.binomial(cells.stops.astype(np.int64), np.clip(flat_search, 0, 1))
    rep_h = rng.binomial(cells.searches.astype(np.int64), np.clip(flat_hit, 0, 1))

    def covered(rep: NDArray[np.int64], obs: NDArray[np.float64]) -> float:
        low, high = np.quantile(rep, [0.025, 0.975], axis=0)
        return float(np.mean((obs >= low) & (obs <= high)))

    par_rhat, par_ess = _rhat_ess(draws.parameters)
    diagnostics: dict[str, float | str] = {
        "rhat_max": float(np.nanmax(np.concatenate([par_rhat, rhat]))),
        "ess_min": float(np.nanmin(np.concatenate([par_ess, ess]))),
        "divergences": float(draws.divergences),
        "mean_leapfrog_steps": draws.mean_steps,
        "ppc_search_rate_rms": float(np.sqrt(np.sum(weights * (obs_search - pred_search) ** 2))),
        "ppc_hit_rate_rms": float(np.sqrt(np.sum(weights * (obs_hit - pred_hit) ** 2))),
        "ppc_search_coverage": covered(rep_s, cells.searches),
        "ppc_hit_coverage": covered(rep_h, cells.hits),
    }
    return out, diagnostics
