"""Veil-of-darkness benchmark: sun times + aggregation + fit on 10 million stops, against pandas.

Generates synthetic stops (``openblotter.testing.daylight``, three places, one year, a planted
darkness odds ratio of 0.8), then measures, in one process and one run:

- OpenBlotter: ``prepare`` (clock minute, coordinate cells, centroid fallback), ``sun_table``
  (sunset, dusk and clock changes once per distinct date and place), ``aggregate`` (the join,
  the inter-twilight window, the filters and the GROUP BY, in polars), ``fit`` (the GLM on the
  counts), and the end-to-end ``veil_of_darkness`` call;
- the same aggregation written plainly in pandas (merge, groupby-transform for the window,
  ``np.select`` for the filters, groupby-agg), given the same sun table, checked to produce
  the same counts, once on text columns and once on ``category`` columns (OpenBlotter casts to
  categoricals); the ratios are pandas' time over OpenBlotter's prepare + aggregate;
- for scale, the numpy sun-time computation on 1 million stops one by one (no deduplication),
  projected to all rows.

JSON on stdout and in ``benchmarks/results/veil-<date>.json``. Machines here are noisy (2 cores):
read the ratios, not the absolute numbers. Needs pandas (``pip install pandas``), which is not a
dependency of OpenBlotter.

    .venv/bin/python benchmarks/veil.py                   # 10,000,000 stops
    .venv/bin/python benchmarks/veil.py --rows 1000000
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped]
import polars as pl

from openblotter.analysis.solar import sun_times
from openblotter.analysis.veil import (
    aggregate,
    fit,
    prepare,
    sun_table,
    veil_of_darkness,
)
from openblotter.testing.daylight import daylight_stops

KEYS = ["status", "location", "period", "is_dark", "minute_bin"]


def pandas_aggregate(
    stops: pd.DataFrame, sun: pd.DataFrame, *, categorical: bool = False
) -> pd.DataFrame:
    """The aggregate() chain, written as one would in pandas (full-year variant, black/white).

    ``categorical`` first casts the text columns to ``category``, as OpenBlotter's ``prepare``
    casts them to polars categoricals (the cast is timed in both).
    """
    if categorical:
        stops = stops.astype(
            {"timezone": "category", "district": "category", "subject_race": "category"}
        )
        sun = sun.assign(tz=pd.Categorical(sun["tz"], categories=stops["timezone"].cat.categories))
    minute = stops["time"] // pd.Timedelta(minutes=1)
    lat, lng = stops["lat"], stops["lng"]
    own = lat.notna() & lng.notna() & (lat.abs() <= 90) & (lng.abs() <= 180)
    own &= ~((lat == 0) & (lng == 0))
    frame = pd.DataFrame(
        {
            "date": stops["date"],
            "minute": minute.astype("Int32"),
            "lat_cell": np.round(lat.where(own) * 10).astype("Int32"),
            "lng_cell": np.round(lng.where(own) * 10).astype("Int32"),
            "used_centroid": ~own,
            "tz": stops["timezone"],
            "location": stops["district"],
            "subject_race": stops["subject_race"],
        }
    )
    merged = frame.merge(sun, on=["date", "lat_cell", "lng_cell", "tz"], how="left")
    race = merged["subject_race"]
    eligible = (
        race.isin(["black", "white"])
        & merged["location"].notna()
        & merged["sunset_minute"].notna()
        & merged["dusk_minute"].notna()
    )
    dusk = merged["dusk_minute"].where(eligible)
    merged["window_lo"] = dusk.groupby(merged["location"]).transform("min")
    merged["window_hi"] = dusk.groupby(merged["location"]).transform("max")
    m, sunset, dusk_all = merged["minute"], merged["sunset_minute"], merged["dusk_minute"]
    conditions = [
        merged["date"].isna() | m.isna(),
        race.isna() | ~race.isin(["black", "white"]),
        merged["location"].isna(),
        merged["lat_cell"].isna() | merged["lng_cell"].isna(),
        sunset.isna() | dusk_all.isna(),
        (m < merged["window_lo"]) | (m > merged["window_hi"]),
        (m > sunset) & (m < dusk_all),
    ]
    labels = [
        "missing-date-or-time",
        "other-race",
        "missing-location",
        "missing-coordinates",
        "no-sun-times",
        "outside-window",
        "twilight",
    ]
    filled = [c.fillna(value=False).astype(bool) for c in conditions]
    merged["status"] = np.select(filled, labels, default="kept")
    kept = merged["status"] == "kept"
    merged["period"] = None
    merged["is_dark"] = (m >= dusk_all).where(kept)
    merged["minute_bin"] = ((m + 2) // 5 * 5).where(kept)
    merged["is_comparison"] = race == "black"
    return (
        merged.groupby(KEYS, dropna=False, observed=True)
        .agg(
            n=("status", "size"),
            n_comparison=("is_comparison", "sum"),
            n_centroid=("used_centroid", "sum"),
        )
        .reset_index()
    )


def timed(label: str, func: Any, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    start = time.perf_counter()
    out = func(*args, **kwargs)
    seconds = time.perf_counter() - start
    print(f"  {label:<40} {seconds:8.2f} s", flush=True)
    return out, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args()
    today = dt.datetime.now(dt.UTC).date().isoformat()

    print(f"generating {args.rows:,} stops", flush=True)
    stops, generate_s = timed(
        "generate (not compared)", daylight_stops, args.rows, seed=args.seed, dark_odds_ratio=0.8
    )

    print("OpenBlotter (polars + numpy)", flush=True)
    prepared, prepare_s = timed(
        "prepare", lambda: prepare(stops, timezone_column="timezone", location="district").collect()
    )
    sun, sun_s = timed("sun_table (distinct date-places)", sun_table, prepared)
    cells, aggregate_s = timed(
        "aggregate (join, window, GROUP BY)", lambda: aggregate(prepared, sun).collect()
    )
    result, fit_s = timed("fit (GLM on the counts)", fit, cells)
    end_to_end, end_to_end_s = timed(
        "veil_of_darkness end to end",
        veil_of_darkness,
        stops,
        timezone_column="timezone",
        location="district",
    )
    if end_to_end.estimates[0].value != result.estimates[0].value:
        raise SystemExit("end-to-end and step-by-step estimates differ")

    print("pandas", flush=True)
    # pandas has no time-of-day type: hand it timedeltas since midnight (not timed)
    stops_pd = stops.with_columns(pl.col("time").cast(pl.Int64)).to_pandas()
    stops_pd["time"] = pd.to_timedelta(stops_pd["time"], unit="ns")
    sun_pd = sun.to_pandas()
    theirs, pandas_s = timed("pandas aggregate (same steps)", pandas_aggregate, stops_pd, sun_pd)
    theirs_cat, pandas_cat_s = timed(
        "pandas aggregate, category dtypes",
        pandas_aggregate,
        stops_pd,
        sun_pd,
        categorical=True,
    )
    ours = cells.sort(KEYS, nulls_last=True)
    same = all(
        ours.equals(
            pl.from_pandas(frame.astype({"location": str}))
            .with_columns(pl.col("period").cast(pl.String))
            .select(ours.columns)
            .cast(ours.schema)
            .sort(KEYS, nulls_last=True)
        )
        for frame in (theirs, theirs_cat)
    )
    print(f"  pandas counts equal OpenBlotter's: {same}", flush=True)

    sample = min(args.rows, 1_000_000)
    head = stops.head(sample)
    _, per_row_s = timed(
        f"sun times per stop, no dedup ({sample:,})",
        lambda: [
            sun_times(
                part["date"].to_numpy(),
                part["lat"].to_numpy(),
                part["lng"].to_numpy(),
                timezone=str(part["timezone"][0]),
            )
            for part in head.partition_by("timezone")
        ],
    )
    coefficient, odds = result.estimates[0], result.estimates[1]
    polars_agg = prepare_s + aggregate_s
    report = {
        "benchmark": "veil-of-darkness",
        "date": today,
        "rows": args.rows,
        "seed": args.seed,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "numpy": np.__version__,
            "polars": pl.__version__,
            "pandas": pd.__version__,
        },
        "generate_s": generate_s,
        "openblotter": {
            "prepare_s": prepare_s,
            "sun_table_s": sun_s,
            "sun_table_rows": sun.height,
            "aggregate_s": aggregate_s,
            "cells": cells.height,
            "kept_cells": int(cells["status"].eq("kept").sum()),
            "fit_s": fit_s,
            "pipeline_s": prepare_s + sun_s + aggregate_s + fit_s,
            "end_to_end_s": end_to_end_s,
        },
        "pandas": {
            "aggregate_s": pandas_s,
            "aggregate_category_dtypes_s": pandas_cat_s,
            "counts_equal": same,
        },
        "ratio_pandas_over_openblotter_aggregation": pandas_s / polars_agg,
        "ratio_pandas_category_over_openblotter_aggregation": pandas_cat_s / polars_agg,
        "sun_times_per_stop_projected_s": per_row_s * args.rows / sample,
        "estimate": {
            "dark_coefficient": coefficient.value,
            "std_error": coefficient.extra.get("std_error"),
            "odds_ratio": odds.value,
            "interval": odds.interval,
            "planted_odds_ratio": 0.8,
            "stops_in_model": coefficient.n,
        },
    }
    text = json.dumps(report, indent=2)
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"veil-{today}.json").write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
