"""Put synthetic records into a store through the real ingest path (validation, batches).

Analysis tests plant known effects in Polars frames (one per dataset, columns named as the
standard's fields) and need them in DuckDB and PostgreSQL alike. :func:`load_frames` writes each
frame as a CSV with an identity mapping and ingests it, parents before children, so the records
carry batches and provenance exactly as an agency's would.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import TYPE_CHECKING

import polars as pl

from openblotter.clock import FixedClock
from openblotter.ingest.mapping import AgencyConfig, load_mapping
from openblotter.ingest.pipeline import IngestResult, ingest_file
from openblotter.testing.synthetic import identity_mapping_yaml

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from openblotter.schema import Standard
    from openblotter.storage import Store

__all__ = ["SYNTHETIC_AGENCY", "load_frames"]

SYNTHETIC_AGENCY = AgencyConfig(
    slug="zz_synthetic_pd",
    name="Synthetic Police Department",
    state="CT",
    agency_type="municipal police",
    timezone="America/New_York",
)
_LOADED_AT = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _csv_ready(frame: pl.DataFrame) -> pl.DataFrame:
    lists = [pl.col(n).list.join(";") for n, t in frame.schema.items() if isinstance(t, pl.List)]
    return frame.drop("agency_slug", strict=False).with_columns(lists)


def load_frames(
    store: Store,
    standard: Standard,
    frames: Mapping[str, pl.DataFrame],
    work: Path,
    *,
    agency: AgencyConfig = SYNTHETIC_AGENCY,
) -> dict[str, IngestResult]:
    """Ingest ``frames`` (dataset → records) for ``agency``; return each dataset's result.

    Only the columns a frame has are mapped; list columns are written ``;``-separated. Raises
    ``AssertionError`` if any row is quarantined, so a test never runs on fewer rows than it
    planted without knowing.
    """
    order = [d for d in standard.datasets if d in frames]
    unknown = set(frames) - set(order)
    if unknown:
        raise ValueError(f"not datasets of the standard: {sorted(unknown)}")
    results: dict[str, IngestResult] = {}
    for dataset in order:
        frame = _csv_ready(frames[dataset])
        path = work / f"{dataset}.csv"
        frame.write_csv(path)
        mapping_text = identity_mapping_yaml(
            dataset, standard, path.name, hashlib.sha256(path.read_bytes()).hexdigest()
        )
        kept = [
            line
            for line in mapping_text.splitlines()
            if not line.startswith("      ") or line.strip().split(":")[0] in frame.columns
        ]
        mapping_path = work / f"{dataset}.yaml"
        mapping_path.write_text(
            "\n".join(kept).replace("records:", "read: {missing_values: ['']}\nrecords:") + "\n",
            encoding="utf-8",
        )
        result = ingest_file(
            store,
            standard,
            path,
            mapping=load_mapping(mapping_path),
            agency_slug=agency.slug,
            agency=agency,
            clock=FixedClock(_LOADED_AT),
        )
        if result.rows_quarantined:
            raise AssertionError(
                f"{dataset}: {result.rows_quarantined} rows quarantined: {result.errors}"
            )
        results[dataset] = result
    return results
