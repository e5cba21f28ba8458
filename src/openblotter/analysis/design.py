"""Design matrices for models fitted on count tables: treatment coding and aliased columns.

:func:`design_matrix` turns categorical columns of a polars frame into treatment-coded indicator
columns (one per level but the reference; by default the reference is the level with the most
trials, and a null value is the level :data:`MISSING`), followed by any numeric columns as they
are. :func:`independent_columns` finds the columns that are linear combinations of earlier ones
(R's ``glm`` reports their coefficients as ``NA``), so that a fit can drop them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from openblotter.errors import ConfigError

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from numpy.typing import NDArray

__all__ = ["INTERCEPT", "MISSING", "Design", "design_matrix", "independent_columns"]

INTERCEPT = "(intercept)"
MISSING = "(missing)"
"""The level a null value of a categorical covariate becomes."""


@dataclass(frozen=True, slots=True)
class Design:
    """A design matrix with the term and level of each column."""

    matrix: NDArray[np.float64]
    names: tuple[str, ...]
    terms: tuple[str, ...]
    levels: tuple[str | None, ...]
    references: dict[str, str] = field(default_factory=dict)


def independent_columns(x: NDArray[np.float64], tol: float = 1e-9) -> NDArray[np.bool_]:
    """Columns not in the span of the columns before them (R's rule for aliased terms).

    An incremental Cholesky factorisation of the scaled Gram matrix: a column whose residual
    after projection on the columns kept so far is numerically zero is aliased.
    """
    norms = np.linalg.norm(x, axis=0)
    unit = x / np.where(norms > 0, norms, 1.0)
    gram = unit.T @ unit
    keep: list[int] = []
    chol = np.zeros((x.shape[1], x.shape[1]))
    for j in range(x.shape[1]):
        if norms[j] == 0:
            continue
        k = len(keep)
        proj = np.linalg.solve(chol[:k, :k], gram[keep, j]) if k else np.zeros(0)
        residual = gram[j, j] - proj @ proj
        if residual > tol:
            chol[k, :k], chol[k, k] = proj, math.sqrt(residual)
            keep.append(j)
    out = np.zeros(x.shape[1], dtype=np.bool_)
    out[keep] = True
    return out


def design_matrix(
    frame: pl.DataFrame,
    factors: Sequence[str],
    *,
    trials: str = "n",
    references: Mapping[str, str] | None = None,
    numeric: Sequence[str] = (),
    intercept: bool = True,
) -> Design:
    """Treatment-coded indicators of ``factors`` (and ``numeric`` columns as they are).

    Each factor's reference level is ``references[factor]`` or, by default, its level with the
    most ``trials`` (ties: the first in sort order). Levels are strings; nulls are
    :data:`MISSING`. Raises :class:`~openblotter.errors.ConfigError` for a reference level that
    is not in the data.
    """
    chosen = dict(references or {})
    columns: list[NDArray[np.float64]] = []
    names: list[str] = []
    terms: list[str] = []
    levels: list[str | None] = []
    if intercept:
        columns.append(np.ones(frame.height))
        names.append(INTERCEPT)
        terms.append(INTERCEPT)
        levels.append(None)
    used: dict[str, str] = {}
    for factor in factors:
        values = frame.get_column(factor).cast(pl.String).fill_null(MISSING)
        totals = (
            pl.DataFrame({"level": values, "n": frame.get_column(trials)})
            .group_by("level")
            .agg(pl.col("n").sum())
            .sort(["n", "level"], descending=[True, False])
        )
        present = totals.get_column("level").to_list()
        reference = chosen.get(factor, present[0] if present else MISSING)
        if reference not in present:
            raise ConfigError(f"reference level {reference!r} of {factor} is not in the data")
        used[factor] = reference
        codes = values.to_numpy()
        for value in sorted(v for v in present if v != reference):
            columns.append((codes == value).astype(np.float64))
            names.append(f"{factor}[{value}]")
            terms.append(factor)
            levels.append(value)
    for name in numeric:
        columns.append(frame.get_column(name).cast(pl.Float64).to_numpy())
        names.append(name)
        terms.append(name)
        levels.append(None)
    matrix = np.column_stack(columns) if columns else np.empty((frame.height, 0))
    return Design(matrix, tuple(names), tuple(terms), tuple(levels), used)
