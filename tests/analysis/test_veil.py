"""Veil of darkness: window and filter rules on hand-made stops, the model, the worked examples.

The same counts computed inside the store: ``test_veil_store.py``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openblotter.analysis import Result
from openblotter.analysis.veil import (
    aggregate,
    fit,
    natural_spline_basis,
    prepare,
    sun_table,
    veil_of_darkness,
    veil_of_darkness_dst,
)
from openblotter.errors import ConfigError
from openblotter.testing.daylight import PLACES, daylight_stops

HARTFORD = (41.76, -72.69)
TZ = "America/New_York"
WINTER, SUMMER = dt.date(2024, 12, 10), dt.date(2024, 6, 20)


def _sun(date: dt.date) -> tuple[int, int]:
    """(sunset, dusk) in whole local minutes at Hartford, as the test computes them."""
    frame = pl.DataFrame(
        {
            "date": [date],
            "time": [dt.time(0)],
            "subject_race": ["white"],
            "lat": [HARTFORD[0]],
            "lng": [HARTFORD[1]],
        }
    )
    sun = sun_table(prepare(frame, timezone=TZ))
    return int(sun["sunset_minute"][0]), int(sun["dusk_minute"][0])


def _at(minute: int) -> dt.time:
    return dt.time(minute // 60, minute % 60)


def _stops(
    rows: Sequence[tuple[dt.date | None, int | None, str | None]], **extra: list[object]
) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "date": [r[0] for r in rows],
            "time": [None if r[1] is None else _at(r[1]) for r in rows],
            "subject_race": [r[2] for r in rows],
            "lat": extra.get("lat", [HARTFORD[0]] * len(rows)),
            "lng": extra.get("lng", [HARTFORD[1]] * len(rows)),
        },
        schema_overrides={"date": pl.Date, "time": pl.Time, "lat": pl.Float64, "lng": pl.Float64},
    )


def _statuses(stops: pl.DataFrame, **kwargs: object) -> dict[str, int]:
    prepared = prepare(stops, timezone=TZ, centroid=kwargs.pop("centroid", None))  # type: ignore[arg-type]
    cells = aggregate(prepared, sun_table(prepared), **kwargs).collect()  # type: ignore[arg-type]
    return dict(cells.group_by("status").agg(pl.col("n").sum()).iter_rows())


def test_aggregate__window_twilight_and_darkness_on_hand_made_stops() -> None:
    _, w_dusk = _sun(WINTER)
    s_sunset, s_dusk = _sun(SUMMER)
    assert w_dusk < s_sunset  # the window runs from the winter dusk to the summer dusk
    stops = _stops(
        [
            (WINTER, 12 * 60, "white"),  # noon: outside the window
            (WINTER, w_dusk + 10, "black"),  # dark
            (WINTER, w_dusk - 1, "white"),  # twilight, and before the window opens
            (SUMMER, 23 * 60, "black"),  # after the latest dusk: outside
            (SUMMER, s_sunset - 60, "black"),  # light
            (SUMMER, s_sunset, "white"),  # light (at sunset, to the minute)
            (SUMMER, s_sunset + 5, "white"),  # between sunset and dusk: dropped
            (SUMMER, s_dusk, "black"),  # dark, at the window's end
            (SUMMER, s_sunset - 60, "hispanic"),  # other group
            (SUMMER, None, "white"),  # no time
            (None, s_sunset, "white"),  # no date
        ]
    )
    assert _statuses(stops) == {
        "outside-window": 3,
        "kept": 4,
        "twilight": 1,
        "other-race": 1,
        "missing-date-or-time": 2,
    }
    prepared = prepare(stops, timezone=TZ)
    kept = (
        aggregate(prepared, sun_table(prepared))
        .filter(pl.col("status") == "kept")
        .sort("minute_bin")
        .collect()
    )
    by_dark = kept.group_by("is_dark").agg(pl.col("n").sum(), pl.col("n_comparison").sum())
    totals = {row[0]: (row[1], row[2]) for row in by_dark.iter_rows()}
    assert totals == {True: (2, 2), False: (2, 1)}
    assert all(m % 5 == 0 for m in kept["minute_bin"].to_list())


def test_aggregate__window_can_open_at_the_earliest_sunset() -> None:
    w_sunset, w_dusk = _sun(WINTER)
    s_sunset, s_dusk = _sun(SUMMER)
    assert w_sunset + 3 < w_dusk < s_sunset
    # light on a summer evening, but before any dusk of the year
    stops = _stops(
        [(SUMMER, w_sunset + 3, "white"), (SUMMER, s_dusk, "black"), (WINTER, w_dusk, "black")]
    )
    assert _statuses(stops) == {"outside-window": 1, "kept": 2}
    assert _statuses(stops, window_start="sunset") == {"kept": 3}


def test_aggregate__dst_windows_keep_weeks_around_the_clock_changes() -> None:
    march = [dt.date(2024, 3, 10) + dt.timedelta(days=d) for d in (-30, -21, 0, 21, 22)]
    rows = [(d, 19 * 60, "white") for d in march] + [(WINTER, _sun(WINTER)[1] + 5, "black")]
    counts = _statuses(_stops(rows), dst_window_days=21)
    assert counts.get("outside-dst-windows", 0) + counts.get("outside-window", 0) >= 2
    prepared = prepare(_stops(rows), timezone=TZ)
    sun = sun_table(prepared)
    days = dict(zip(sun["date"].to_list(), sun["days_from_change"].to_list(), strict=True))
    assert [days[d] for d in march] == [-30, -21, 0, 21, 22]
    assert set(sun["clock_change"].to_list()) == {"forward", "back"}


def test_prepare__centroid_fills_missing_and_zero_coordinates() -> None:
    stops = _stops(
        [(SUMMER, _sun(SUMMER)[1], "white")] * 4,
        lat=[41.76, None, 0.0, 95.0],
        lng=[-72.69, -72.69, 0.0, -72.69],
    )
    prepared = prepare(stops, timezone=TZ, centroid=(41.0, -73.0)).collect()
    assert prepared["used_centroid"].to_list() == [False, True, True, True]
    assert prepared["lat_cell"].to_list() == [418, 410, 410, 410]
    assert prepared["lng_cell"].to_list() == [-727, -730, -730, -730]
    no_centroid = prepare(stops, timezone=TZ).collect()
    assert no_centroid["lat_cell"].null_count() == 3
    assert _statuses(stops) == {"missing-coordinates": 3, "kept": 1}


def test_prepare__reads_text_dates_and_times_and_checks_columns() -> None:
    stops = pl.DataFrame(
        {
            "date": ["2024-06-20", "bad"],
            "time": ["20:15", "20:15:30"],
            "subject_race": ["white"] * 2,
        }
    )
    out = prepare(stops, timezone=TZ, centroid=HARTFORD).collect()
    assert out["minute"].to_list() == [20 * 60 + 15] * 2
    assert out["date"].to_list() == [SUMMER, None]
    with pytest.raises(ConfigError, match="district"):
        prepare(stops, timezone=TZ, location="district")
    with pytest.raises(ConfigError):
        prepare(stops.drop("time"), timezone=TZ)
    with pytest.raises(ConfigError):
        prepare(stops, timezone=TZ, timezone_column="tz")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"comparison": "purple"},
        {"comparison": "white"},
        {"spline_df": 0},
        {"bin_minutes": 0},
        {"level": 1.0},
        {"window_start": "noon"},
    ],
)
def test_veil_of_darkness__bad_arguments_are_config_errors(kwargs: dict[str, object]) -> None:
    stops = daylight_stops(200, seed=0)
    with pytest.raises(ConfigError):
        veil_of_darkness(stops, timezone_column="timezone", **kwargs)  # type: ignore[arg-type]


def test_veil_of_darkness_dst__bad_window_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        veil_of_darkness_dst(daylight_stops(10, seed=0), timezone_column="timezone", window_days=0)


def test_veil_of_darkness__result_shape_and_json() -> None:
    stops = daylight_stops(20_000, seed=3, dark_odds_ratio=0.8)
    result = veil_of_darkness(
        stops, timezone_column="timezone", location="district", provenance={"batch": "synthetic"}
    )
    assert isinstance(result, Result)
    assert result.method == "veil-of-darkness"
    quantities = [e.quantity for e in result.estimates]
    assert quantities == ["dark_coefficient", "dark_odds_ratio", "share_light", "share_dark"]
    coef, odds = result.estimates[0], result.estimates[1]
    assert coef.value is not None
    assert odds.value is not None
    assert coef.interval
    assert odds.interval
    assert odds.value == pytest.approx(np.exp(coef.value))
    assert odds.interval == pytest.approx(tuple(np.exp(coef.interval)))
    assert coef.labels == {"group": "black", "reference_group": "white", "variant": "full-year"}
    assert coef.n == sum(e.n or 0 for e in result.estimates[2:])
    assert result.provenance == {"batch": "synthetic"}
    assert result.diagnostics["converged"] == 1.0
    assert any("inter" in f or "earliest" in f for f in result.filters)
    json.dumps(result.to_dict())
    assert len(result.rows()) == 4


def test_fit__one_group_locations_are_set_aside_and_unidentified_gives_none() -> None:
    cells = pl.DataFrame(
        {
            "location": ["a", "a", "a", "a", "b", "b"],
            "is_dark": [True, False, True, False, True, False],
            "minute_bin": [1100, 1100, 1200, 1200, 1100, 1200],
            "n": [50, 60, 70, 40, 30, 30],
            "n_comparison": [10, 20, 15, 12, 0, 0],
        }
    )
    result = fit(cells, spline_df=2)
    assert result.diagnostics["locations_dropped_one_group"] == 1
    assert result.estimates[0].n == 220
    all_dark = cells.filter(pl.col("is_dark"))
    empty = fit(all_dark)
    assert empty.estimates[0].value is None
    assert "cannot be estimated" in empty.caveats[0]


def test_fit__matches_statsmodels_on_the_same_counts() -> None:
    sm = pytest.importorskip("statsmodels.api")
    stops = daylight_stops(30_000, seed=11, dark_odds_ratio=0.85)
    prepared = prepare(stops, timezone_column="timezone", location="district")
    cells = aggregate(prepared, sun_table(prepared)).filter(pl.col("status") == "kept").collect()
    ours = fit(cells, knots="cells")
    knots = np.array([float(k) for k in str(ours.diagnostics["knots"]).split(",")])
    x = cells["minute_bin"].to_numpy().astype(float)
    loc = cells["location"].to_dummies(drop_first=True).to_numpy().astype(float)
    design = np.column_stack(
        [
            np.ones(cells.height),
            cells["is_dark"].to_numpy().astype(float),
            natural_spline_basis(x, knots),
            loc,
        ]
    )
    y, n = cells["n_comparison"].to_numpy(), cells["n"].to_numpy()
    model = sm.GLM(np.column_stack([y, n - y]), design, family=sm.families.Binomial()).fit()
    assert ours.estimates[0].value == pytest.approx(model.params[1], abs=1e-6)
    assert ours.estimates[0].extra["std_error"] == pytest.approx(model.bse[1], rel=1e-6)


def test_fit__row_level_logit_with_another_spline_basis_gives_the_same_effect() -> None:
    sm = pytest.importorskip("statsmodels.api")
    patsy = pytest.importorskip("patsy")
    stops = daylight_stops(8_000, seed=12, dark_odds_ratio=0.8, places=PLACES[:1])
    prepared = prepare(stops, timezone_column="timezone", location="district")
    cells = aggregate(prepared, sun_table(prepared)).filter(pl.col("status") == "kept").collect()
    ours = fit(cells)  # knots at the stops' quantiles, as a row-level model would have them
    knots = [float(k) for k in str(ours.diagnostics["knots"]).split(",")]
    rows = (
        cells.select(pl.exclude("n"))
        .with_columns(pl.int_ranges(0, cells["n"]).alias("i"))
        .explode("i")
        .with_columns((pl.col("i") < pl.col("n_comparison")).cast(pl.Int8).alias("y"))
    )
    data = {
        "y": rows["y"].to_numpy(),
        "dark": rows["is_dark"].to_numpy().astype(float),
        "minute": rows["minute_bin"].to_numpy().astype(float),
        "location": rows["location"].to_list(),
    }
    spline = (
        f"cr(minute, knots={knots[1:-1]}, lower_bound={knots[0]}, upper_bound={knots[-1]}, "
        "constraints='center')"
    )
    y, x = patsy.dmatrices(f"y ~ dark + {spline} + C(location)", data)
    row_level = sm.GLM(y, x, family=sm.families.Binomial()).fit()
    dark = x.design_info.column_names.index("dark")
    assert ours.estimates[0].value == pytest.approx(row_level.params[dark], abs=1e-6)
    assert ours.estimates[0].extra["std_error"] == pytest.approx(row_level.bse[dark], rel=1e-5)


def test_natural_spline_basis__is_linear_beyond_the_boundary_knots() -> None:
    knots = np.array([0.0, 2.0, 5.0, 7.0, 10.0])
    x = np.linspace(10.0, 20.0, 11)
    basis = natural_spline_basis(x, knots)
    assert basis.shape == (11, 4)
    assert np.allclose(np.diff(basis, n=2, axis=0), 0.0, atol=1e-9)
    inside = natural_spline_basis(np.linspace(0, 10, 101), knots)
    assert np.linalg.matrix_rank(np.column_stack([np.ones(101), inside])) == 5


def test_fit__worked_example_by_hand() -> None:
    """docs/methods/veil-of-darkness.md, "By hand": a 2x2 table."""
    cells = pl.DataFrame(
        {
            "location": ["all", "all"],
            "is_dark": [False, True],
            "minute_bin": [1200, 1200],
            "n": [1000, 1000],
            "n_comparison": [300, 240],
        }
    )
    coef, odds, light, dark = fit(cells).estimates
    assert odds.value == pytest.approx((240 / 760) / (300 / 700), rel=1e-9)
    assert coef.extra["std_error"] == pytest.approx(
        np.sqrt(1 / 240 + 1 / 760 + 1 / 300 + 1 / 700), rel=1e-7
    )
    assert odds.interval == pytest.approx((0.6043, 0.8985), abs=1e-4)
    assert (light.value, dark.value) == (0.3, 0.24)


def test_veil_of_darkness__worked_example_on_a_synthetic_agency() -> None:
    """docs/methods/veil-of-darkness.md, "Synthetic agency"."""
    stops = daylight_stops(60_000, seed=2024, dark_odds_ratio=0.8)
    full = veil_of_darkness(stops, timezone_column="timezone", location="district")
    odds = full.estimates[1]
    assert odds.value == pytest.approx(0.780, abs=5e-4)
    assert odds.interval == pytest.approx((0.722, 0.841), abs=5e-4)
    assert odds.n == 19_184
    assert full.diagnostics["cells"] == 799
    assert "8898 others" in full.filters[1]
    dst = veil_of_darkness_dst(stops, timezone_column="timezone", location="district")
    assert dst.estimates[1].value == pytest.approx(0.838, abs=5e-4)
    assert dst.estimates[1].interval == pytest.approx((0.669, 1.051), abs=5e-4)
    assert dst.estimates[1].n == 4_499


@settings(max_examples=15, deadline=None)
@given(
    n=st.integers(0, 400),
    seed=st.integers(0, 10_000),
    missing=st.sampled_from([0.0, 0.3, 1.0]),
    dst=st.sampled_from([None, 10]),
)
def test_aggregate__every_stop_lands_in_exactly_one_row(
    n: int, seed: int, missing: float, dst: int | None
) -> None:
    stops = daylight_stops(n, seed=seed, missing_coordinates=missing)
    prepared = prepare(stops, timezone_column="timezone", location="district")
    cells = aggregate(prepared, sun_table(prepared), dst_window_days=dst).collect()
    assert int(cells["n"].sum()) == n
    kept = cells.filter(pl.col("status") == "kept")
    assert kept["is_dark"].null_count() == 0
    assert cells.filter(pl.col("status") != "kept")["minute_bin"].null_count() == (
        cells.height - kept.height
    )
    assert (cells["n_comparison"] <= cells["n"]).all()


def test_veil_of_darkness__empty_and_one_group_inputs_are_not_errors() -> None:
    empty = daylight_stops(0, seed=1)
    result = veil_of_darkness(empty, timezone_column="timezone")
    assert result.estimates[0].value is None
    whites = daylight_stops(2_000, seed=1).filter(pl.col("subject_race") == "white")
    result = veil_of_darkness(whites, timezone_column="timezone", location="district")
    assert result.estimates[0].value is None
    assert result.diagnostics["locations_dropped_one_group"] == 9


def test_veil_of_darkness__one_spline_per_location() -> None:
    stops = daylight_stops(40_000, seed=5, dark_odds_ratio=0.75)
    shared = veil_of_darkness(stops, timezone_column="timezone", location="district")
    own = veil_of_darkness(
        stops, timezone_column="timezone", location="district", interact_time_location=True
    )
    assert own.diagnostics["aliased_columns"] == 0.0
    assert own.estimates[1].interval is not None
    assert own.estimates[1].interval[0] < 0.75 < own.estimates[1].interval[1]
    assert float(own.diagnostics["df_residual"]) < float(shared.diagnostics["df_residual"]) - 40
