"""The record explorer: filter, sort, page, count and export a release's published records.

Interface (used by the API and by the dataset explorer page)::

    explorer = explorer_of(app)  # the app's shared Explorer(app.state.portal), made once
    explorer = Explorer(portal, time_limit=1.0, max_page_size=1000)  # or your own
    explorer.fields(release, "stops")  # published fields: type, code list, filters
    explorer.filter_fields(release, "stop_subjects")  # + the parent's and children's fields
    explorer.records(
        release,
        "stop_subjects",
        filters={"subject_race": ["black"], "date_from": "2015-01-01", "district": "NORTH"},
        sort="subject_age",
        page=2,
        page_size=50,
    )  # -> RecordPage (rows, total, query, params)
    explorer.counts(release, "stop_subjects", by=["subject_race"], filters=...)  # CountTable
    explorer.stream_csv(release, "stops", filters=...)  # Iterator[bytes], formula-neutralised

Filters map a key to one value or several (several = any of them; empty strings are ignored):

- ``<field>``: equality, or ``IN`` for several values; on a list field, any element matches.
  Code-list fields accept only their codes; booleans ``true``/``false``.
- ``<field>_min`` / ``<field>_max``: inclusive range on number, integer and date fields.
- ``date_from`` / ``date_to``: inclusive range on the field that dates the dataset (from the
  release's completeness report), or on its parent's (a stopped person by the stop's date).
- a field of the parent or a child dataset (``district`` on ``stop_subjects``, ``subject_race``
  on ``stops``; ``dataset.field`` when the name is ambiguous) becomes a semi-join on the key.

Safety (ADR 0006): records are read only from the release's ``data/<dataset>.parquet`` with
DuckDB (``read_parquet``) in an in-memory database that may read nothing outside the releases
folder (``allowed_directories``, external access off, configuration locked); field names come
only from the published schema (anything else is a :class:`FilterError`, HTTP 400), every value
is a bound parameter, pages are capped at ``max_page_size`` rows and ``max_offset`` rows deep,
and each query runs on its own cursor under a timer that interrupts it after ``time_limit``
seconds (:class:`QueryTimeoutError`, HTTP 503). The SQL text and its parameters are returned
with every answer ("show your work"), the file named relative to the release folder so the same
query runs on a downloaded release. Answers are cached (releases never change).
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import duckdb
import polars as pl

from openblotter.web.explorer_catalog import Catalog, DatasetInfo, FieldInfo, catalog, csv_chunk
from openblotter.web.explorer_query import FilterError, QueryTimeoutError, filter_index, plan

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence

    from openblotter.publish.registry import ReleaseRecord
    from openblotter.web.portal import Portal

__all__ = [
    "CountTable",
    "Explorer",
    "FieldInfo",
    "FilterError",
    "QueryTimeoutError",
    "RecordPage",
    "explorer_of",
]


@dataclass(frozen=True, slots=True)
class RecordPage:
    """One page of records and how it was computed."""

    dataset: str
    columns: list[str]
    rows: list[dict[str, Any]]
    total: int
    page: int
    page_size: int
    sort: str | None
    descending: bool
    filters: dict[str, list[str]]
    query: str
    params: list[Any]
    count_query: str

    @property
    def pages(self) -> int:
        """Number of pages (at least 1)."""
        return max(1, math.ceil(self.total / self.page_size))

    def to_dict(self) -> dict[str, Any]:
        """The page as JSON."""
        return {
            "dataset": self.dataset,
            "columns": self.columns,
            "rows": self.rows,
            "total": self.total,
            "page": self.page,
            "page_size": self.page_size,
            "pages": self.pages,
            "sort": self.sort,
            "descending": self.descending,
            "filters": self.filters,
            "query": self.query,
            "params": self.params,
            "count_query": self.count_query,
        }


@dataclass(frozen=True, slots=True)
class CountTable:
    """Record counts by one or more fields, and how they were computed."""

    dataset: str
    by: list[str]
    rows: list[dict[str, Any]]
    total: int
    truncated: bool
    filters: dict[str, list[str]]
    query: str
    params: list[Any]

    def to_dict(self) -> dict[str, Any]:
        """The table as JSON."""
        return {
            "dataset": self.dataset,
            "by": self.by,
            "rows": self.rows,
            "total": self.total,
            "truncated": self.truncated,
            "filters": self.filters,
            "query": self.query,
            "params": self.params,
        }


_MAKING = threading.Lock()
_CACHED_ROWS = 100_000
"""At most this many result rows are kept in an explorer's answer cache."""


def explorer_of(app: Any) -> Explorer:
    """The app's shared explorer over ``app.state.portal`` (made on first use)."""
    found: Explorer | None = getattr(app.state, "explorer", None)
    if found is None:
        with _MAKING:
            found = getattr(app.state, "explorer", None)
            if found is None:
                found = Explorer(app.state.portal)
                app.state.explorer = found
    return found


_PLAIN = frozenset({str, int, bool, type(None)})


def _jsonable(value: Any) -> Any:
    if type(value) in _PLAIN:
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, bytes | bytearray | memoryview):
        return None
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    return str(value)


class Explorer:
    """Queries over the published records of a portal's releases (see the module docstring)."""

    def __init__(
        self,
        portal: Portal,
        *,
        time_limit: float = 1.0,
        max_page_size: int = 1000,
        max_offset: int = 100_000,
        max_csv_rows: int = 100_000,
        max_groups: int = 1000,
        threads: int = 2,
        cache_size: int = 512,
    ) -> None:
        self.portal = portal
        self.time_limit = time_limit
        self.max_page_size = max_page_size
        self.max_offset = max_offset
        self.max_csv_rows = max_csv_rows
        self.max_groups = max_groups
        self._db = duckdb.connect(":memory:", config={"threads": threads})
        allowed = str(portal.releases_dir.resolve()).replace("'", "''") + "/"
        for statement in (
            "SET parquet_metadata_cache = true",
            f"SET allowed_directories = ['{allowed}']",
            "SET enable_external_access = false",
            "SET lock_configuration = true",
        ):
            self._db.execute(statement)
        self._cache: OrderedDict[tuple[Any, ...], tuple[list[str], list[tuple[Any, ...]]]] = (
            OrderedDict()
        )
        self._cache_size = cache_size
        self._cached_rows = 0
        self._lock = threading.Lock()

    # -- what may be asked -------------------------------------------------------------------

    def catalog(self, release: ReleaseRecord) -> Catalog:
        """The release's record-level datasets and their published fields."""
        return catalog(self.portal, release)

    def dataset(self, release: ReleaseRecord, dataset: str) -> DatasetInfo:
        """One record-level dataset of the release, or NotFoundError."""
        return self.catalog(release).dataset(dataset)

    def fields(self, release: ReleaseRecord, dataset: str) -> list[FieldInfo]:
        """The dataset's published fields (the only columns records and filters may name)."""
        return list(self.dataset(release, dataset).fields)

    def filter_fields(self, release: ReleaseRecord, dataset: str) -> list[FieldInfo]:
        """Every field a filter may name: the dataset's own, then its parent's and children's."""
        seen: set[int] = set()
        out: list[FieldInfo] = []
        for info in filter_index(self.catalog(release), dataset).values():
            if id(info) not in seen and info.filterable:
                seen.add(id(info))
                out.append(info)
        return out

    # -- answers -----------------------------------------------------------------------------

    def records(
        self,
        release: ReleaseRecord,
        dataset: str,
        *,
        filters: Mapping[str, str | Sequence[str]] | None = None,
        sort: str | None = None,
        descending: bool = False,
        page: int = 1,
        page_size: int = 100,
    ) -> RecordPage:
        """One page of records matching ``filters``, sorted, with the total and the SQL."""
        size = max(1, min(int(page_size), self.max_page_size))
        if page < 1:
            raise FilterError("page numbers start at 1")
        offset = (page - 1) * size
        if offset >= self.max_offset:
            raise FilterError(
                f"page {page} starts beyond the first {self.max_offset:,} records; download "
                "the release's data files (or the CSV export) for the rest"
            )
        query = plan(self.catalog(release), dataset, filters or {}, sort, descending=descending)
        select = f"{query.select} LIMIT {size} OFFSET {offset}"
        names, rows = self._run(select, query.params)
        count_sql = f"SELECT count(*) AS total {query.source}"
        _, counted = self._run(count_sql, query.params)
        return RecordPage(
            dataset=dataset,
            columns=names,
            rows=[dict(zip(names, row, strict=True)) for row in rows],
            total=int(counted[0][0]),
            page=page,
            page_size=size,
            sort=sort,
            descending=descending,
            filters=query.filters,
            query=select,
            params=query.shown,
            count_query=count_sql,
        )

    def counts(
        self,
        release: ReleaseRecord,
        dataset: str,
        *,
        by: Sequence[str],
        filters: Mapping[str, str | Sequence[str]] | None = None,
    ) -> CountTable:
        """Records matching ``filters`` counted by the dataset's own fields ``by`` (1 to 3)."""
        cat = self.catalog(release)
        info = cat.dataset(dataset)
        by = list(dict.fromkeys(by))
        if not 1 <= len(by) <= 3:
            raise FilterError("count by one, two or three fields")
        for name in by:
            found = info.field(name)
            if found is None or not found.sortable:
                raise FilterError(
                    f"cannot count {dataset} by {name!r}: name a published field of {dataset} "
                    "that is not a list"
                )
        query = plan(cat, dataset, filters or {}, None)
        cols = ", ".join(f't."{n}"' for n in by)
        sql = (
            f'SELECT {cols}, count(*) AS "count", sum(count(*)) OVER () AS "__total" '
            f"{query.source} GROUP BY ALL ORDER BY {cols} NULLS LAST "
            f"LIMIT {self.max_groups + 1}"
        )
        names, rows = self._run(sql, query.params)
        truncated = len(rows) > self.max_groups
        rows = rows[: self.max_groups]
        total = int(rows[0][-1]) if rows else 0
        return CountTable(
            dataset=dataset,
            by=by,
            rows=[dict(zip(names[:-1], row[:-1], strict=True)) for row in rows],
            total=total,
            truncated=truncated,
            filters=query.filters,
            query=sql,
            params=query.shown,
        )

    def stream_csv(
        self,
        release: ReleaseRecord,
        dataset: str,
        *,
        filters: Mapping[str, str | Sequence[str]] | None = None,
        sort: str | None = None,
        descending: bool = False,
        max_rows: int | None = None,
    ) -> Iterator[bytes]:
        """Matching records as CSV like the release's own files, at most ``max_csv_rows`` rows.

        Filters are checked before the first byte; the stream runs under a time limit of 30
        times ``time_limit`` and a stream cut by it ends without its last chunk (the client
        sees an incomplete transfer, never a silently short file).
        """
        info = self.dataset(release, dataset)
        query = plan(self.catalog(release), dataset, filters or {}, sort, descending=descending)
        cap = min(max_rows or self.max_csv_rows, self.max_csv_rows)
        delimiters = {f.name: f.delimiter or ";" for f in info.fields if f.type == "list"}
        return self._csv_chunks(f"{query.select} LIMIT {cap}", query.params, delimiters)

    # -- running -----------------------------------------------------------------------------

    def _run(self, sql: str, params: list[Any]) -> tuple[list[str], list[tuple[Any, ...]]]:
        key = (sql, *params)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        cursor = self._db.cursor()
        timer = threading.Timer(self.time_limit, cursor.interrupt)
        timer.start()
        try:
            cursor.execute(sql, params)
            names = [d[0] for d in cursor.description or []]
            rows = [tuple(map(_jsonable, row)) for row in cursor.fetchall()]
        except duckdb.InterruptException as exc:
            raise QueryTimeoutError(
                f"the query took longer than {self.time_limit:g} s and was stopped; narrow the "
                "filters or download the release's data files"
            ) from exc
        finally:
            timer.cancel()
            cursor.close()
        with self._lock:
            self._cache[key] = (names, rows)
            self._cached_rows += len(rows)
            while len(self._cache) > self._cache_size or self._cached_rows > _CACHED_ROWS:
                _, (_, dropped) = self._cache.popitem(last=False)
                self._cached_rows -= len(dropped)
        return names, rows

    def _csv_chunks(
        self, sql: str, params: list[Any], delimiters: dict[str, str]
    ) -> Iterator[bytes]:
        cursor = self._db.cursor()
        timer = threading.Timer(self.time_limit * 30, cursor.interrupt)
        timer.start()
        try:
            reader = cursor.sql(sql, params=params).arrow()
            header = True
            for batch in reader:
                yield csv_chunk(pl.DataFrame(pl.from_arrow(batch)), delimiters, header=header)
                header = False
            if header:
                empty = pl.DataFrame(pl.from_arrow(reader.schema.empty_table()))
                yield csv_chunk(empty, delimiters, header=header)
        except duckdb.InterruptException as exc:
            raise QueryTimeoutError("the CSV export took too long and was stopped") from exc
        finally:
            timer.cancel()
            cursor.close()
