"""Officer internal benchmarking, the model side: benchmarks, z-scores and flags.

See :mod:`openblotter.analysis.officers` for the method; these functions work on the small
officer x stratum count table its aggregation returns.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import polars as pl
from scipy import stats  # type: ignore[import-untyped]

from openblotter.analysis.intervals import z_value
from openblotter.analysis.multiple_testing import (
    EmpiricalNull,
    benjamini_hochberg,
    empirical_null,
    local_fdr,
)
from openblotter.analysis.result import Estimate

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["LOCAL_FDR_FLAG", "compare_officers", "officer_estimates", "score_officers"]

LOCAL_FDR_FLAG = 0.2
"""Local fdr at or below which an officer is flagged by that criterion (Efron's convention)."""


def compare_officers(cells: pl.DataFrame, strata: Sequence[str]) -> pl.DataFrame:
    """Per officer: comparable stops, observed and benchmark shares and their variances."""
    keys = list(strata) or ["_one"]
    if not strata:
        cells = cells.with_columns(pl.lit(1).alias("_one"))
    cells = cells.with_columns(pl.col(k).cast(pl.String).fill_null("(missing)") for k in keys)
    totals = cells.group_by(keys).agg(pl.col("n").sum().alias("N"), pl.col("y").sum().alias("Y"))
    cells = cells.join(totals, on=keys).with_columns(
        (pl.col("N") - pl.col("n")).alias("n_peer"), (pl.col("Y") - pl.col("y")).alias("y_peer")
    )
    alone = (
        cells.filter(pl.col("n_peer") == 0)
        .group_by("officer_key")
        .agg(pl.col("n").sum().alias("alone"))
    )
    cells = cells.filter(pl.col("n_peer") > 0).with_columns(
        (pl.col("n") / pl.col("n").sum().over("officer_key")).alias("w"),
        (pl.col("Y") / pl.col("N")).alias("p"),
        (pl.col("y_peer") / pl.col("n_peer")).alias("p_peer"),
    )
    out = cells.group_by("officer_key").agg(
        pl.col("n").sum(),
        pl.col("y").sum(),
        (pl.col("w") * pl.col("p_peer")).sum().alias("benchmark"),
        (
            pl.col("w") ** 2
            * pl.col("p")
            * (1 - pl.col("p"))
            * (1 / pl.col("n") + 1 / pl.col("n_peer"))
        )
        .sum()
        .alias("var_null"),
        (pl.col("w") ** 2 * pl.col("p_peer") * (1 - pl.col("p_peer")) / pl.col("n_peer"))
        .sum()
        .alias("var_peer"),
        pl.len().alias("strata"),
    )
    out = out.join(alone, on="officer_key", how="left").with_columns(pl.col("alone").fill_null(0))
    return out.with_columns((pl.col("y") / pl.col("n")).alias("observed")).sort("officer_key")


def score_officers(
    tested: pl.DataFrame, alternative: str, null: str, *, with_local_fdr: bool
) -> tuple[pl.DataFrame, EmpiricalNull]:
    """z-scores, p-values, BH q-values and (optionally) local fdr of the tested officers.

    The empirical null of the raw z-scores is always estimated (a diagnostic); with
    ``null="empirical"`` the z-scores are standardised by it before the p-values.
    """
    observed = tested.get_column("observed").to_numpy()
    benchmark = tested.get_column("benchmark").to_numpy()
    se = np.sqrt(tested.get_column("var_null").to_numpy())
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se > 0, (observed - benchmark) / se, np.nan)
    used = empirical_null(z)
    if null == "empirical":
        z = (z - used.mean) / used.sd
    p = stats.norm.sf(z) if alternative == "greater" else 2.0 * stats.norm.sf(np.abs(z))
    columns = [
        pl.Series("z", z),
        pl.Series("p_value", p),
        pl.Series("q_value", benjamini_hochberg(p)),
    ]
    if with_local_fdr:
        rates, _ = local_fdr(z, null="theoretical")
        columns.append(pl.Series("local_fdr", rates))
    return tested.with_columns(columns), used


def officer_estimates(
    tested: pl.DataFrame, flagged: set[str], group: str, target: str, level: float
) -> list[Estimate]:
    """One ``officer_ratio`` per tested officer: observed over benchmark share, log interval.

    The interval treats the officer's share as binomial and the benchmark's variance as the
    peers' (delta method on the log ratio); ``extra`` holds both shares, z, p, q (and local
    fdr) and ``flagged`` (1 or 0).
    """
    z = z_value(level)
    out = []
    for row in tested.iter_rows(named=True):
        o, b, n = row["observed"], row["benchmark"], row["n"]
        ratio = o / b if b > 0 else None
        interval = None
        if ratio is not None and 0 < o < 1:
            log_se = float(np.sqrt((1 - o) / (o * n) + row["var_peer"] / b**2))
            interval = (ratio * float(np.exp(-z * log_se)), ratio * float(np.exp(z * log_se)))
        extra = {
            "officer_share": o,
            "benchmark_share": b,
            "z": row["z"],
            "p_value": row["p_value"],
            "q_value": row["q_value"],
            "flagged": 1.0 if row["officer_key"] in flagged else 0.0,
            "strata": float(row["strata"]),
        }
        if "local_fdr" in row:
            extra["local_fdr"] = row["local_fdr"]
            extra["local_fdr_flagged"] = (
                1.0 if row["local_fdr"] <= LOCAL_FDR_FLAG and row["z"] > 0 else 0.0
            )
        labels = {
            "officer": str(row["officer_key"]),
            "group": target,
            "field": group,
            "comparison": "peers in the same strata",
        }
        out.append(Estimate("officer_ratio", ratio, labels, interval, level, int(n), extra))
    return out
