"""A small published site for the page tests: two releases of synthetic stops and saved analyses.

Eight hundred stopped people over 2025 in four districts with coordinates, most of them white,
black or hispanic and a handful asian/pacific islander or other (so the release withholds some
counts), are ingested through the real path and released; forty more stops then arrive and a
correction is released, so the second release has a changelog and ``changes/`` files. The saved
analyses hold a rates result (one estimate under the small-count threshold), a threshold result
broken down by district and a method that failed, made publishable by the suite's own
:func:`~openblotter.analysis.suite.publishable`.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl
from fastapi.testclient import TestClient

from openblotter.analysis.result import Estimate, Result
from openblotter.analysis.suite import Failure, publishable
from openblotter.clock import FixedClock
from openblotter.privacy.policy import PublicationPolicy
from openblotter.publish.release import create_release
from openblotter.testing.storefill import SYNTHETIC_AGENCY, load_frames
from openblotter.web.app import create_app
from openblotter.web.portal import Portal

if TYPE_CHECKING:
    from pathlib import Path

    from openblotter.publish.registry import ReleaseRecord
    from openblotter.schema import Standard
    from openblotter.storage import Store

AGENCY = SYNTHETIC_AGENCY.slug
NAME = SYNTHETIC_AGENCY.name
DISTRICTS = {"A": (41.76, -72.68), "B": (41.78, -72.70), "C": (41.74, -72.71), "D": (41.80, -72.66)}
RACES = ("white", "black", "hispanic", "asian/pacific islander", "other")
SHARES = (0.5, 0.3, 0.17, 0.02, 0.01)


def frames(n: int, seed: int, first_id: int = 0) -> dict[str, pl.DataFrame]:
    """``n`` stops of one person each, spread over 2025 and the four districts."""
    rng = np.random.default_rng(seed)
    names = list(DISTRICTS)
    district = rng.integers(0, len(names), n)
    race = rng.choice(len(RACES), n, p=SHARES)
    ids = [f"s{first_id + i:05d}" for i in range(n)]
    lat = [DISTRICTS[names[d]][0] + rng.normal(0, 0.004) for d in district]
    lng = [DISTRICTS[names[d]][1] + rng.normal(0, 0.004) for d in district]
    stops = pl.DataFrame(
        {
            "stop_id": ids,
            "date": [dt.date(2025, 1 + i % 12, 1 + (i * 7) % 28) for i in range(n)],
            "type": ["vehicular"] * n,
            "district": [names[d] for d in district],
            "lat": lat,
            "lng": lng,
        }
    )
    subjects = pl.DataFrame(
        {
            "stop_id": ids,
            "subject_seq": [1] * n,
            "subject_race": [RACES[r] for r in race],
            "subject_sex": ["male" if rng.random() < 0.7 else "female" for _ in range(n)],
            "subject_age": rng.integers(16, 80, n),
            "search_conducted": rng.random(n) < 0.1,
        }
    )
    return {"stops": stops, "stop_subjects": subjects}


def _release(
    store: Store, standard: Standard, data_dir: Path, when: dt.datetime, **options: Any
) -> ReleaseRecord:
    return create_release(
        store,
        standard,
        agency_slug=AGENCY,
        agency_name=NAME,
        policy=PublicationPolicy(lag_days=7),
        releases_dir=data_dir / "releases",
        clock=FixedClock(when),
        sources=[{"file": "stops.csv", "url": "https://example.org/stops"}],
        **options,
    )


def build_site(
    store: Store, standard: Standard, data_dir: Path, work: Path
) -> tuple[ReleaseRecord, ReleaseRecord]:
    """Both releases (the first, then its correction) and the saved analyses."""
    (work / "one").mkdir(parents=True)
    (work / "two").mkdir()
    load_frames(store, standard, frames(800, seed=7), work / "one")
    first = _release(store, standard, data_dir, dt.datetime(2026, 3, 1, tzinfo=dt.UTC))
    load_frames(store, standard, frames(40, seed=8, first_id=800), work / "two")
    second = _release(
        store,
        standard,
        data_dir,
        dt.datetime(2026, 4, 1, tzinfo=dt.UTC),
        correction=True,
        reason="forty late stops were added",
    )
    manifest = json.loads((data_dir / second.path / "manifest.json").read_text())
    batches = ",".join(str(b["batch_id"]) for b in manifest["store_state"]["batches"])
    save_analyses(data_dir, batches)
    return first, second


def _rates(batches: str) -> Result:
    estimates = [
        Estimate("search_rate", 0.12, {"group": "black"}, (0.09, 0.15), n=250),
        Estimate("search_rate", 0.08, {"group": "white"}, (0.06, 0.10), n=400),
        Estimate("search_rate", 0.5, {"group": "other"}, (0.1, 0.9), n=6),
        Estimate(
            "rate_ratio",
            1.5,
            {"group": "black", "reference": "white", "outcome": "search_conducted"},
            (1.1, 2.0),
            n=650,
        ),
    ]
    return Result(
        method="rates-and-benchmarks",
        estimates=tuple(estimates),
        filters=("stopped people whose race is known",),
        caveats=("Search rates compare people who were stopped, not residents.",),
        provenance={"agency": AGENCY, "batches": batches},
        diagnostics={"groups": 3.0},
        summary="Black people were searched at 1.5 times the rate of white people.",
    )


def _thresholds(batches: str) -> Result:
    estimates = [
        Estimate("threshold", 0.01 * (i + 1), {"location": d, "group": g}, (0.005, 0.03), n=60)
        for i, (d, g) in enumerate((d, g) for d in DISTRICTS for g in ("black", "white"))
    ]
    return Result(
        method="threshold-test",
        estimates=tuple(estimates),
        filters=("location x group cells with at least one search",),
        caveats=("Thresholds are model-based.",),
        provenance={"agency": AGENCY, "batches": batches},
        diagnostics={"rhat_max": 1.01, "model": "beta"},
    )


def save_analyses(data_dir: Path, batches: str) -> dict[str, Any]:
    """The agency's saved analyses, as ``blotter analyze suite --save`` writes them."""
    document = publishable(
        [
            _rates(batches),
            _thresholds(batches),
            Failure(
                "veil-of-darkness",
                "Stops in daylight and after dark (veil of darkness)",
                "the veil of darkness needs clock times, and the stops record none",
            ),
        ],
        agency=AGENCY,
        min_cell=11,
        generated_at="2026-04-02T10:00:00+00:00",
    )
    folder = data_dir / "analyses"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{AGENCY}.json").write_text(json.dumps(document), encoding="utf-8")
    return document


def client_for(store: Store, data_dir: Path) -> TestClient:
    """A test client of the portal over ``store`` and ``data_dir`` (no rate limit to speak of)."""
    app = create_app(Portal(store, data_dir), rate=1e6, burst=10**6)
    return TestClient(app, raise_server_exceptions=True)
