"""Synthetic police data with known, planted properties, for tests, benchmarks and demos.

``stops_frame`` writes Open-Policing-style stop rows (the shape real agencies' standardised files
have) with planted disparities: search rates and hit rates by race that the analysis tests must
recover. ``records`` makes valid records of *any* dataset of the standard straight from its table
schema, so a new field or dataset is covered without new code. Everything is seeded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

if TYPE_CHECKING:
    from pathlib import Path

    from openblotter.schema.model import Field
    from openblotter.schema.registry import Standard

__all__ = [
    "StopScenario",
    "identity_mapping_yaml",
    "records",
    "stops_frame",
    "stops_mapping_yaml",
    "write_records_csv",
    "write_stops_csv",
]

RACES = ("white", "black", "hispanic", "asian/pacific islander", "other")


@dataclass(frozen=True, slots=True)
class StopScenario:
    """The truth planted in synthetic stops."""

    race_shares: dict[str, float] = field(
        default_factory=lambda: {
            "white": 0.55,
            "black": 0.25,
            "hispanic": 0.15,
            "asian/pacific islander": 0.04,
            "other": 0.01,
        }
    )
    search_rate: dict[str, float] = field(
        default_factory=lambda: {
            "white": 0.03,
            "black": 0.06,
            "hispanic": 0.05,
            "asian/pacific islander": 0.02,
            "other": 0.03,
        }
    )
    hit_rate: dict[str, float] = field(
        default_factory=lambda: {
            "white": 0.30,
            "black": 0.20,
            "hispanic": 0.22,
            "asian/pacific islander": 0.30,
            "other": 0.25,
        }
    )
    districts: int = 12
    officers: int = 400
    start: dt.date = dt.date(2019, 1, 1)
    days: int = 730
    missing_race_share: float = 0.01


def stops_frame(rows: int, *, seed: int = 0, scenario: StopScenario | None = None) -> pl.DataFrame:
    """``rows`` Open-Policing-style stops (one subject each), every column text as in a CSV."""
    s = scenario or StopScenario()
    rng = np.random.default_rng(seed)
    races = np.array(list(s.race_shares))
    shares = np.array(list(s.race_shares.values()))
    race_idx = rng.choice(len(races), size=rows, p=shares / shares.sum())
    race = races[race_idx]
    searched = rng.random(rows) < np.array([s.search_rate[r] for r in races])[race_idx]
    hit = searched & (rng.random(rows) < np.array([s.hit_rate[r] for r in races])[race_idx])
    arrest = hit & (rng.random(rows) < 0.6) | (rng.random(rows) < 0.02)
    citation = ~arrest & (rng.random(rows) < 0.6)
    warning = ~arrest & ~citation
    outcome = np.where(arrest, "arrest", np.where(citation, "citation", "warning"))
    day = rng.integers(0, s.days, size=rows)
    minutes = rng.integers(0, 24 * 60, size=rows)
    age = np.clip(rng.normal(36, 13, size=rows).round(), 15, 95).astype(int)
    basis = np.where(
        searched,
        rng.choice(
            ["consent", "probable cause", "plain view", "k9", "other"],
            size=rows,
            p=[0.3, 0.45, 0.1, 0.05, 0.1],
        ),
        "NA",
    )
    frame = pl.DataFrame(
        {
            "raw_row_number": np.arange(1, rows + 1),
            "day": day,
            "minutes": minutes,
            "lat": (40.0 + rng.random(rows) * 0.2).round(6),
            "lng": (-75.0 - rng.random(rows) * 0.2).round(6),
            "district": rng.integers(1, s.districts + 1, size=rows),
            "subject_age": age,
            "subject_race": np.where(rng.random(rows) < s.missing_race_share, "NA", race),
            "subject_sex": rng.choice(["male", "female"], size=rows, p=[0.65, 0.35]),
            "officer_id_hash": rng.integers(0, s.officers, size=rows),
            "type": rng.choice(["vehicular", "pedestrian"], size=rows, p=[0.9, 0.1]),
            "search_conducted": searched,
            "search_basis": basis,
            "contraband_found": np.where(searched, hit.astype(str), "NA"),
            "arrest_made": arrest,
            "citation_issued": citation,
            "warning_issued": warning,
            "outcome": outcome,
        }
    )
    return frame.select(
        pl.col("raw_row_number").cast(pl.String),
        (pl.lit(s.start) + pl.duration(days=pl.col("day"))).dt.strftime("%Y-%m-%d").alias("date"),
        pl.format(
            "{}:{}:00",
            (pl.col("minutes") // 60).cast(pl.String).str.pad_start(2, "0"),
            (pl.col("minutes") % 60).cast(pl.String).str.pad_start(2, "0"),
        ).alias("time"),
        pl.col("lat").cast(pl.String),
        pl.col("lng").cast(pl.String),
        pl.format("D{}", pl.col("district")).alias("district"),
        pl.col("subject_age").cast(pl.String),
        pl.col("subject_race"),
        pl.col("subject_sex"),
        pl.format("o{}", pl.col("officer_id_hash").cast(pl.String).str.pad_start(5, "0")).alias(
            "officer_id_hash"
        ),
        pl.col("type"),
        *[
            pl.col(c).cast(pl.String).str.to_uppercase()
            for c in ("search_conducted", "arrest_made", "citation_issued", "warning_issued")
        ],
        pl.col("search_basis"),
        pl.col("contraband_found").str.to_uppercase(),
        pl.col("outcome"),
    )


def write_stops_csv(path: Path, rows: int, *, seed: int = 0, chunk: int = 1_000_000) -> Path:
    """Write ``rows`` synthetic stops to a CSV in bounded memory (chunks of ``chunk`` rows)."""
    with path.open("wb") as handle:
        for start in range(0, rows, chunk):
            frame = stops_frame(min(chunk, rows - start), seed=seed + start)
            frame = frame.with_columns(
                (pl.col("raw_row_number").cast(pl.Int64) + start).cast(pl.String)
            )
            frame.write_csv(handle, include_header=start == 0)
    return path


def stops_mapping_yaml(file_name: str, sha256: str) -> str:
    """The mapping of a synthetic stops CSV (an Open-Policing-style file)."""
    return f"""# Mapping of a synthetic Open-Policing-style stops file (`blotter generate`).
name: stops_synthetic
version: 1
description: Synthetic stops with planted disparities (openblotter.testing.synthetic).
tested_against:
  - file: {file_name}
    sha256: {sha256}
read:
  format: csv
  missing_values: ["", "NA"]
records:
  stops:
    fields:
      stop_id: {{column: raw_row_number}}
      date: {{column: date}}
      time: {{column: time}}
      lat: {{column: lat}}
      lng: {{column: lng}}
      district: {{column: district}}
      type: {{column: type}}
  stop_subjects:
    fields:
      stop_id: {{column: raw_row_number}}
      subject_seq: {{value: 1}}
      subject_race: {{column: subject_race}}
      subject_identity_source: {{value: perceived}}
      subject_age: {{column: subject_age}}
      subject_sex: {{column: subject_sex}}
      search_conducted: {{column: search_conducted}}
      search_basis: {{column: search_basis}}
      contraband_found: {{column: contraband_found}}
      arrest_made: {{column: arrest_made}}
      citation_issued: {{column: citation_issued}}
      warning_issued: {{column: warning_issued}}
      outcome: {{column: outcome}}
  stop_officers:
    fields:
      stop_id: {{column: raw_row_number}}
      officer_key: {{column: officer_id_hash}}
      officer_role: {{value: primary}}
"""


def _value(fld: Field, standard: Standard, rng: np.random.Generator, i: int) -> Any:
    if fld.codelist is not None:
        codes = standard.codelist(fld.codelist).values
        if fld.type == "list":
            return list(rng.choice(codes, size=min(2, len(codes)), replace=False))
        return str(rng.choice(codes))
    c = fld.constraints
    if fld.type == "boolean":
        return bool(rng.random() < 0.5)
    if fld.type in {"integer", "year", "number"}:
        low = c.minimum if c.minimum is not None else (1990 if fld.type == "year" else 0)
        high = c.maximum if c.maximum is not None else (2030 if fld.type == "year" else 100)
        value = low + rng.random() * (high - low)
        return float(round(value, 3)) if fld.type == "number" else int(value)
    if fld.type == "date":
        return dt.date(2020, 1, 1) + dt.timedelta(days=int(rng.integers(0, 365)))
    if fld.type == "time":
        return dt.time(int(rng.integers(0, 24)), int(rng.integers(0, 60)))
    if fld.type == "datetime":
        return dt.datetime(2020, 1, 1, tzinfo=dt.UTC) + dt.timedelta(
            minutes=int(rng.integers(0, 525_600))
        )
    if fld.type == "list":
        return [f"{fld.name}-{i % 7}"]
    if c.pattern == "^[a-z]{2}_[a-z0-9_]+$":
        return f"xx_synthetic_{i}"
    if c.pattern is not None:
        return None
    return f"{fld.name}-{i}"


def records(dataset: str, standard: Standard, *, rows: int, seed: int = 0) -> pl.DataFrame:
    """``rows`` valid records of ``dataset``, generated from its table schema."""
    schema = standard.schema(dataset)
    rng = np.random.default_rng(seed)
    data: dict[str, list[Any]] = {f.name: [] for f in schema.fields}
    for i in range(rows):
        for fld in schema.fields:
            keyed = fld.name in schema.primary_key and fld.name != "agency_slug"
            if keyed and fld.codelist is not None:
                codes = standard.codelist(fld.codelist).values
                data[fld.name].append(codes[i % len(codes)])
            elif keyed and fld.type == "year":
                data[fld.name].append(2000 + i % 25)
            elif keyed:
                data[fld.name].append(i + 1 if fld.type == "integer" else f"{fld.name}-{i + 1}")
            elif fld.required or rng.random() < 0.8:
                data[fld.name].append(_value(fld, standard, rng, i))
            else:
                data[fld.name].append(None)
    frame = pl.DataFrame(data, strict=False)
    # predicated fields only carry a value when their condition holds
    for fld in schema.fields:
        rule = fld.only_when
        if rule is not None and rule.field in frame.columns:
            frame = frame.with_columns(
                pl.when(pl.col(rule.field) == rule.equals)
                .then(pl.col(fld.name))
                .otherwise(None)
                .alias(fld.name)
            )
    return frame


def identity_mapping_yaml(dataset: str, standard: Standard, file_name: str, sha256: str) -> str:
    """A mapping of a CSV whose columns are the dataset's own field names (``records`` output)."""
    schema = standard.schema(dataset)
    lines = [
        f"# Mapping of synthetic {dataset} records written by `blotter generate`.",
        f"name: {dataset}_synthetic",
        "version: 1",
        f"description: Synthetic {dataset} records generated from the table schema.",
        "tested_against:",
        f"  - file: {file_name}",
        f"    sha256: {sha256}",
        "records:",
        f"  {dataset}:",
        "    fields:",
    ]
    lines += [
        f"      {f.name}: {{column: {f.name}}}"
        for f in schema.fields
        if f.name != "agency_slug" or dataset == "agencies"
    ]
    return "\n".join(lines) + "\n"


def write_records_csv(
    path: Path, dataset: str, standard: Standard, *, rows: int, seed: int = 0
) -> Path:
    """Write ``rows`` synthetic records of any dataset as an agency-style CSV."""
    frame = records(dataset, standard, rows=rows, seed=seed)
    if dataset != "agencies":
        frame = frame.drop("agency_slug")
    frame = frame.with_columns(
        [pl.col(n).list.join(";") for n, t in frame.schema.items() if isinstance(t, pl.List)]
    )
    frame.write_csv(path)
    return path
