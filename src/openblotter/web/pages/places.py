"""Where each place is: the mean published coordinates of its records.

The map of counts by district (or beat, precinct…) is built from the data's own geography: a
place sits at the mean latitude and longitude of the records the release published for it (the
coordinates are already rounded or moved to a hexagon's centre by the release). The query is
kept to show with the map; places whose records carry no coordinates have none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import duckdb

from openblotter.web.pages.tally import run_query

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["Centroids", "centroids"]

_FIELD = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True, slots=True)
class Centroids:
    """Mean coordinates by place, and the query that computed them."""

    places: dict[str, tuple[float, float, int]]
    query: str
    params: dict[str, str]

    def to_dict(self) -> dict[str, Any]:
        """The query as JSON (the coordinates travel with each place)."""
        return {"query": self.query, "params": self.params}


def centroids(path: Path, relative: str, field: str) -> Centroids:
    """Mean ``lat``/``lng`` of the records in ``path`` by ``field`` (a published field name)."""
    if not _FIELD.match(field):
        raise ValueError(f"not a field name: {field!r}")
    return _centroids(path, relative, field)


@lru_cache(maxsize=128)
def _centroids(path: Path, relative: str, field: str) -> Centroids:
    sql = (
        f'SELECT CAST("{field}" AS VARCHAR) AS "place", avg("lat") AS "lat", '  # noqa: S608 - a checked field name; the file is bound
        'avg("lng") AS "lng", count(*) AS "records" FROM read_parquet($file) '
        f'WHERE "{field}" IS NOT NULL AND "lat" IS NOT NULL AND "lng" IS NOT NULL '
        "GROUP BY ALL ORDER BY 1"
    )
    try:
        rows = run_query(sql, {"file": str(path)})
    except duckdb.Error:  # a release without coordinates has no map positions
        rows = []
    places = {
        str(place): (float(lat), float(lng), int(n))
        for place, lat, lng, n in rows
        if lat is not None and lng is not None
    }
    return Centroids(places=places, query=sql, params={"file": relative})
