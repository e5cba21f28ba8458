"""Golden test: a release of every real agency builds from its real files, passes the leak scan,
validates with the frictionless library and verifies against its manifest (DuckDB store)."""

from __future__ import annotations

from pathlib import Path

import pytest

from openblotter.clock import FixedClock
from openblotter.ingest.agencies import AgencyFolder
from openblotter.ingest.mapping import load_mapping
from openblotter.ingest.pipeline import ingest_file
from openblotter.privacy.policy import PublicationPolicy
from openblotter.publish.release import create_release, verify_release
from openblotter.schema import Standard
from openblotter.storage.duckdb import DuckDBStore
from openblotter.storage.lifecycle import initialize
from tests.contract.golden import AGENCIES, REAL, real_file

SLUGS = sorted(p.parent.name for p in AGENCIES.glob("*/agency.yaml"))


def _load_agency(
    store: DuckDBStore, standard: Standard, slug: str, clock: FixedClock, tmp: Path
) -> int:
    folder = AgencyFolder.find(AGENCIES, slug)
    loaded = 0
    for path in sorted((folder.path / "mappings").glob("*.yaml")):
        mapping = load_mapping(path)
        for tested in mapping.tested_against:
            source = next(p.parent.name for p in REAL.rglob(f"{tested.file}*"))
            result = ingest_file(
                store,
                standard,
                real_file(source, tested.file, tmp),
                mapping=mapping,
                agency_slug=slug,
                agency=folder.config(),
                clock=clock,
            )
            assert result.status == "committed"
            loaded += result.rows_loaded
    return loaded


@pytest.mark.parametrize("slug", SLUGS)
def test_release__of_every_real_agency_validates(
    slug: str, standard: Standard, clock: FixedClock, tmp_path: Path
) -> None:
    frictionless = pytest.importorskip("frictionless")
    store = DuckDBStore(tmp_path / "store.duckdb")
    try:
        initialize(store, standard)
        assert _load_agency(store, standard, slug, clock, tmp_path) > 0
        config = AgencyFolder.find(AGENCIES, slug).config()
        record = create_release(
            store,
            standard,
            agency_slug=slug,
            agency_name=config.name,
            policy=PublicationPolicy.parse(config.publication),
            releases_dir=tmp_path / "releases",
            clock=clock,
            sources=config.sources,
        )
        folder = tmp_path / record.path
        report = frictionless.validate(str(folder / "datapackage.json"))
        assert report.valid, report.flatten(["type", "note"])[:5]
        verification = verify_release(
            store, tmp_path / "releases", record.release_id, frictionless=False
        )
        assert verification.ok, verification.problems
        assert sum(record.summary["rows"].values()) > 0
        for stats in record.summary["suppression"].values():
            assert stats["k"] >= 11
    finally:
        store.close()
