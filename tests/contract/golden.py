"""Helpers for golden agency tests: load a real file from tests/data/real through its mapping.

The expected numbers come from ``tests/data/real/<source>/facts.json``, derived from the raw files
by ``tests/data/real/derive_facts.py`` without any OpenBlotter code.
"""

from __future__ import annotations

import json
import lzma
import shutil
from pathlib import Path
from typing import Any

from openblotter.clock import FixedClock
from openblotter.ingest.agencies import AgencyFolder, choose_mapping
from openblotter.ingest.pipeline import IngestResult, ingest_file
from openblotter.schema import Standard
from openblotter.storage import Store

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT / "tests" / "data" / "real"
AGENCIES = ROOT / "agencies"


def facts(source: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((REAL / source / "facts.json").read_text(encoding="utf-8"))
    return data


def real_file(source: str, name: str, tmp_path: Path) -> Path:
    """The real file, decompressed into ``tmp_path`` when it is stored as .xz."""
    packed = REAL / source / f"{name}.xz"
    target = tmp_path / name
    if packed.exists():
        with lzma.open(packed) as src, target.open("wb") as dst:
            shutil.copyfileobj(src, dst)
        return target
    return REAL / source / name


def load(
    store: Store,
    standard: Standard,
    clock: FixedClock,
    *,
    agency: str,
    dataset: str,
    path: Path,
    **options: Any,
) -> IngestResult:
    """Ingest ``path`` the way `blotter ingest` does: the agency's mapping that fits the file."""
    folder = AgencyFolder.find(AGENCIES, agency)
    mapping = choose_mapping(folder.mappings(dataset), path)
    result = ingest_file(
        store,
        standard,
        path,
        mapping=mapping,
        agency_slug=agency,
        agency=folder.config(),
        clock=clock,
        **options,
    )
    # every golden load: one committed batch, and every row accounted for
    assert result.status == "committed"
    assert result.rows_read == result.rows_loaded + result.rows_quarantined + result.rows_junk
    return result


def counts(store: Store, sql: str) -> dict[Any, int]:
    """``SELECT key, count`` as a dict."""
    return {row[0]: int(row[1]) for row in store.query(sql).rows}


def contains(store: Store, column: str, value: str) -> str:
    """SQL: the list ``column`` contains the literal ``value`` (each dialect spells it its way)."""
    if store.dialect == "duckdb":
        return f"list_contains({column}, '{value}')"
    return f"'{value}' = ANY({column})"
