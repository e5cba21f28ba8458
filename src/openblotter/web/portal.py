"""What the public portal reads: agencies, registered releases and the files they published.

Only published material (ADR 0006): the ``agencies`` table (public by design), the release
registry and each release's own files (manifest, aggregates, completeness, data as Parquet) and
saved analysis results. Release folders never change once registered, so anything read from one
is cached by release id for the life of the process; the registry itself is re-read at most every
``ttl`` seconds, so a release published while the portal runs appears within that time.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import polars as pl

from openblotter.audit import TreeHead, has_audit_log, published_heads
from openblotter.errors import NotFoundError
from openblotter.publish.registry import ReleaseRecord, list_releases

if TYPE_CHECKING:
    from pathlib import Path

    from openblotter.storage import Store

__all__ = ["AgencyInfo", "Portal"]


@dataclass(frozen=True, slots=True)
class AgencyInfo:
    """An agency as the portal lists it."""

    slug: str
    name: str
    state: str | None
    agency_type: str | None
    website: str | None


class Portal:
    """The portal's read model over one store and its data folder."""

    def __init__(self, store: Store, data_dir: Path, *, ttl: float = 5.0) -> None:
        self.store = store
        self.data_dir = data_dir
        self.releases_dir = data_dir / "releases"
        self.analyses_dir = data_dir / "analyses"
        self._ttl = ttl
        self._lock = threading.Lock()
        self._loaded_at = -1e9
        self._releases: list[ReleaseRecord] = []
        self._agencies: dict[str, AgencyInfo] = {}
        self._head: TreeHead | None = None

    def _refresh(self) -> None:
        now = time.monotonic()
        if now - self._loaded_at < self._ttl:
            return
        with self._lock:
            if now - self._loaded_at < self._ttl:
                return
            releases = [r for r in list_releases(self.store) if r.status == "published"]
            slugs = sorted({r.agency_slug for r in releases})
            agencies: dict[str, AgencyInfo] = {}
            if slugs:
                marks = ", ".join("?" for _ in slugs)
                rows = self.store.query(
                    "SELECT agency_slug, name, state, agency_type, website FROM agencies "  # noqa: S608 - placeholders only
                    f"WHERE agency_slug IN ({marks}) ORDER BY name",
                    slugs,
                ).rows
                agencies = {row[0]: AgencyInfo(*row) for row in rows}
            heads = published_heads(self.store) if has_audit_log(self.store) else []
            self._head = heads[-1] if heads else None
            self._releases, self._agencies, self._loaded_at = releases, agencies, now

    def invalidate(self) -> None:
        """Re-read the registry on the next request (a release was just approved here)."""
        self._loaded_at = -1e9

    def state(self) -> tuple[object, ...]:
        """What every page depends on: the published releases, saved analyses, audit head.

        Pages are functions of this state, their path and query, so a rendered page can be
        reused until it changes (a new release or a newly saved analysis).
        """
        self._refresh()
        folder = self.analyses_dir
        saved = folder.stat().st_mtime_ns if folder.is_dir() else 0
        head = (self._head.size, self._head.root) if self._head else None
        return (tuple(r.release_id for r in self._releases), saved, head)

    def audit_head(self) -> TreeHead | None:
        """The audit log's latest published tree head (with a release, or daily)."""
        self._refresh()
        return self._head

    def agencies(self) -> list[AgencyInfo]:
        """Agencies with at least one published release, by name."""
        self._refresh()
        return list(self._agencies.values())

    def agency(self, slug: str) -> AgencyInfo:
        """One agency with a published release, or NotFoundError."""
        self._refresh()
        if slug not in self._agencies:
            raise NotFoundError(f"no published data for agency {slug!r}")
        return self._agencies[slug]

    def releases(self, agency: str | None = None) -> list[ReleaseRecord]:
        """Published releases, newest first (of one agency when given)."""
        self._refresh()
        chosen = [r for r in self._releases if agency is None or r.agency_slug == agency]
        return sorted(chosen, key=lambda r: (r.created_at, r.version), reverse=True)

    def latest(self, agency: str) -> ReleaseRecord:
        """The agency's newest published release."""
        found = self.releases(agency)
        if not found:
            raise NotFoundError(f"no published release of agency {agency!r}")
        return found[0]

    def release(self, release_id: str) -> ReleaseRecord:
        """A published release by its id or its 16-digit short id."""
        for record in self.releases():
            if release_id in {record.release_id, record.short_id}:
                return record
        raise NotFoundError(f"no published release {release_id!r}")

    def folder(self, release: ReleaseRecord) -> Path:
        """The release's folder on disk."""
        return self.releases_dir / release.agency_slug / release.short_id

    def manifest(self, release: ReleaseRecord) -> dict[str, Any]:
        """The release manifest (cached: a registered release never changes)."""
        return _read_json(self.folder(release) / "manifest.json")

    def table(self, release: ReleaseRecord, relative: str) -> pl.DataFrame:
        """A Parquet or CSV file the release published (``aggregates/stops.parquet``)."""
        return _read_table(self.folder(release) / relative)

    def analyses(self, agency: str) -> dict[str, Any] | None:
        """The saved analysis results of an agency, or ``None`` when none were saved."""
        path = self.analyses_dir / f"{agency}.json"
        if not path.exists():
            return None
        stat = path.stat()
        return _read_json_versioned(path, stat.st_mtime_ns)


@lru_cache(maxsize=256)
def _read_json(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


@lru_cache(maxsize=64)
def _read_json_versioned(path: Path, _version: int) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


@lru_cache(maxsize=256)
def _read_table(path: Path) -> pl.DataFrame:
    if path.suffix == ".parquet":
        return pl.read_parquet(path)
    return pl.read_csv(path, infer_schema_length=None)
