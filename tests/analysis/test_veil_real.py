"""Veil of darkness on two real agencies, counted in the store (docs/methods/veil-of-darkness.md).

Hartford, CT and Owensboro, KY (Stanford Open Policing files, ingested through their mappings),
by each agency's own geography, with its time zone and centroid from agency.yaml. The store path
must give exactly the in-memory result, and the page's numbers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from openblotter.analysis import source
from openblotter.analysis.suite import agency_context
from openblotter.analysis.veil import veil_of_darkness
from openblotter.analysis.veil_store import veil_of_darkness_store
from tests.contract.golden import load, real_file

if TYPE_CHECKING:
    from pathlib import Path

    from openblotter.clock import FixedClock
    from openblotter.schema import Standard
    from openblotter.storage import Store

FILES = {
    "ct_hartford_pd": ("opp-ct-hartford", "ct_hartford_2020_04_01.csv", "district"),
    "ky_owensboro_pd": ("opp-ky-owensboro", "ky_owensboro_2020_04_01.csv", "sector"),
}
# agency, variant: odds ratio, 95 % interval, stops in the model
EXPECTED = {
    ("ct_hartford_pd", False): (1.191, (0.906, 1.566), 1_956),
    ("ct_hartford_pd", True): (1.546, (0.658, 3.634), 415),
    ("ky_owensboro_pd", False): (1.868, (1.197, 2.915), 1_180),
    ("ky_owensboro_pd", True): (0.970, (0.204, 4.617), 213),
}


def test_veil_of_darkness_store__real_agencies(
    store: Store, standard: Standard, clock: FixedClock, tmp_path: Path
) -> None:
    for agency, (folder, name, _) in FILES.items():
        path = real_file(folder, name, tmp_path)
        load(store, standard, clock, agency=agency, dataset="stops", path=path)
    with store.snapshot() as tx:
        for agency, (_, _, location) in FILES.items():
            context = agency_context(tx, agency)
            stops = source.run(
                source.subject_stops(agency).select(
                    "date", "time", "lat", "lng", "subject_race", location
                ),
                tx,
            )
            for dst in (False, True):
                ours = veil_of_darkness_store(tx, agency, location=location, dst=dst)
                theirs = veil_of_darkness(
                    stops,
                    timezone=context["timezone"],
                    centroid=context["centroid"],
                    location=location,
                    dst_window_days=21 if dst else None,
                )
                assert ours.estimates == theirs.estimates
                assert ours.filters == theirs.filters
                odds = ours.estimates[1]
                value, interval, n = EXPECTED[agency, dst]
                assert odds.value == pytest.approx(value, abs=5e-4)
                assert odds.interval == pytest.approx(interval, abs=5e-4)
                assert odds.n == n
