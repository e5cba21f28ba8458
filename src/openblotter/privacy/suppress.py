"""Small-cell suppression with complementary suppression, audited by the attack it must resist.

Published aggregates are *linked tables*: for a set of dimensions (race, age band, sex,
geography, month) a release publishes every table over one or two of them plus the grand total,
in one long table where a dimension a cell does not break down by holds ``"all"``. Each cell of a
table over dimensions G equals the sum of its children in the table over G plus one more
dimension: those sums are what an attacker subtracts (CDC WONDER was read back this way).

1. **Primary suppression**: every cell with a count from 1 to k - 1 (k = 11 by default; zero
   cells are published, as the CMS rule allows — a missing cell is a zero).
2. **Complementary suppression**: while some sum has exactly one suppressed member, the smallest
   other member is suppressed too (siblings before the parent).
3. **Audit**: a suppressed cell is recoverable when the sums fix it whatever the other
   suppressed cells are (a zero row in the null space of the sums over the suppressed cells),
   or when the knowledge that a suppressed cell is at least 1 (zeros are published, so a reader
   knows it) forces some cells to exactly 1 (found with a few linear programmes), which may in
   turn fix others. When neither finds anything, two linear programmes per suppressed cell
   look for a cell whose possible values, though not one number, hold only one whole number
   (2.5 to 3 means 3: counts are whole; the property test found such a table). For each
   recoverable cell another cell near it is suppressed, and steps 2 and 3 run again.

The audit is the attack of the property test (``tests/privacy/test_suppress.py``), written there
independently from the published table alone. Protection holds within one release's tables;
a record-level file of the same dataset reveals every count (aggregate-only datasets are the
ones the suppression protects).
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import polars as pl
from scipy.optimize import linprog  # type: ignore[import-untyped]

from openblotter.errors import ConfigError

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["ALL", "COUNT", "SUPPRESSED", "Suppression", "cube", "grouping_sets", "suppress"]

ALL = "all"
COUNT = "count"
SUPPRESSED = "suppressed"


def grouping_sets(dims: Sequence[str], *, depth: int = 2) -> list[tuple[str, ...]]:
    """The grand total and every table over up to ``depth`` of ``dims``."""
    return [s for n in range(depth + 1) for s in itertools.combinations(dims, n)]


def cube(frame: pl.DataFrame, dims: Sequence[str], sets: Sequence[tuple[str, ...]]) -> pl.DataFrame:
    """Counts of ``frame``'s rows for every grouping set; unknown values are ``"unknown"``."""
    base = frame.select([pl.col(d).cast(pl.String).fill_null("unknown").alias(d) for d in dims])
    parts = []
    for group in sets:
        if group:
            counts = base.group_by(list(group)).agg(pl.len().alias(COUNT))
        else:
            counts = pl.DataFrame({COUNT: [base.height]})
        parts.append(
            counts.with_columns([pl.lit(ALL).alias(d) for d in dims if d not in group]).select(
                *dims, pl.col(COUNT).cast(pl.Int64)
            )
        )
    out = pl.concat(parts)
    return out.filter(pl.col(COUNT) > 0).sort(by=list(dims))


@dataclass(frozen=True, slots=True)
class Suppression:
    """A suppressed table and how much was suppressed."""

    table: pl.DataFrame
    k: int
    primary: int
    complementary: int
    audit_rounds: int


def _equations(values: list[tuple[str, ...]]) -> list[tuple[int, list[int]]]:
    index = {v: i for i, v in enumerate(values)}
    sums: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i, v in enumerate(values):
        for j, value in enumerate(v):
            if value == ALL:
                continue
            parent = index.get((*v[:j], ALL, *v[j + 1 :]))
            if parent is not None:
                sums[(parent, j)].append(i)
    return [(parent, children) for (parent, _j), children in sums.items()]


def _system(
    component: list[int], eqs: list[tuple[int, list[int]]], counts: np.ndarray, hidden: set[int]
) -> tuple[np.ndarray, np.ndarray]:
    """The sums touching ``component`` as A x = b over its hidden cells."""
    position = {c: n for n, c in enumerate(component)}
    rows, rhs = [], []
    for parent, children in eqs:
        members = [(parent, 1.0), *((c, -1.0) for c in children)]
        if not any(m in position for m, _ in members):
            continue
        row = np.zeros(len(component))
        total = 0.0
        for m, sign in members:
            if m in hidden:
                row[position[m]] += sign
            else:
                total -= sign * counts[m]
        rows.append(row)
        rhs.append(total)
    return np.array(rows).reshape(-1, len(component)), np.array(rhs)


def _determined(a_eq: np.ndarray) -> np.ndarray:
    """Which unknowns the equations fix whatever the others are (zero rows of the null space)."""
    n = a_eq.shape[1]
    if a_eq.size == 0:
        return np.zeros(n, dtype=bool)
    _, singular, vt = np.linalg.svd(a_eq)
    rank = int((singular > 1e-9 * max(1.0, singular.max(initial=0.0))).sum())
    null = vt[rank:]
    if null.shape[0] == 0:
        return np.ones(n, dtype=bool)
    fixed: np.ndarray = np.abs(null).max(axis=0) < 1e-9
    return fixed


def _at_bound(a_eq: np.ndarray, b_eq: np.ndarray) -> np.ndarray:
    """Which unknowns equal 1 in every solution with all unknowns at least 1.

    Repeatedly maximise the total slack of the unknowns not yet seen above 1 (each slack capped
    at 1); an unknown with a positive slack can exceed 1. When no new one can, the rest are held
    at 1 by the sums (a reader knows they are 1).
    """
    n = a_eq.shape[1]
    free = np.zeros(n, dtype=bool)
    while not free.all():
        candidates = np.flatnonzero(~free)
        m = len(candidates)
        objective = np.concatenate([np.zeros(n), -np.ones(m)])
        a = np.hstack([a_eq, np.zeros((a_eq.shape[0], m))])
        a_ub = np.zeros((m, n + m))
        a_ub[np.arange(m), candidates] = -1.0
        a_ub[np.arange(m), n + np.arange(m)] = 1.0
        result = linprog(
            objective,
            A_eq=a,
            b_eq=b_eq,
            A_ub=a_ub,
            b_ub=-np.ones(m),
            bounds=[(1, None)] * n + [(0, 1)] * m,
            method="highs",
        )
        if result.status != 0:  # cannot happen for the true counts; be safe: all pinned
            return ~free
        newly = candidates[result.x[n:] > 1e-7]
        if newly.size == 0:
            break
        free[newly] = True
    return ~free


def _exposed(hidden: set[int], eqs: list[tuple[int, list[int]]], counts: np.ndarray) -> list[int]:
    """Hidden cells a reader can recover exactly from the published cells and the sums."""
    exposed = []
    for component in _components(hidden, eqs):
        a_eq, b_eq = _system(component, eqs, counts, hidden)
        fixed = _determined(a_eq)
        if not fixed.any():
            ones = _at_bound(a_eq, b_eq)
            if ones.any():
                fixed = _determined(np.vstack([a_eq, np.eye(len(component))[ones]]))
        exposed += [c for c, f in zip(component, fixed, strict=True) if f]
    return exposed


def _pinned(a_eq: np.ndarray, b_eq: np.ndarray, cell: int) -> bool:
    """Whether only one whole number fits ``cell`` (its smallest and largest possible value)."""
    objective = np.zeros(a_eq.shape[1])
    objective[cell] = 1.0
    bounds = [(1, None)] * a_eq.shape[1]
    high = linprog(-objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
    if high.status == 3:  # unbounded above: many values fit
        return False
    low = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
    return bool(math.floor(-high.fun + 1e-6) - math.ceil(low.fun - 1e-6) < 1)


def _whole_number_exposed(
    hidden: set[int], eqs: list[tuple[int, list[int]]], counts: np.ndarray
) -> list[int]:
    """Hidden cells whose possible values, though not one number, hold one whole number.

    Counts are whole numbers: a cell that can be anything from 2.5 to 3 is 3. A few solutions
    in varied directions first show most cells taking values at least 1 apart; only the others
    get their two linear programmes. Run once the cheaper checks find nothing.
    """
    exposed = []
    rng = np.random.default_rng(0)
    for component in _components(hidden, eqs):
        a_eq, b_eq = _system(component, eqs, counts, hidden)
        n = len(component)
        directions = [np.ones(n), -np.ones(n), *rng.choice([-1.0, 1.0], size=(4, n))]
        points = []
        for direction in directions:
            result = linprog(
                direction, A_eq=a_eq, b_eq=b_eq, bounds=[(1, None)] * n, method="highs"
            )
            if result.status == 0:
                points.append(result.x)
        spread = np.ptp(np.array(points), axis=0) if points else np.zeros(n)
        doubtful = np.flatnonzero(spread < 1 - 1e-6)
        exposed += [component[i] for i in doubtful if _pinned(a_eq, b_eq, int(i))]
    return exposed


def _components(hidden: set[int], eqs: list[tuple[int, list[int]]]) -> list[list[int]]:
    parent_of = {c: c for c in hidden}

    def find(c: int) -> int:
        while parent_of[c] != c:
            parent_of[c] = parent_of[parent_of[c]]
            c = parent_of[c]
        return c

    for parent, children in eqs:
        members = [m for m in (parent, *children) if m in hidden]
        for a, b in itertools.pairwise(members):
            parent_of[find(a)] = find(b)
    groups: dict[int, list[int]] = defaultdict(list)
    for c in sorted(hidden):
        groups[find(c)].append(c)
    return list(groups.values())


def _widen(
    cell: int,
    hidden: set[int],
    eqs: list[tuple[int, list[int]]],
    by_cell: dict[int, list[int]],
    counts: np.ndarray,
) -> bool:
    """Hide one more cell near ``cell``: in one of its sums, else in a sum of a hidden neighbour.

    Returns False only when every cell is already hidden.
    """
    seen, frontier = {cell}, [cell]
    while frontier:
        members = {m for c in frontier for n in by_cell[c] for m in (eqs[n][0], *eqs[n][1])}
        candidates = [m for m in members if m not in hidden]
        if candidates:
            hidden.add(min(candidates, key=lambda c: (counts[c], c)))
            return True
        frontier = [m for m in members if m not in seen]
        seen |= set(frontier)
    return False


def suppress(cells: pl.DataFrame, dims: Sequence[str], k: int) -> Suppression:
    """Suppress ``cells`` (from ``cube``): counts under ``k`` and what would reveal them."""
    if k < 2:
        raise ConfigError(f"suppression threshold must be at least 2, not {k}")
    values = [tuple(row) for row in cells.select(dims).iter_rows()]
    counts = cells.get_column(COUNT).to_numpy().astype(np.float64)
    eqs = _equations(values)
    by_cell: dict[int, list[int]] = defaultdict(list)
    for n, (parent, children) in enumerate(eqs):
        for m in (parent, *children):
            by_cell[m].append(n)
    hidden = {i for i, c in enumerate(counts) if 0 < c < k}
    primary = len(hidden)

    def close() -> None:
        changed = True
        while changed:
            changed = False
            for parent, children in eqs:
                members = [parent, *children]
                if sum(m in hidden for m in members) != 1:
                    continue
                open_children = [c for c in children if c not in hidden]
                pick = min(open_children, key=lambda c: counts[c]) if open_children else parent
                if pick in hidden:
                    continue
                hidden.add(pick)
                changed = True

    rounds = 0
    while True:
        close()
        rounds += 1
        exposed = _exposed(hidden, eqs, counts) or _whole_number_exposed(hidden, eqs, counts)
        widened = [_widen(cell, hidden, eqs, by_cell, counts) for cell in exposed]
        if not any(widened):  # nothing exposed, or nothing left to hide around it
            break
    mask = pl.Series(SUPPRESSED, [i in hidden for i in range(len(values))], dtype=pl.Boolean)
    table = cells.with_columns(mask).with_columns(
        pl.when(pl.col(SUPPRESSED)).then(None).otherwise(pl.col(COUNT)).alias(COUNT)
    )
    return Suppression(
        table=table,
        k=k,
        primary=primary,
        complementary=len(hidden) - primary,
        audit_rounds=rounds,
    )
