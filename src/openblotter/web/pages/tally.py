"""Counts by group from a release's aggregate table, as one parameterised query a reader can rerun.

A release's ``aggregates/<dataset>.parquet`` is one long table with the columns ``race``,
``age_band``, ``sex``, ``geography``, ``month``, ``count`` and ``suppressed``: the total, each
dimension alone and race by each other dimension, ``"all"`` where a cell does not break down by
a dimension (``publish.aggregates``). A :class:`Selection` (count by one dimension, within a
month range, one place and one group) can be read from it when the dimensions it breaks down by
form one of the published tables: at most two, and race one of them when there are two.

Each answer is computed by DuckDB with the query it shows: the column names come from the fixed
list :data:`DIMENSIONS`, every value is a bound parameter, and the file is named relative to the
release folder so the same query runs on a downloaded release. A count the release withheld
(``suppressed``) stays withheld: a row summed over months that include a withheld cell reports
only the sum of the published cells and how many cells it lacks, which anyone could add up from
the file; it never estimates what was withheld.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import duckdb

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["DIMENSIONS", "Selection", "Tally", "TallyRow", "answerable", "run_query", "tally"]

DIMENSIONS = ("race", "sex", "age_band", "geography", "month")
"""The dimensions of an aggregate table, in the order pages offer them."""
ALL = "all"

_LOCK = threading.Lock()
_DB: list[duckdb.DuckDBPyConnection] = []


@dataclass(frozen=True, slots=True)
class Selection:
    """What to count: by one dimension, within a month range, one place and one group."""

    by: str = "race"
    month_from: str | None = None
    month_to: str | None = None
    geography: str | None = None
    group: str | None = None

    def dimensions(self) -> frozenset[str]:
        """The dimensions the counts break down by or are restricted on."""
        dims = {self.by}
        if self.month_from or self.month_to:
            dims.add("month")
        if self.geography is not None:
            dims.add("geography")
        if self.group is not None:
            dims.add("race")
        return frozenset(dims)


def answerable(selection: Selection, available: frozenset[str]) -> bool:
    """Whether one published table of the aggregates holds the selection's cells."""
    dims = selection.dimensions()
    if not dims <= available:
        return False
    return len(dims) <= 1 or (len(dims) == 2 and "race" in dims)


@dataclass(frozen=True, slots=True)
class TallyRow:
    """One group's count: ``count`` is None when every cell behind it was withheld."""

    value: str
    count: int | None
    cells: int
    withheld: int

    @property
    def exact(self) -> bool:
        """Whether the count is complete (no cell behind it was withheld)."""
        return self.withheld == 0 and self.count is not None

    def to_dict(self) -> dict[str, Any]:
        """The row as JSON."""
        return {
            "value": self.value,
            "count": self.count,
            "cells": self.cells,
            "withheld": self.withheld,
            "exact": self.exact,
        }


@dataclass(frozen=True, slots=True)
class Tally:
    """Counts by one dimension, their total, and the query that computed them."""

    by: str
    rows: tuple[TallyRow, ...]
    total: TallyRow | None
    query: str
    params: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The tally as JSON."""
        return {
            "by": self.by,
            "rows": [r.to_dict() for r in self.rows],
            "total": self.total.to_dict() if self.total else None,
            "query": self.query,
            "params": self.params,
        }


def _where(
    selection: Selection, columns: frozenset[str], by: str | None
) -> tuple[str, dict[str, str]]:
    clauses: list[str] = []
    params: dict[str, str] = {}
    for dim in DIMENSIONS:
        if dim not in columns:
            continue
        if dim == "month" and (selection.month_from or selection.month_to):
            clauses.append("\"month\" <> 'all'")
            if selection.month_from:
                clauses.append('"month" >= $month_from')
                params["month_from"] = selection.month_from
            if selection.month_to:
                clauses.append('"month" <= $month_to')
                params["month_to"] = selection.month_to
        elif dim == "geography" and selection.geography is not None:
            clauses.append('"geography" = $geography')
            params["geography"] = selection.geography
        elif dim == "race" and selection.group is not None:
            clauses.append('"race" = $group')
            params["group"] = selection.group
        elif dim == by:
            clauses.append(f"\"{dim}\" <> 'all'")
        else:
            clauses.append(f"\"{dim}\" = 'all'")
    return " AND ".join(clauses) or "TRUE", params


def _sql(
    selection: Selection, columns: frozenset[str], by: str | None
) -> tuple[str, dict[str, str]]:
    where, params = _where(selection, columns, by)
    value = f'"{by}"' if by else "'all'"
    sql = (
        f'SELECT {value} AS "value", sum("count") AS "count", count(*) AS "cells", '  # noqa: S608 - names from DIMENSIONS; values bound
        'count(*) FILTER (WHERE "suppressed") AS "withheld" '
        f"FROM read_parquet($file) WHERE {where} GROUP BY ALL ORDER BY 1"
    )
    return sql, params


def _connection() -> duckdb.DuckDBPyConnection:
    with _LOCK:
        if not _DB:
            _DB.append(duckdb.connect(":memory:", config={"threads": 1}))
        return _DB[0]


def run_query(sql: str, params: dict[str, str]) -> list[tuple[Any, ...]]:
    """Run ``sql`` with named ``params`` on the pages' in-memory DuckDB (a cursor per call)."""
    cursor = _connection().cursor()
    try:
        return cursor.execute(sql, params).fetchall()
    finally:
        cursor.close()


def _row(raw: tuple[Any, ...]) -> TallyRow:
    value, count, cells, withheld = raw
    known = int(cells) > int(withheld)
    return TallyRow(
        value=str(value),
        count=int(count) if count is not None and known else None,
        cells=int(cells),
        withheld=int(withheld),
    )


def tally(path: Path, relative: str, selection: Selection, columns: frozenset[str]) -> Tally:
    """The selection's counts from the aggregate file ``path`` (shown as ``relative``).

    ``columns`` are the dimensions the file has; the caller checks :func:`answerable` first.
    """
    if selection.by not in DIMENSIONS:
        raise ValueError(f"not a dimension of the aggregates: {selection.by!r}")
    return _tally(path, relative, selection, columns)


@lru_cache(maxsize=1024)
def _tally(path: Path, relative: str, selection: Selection, columns: frozenset[str]) -> Tally:
    sql, params = _sql(selection, columns, selection.by)
    rows = tuple(_row(r) for r in run_query(sql, {"file": str(path), **params}))
    total_sql, total_params = _sql(selection, columns, None)
    totals = [_row(r) for r in run_query(total_sql, {"file": str(path), **total_params})]
    return Tally(
        by=selection.by,
        rows=rows,
        total=totals[0] if totals else None,
        query=sql,
        params={"file": relative, **params},
    )
