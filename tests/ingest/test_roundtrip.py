"""Round trips: synthetic records of every dataset load completely on both stores, and
random valid stops (Hypothesis) come back from the store exactly as they were written."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openblotter.ingest.mapping import load_mapping
from openblotter.ingest.readers import file_sha256
from openblotter.schema import Standard
from openblotter.storage import Store, initialize
from openblotter.storage.duckdb import DuckDBStore
from openblotter.testing import identity_mapping_yaml, write_records_csv
from tests.ingest.builders import run, write_mapping


def test_every_dataset__synthetic_records_load_completely(
    store: Store, standard: Standard, tmp_path: Path
) -> None:
    for dataset in standard.datasets:
        path = write_records_csv(tmp_path / f"{dataset}.csv", dataset, standard, rows=40, seed=3)
        mapping_path = tmp_path / f"{dataset}.yaml"
        mapping_path.write_text(
            identity_mapping_yaml(dataset, standard, path.name, file_sha256(path))
        )
        result = run(store, standard, path, load_mapping(mapping_path))
        assert result.errors == {}, (dataset, result.errors)
        assert result.rows_loaded == 40, dataset
        assert store.query(f'SELECT count(*) FROM "{dataset}"').scalar() >= 40


RECORD_MAPPING = """
name: stops
version: 1
description: round trip
records:
  stops:
    fields:
      stop_id: {column: stop_id}
      date: {column: date}
      time: {column: time}
      lat: {column: lat}
      type: {column: type}
      violation: {column: violation, split: "|"}
  stop_subjects:
    fields:
      stop_id: {column: stop_id}
      subject_seq: {value: 1}
      subject_age: {column: age}
      subject_race: {column: race}
"""

text = (
    st.text(
        alphabet=st.characters(
            codec="utf-8", exclude_characters="|\r\n", exclude_categories=("Cs", "Cc")
        ),
        min_size=1,
        max_size=12,
    )
    .map(str.strip)
    .filter(bool)
)
stop = st.fixed_dictionaries(
    {
        "date": st.dates(dt.date(1970, 1, 1), dt.date(2030, 12, 31)),
        "time": st.times().map(lambda t: t.replace(microsecond=0)),
        "lat": st.floats(-90, 90, allow_nan=False).map(lambda x: round(x, 6)),
        "type": st.sampled_from(["pedestrian", "vehicular", "bicycle"]),
        "violation": st.lists(text, min_size=1, max_size=3, unique=True),
        "age": st.integers(0, 110),
        "race": st.sampled_from(
            ["asian/pacific islander", "black", "hispanic", "white", "other", "unknown"]
        ),
    }
)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(stop, min_size=1, max_size=30))
def test_ingest__round_trips_valid_stops_exactly(
    standard: Standard, tmp_path: Path, rows: list[dict[str, object]]
) -> None:
    folder = tmp_path / f"case{len(list(tmp_path.iterdir()))}"
    folder.mkdir()
    frame = pl.DataFrame(
        [
            {**r, "stop_id": f"X{i}", "violation": "|".join(r["violation"])}
            for i, r in enumerate(rows)
        ]  # type: ignore[arg-type]
    )
    path = folder / "stops.csv"
    frame.write_csv(path)
    with DuckDBStore(":memory:") as store:
        initialize(store, standard)
        result = run(store, standard, path, write_mapping(folder / "m.yaml", RECORD_MAPPING))
        assert result.rows_loaded == len(rows), result.errors
        got = store.query(
            "SELECT s.date, s.time, s.lat, s.type, s.violation, p.subject_age, p.subject_race "
            "FROM stops s JOIN stop_subjects p USING (stop_id) ORDER BY CAST(substr(stop_id, 2) AS INT)"
        ).rows
    for row, back in zip(rows, got, strict=True):
        assert back[0] == row["date"]
        assert back[1] == row["time"]
        assert back[2] == row["lat"]
        assert back[3] == row["type"]
        assert list(back[4]) == row["violation"]
        assert back[5] == row["age"]
        assert back[6] == row["race"]
