"""What one release published: its datasets, their dates and completeness, and its files.

Every page that shows a number of a release reads it through here, from the release's own files
(ADR 0006): ``manifest.json`` (files, their SHA-256 and sizes, row counts, suppression),
``completeness/datasets.csv`` and ``completeness/fields.csv`` (date ranges, what the agency never
provides) and ``datapackage.json`` (which field the aggregate tables use as geography). Each
number can then name the file it came from and that file's checksum ("show your work").
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

import polars as pl

from openblotter.errors import NotFoundError
from openblotter.schema import load_standard

if TYPE_CHECKING:
    from pathlib import Path

    from openblotter.publish.registry import ReleaseRecord
    from openblotter.schema.model import TableSchema
    from openblotter.web.i18n import Language
    from openblotter.web.portal import Portal

__all__ = [
    "DatasetSummary",
    "aggregate_path",
    "datapackage",
    "dataset_summary",
    "datasets",
    "file_ref",
    "geography_field",
    "never_provided",
    "release_ref",
    "schema_of",
]

_GEOGRAPHY = re.compile(r"\(geography: ([a-z_]+)\)")
_HIDDEN = frozenset({"agencies"})


@dataclass(frozen=True, slots=True)
class DatasetSummary:
    """One dataset of a release: its rows, dates and whether counts were published for it."""

    name: str
    title: str
    rows: int
    first_date: str | None
    last_date: str | None
    aggregated: bool
    unit: str | None

    def to_dict(self) -> dict[str, Any]:
        """The summary as JSON."""
        return {
            "name": self.name,
            "title": self.title,
            "rows": self.rows,
            "first_date": self.first_date,
            "last_date": self.last_date,
            "aggregated": self.aggregated,
            "unit": self.unit,
        }


def schema_of(dataset: str) -> TableSchema | None:
    """The standard's schema of ``dataset`` (None for a name the standard does not know)."""
    standard = load_standard()
    return standard.schema(dataset) if dataset in standard.datasets else None


def aggregate_path(portal: Portal, release: ReleaseRecord, dataset: str) -> str | None:
    """The release's aggregate table of ``dataset`` (Parquet), if it published one."""
    relative = f"aggregates/{dataset}.parquet"
    return relative if relative in portal.manifest(release).get("files", {}) else None


def _completeness(portal: Portal, release: ReleaseRecord, name: str) -> pl.DataFrame | None:
    relative = f"completeness/{name}.csv"
    if relative not in portal.manifest(release).get("files", {}):
        return None
    return portal.table(release, relative)


def datasets(portal: Portal, release: ReleaseRecord) -> list[DatasetSummary]:
    """The datasets the release published, in the standard's order."""
    manifest = portal.manifest(release)
    rows: dict[str, int] = manifest.get("rows", {})
    suppression: dict[str, dict[str, Any]] = manifest.get("suppression", {})
    dates: dict[str, tuple[str | None, str | None]] = {}
    table = _completeness(portal, release, "datasets")
    if table is not None:
        for row in table.iter_rows(named=True):
            first, last = row.get("first_date"), row.get("last_date")
            dates[str(row["dataset"])] = (
                str(first) if first is not None else None,
                str(last) if last is not None else None,
            )
    order = list(load_standard().datasets)
    names = sorted(
        (n for n in rows if n not in _HIDDEN),
        key=lambda n: (order.index(n) if n in order else len(order), n),
    )
    out = []
    for name in names:
        schema = schema_of(name)
        first, last = dates.get(name, (None, None))
        out.append(
            DatasetSummary(
                name=name,
                title=schema.title if schema else name,
                rows=int(rows[name]),
                first_date=first,
                last_date=last,
                aggregated=aggregate_path(portal, release, name) is not None,
                unit=str(suppression[name]["unit"]) if name in suppression else None,
            )
        )
    return out


def dataset_summary(portal: Portal, release: ReleaseRecord, dataset: str) -> DatasetSummary:
    """One published dataset of the release, or NotFoundError."""
    for summary in datasets(portal, release):
        if summary.name == dataset:
            return summary
    raise NotFoundError(f"release {release.short_id} publishes no dataset {dataset!r}")


def never_provided(portal: Portal, release: ReleaseRecord, dataset: str) -> list[dict[str, Any]]:
    """Fields of ``dataset`` that no record carries, toolkit fields first."""
    table = _completeness(portal, release, "fields")
    if table is None or "carried" not in table.columns:
        return []
    schema = schema_of(dataset)
    rows = table.filter((pl.col("dataset") == dataset) & (pl.col("carried") == 0))
    out = []
    for row in rows.iter_rows(named=True):
        name = str(row["field"])
        title = name
        if schema is not None and schema.has_field(name):
            title = schema.field(name).title
        toolkit = row.get("toolkit") or None
        out.append({"field": name, "title": title, "toolkit": str(toolkit) if toolkit else None})
    return sorted(out, key=lambda f: (f["toolkit"] is None, f["field"]))


def datapackage(portal: Portal, release: ReleaseRecord) -> dict[str, Any]:
    """The release's ``datapackage.json`` (cached: a registered release never changes)."""
    return _read_json(portal.folder(release) / "datapackage.json")


@lru_cache(maxsize=128)
def _read_json(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


@cache
def _geography_in(description: str) -> str | None:
    found = _GEOGRAPHY.search(description)
    return found.group(1) if found else None


def geography_field(portal: Portal, release: ReleaseRecord, dataset: str) -> str | None:
    """The field the release's aggregate table of ``dataset`` counts by as geography."""
    package = datapackage(portal, release)
    for resource in package.get("resources", []):
        if resource.get("name") == f"{dataset}_counts":
            return _geography_in(str(resource.get("description", "")))
    return None


def release_ref(release: ReleaseRecord, lang: Language) -> dict[str, Any]:
    """How a page names the release a number came from."""
    return {
        "id": release.release_id,
        "short_id": release.short_id,
        "version": release.version,
        "kind": release.kind,
        "released": release.created_at.date().isoformat(),
        "url": f"{lang.prefix}/releases/{release.short_id}",
        "manifest_url": f"/releases/{release.short_id}/files/manifest.json",
    }


def file_ref(portal: Portal, release: ReleaseRecord, relative: str) -> dict[str, Any]:
    """A file of the release with its size, checksum and download address."""
    entry = portal.manifest(release).get("files", {}).get(relative)
    if entry is None:
        raise NotFoundError(f"release {release.short_id} has no file {relative!r}")
    return {
        "path": relative,
        "bytes": int(entry["bytes"]),
        "sha256": str(entry["sha256"]),
        "url": f"/releases/{release.short_id}/files/{relative}",
    }
