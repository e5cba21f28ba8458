"""The record explorer over a real release: filters agree with Polars on the release's own
Parquet files, sorting and paging are stable, limits hold, and bad requests are refused."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import duckdb
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openblotter.web.explorer import Explorer, FilterError, QueryTimeoutError
from openblotter.web.portal import Portal
from tests.web.api_release import publish_on_duckdb

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from openblotter.publish.registry import ReleaseRecord
    from openblotter.schema import Standard

RACES = ["white", "black", "hispanic", "asian/pacific islander"]


@pytest.fixture(scope="module")
def world(
    standard: Standard, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Explorer, ReleaseRecord, Path]]:
    store, record, data_dir = publish_on_duckdb(standard, tmp_path_factory.mktemp("explorer"))
    explorer = Explorer(Portal(store, data_dir), max_page_size=50)
    yield explorer, record, data_dir / record.path
    store.close()


def _frames(folder: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    return (
        pl.read_parquet(folder / "data" / "stops.parquet"),
        pl.read_parquet(folder / "data" / "stop_subjects.parquet"),
    )


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    races=st.lists(st.sampled_from(RACES), max_size=3, unique=True),
    districts=st.lists(st.sampled_from(["D0", "D1", "D2", "D9"]), max_size=2, unique=True),
    searched=st.sampled_from([None, "true", "false"]),
    start=st.dates(dt.date(2019, 12, 1), dt.date(2021, 1, 1)),
    days=st.integers(0, 400),
)
def test_explorer__filters_agree_with_polars(
    world: tuple[Explorer, ReleaseRecord, Path],
    races: list[str],
    districts: list[str],
    searched: str | None,
    start: dt.date,
    days: int,
) -> None:
    explorer, record, folder = world
    stops, subjects = _frames(folder)
    end = start + dt.timedelta(days=days)
    filters: dict[str, Any] = {"date_from": start.isoformat(), "date_to": end.isoformat()}
    keep = stops.filter(pl.col("date").is_between(start, end))
    want = subjects
    if races:
        filters["subject_race"] = races
        want = want.filter(pl.col("subject_race").is_in(races))
    if districts:
        filters["district"] = districts
        keep = keep.filter(pl.col("district").is_in(districts))
    if searched is not None:
        filters["search_conducted"] = searched
        want = want.filter(pl.col("search_conducted") == (searched == "true"))
    want = want.join(keep.select("agency_slug", "stop_id"), on=["agency_slug", "stop_id"])
    page = explorer.records(record, "stop_subjects", filters=filters, page_size=50)
    assert page.total == want.height
    assert sorted(r["stop_id"] for r in page.rows) == sorted(want["stop_id"].to_list())[:50]
    counts = explorer.counts(record, "stop_subjects", by=["subject_race"], filters=filters)
    assert sum(r["count"] for r in counts.rows) == want.height
    assert counts.total == want.height


@pytest.mark.parametrize("field", ["date", "lat", "district", "stop_id", "time"])
@pytest.mark.parametrize("descending", [False, True])
def test_explorer__sorts_nulls_last_then_by_key(
    world: tuple[Explorer, ReleaseRecord, Path], field: str, descending: bool
) -> None:
    explorer, record, folder = world
    stops, _ = _frames(folder)
    rows: list[dict[str, Any]] = []
    for page in (1, 2):
        rows += explorer.records(
            record, "stops", sort=field, descending=descending, page=page, page_size=50
        ).rows
    want = stops.sort(
        [field, "agency_slug", "stop_id"],
        descending=[descending, False, False],
        nulls_last=True,
    )
    assert [r["stop_id"] for r in rows] == want["stop_id"].to_list()


def test_explorer__page_size_and_offset_are_capped(
    world: tuple[Explorer, ReleaseRecord, Path],
) -> None:
    explorer, record, _ = world
    page = explorer.records(record, "stops", page_size=10_000)
    assert page.page_size == 50
    assert len(page.rows) == 50
    assert page.pages == 2
    small = Explorer(explorer.portal, max_page_size=5, max_offset=20)
    assert len(small.records(record, "stops", page=4, page_size=5).rows) == 5
    with pytest.raises(FilterError, match="beyond the first 20 records"):
        small.records(record, "stops", page=5, page_size=5)
    with pytest.raises(FilterError, match="start at 1"):
        small.records(record, "stops", page=0)
    groups = Explorer(explorer.portal, max_groups=2).counts(record, "stops", by=["stop_id"])
    assert groups.truncated
    assert len(groups.rows) == 2


def test_explorer__list_numeric_and_related_filters(
    world: tuple[Explorer, ReleaseRecord, Path],
) -> None:
    explorer, record, folder = world
    stops, subjects = _frames(folder)
    both = explorer.records(record, "stops", filters={"violation": ["equipment"]})
    assert both.total == stops.filter(pl.col("violation").list.contains("equipment")).height
    north = explorer.records(record, "stops", filters={"lat_min": "34.06", "lat_max": "34.1"})
    assert north.total == stops.filter(pl.col("lat").is_between(34.06, 34.1)).height
    blank = explorer.records(record, "stops", filters={"district": ["", "  "]})
    assert blank.total == 90
    assert blank.filters == {}
    black = explorer.records(record, "stops", filters={"stop_subjects.subject_race": "black"})
    assert black.total == subjects.filter(pl.col("subject_race") == "black").height
    keys = {f.key for f in explorer.filter_fields(record, "stops")}
    assert {"subject_race", "district", "subject_age"} <= keys
    assert not any(k.endswith(".stop_id") for k in keys)


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"victim_name": "x"}, "unknown filter 'victim_name'"),
        ({"subject_first_name": "Maria"}, "unknown filter"),
        ({"subject_race": "martian"}, "not one of its codes"),
        ({"search_conducted": "perhaps"}, "not true or false"),
        ({"date_from": "01/02/2020"}, "not a date"),
        ({"lat_min": "north"}, "not a number"),
        ({"subject_race_min": "a"}, "takes no _min range"),
        ({"date_from": ["2020-01-01", "2020-02-01"]}, "takes one value"),
        ({"subject_race": ["black"] * 101}, "more than 100 values"),
        ({"district": "x" * 201}, "longer than 200"),
        ({f"k{i}": "1" for i in range(25)}, "at most 24 filters"),
    ],
)
def test_explorer__refuses_what_the_schema_does_not_allow(
    world: tuple[Explorer, ReleaseRecord, Path], filters: dict[str, Any], message: str
) -> None:
    explorer, record, _ = world
    with pytest.raises(FilterError, match=message):
        explorer.records(record, "stop_subjects", filters=filters)


def test_explorer__refuses_bad_sorts_counts_and_undated_ranges(
    world: tuple[Explorer, ReleaseRecord, Path],
) -> None:
    explorer, record, _ = world
    for sort in ("violation", "nope", 'date" DESC; --', "subject_race"):
        with pytest.raises(FilterError, match="cannot sort"):
            explorer.records(record, "stops", sort=sort)
    with pytest.raises(FilterError, match="no date to filter by"):
        explorer.records(record, "agencies", filters={"date_from": "2020-01-01"})
    with pytest.raises(FilterError, match="one, two or three"):
        explorer.counts(record, "stops", by=["district", "type", "date", "time"])
    with pytest.raises(FilterError, match="cannot count"):
        explorer.counts(record, "stops", by=["violation"])


def test_explorer__shows_a_query_that_reruns_on_the_release(
    world: tuple[Explorer, ReleaseRecord, Path],
) -> None:
    explorer, record, folder = world
    page = explorer.records(
        record,
        "stop_subjects",
        filters={"subject_race": ["black", "white"], "district": "D1"},
        sort="subject_age",
        page_size=7,
    )
    assert "?" in page.query
    assert "black" not in page.query
    assert page.params[0] == "data/stop_subjects.parquet"
    params = [str(folder / p) if str(p).startswith("data/") else p for p in page.params]
    again = duckdb.connect().execute(page.query, params).fetchall()
    assert [list(r) for r in again][:7] == [list(r.values()) for r in page.rows]


def test_explorer__reads_nothing_outside_the_releases(
    world: tuple[Explorer, ReleaseRecord, Path],
) -> None:
    explorer, _, folder = world
    outside = folder.parents[2] / "blotter.duckdb"
    assert outside.exists()
    for sql in (
        "SELECT * FROM read_csv('/etc/passwd')",
        f"SELECT * FROM read_parquet('{folder}/../../../blotter.duckdb')",
        "SET enable_external_access = true",
    ):
        with pytest.raises(duckdb.Error):
            explorer._db.cursor().execute(sql)


def test_explorer__interrupts_a_query_past_its_time_limit(
    world: tuple[Explorer, ReleaseRecord, Path],
) -> None:
    explorer, _, _ = world
    quick = Explorer(explorer.portal, time_limit=0.2)
    with pytest.raises(QueryTimeoutError, match=r"longer than 0\.2 s"):
        quick._run("SELECT count(*) FROM range(100000000000) AS a", [])
    assert quick._run("SELECT 42", []) == (["42"], [(42,)])
