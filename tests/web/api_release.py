"""A small published release for the API, explorer and security tests.

Ninety stops (with names, dates of birth, plates and narratives the release must withhold) are
ingested into a store and released with the real ``create_release``; stop ``S001``'s district
is a spreadsheet formula, so the CSV export must neutralise it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi.testclient import TestClient

from openblotter.clock import FixedClock
from openblotter.privacy.policy import PublicationPolicy
from openblotter.publish.release import create_release
from openblotter.web.app import create_app
from openblotter.web.portal import Portal
from tests.publish.conftest import (
    AGENCY,
    CANARY_FIRST,
    CANARY_PLATE,
    NOW,
    load_sensitive,
    sensitive_rows,
)

if TYPE_CHECKING:
    from pathlib import Path

    from openblotter.publish.registry import ReleaseRecord
    from openblotter.schema import Standard
    from openblotter.storage import Store

__all__ = ["AGENCY", "FORMULA", "client_for", "publish", "publish_on_duckdb"]

FORMULA = '=HYPERLINK("http://example.invalid","x")'


def publish(store: Store, standard: Standard, data_dir: Path, work: Path) -> ReleaseRecord:
    """Ingest the ninety stops into ``store`` and release them into ``data_dir/releases``."""
    rows = sensitive_rows(S001={"district": FORMULA})
    load_sensitive(store, standard, work, rows)
    return create_release(
        store,
        standard,
        agency_slug=AGENCY,
        agency_name="Test Police Department",
        policy=PublicationPolicy(canaries=(CANARY_FIRST, CANARY_PLATE), lag_days=7),
        releases_dir=data_dir / "releases",
        clock=FixedClock(NOW),
        sources=[{"file": "stops.csv", "url": "https://example.org/stops"}],
    )


def client_for(
    store: Store, data_dir: Path, *, rate: float = 1e6, burst: int = 10**6
) -> TestClient:
    """A test client of the portal app over ``store`` and ``data_dir``."""
    app = create_app(Portal(store, data_dir), rate=rate, burst=burst)
    return TestClient(app, raise_server_exceptions=False)


def publish_on_duckdb(standard: Standard, root: Path) -> tuple[Store, ReleaseRecord, Path]:
    """A DuckDB store under ``root`` with the release published: (store, release, data dir)."""
    from openblotter.settings import Settings
    from openblotter.storage import open_store
    from openblotter.storage.lifecycle import initialize

    data_dir = root / "data"
    store = open_store(Settings(data_dir=data_dir, database_url=None))
    initialize(store, standard)
    return store, publish(store, standard, data_dir, root), data_dir
