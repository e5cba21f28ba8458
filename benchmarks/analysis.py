"""Analysis benchmark: rates, outcome test and veil of darkness on N stops in the store, vs pandas.

Builds a DuckDB store holding N synthetic stops of one agency (default 10 million; one person per
stop), written straight into ``stops`` and ``stop_subjects`` with their provenance columns —
validating 10 million rows is the ingest benchmark's job, not this one's. The stops carry a
planted darkness odds ratio of 0.8 (``openblotter.testing.daylight``, one place, ten districts,
two years) and outcome flags with a few nulls. Then, in one process and one run:

- **OpenBlotter**, each method as the CLI runs it, reading the store in one snapshot:
  ``among_stop_rates`` (every outcome flag by race and district: one GROUP BY),
  ``outcome_test`` (race by district: searches, hits, discretionary and consent searches),
  ``veil_of_darkness_store`` (the veil's GROUP BY inside the store); and, for comparison, the
  in-memory veil (``veil_of_darkness`` on the stops loaded from the store into Polars);
- **pandas**, the same aggregations written plainly (``merge`` of subjects and stops on the
  agency and stop id, then ``groupby``), on the two tables held in memory as pandas frames, each
  checked to give the same counts as OpenBlotter's.

Fairness: reading is excluded for both. pandas gets the two tables in memory (read from Parquet
files exported from the store before timing, with dates as ``datetime64`` and clock times as
minutes after midnight, converted while reading). OpenBlotter's methods run once cold (their
queries read the DuckDB file into its buffers; reported) and are then timed warm, which is the
time the ratios use. Each method and its pandas twin run next to each other, ``--repeat``
times, best kept, so that a burst of load from elsewhere on the machine hits both alike. Sun
times for pandas come from the same vectorised solar code, on distinct (date, place) keys,
timed. pandas runs on one core, DuckDB on all (2 here): the ratio is what a user of each gets.
DuckDB's memory limit is 4 GB unless ``--memory-limit`` says otherwise (the store's default is
1 GB). Machines here are noisy (2 shared cores): read the ratios, not the absolute numbers.

    .venv/bin/python benchmarks/analysis.py                    # 10,000,000 stops
    .venv/bin/python benchmarks/analysis.py --rows 1000000 --memory-limit 1GB

JSON on stdout and in ``benchmarks/results/analysis-<rows>-<date>.json``. Needs pandas, which
is not a dependency of OpenBlotter.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd  # type: ignore[import-untyped]
import polars as pl

from openblotter.analysis import outcome, rates, source
from openblotter.analysis.eligibility import NON_DISCRETIONARY
from openblotter.analysis.solar import sun_times
from openblotter.analysis.veil import veil_of_darkness
from openblotter.analysis.veil_data import aggregate as veil_aggregate
from openblotter.analysis.veil_data import prepare, sun_table
from openblotter.analysis.veil_store import veil_of_darkness_store
from openblotter.schema import load_standard
from openblotter.schema.frames import frame_schema
from openblotter.settings import Settings
from openblotter.storage import initialize, open_store
from openblotter.testing.daylight import PLACES, daylight_stops

AGENCY = "zz_bench_pd"
PLACE = PLACES[0]
CENTROID = (PLACE.lat, PLACE.lng)
FLAGS = ("frisk_performed", "arrest_made", "citation_issued", "summons_issued", "force_used")
BASES = np.array(["probable cause", "consent", "incident to arrest", "plain view", "k9"])


def synthetic(rows: int, seed: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``stops`` and ``stop_subjects`` frames (standard columns) for ``rows`` stops."""
    day = daylight_stops(
        rows,
        seed=seed,
        dark_odds_ratio=0.8,
        places=(PLACE,),
        districts=10,
        years=(2022, 2023),
        jitter=0.1,
        missing_coordinates=0.01,
    )
    rng = np.random.default_rng(seed + 1)
    ids = pl.Series("stop_id", np.arange(rows)).cast(pl.String).str.zfill(9)
    stops = day.select("date", "time", "lat", "lng", "district").with_columns(
        ids, agency_slug=pl.lit(AGENCY)
    )

    def flag(p: float, null: float = 0.01, where: np.ndarray | None = None) -> pl.Series:
        values = pl.Series(rng.random(rows) < p).scatter(
            np.flatnonzero(rng.random(rows) < null), None
        )
        return values if where is None else values.scatter(np.flatnonzero(~where), None)

    black = (day["subject_race"] == "black").to_numpy()
    searched = pl.Series(rng.random(rows) < np.where(black, 0.08, 0.04))
    searched = searched.scatter(np.flatnonzero(rng.random(rows) < 0.01), None)
    is_searched = searched.fill_null(value=False).to_numpy()
    no_basis = ~is_searched | (rng.random(rows) < 0.2)
    basis_list = (
        pl.DataFrame({"b": BASES[rng.integers(0, len(BASES), rows)], "none": no_basis})
        .select(pl.when(~pl.col("none")).then(pl.concat_list("b")))
        .to_series()
    )
    asked = flag(0.02)
    subjects = pl.DataFrame(
        {
            "agency_slug": AGENCY,
            "stop_id": ids,
            "subject_seq": 1,
            "subject_race": day["subject_race"],
            "subject_age": pl.Series(rng.integers(16, 80, rows)),
            "search_conducted": searched,
            "search_basis": basis_list,
            "contraband_found": flag(np.where(black, 0.25, 0.32).mean(), where=is_searched),
            "consent_search_requested": asked,
            "consent_search_given": flag(0.7, where=asked.fill_null(value=False).to_numpy()),
            **{
                name: flag(p) for name, p in zip(FLAGS, (0.03, 0.04, 0.5, 0.01, 0.005), strict=True)
            },
        }
    )
    return stops, subjects


def build_store(
    data_dir: Path, stops: pl.DataFrame, subjects: pl.DataFrame, memory_limit: str
) -> Any:
    """A DuckDB store with the agency and the two tables, provenance columns included."""
    standard = load_standard()
    store = open_store(Settings(data_dir=data_dir, duckdb_memory_limit=memory_limit))
    initialize(store, standard)
    agency = pl.DataFrame(
        {
            "agency_slug": [AGENCY],
            "name": ["Benchmark Police Department"],
            "timezone": [PLACE.timezone],
            "centroid_lat": [PLACE.lat],
            "centroid_lng": [PLACE.lng],
        }
    )
    for name, frame in (("agencies", agency), ("stops", stops), ("stop_subjects", subjects)):
        schema = frame_schema(standard.schema(name))
        rows = frame.cast({c: schema[c] for c in frame.columns}).with_columns(
            pl.lit(1, pl.Int64).alias("_batch_id"),
            pl.int_range(pl.len(), dtype=pl.Int64).alias("_source_row"),
        )
        with store.transaction() as tx:
            tx.insert_arrow(name, rows.to_arrow())
    return store


def export(data_dir: Path, store: Any, work: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The two tables as pandas frames, read from Parquet exported from the store."""
    columns = {
        "stops": "agency_slug, stop_id, date, time, lat, lng, district",
        "stop_subjects": "agency_slug, stop_id, subject_race, search_conducted, search_basis, "
        "contraband_found, consent_search_requested, consent_search_given, " + ", ".join(FLAGS),
    }
    store.close()
    con = duckdb.connect(str(data_dir / "blotter.duckdb"), read_only=True)
    for table, cols in columns.items():
        con.sql(f"SELECT {cols} FROM {table}").write_parquet(str(work / f"{table}.parquet"))
    con.close()
    stops = pd.read_parquet(work / "stops.parquet")
    stops["date"] = pd.to_datetime(stops["date"])
    clock = pl.read_parquet(work / "stops.parquet", columns=["time"]).get_column("time")
    stops["minute"] = (clock.dt.hour().cast(pl.Int32) * 60 + clock.dt.minute()).to_numpy()
    return stops.drop(columns="time"), pd.read_parquet(work / "stop_subjects.parquet")


def _people(stops: pd.DataFrame, subjects: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    return subjects.merge(
        stops[["agency_slug", "stop_id", *columns]], on=["agency_slug", "stop_id"]
    )


def pandas_rates(stops: pd.DataFrame, subjects: pd.DataFrame) -> pd.DataFrame:
    """``rates.aggregate(by="district")`` in pandas."""
    people = _people(stops, subjects, ["district"])
    out = {}
    for name in ("search_conducted", *FLAGS, "consent_search_requested"):
        out[f"{name}__known"] = people[name].notna()
        out[f"{name}__yes"] = people[name].fillna(value=False).astype(bool)
    asked, given = people["consent_search_requested"], people["consent_search_given"]
    out["consent_refused__known"] = asked.notna() & ((asked == False) | given.notna())  # noqa: E712
    out["consent_refused__yes"] = (asked == True) & (given == False)  # noqa: E712
    frame = pd.DataFrame(out).assign(district=people["district"], race=people["subject_race"])
    grouped = frame.groupby(["district", "race"], dropna=False)
    return grouped.sum().join(grouped.size().rename("n")).reset_index()


def pandas_outcome(stops: pd.DataFrame, subjects: pd.DataFrame) -> pd.DataFrame:
    """``outcome.aggregate(by="district")`` in pandas."""
    people = _people(stops, subjects, ["district"])
    searched = people["search_conducted"].fillna(value=False).astype(bool)
    found = people["contraband_found"]
    basis = people["search_basis"].where(searched)
    routine = set(NON_DISCRETIONARY)
    non_disc = basis.map(lambda b: b is not None and not routine.isdisjoint(b), na_action="ignore")
    consent = basis.map(lambda b: b is not None and "consent" in b, na_action="ignore")
    kinds = {
        "all": searched,
        "disc": searched & ~non_disc.fillna(value=False).astype(bool),
        "consent": searched & consent.fillna(value=False).astype(bool),
    }
    out = {
        "search_known": people["search_conducted"].notna(),
        "basis_known": searched & basis.map(len, na_action="ignore").fillna(0).gt(0),
    }
    for kind, which in kinds.items():
        out[f"{kind}_searches"] = which
        out[f"{kind}_known"] = which & found.notna()
        out[f"{kind}_hits"] = which & found.fillna(value=False).astype(bool)
    frame = pd.DataFrame(out).assign(district=people["district"], race=people["subject_race"])
    grouped = frame.groupby(["district", "race"], dropna=False)
    return grouped.sum().join(grouped.size().rename("n")).reset_index()


def pandas_veil(stops: pd.DataFrame, subjects: pd.DataFrame) -> pd.DataFrame:
    """The veil's count table (full-year, black vs white, by district) in pandas."""
    people = _people(stops, subjects, ["date", "minute", "lat", "lng", "district"])
    lat, lng = people["lat"], people["lng"]
    own = lat.notna() & lng.notna() & (lat.abs() <= 90) & (lng.abs() <= 180)
    own &= ~((lat == 0) & (lng == 0))

    def cell(values: pd.Series, fallback: float) -> np.ndarray:
        scaled = np.where(own, values, fallback) * 10.0
        return (np.sign(scaled) * np.floor(np.abs(scaled) + 0.5)).astype(np.int32)

    people["lat_cell"], people["lng_cell"] = cell(lat, CENTROID[0]), cell(lng, CENTROID[1])
    keys = people[["date", "lat_cell", "lng_cell"]].drop_duplicates()
    sunset, dusk = sun_times(
        keys["date"].to_numpy().astype("datetime64[D]"),
        keys["lat_cell"].to_numpy() / 10.0,
        keys["lng_cell"].to_numpy() / 10.0,
        timezone=PLACE.timezone,
    )
    keys = keys.assign(sunset=np.floor(sunset), dusk=np.floor(dusk))
    merged = people.merge(keys, on=["date", "lat_cell", "lng_cell"], how="left")
    race, minute = merged["subject_race"], merged["minute"]
    pair = race.isin(["black", "white"])
    eligible = pair & merged["district"].notna() & merged["dusk"].notna()
    dusk_ok = merged["dusk"].where(eligible)
    lo = dusk_ok.groupby(merged["district"]).transform("min")
    hi = dusk_ok.groupby(merged["district"]).transform("max")
    conditions = [
        ~pair,
        merged["district"].isna(),
        merged["dusk"].isna(),
        (minute < lo) | (minute > hi),
        (minute > merged["sunset"]) & (minute < merged["dusk"]),
    ]
    labels = ["other-race", "missing-location", "no-sun-times", "outside-window", "twilight"]
    status = np.select([c.fillna(value=False) for c in conditions], labels, default="kept")
    kept = status == "kept"
    frame = pd.DataFrame(
        {
            "status": status,
            "location": merged["district"],
            "is_dark": (minute >= merged["dusk"]).where(kept),
            "minute_bin": ((minute + 2) // 5 * 5).where(kept),
            "n_comparison": race == "black",
            "n_centroid": ~own,
        }
    )
    grouped = frame.groupby(["status", "location", "is_dark", "minute_bin"], dropna=False)
    return grouped.sum().join(grouped.size().rename("n")).reset_index()


def timed(label: str, func: Any, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    start = time.perf_counter()
    out = func(*args, **kwargs)
    seconds = time.perf_counter() - start
    print(f"  {label:<46} {seconds:8.2f} s", flush=True)
    return out, seconds


def same(ours: pl.DataFrame, theirs: pd.DataFrame, keys: list[str]) -> bool:
    """Whether pandas' counts equal OpenBlotter's (columns and rows in any order)."""
    other = pl.from_pandas(theirs.astype({k: object for k in keys if k in theirs}))
    other = other.select(ours.columns).cast(ours.schema)
    return ours.sort(keys, nulls_last=True).equals(other.sort(keys, nulls_last=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--memory-limit", default="4GB", help="DuckDB's memory_limit")
    parser.add_argument("--repeat", type=int, default=2, help="timed runs of each (best kept)")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args()
    today = dt.datetime.now(dt.UTC).date().isoformat()
    with tempfile.TemporaryDirectory(prefix="blotter-bench-") as tmp:
        work = Path(tmp)
        print(f"generating {args.rows:,} stops", flush=True)
        (stops_pl, subjects_pl), generate_s = timed(
            "generate (not compared)", synthetic, args.rows, args.seed
        )
        store, load_s = timed(
            "write the store (not compared)",
            build_store,
            work / "data",
            stops_pl,
            subjects_pl,
            args.memory_limit,
        )
        del stops_pl, subjects_pl
        (stops, subjects), export_s = timed(
            "export + pandas read (not compared)", export, work / "data", store, work
        )
        store = open_store(
            Settings(data_dir=work / "data", duckdb_memory_limit=args.memory_limit), read_only=True
        )
        ours: dict[str, float] = {}
        print("OpenBlotter (DuckDB store), each method once cold", flush=True)
        cold: dict[str, float] = {}
        results: dict[str, Any] = {}
        pandas_out: dict[str, pd.DataFrame] = {}
        theirs: dict[str, float] = {}
        references = {"rates": pandas_rates, "outcome": pandas_outcome, "veil": pandas_veil}
        with store.snapshot() as tx:
            methods = {
                "rates": ("among_stop_rates", rates.among_stop_rates, {"by": "district"}),
                "outcome": ("outcome_test", outcome.outcome_test, {"by": "district"}),
                "veil": (
                    "veil_of_darkness_store",
                    veil_of_darkness_store,
                    {"location": "district"},
                ),
            }
            for key, (label, method, kwargs) in methods.items():
                _, cold[key] = timed(f"{label} by district", method, tx, AGENCY, **kwargs)
            print(f"then warm, each next to pandas (best of {args.repeat})", flush=True)
            for key, (label, method, kwargs) in methods.items():
                for _ in range(args.repeat):
                    results[key], seconds = timed(label, method, tx, AGENCY, **kwargs)
                    ours[key] = min(ours.get(key, seconds), seconds)
                    pandas_out[key], seconds = timed(
                        f"pandas {key}: merge + groupby", references[key], stops, subjects
                    )
                    theirs[key] = min(theirs.get(key, seconds), seconds)
            veil = results["veil"]
            print("for comparison", flush=True)
            rates_counts, ours["rates_aggregation"] = timed(
                "  rates aggregation alone",
                source.run,
                rates.aggregate(AGENCY, by="district"),
                tx,
            )
            outcome_counts, ours["outcome_aggregation"] = timed(
                "  outcome aggregation alone",
                source.run,
                outcome.aggregate(AGENCY, by="district"),
                tx,
            )
            columns = ["date", "time", "lat", "lng", "subject_race", "district"]
            frame, load_veil_s = timed(
                "  in memory: load the stops into Polars",
                source.run,
                source.subject_stops(AGENCY).select(*columns),
                tx,
            )
        memory, memory_veil_s = timed(
            "  in memory: veil_of_darkness",
            veil_of_darkness,
            frame,
            timezone=PLACE.timezone,
            centroid=CENTROID,
            location="district",
        )
        prepared = prepare(
            frame, timezone=PLACE.timezone, centroid=CENTROID, location="district"
        ).collect()
        del frame
        cells = veil_aggregate(prepared, sun_table(prepared)).collect().drop("period")
        cells = cells.with_columns(pl.col("location").cast(pl.String))
        del prepared
        race = {"subject_race": "race"}
        checks = {
            "rates": same(rates_counts.rename(race), pandas_out["rates"], ["district", "race"]),
            "outcome": same(
                outcome_counts.rename(race), pandas_out["outcome"], ["district", "race"]
            ),
            "veil": same(cells, pandas_out["veil"], ["status", "location", "is_dark", "minute_bin"])
            and memory.estimates == veil.estimates,
        }
        print(f"  pandas counts equal OpenBlotter's: {checks}", flush=True)
    suite_ours, suite_theirs = (
        sum(ours[k] for k in ("rates", "outcome", "veil")),
        sum(theirs.values()),
    )
    ratios = {k: theirs[k] / ours[k] for k in theirs}
    for name, ratio in ratios.items():
        print(
            f"  {name:<10} OpenBlotter {ours[name]:7.2f} s   pandas {theirs[name]:7.2f} s   {ratio:5.1f}×"
        )
    print(
        f"  {'suite':<10} OpenBlotter {suite_ours:7.2f} s   pandas {suite_theirs:7.2f} s   "
        f"{suite_theirs / suite_ours:5.1f}×   (cold: {sum(cold.values()):.2f} s)"
    )
    odds = veil.estimates[1]
    report = {
        "benchmark": "analysis",
        "date": today,
        "rows": args.rows,
        "seed": args.seed,
        "duckdb_memory_limit": args.memory_limit,
        "repeat": args.repeat,
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_1m": os.getloadavg()[0],
            "python": platform.python_version(),
            "duckdb": duckdb.__version__,
            "polars": pl.__version__,
            "pandas": pd.__version__,
        },
        "setup_s": {"generate": generate_s, "store": load_s, "export_and_pandas_read": export_s},
        "openblotter_s": ours,
        "openblotter_cold_s": cold,
        "openblotter_in_memory_veil_s": {"load": load_veil_s, "veil": memory_veil_s},
        "pandas_s": theirs,
        "ratio_pandas_over_openblotter": ratios,
        "suite_s": {
            "openblotter": suite_ours,
            "openblotter_cold": sum(cold.values()),
            "pandas": suite_theirs,
        },
        "suite_ratio": suite_theirs / suite_ours,
        "counts_equal": checks,
        "veil_estimate": {
            "odds_ratio": odds.value,
            "interval": odds.interval,
            "planted": 0.8,
            "stops_in_model": odds.n,
        },
    }
    text = json.dumps(report, indent=2)
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"analysis-{args.rows}-{today}.json").write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
