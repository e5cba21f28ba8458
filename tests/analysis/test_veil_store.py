"""Veil of darkness counted inside the store: the same counts and result as the in-memory test."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import ibis
import polars as pl
import pytest

from openblotter.analysis import source
from openblotter.analysis.veil import veil_of_darkness
from openblotter.analysis.veil_counts import cells_expr, merge_cells, places_expr, windows
from openblotter.analysis.veil_data import aggregate, prepare, sun_table
from openblotter.analysis.veil_store import veil_of_darkness_store
from openblotter.errors import ConfigError
from openblotter.schema.frames import frame_schema
from openblotter.testing.daylight import Place, daylight_stops
from openblotter.testing.storefill import SYNTHETIC_AGENCY, load_frames

if TYPE_CHECKING:
    from pathlib import Path

    from openblotter.analysis.result import Result
    from openblotter.schema import Standard
    from openblotter.storage import Store

AGENCY = SYNTHETIC_AGENCY.slug
TZ = SYNTHETIC_AGENCY.timezone or ""
PLACES = (
    Place("Eastport", 41.76, -72.69, TZ),
    Place("Southport", 39.29, -76.61, TZ),  # another latitude: other sun times, same zone
)
CENTROID = (40.5, -74.6)
COLUMNS = ["date", "time", "lat", "lng", "subject_race", "district"]


def _frames(stops: pl.DataFrame) -> dict[str, pl.DataFrame]:
    ids = pl.Series("stop_id", [f"s{i:06d}" for i in range(stops.height)])
    return {
        "stops": stops.select("date", "time", "lat", "lng", "district").with_columns(ids),
        "stop_subjects": stops.select("subject_race").with_columns(ids, subject_seq=pl.lit(1)),
    }


def _planted(n: int, seed: int, **kwargs: Any) -> pl.DataFrame:
    return daylight_stops(n, seed=seed, dark_odds_ratio=0.8, places=PLACES, **kwargs)


def _load(
    store: Store, standard: Standard, stops: pl.DataFrame, tmp_path: Path, *, centroid: bool
) -> None:
    agency = SYNTHETIC_AGENCY
    if centroid:
        agency = agency.model_copy(update={"centroid": {"lat": CENTROID[0], "lng": CENTROID[1]}})
    load_frames(store, standard, _frames(stops), tmp_path, agency=agency)


def _in_memory(store: Store, centroid: tuple[float, float] | None, **kwargs: Any) -> Result:
    with store.snapshot() as tx:
        stops = source.run(source.subject_stops(AGENCY).select(*COLUMNS), tx)
    return veil_of_darkness(
        stops, timezone=TZ, centroid=centroid, location="district", provenance={}, **kwargs
    )


def _same(ours: Result, theirs: Result) -> None:
    assert ours.estimates == theirs.estimates
    assert ours.filters == theirs.filters
    assert ours.summary == theirs.summary
    assert set(theirs.caveats) <= set(ours.caveats)
    assert {k: v for k, v in ours.diagnostics.items() if k != "sun_table_rows"} == {
        k: v for k, v in theirs.diagnostics.items() if k != "sun_table_rows"
    }


def test_veil_of_darkness_store__same_result_as_in_memory(
    store: Store, standard: Standard, tmp_path: Path
) -> None:
    stops = _planted(6_000, seed=1, missing_coordinates=0.1)
    _load(store, standard, stops, tmp_path, centroid=True)
    with store.snapshot() as tx:
        full = veil_of_darkness_store(tx, AGENCY, location="district")
        dst = veil_of_darkness_store(tx, AGENCY, location="district", dst=True)
        sunset = veil_of_darkness_store(tx, AGENCY, location="district", window_start="sunset")
        everywhere = veil_of_darkness_store(tx, AGENCY, bin_minutes=10, spline_df=4)
        batches = source.provenance(tx, AGENCY, ["stops", "stop_subjects"])
    _same(full, _in_memory(store, CENTROID))
    _same(dst, _in_memory(store, CENTROID, dst_window_days=21))
    _same(sunset, _in_memory(store, CENTROID, window_start="sunset"))
    with store.snapshot() as tx:
        stops = source.run(source.subject_stops(AGENCY).select(*COLUMNS), tx)
    _same(
        everywhere,
        veil_of_darkness(
            stops, timezone=TZ, centroid=CENTROID, provenance={}, bin_minutes=10, spline_df=4
        ),
    )
    assert full.provenance == batches
    assert full.estimates[1].value is not None
    assert any("agency centroid" in c for c in full.caveats)
    assert dst.estimates[0].labels["variant"] == "dst"


def test_veil_of_darkness_store__a_window_set_by_other_groups_is_counted_again(
    store: Store, standard: Standard, tmp_path: Path
) -> None:
    """A stop of another group, alone on the year's latest dusk, must not widen the window."""
    stops = _planted(3_000, seed=2)
    far = stops.head(1).with_columns(
        date=pl.lit(dt.date(2023, 6, 21)),
        lat=pl.lit(47.6),  # far north: a dusk later than any of the others
        lng=pl.lit(-68.3),
        subject_race=pl.lit("hispanic"),
    )
    stops = pl.concat([stops, far])
    _load(store, standard, stops, tmp_path, centroid=False)
    with store.snapshot() as tx:
        ours = veil_of_darkness_store(tx, AGENCY, location="district")
        places = source.run(places_expr(AGENCY, location="district", centroid=None), tx)
    theirs = _in_memory(store, None)
    _same(ours, theirs)
    sun = sun_table(places.with_columns(pl.lit(TZ).alias("tz")))
    everyone = windows(places, sun, window_start="dusk")
    district = far["district"][0]
    widest = everyone.filter(pl.col("location") == district)["hi"][0]
    assert widest > 21 * 60 + 10  # the far stop's dusk did set the all-stops window


def test_veil_of_darkness_store__no_centroid_uses_the_stops_mean(
    store: Store, standard: Standard, tmp_path: Path
) -> None:
    stops = _planted(3_000, seed=3, missing_coordinates=0.2)
    _load(store, standard, stops, tmp_path, centroid=False)
    mean = stops.select(pl.col("lat").mean(), pl.col("lng").mean()).row(0)
    with store.snapshot() as tx:
        ours = veil_of_darkness_store(tx, AGENCY, location="district")
    theirs = _in_memory(store, (mean[0], mean[1]))
    assert ours.estimates[1].value == pytest.approx(theirs.estimates[1].value, rel=1e-9)
    assert ours.estimates[1].n == theirs.estimates[1].n
    assert any("mean of the other stops" in c for c in ours.caveats)


def test_veil_of_darkness_store__refuses_bad_options(
    store: Store, standard: Standard, tmp_path: Path
) -> None:
    _load(store, standard, _planted(50, seed=4), tmp_path, centroid=False)
    with store.snapshot() as tx:
        with pytest.raises(ConfigError, match="location"):
            veil_of_darkness_store(tx, AGENCY, location="subject_race")
        with pytest.raises(ConfigError, match="comparison"):
            veil_of_darkness_store(tx, AGENCY, comparison="purple")
        with pytest.raises(ConfigError, match="no agency"):
            veil_of_darkness_store(tx, "zz_nowhere_pd")


def _standard_frame(frame: pl.DataFrame, dataset: str, standard: Standard) -> pl.DataFrame:
    schema = frame_schema(standard.schema(dataset))
    absent = [n for n in schema if n not in frame.columns and n != "agency_slug"]
    missing = [pl.lit(None, dtype=schema[n]).alias(n) for n in absent]
    full = frame.with_columns(*missing, agency_slug=pl.lit(AGENCY))
    return full.select(list(schema)).cast(schema)  # type: ignore[arg-type]


def test_cells_expr__same_counts_on_the_polars_backend(standard: Standard) -> None:
    """The aggregation is one Ibis expression: Polars runs it and agrees with ``aggregate``."""
    stops = _planted(4_000, seed=5, missing_coordinates=0.05)
    frames = _frames(stops)
    prepared = prepare(stops, timezone=TZ, centroid=CENTROID, location="district").collect()
    sun = sun_table(prepared)
    lookup = sun.filter(pl.col("dusk_minute").is_not_null()).with_columns(
        pl.concat_str(pl.col("clock_change"), pl.lit("-"), pl.col("change_year")).alias("period")
    )
    places = prepared.select("location", "date", "lat_cell", "lng_cell").unique()
    bounds = windows(
        places.with_columns(pl.col("location").cast(pl.String)), lookup, window_start="dusk"
    )
    backend = ibis.polars.connect()
    for dataset, frame in frames.items():
        backend.create_table(dataset, _standard_frame(frame, dataset, standard))
    keys = ["status", "location", "period", "is_dark", "minute_bin"]
    for dst in (None, 21):
        expr = cells_expr(
            AGENCY, lookup, bounds, location="district", centroid=CENTROID, dst_window_days=dst
        )
        theirs = merge_cells(source.run_on(expr, backend)).drop("eligible_lo", "eligible_hi")
        ours = aggregate(prepared, sun, dst_window_days=dst).collect()
        ours = ours.with_columns(pl.col("location").cast(pl.String))
        theirs = theirs.select(ours.columns).cast(ours.schema)
        assert ours.sort(keys, nulls_last=True).equals(theirs.sort(keys, nulls_last=True))


def test_run_with_values__quotes_text_and_survives_placeholder_characters(
    store: Store,
) -> None:
    from openblotter.analysis.inline import run_with_values

    names = pl.DataFrame(
        {
            "name": ["O'Brien 50% ?", None, "tab\tand\x1fseparator"],
            "day": [dt.date(2024, 2, 29), None, dt.date(2000, 1, 1)],
            "k": [1, 2, None],
            "flag": [True, None, False],
        }
    )
    expr = ibis.memtable(names).mutate(one=ibis.literal(1))
    with store.snapshot() as tx:
        back = run_with_values(expr, tx)
        empty = run_with_values(ibis.memtable(names.head(0)), tx)
        nulls = run_with_values(ibis.memtable(names.slice(1, 1)), tx)
    assert back.drop("one").sort("k", nulls_last=True).equals(names)
    assert nulls.equals(names.slice(1, 1))
    assert empty.is_empty()
    assert empty.schema == names.schema
