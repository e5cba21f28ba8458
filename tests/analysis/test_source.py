"""The aggregation layer gives the same counts on every engine (issue 5, item 7).

Each expression is built once with :mod:`openblotter.analysis.source` and run on DuckDB and
PostgreSQL (compiled to the store's SQL, records loaded through the real ingest), on Ibis' Polars
backend and, where it can run here, on DataFusion. Each result must equal the same count written
by hand in plain Polars on the planted frames.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir
import numpy as np
import polars as pl
import pytest

from openblotter.analysis import source
from openblotter.privacy.generalize import AGE_BANDS, AGE_BREAKS
from openblotter.schema.frames import frame_schema
from openblotter.testing.storefill import SYNTHETIC_AGENCY, load_frames

if TYPE_CHECKING:
    from pathlib import Path

    from openblotter.schema import Standard
    from openblotter.storage import Store

AGENCY = SYNTHETIC_AGENCY.slug
EDGE_AGES = [14, 15, 17, 18, 64, 65]
FLAGS = ["search_conducted", "frisk_performed", "arrest_made", "citation_issued"]


def _planted(seed: int = 0, stops: int = 400) -> dict[str, pl.DataFrame]:
    """Stops with 1 or 2 subjects; nulls in every column the aggregations read; edge ages."""
    rng = np.random.default_rng(seed)
    stop_ids = [f"st{i:04d}" for i in range(stops)]
    dates = [dt.date(2023, 1, 1) + dt.timedelta(days=int(d)) for d in rng.integers(0, 181, stops)]
    districts = np.array(["A", "B", "C", None], dtype=object)[rng.integers(0, 4, stops)]
    stop_frame = pl.DataFrame(
        {
            "stop_id": stop_ids,
            "date": dates,
            "district": districts.tolist(),
            "type": np.array(["vehicular", "pedestrian"])[rng.integers(0, 2, stops)].tolist(),
        },
        schema={"stop_id": pl.String, "date": pl.Date, "district": pl.String, "type": pl.String},
    )
    seconds = rng.integers(1, 3, stops)
    ids = [s for s, k in zip(stop_ids, seconds, strict=True) for _ in range(k)]
    seqs = [q for k in seconds for q in range(1, k + 1)]
    n = len(ids)
    races = np.array(["black", "white", "hispanic", "asian/pacific islander", None], dtype=object)
    ages: list[int | None] = [
        *EDGE_AGES,
        *(int(a) if a < 90 else None for a in rng.integers(10, 100, n - len(EDGE_AGES))),
    ]

    def flag(p_true: float, p_null: float) -> list[bool | None]:
        u = rng.random(n)
        return [None if x < p_null else bool(x < p_null + p_true) for x in u]

    searched = flag(0.3, 0.1)
    found = [None if s is not True else bool(rng.random() < 0.4) for s in searched]
    subjects = pl.DataFrame(
        {
            "stop_id": ids,
            "subject_seq": seqs,
            "subject_race": races[rng.integers(0, 5, n)].tolist(),
            "subject_sex": np.array(["male", "female", None], dtype=object)[
                rng.integers(0, 3, n)
            ].tolist(),
            "subject_age": ages,
            "search_conducted": searched,
            "contraband_found": found,
            "frisk_performed": flag(0.2, 0.2),
            "arrest_made": flag(0.1, 0.05),
            "citation_issued": flag(0.5, 0.0),
        },
        schema_overrides={"subject_age": pl.Int64, "subject_seq": pl.Int64},
    )
    # a stop without subjects: the join keeps people, not stops
    extra = pl.DataFrame(
        {"stop_id": ["lonely"], "date": [dt.date(2023, 3, 3)], "district": ["A"], "type": [None]},
        schema=stop_frame.schema,
    )
    return {"stops": pl.concat([stop_frame, extra]), "stop_subjects": subjects}


def _joined(frames: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """``subject_stops`` written by hand in Polars."""
    people = frames["stop_subjects"].join(frames["stops"], on="stop_id", how="inner")
    # band i holds the ages above break i - 1 up to break i (bisect, not the CASE source uses)
    bands = {age: AGE_BANDS[bisect.bisect_left(AGE_BREAKS, age)] for age in range(121)}
    band = pl.col("subject_age").replace_strict(bands, default=None, return_dtype=pl.String)
    return people.with_columns(
        age_band=band,
        year=pl.col("date").dt.year(),
        month=pl.col("date").dt.strftime("%Y-%m"),
    )


def _sums(*names: str) -> list[pl.Expr]:
    return [pl.col(c).fill_null(value=False).cast(pl.Int64).sum().alias(c) for c in names]


Case = tuple[Callable[[ir.Table], ir.Table], Callable[[pl.DataFrame], pl.DataFrame]]

CASES: dict[str, Case] = {
    "race by district, searches and hits": (
        lambda v: source.counts(
            v,
            ["subject_race", "district"],
            {"searches": v.search_conducted, "hits": v.search_conducted & v.contraband_found},
        ),
        lambda p: (
            p.group_by("subject_race", "district")
            .agg(
                pl.len().cast(pl.Int64).alias("n"),
                *_sums("search_conducted"),
                (pl.col("search_conducted") & pl.col("contraband_found"))
                .fill_null(value=False)
                .cast(pl.Int64)
                .sum()
                .alias("hits"),
            )
            .rename({"search_conducted": "searches"})
        ),
    ),
    "every flag by month": (
        lambda v: source.counts(v, ["month"], {f: v[f] for f in FLAGS}),
        lambda p: p.group_by("month").agg(pl.len().cast(pl.Int64).alias("n"), *_sums(*FLAGS)),
    ),
    "filtered: known race, districts A and B, vehicular, by sex and year": (
        lambda v: source.counts(
            v.filter(v.subject_race.notnull(), v.district.isin(["A", "B"]), v.type == "vehicular"),
            ["subject_sex", "year"],
            {"arrests": v.arrest_made},
        ),
        lambda p: (
            p.filter(
                pl.col("subject_race").is_not_null(),
                pl.col("district").is_in(["A", "B"]),
                pl.col("type") == "vehicular",
            )
            .group_by("subject_sex", "year")
            .agg(pl.len().cast(pl.Int64).alias("n"), *_sums("arrest_made"))
            .rename({"arrest_made": "arrests"})
        ),
    ),
    "null flags: searches not recorded, by race": (
        lambda v: source.counts(
            v,
            ["subject_race"],
            {"unrecorded": v.search_conducted.isnull(), "frisks": v.frisk_performed},
        ),
        lambda p: (
            p.group_by("subject_race")
            .agg(
                pl.len().cast(pl.Int64).alias("n"),
                pl.col("search_conducted").is_null().cast(pl.Int64).sum().alias("unrecorded"),
                *_sums("frisk_performed"),
            )
            .rename({"frisk_performed": "frisks"})
        ),
    ),
    "age bands, null ages included": (
        lambda v: source.counts(v, ["age_band", "subject_race"], {"cited": v.citation_issued}),
        lambda p: (
            p.group_by("age_band", "subject_race")
            .agg(pl.len().cast(pl.Int64).alias("n"), *_sums("citation_issued"))
            .rename({"citation_issued": "cited"})
        ),
    ),
}


def _expected(name: str, frames: dict[str, pl.DataFrame], result: pl.DataFrame) -> pl.DataFrame:
    return CASES[name][1](_joined(frames)).select(result.columns).cast(result.schema)


def _equal(result: pl.DataFrame, expected: pl.DataFrame) -> None:
    keys = [c for c in result.columns if result.schema[c] != pl.Int64 or c == "year"]
    assert result.sort(keys, nulls_last=True).equals(expected.sort(keys, nulls_last=True)), (
        result.sort(keys, nulls_last=True),
        expected.sort(keys, nulls_last=True),
    )


def _expression(name: str) -> ir.Table:
    return CASES[name][0](source.subject_stops(AGENCY))


def _full(frame: pl.DataFrame, dataset: str, standard: Standard) -> pl.DataFrame:
    """A planted frame with every column of the standard's table (as the store has them)."""
    schema = frame_schema(standard.schema(dataset))
    absent = [n for n in schema if n not in frame.columns and n != "agency_slug"]
    full = frame.with_columns(
        *(pl.lit(None, dtype=schema[n]).alias(n) for n in absent), agency_slug=pl.lit(AGENCY)
    )
    return full.select(list(schema)).cast(schema)  # type: ignore[arg-type]


def test_age_band__edges() -> None:
    ages = pl.DataFrame({"subject_age": [None, *EDGE_AGES]}, schema={"subject_age": pl.Int64})
    table = ibis.memtable(ages)
    banded = source.run_on(
        table.mutate(band=source.age_band(table.subject_age)), ibis.polars.connect()
    )
    assert banded["band"].to_list()[1:] == [
        "under 15",
        "15-17",
        "15-17",
        "18-24",
        "55-64",
        "65 and over",
    ]
    joined = _joined(_planted())
    assert joined.filter(pl.col("subject_age").is_null())["age_band"].null_count() > 0


def test_counts__the_store_gives_the_plain_polars_counts(
    store: Store, standard: Standard, tmp_path: Path
) -> None:
    frames = _planted()
    loaded = load_frames(store, standard, frames, tmp_path)
    with store.snapshot() as tx:
        results = {name: source.run(_expression(name), tx) for name in CASES}
        batches = source.provenance(tx, AGENCY, ["stops", "stop_subjects"])
        nothing = source.provenance(tx, AGENCY, ["use_of_force"])
        with pytest.raises(ValueError, match="not a dataset"):
            source.provenance(tx, AGENCY, ["stops; DROP TABLE stops"])
    for name, result in results.items():
        assert result.height > 0
        _equal(result, _expected(name, frames, result))
    ids = sorted(r.batch_id for r in loaded.values() if r.batch_id is not None)
    assert batches == {"agency": AGENCY, "batches": ",".join(str(i) for i in ids)}
    assert nothing == {"agency": AGENCY, "batches": ""}


def _polars_backend(frames: dict[str, pl.DataFrame], standard: Standard) -> Any:
    backend = ibis.polars.connect()
    for dataset, frame in frames.items():
        backend.create_table(dataset, _full(frame, dataset, standard))
    return backend


def _datafusion_backend(frames: dict[str, pl.DataFrame], standard: Standard) -> Any:
    """DataFusion, if this environment's version runs with Ibis 12 (51.x does; 52+ do not)."""
    datafusion = pytest.importorskip("datafusion")
    try:
        context = datafusion.SessionContext()
        for dataset, frame in frames.items():
            context.from_arrow(_full(frame, dataset, standard).to_arrow(), name=dataset)
        return ibis.datafusion.connect(context)
    except TypeError as exc:  # ibis 12 registers its UDFs with the pre-52 keyword names
        pytest.skip(f"datafusion {datafusion.__version__} does not run with this Ibis: {exc}")


@pytest.mark.parametrize("engine", ["polars", "datafusion"])
def test_counts__other_ibis_backends_give_the_same_counts(engine: str, standard: Standard) -> None:
    frames = _planted()
    connect = _polars_backend if engine == "polars" else _datafusion_backend
    backend = connect(frames, standard)
    for name in CASES:
        expr = _expression(name)
        result = source.run_on(expr, backend)
        result = result.select(expr.columns).cast(
            {c: t.to_polars() for c, t in expr.schema().items()}
        )
        _equal(result, _expected(name, frames, result))


def test_counts__plain_polars_reference_is_not_vacuous() -> None:
    """The planted data exercise what the cases claim: nulls, edges, a stop without people."""
    frames = _planted()
    people = _joined(frames)
    assert people.height == frames["stop_subjects"].height
    assert set(EDGE_AGES) <= set(people["subject_age"].drop_nulls().to_list())
    for column in ("subject_race", "district", "subject_age", "search_conducted", "age_band"):
        assert people[column].null_count() > 0, column
    assert people["stop_id"].n_unique() < people.height  # stops with two people
