"""Small-cell suppression: no published count under k, and no suppressed cell recoverable.

The attacker here is written from the published table alone, independently of the engine: it
rebuilds every sum from the cells' "all" markers, treats suppressed cells as unknowns that are
at least 1 (zeros are published) and asks a linear programme for the smallest and largest value
each can take. A cell is recovered when only one whole number fits.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from openblotter.errors import ConfigError
from openblotter.privacy.suppress import ALL, cube, grouping_sets, suppress


def attack(table: pl.DataFrame, dims: list[str]) -> dict[tuple[str, ...], tuple[float, float]]:
    """The interval of every suppressed cell a reader can work out from ``table``."""
    cells = {tuple(r[d] for d in dims): r["count"] for r in table.iter_rows(named=True)}
    unknown = sorted(k for k, v in cells.items() if v is None)
    if not unknown:
        return {}
    col = {k: i for i, k in enumerate(unknown)}
    rows, rhs = [], []
    for parent in cells:
        for j, value in enumerate(parent):
            if value != ALL:
                continue
            children = [
                c
                for c in cells
                if c[j] != ALL and all(c[i] == parent[i] for i in range(len(dims)) if i != j)
            ]
            if not any((*c[:j], ALL, *c[j + 1 :]) == parent for c in children):
                continue
            # only sums whose finer table is published: some child exists or the parent is 0
            row = np.zeros(len(unknown))
            total = 0.0
            for member, sign in [(parent, 1.0), *((c, -1.0) for c in children)]:
                if cells[member] is None:
                    row[col[member]] += sign
                else:
                    total -= sign * cells[member]
            rows.append(row)
            rhs.append(total)
    a = np.array(rows).reshape(-1, len(unknown))
    b = np.array(rhs)
    out = {}
    for key, i in col.items():
        c = np.zeros(len(unknown))
        c[i] = 1
        low = linprog(c, A_eq=a, b_eq=b, bounds=[(1, None)] * len(unknown), method="highs")
        high = linprog(-c, A_eq=a, b_eq=b, bounds=[(1, None)] * len(unknown), method="highs")
        assert low.status == 0, "the published table must be consistent"
        out[key] = (low.fun, math.inf if high.status == 3 else -high.fun)
    return out


def recovered(interval: tuple[float, float]) -> bool:
    low, high = interval
    if math.isinf(high):
        return False
    return math.floor(high + 1e-6) - math.ceil(low - 1e-6) < 1


@st.composite
def records(draw: st.DrawFn) -> tuple[pl.DataFrame, list[str], int]:
    dims = draw(st.sampled_from([["a", "b"], ["a", "b", "c"]]))
    levels = {d: draw(st.integers(2, 4)) for d in dims}
    n = draw(st.integers(0, 120))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    data = {}
    for d in dims:
        weights = rng.dirichlet(np.full(levels[d], 0.6))
        data[d] = rng.choice([f"{d}{i}" for i in range(levels[d])], size=n, p=weights)
    k = draw(st.integers(3, 11))
    return (
        pl.DataFrame(
            {d: data[d].astype(str).tolist() for d in dims}, schema=dict.fromkeys(dims, pl.String)
        ),
        dims,
        k,
    )


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records())
def test_suppress__no_small_cell_published_and_none_recoverable(
    case: tuple[pl.DataFrame, list[str], int],
) -> None:
    frame, dims, k = case
    cells = cube(frame, dims, grouping_sets(dims))
    result = suppress(cells, dims, k)
    table = result.table
    published = table.filter(~pl.col("suppressed"))["count"]
    assert ((published == 0) | (published >= k)).all()
    assert (table.filter(pl.col("suppressed"))["count"].is_null()).all()
    for key, interval in attack(table, dims).items():
        assert not recovered(interval), f"cell {key} recovered: {interval}"
    # the true counts are within what the reader can work out
    truth = cells.with_columns(table["suppressed"])
    assert truth.filter(~pl.col("suppressed"))["count"].to_list() == published.to_list()


def test_suppress__one_small_cell_in_a_two_by_two_table_hides_a_rectangle() -> None:
    frame = pl.DataFrame(
        {
            "race": ["x"] * 3 + ["x"] * 20 + ["y"] * 30 + ["y"] * 40,
            "sex": ["f"] * 3 + ["m"] * 20 + ["f"] * 30 + ["m"] * 40,
        }
    )
    cells = cube(frame, ["race", "sex"], grouping_sets(["race", "sex"]))
    result = suppress(cells, ["race", "sex"], 11)
    hidden = result.table.filter(pl.col("suppressed")).select("race", "sex").rows()
    assert set(hidden) == {("x", "f"), ("x", "m"), ("y", "f"), ("y", "m")}
    assert result.primary == 1
    assert result.complementary == 3
    assert not any(recovered(i) for i in attack(result.table, ["race", "sex"]).values())


def test_suppress__margins_stay_published_when_the_interior_can_hide() -> None:
    frame = pl.DataFrame(
        {
            "g": ["a"] * 5 + ["a"] * 50 + ["b"] * 60 + ["b"] * 70,
            "m": ["1"] * 5 + ["2"] * 50 + ["1"] * 60 + ["2"] * 70,
        }
    )
    cells = cube(frame, ["g", "m"], grouping_sets(["g", "m"]))
    table = suppress(cells, ["g", "m"], 11).table
    total = table.filter((pl.col("g") == ALL) & (pl.col("m") == ALL))
    assert total["count"].item() == 185
    assert not total["suppressed"].item()


def test_suppress__zero_cells_are_absent_and_known() -> None:
    frame = pl.DataFrame({"g": ["a"] * 30 + ["b"] * 40, "m": ["1"] * 30 + ["2"] * 40})
    table = suppress(cube(frame, ["g", "m"], grouping_sets(["g", "m"])), ["g", "m"], 11).table
    assert not table["suppressed"].any()
    assert ("a", "2") not in table.select("g", "m").rows()


def test_suppress__unknown_values_are_a_category() -> None:
    frame = pl.DataFrame({"g": ["a", None] * 20}, schema={"g": pl.String})
    cells = cube(frame, ["g"], grouping_sets(["g"]))
    assert cells.filter(pl.col("g") == "unknown")["count"].item() == 20


def test_suppress__refuses_a_threshold_below_two() -> None:
    with pytest.raises(ConfigError):
        suppress(pl.DataFrame({"g": [ALL], "count": [1]}), ["g"], 1)
