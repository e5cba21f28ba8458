"""The register of releases (the ``releases`` table) and the verification of a release folder.

A release is registered only after its folder is complete and scanned; ``verify_release``
re-hashes every file of the folder against ``manifest.json``, checks that the manifest hashes to
the release id, that nothing is missing or added, that ``datapackage.json`` agrees with the
manifest and with the row counts of its CSVs, and validates the package with ``frictionless``
when that library is installed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import polars as pl

from openblotter.errors import IntegrityError, NotFoundError
from openblotter.ingest.readers import file_sha256

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable
    from pathlib import Path

    from openblotter.storage.base import Store, Transaction

__all__ = [
    "ReleaseRecord",
    "Verification",
    "find_release",
    "list_releases",
    "record_fields",
    "register",
    "verify_release",
]


@dataclass(frozen=True, slots=True)
class ReleaseRecord:
    """A registered release."""

    release_id: str
    agency_slug: str
    version: int
    kind: str
    reason: str
    supersedes: str | None
    content_sha256: str
    path: str
    created_at: dt.datetime
    status: str
    summary: dict[str, Any] = field(default_factory=dict)
    unchanged: bool = False

    @property
    def short_id(self) -> str:
        """The first 16 hex digits: the release's folder name."""
        return self.release_id[:16]


_COLUMNS = (
    "release_id, agency_slug, version, kind, reason, supersedes, content_sha256, path, "
    "created_at, status, summary"
)


def _record(row: tuple[Any, ...]) -> ReleaseRecord:
    values = list(row)
    values[-1] = json.loads(values[-1])
    return ReleaseRecord(*values)


def list_releases(store: Store, agency_slug: str | None = None) -> list[ReleaseRecord]:
    """Registered releases, newest first (of one agency when given)."""
    where, params = ("WHERE agency_slug = ?", [agency_slug]) if agency_slug else ("", [])
    sql = f"SELECT {_COLUMNS} FROM releases {where} ORDER BY agency_slug, version DESC"  # noqa: S608 - constant parts
    result = store.query(sql, params)
    return [_record(row) for row in result.rows]


def register(
    store: Store,
    release: ReleaseRecord,
    *,
    before_commit: Callable[[Transaction], None] | None = None,
) -> None:
    """Record a release; ``before_commit`` runs last in the same transaction.

    The audit entry and the approval request go there: the release and what records it commit
    together or not at all.
    """
    with store.transaction() as tx:
        tx.execute(
            f"INSERT INTO releases ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",  # noqa: S608 - constant
            [
                release.release_id,
                release.agency_slug,
                release.version,
                release.kind,
                release.reason,
                release.supersedes,
                release.content_sha256,
                release.path,
                release.created_at,
                release.status,
                json.dumps(release.summary, sort_keys=True),
            ],
        )
        if before_commit is not None:
            before_commit(tx)


def find_release(store: Store, release: str) -> ReleaseRecord:
    """The release whose id starts with ``release`` (at least 8 hex digits)."""
    if len(release) < 8:
        raise NotFoundError("give at least 8 characters of the release id")
    sql = f"SELECT {_COLUMNS} FROM releases WHERE release_id LIKE ?"  # noqa: S608 - constant
    result = store.query(sql, [release.lower() + "%"])
    if not result.rows:
        raise NotFoundError(f"no release {release!r} (see `blotter release list`)")
    if len(result.rows) > 1:
        raise NotFoundError(f"{release!r} names several releases; give more of the id")
    return _record(result.rows[0])


def record_fields(record: ReleaseRecord) -> dict[str, Any]:
    """A record's fields as keyword arguments (to copy it with a change)."""
    return {name: getattr(record, name) for name in record.__dataclass_fields__}


@dataclass(frozen=True, slots=True)
class Verification:
    """The outcome of ``verify_release``."""

    release: ReleaseRecord
    files: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        """Whether every check passed."""
        return not self.problems


def verify_release(
    store: Store, releases_dir: Path, release: str, *, frictionless: bool = True
) -> Verification:
    """Re-hash every file of a release against its manifest and check its data package."""
    record = find_release(store, release)
    folder = releases_dir.parent / record.path
    problems: list[str] = []
    manifest_path = folder / "manifest.json"
    if not manifest_path.exists():
        raise IntegrityError(f"release {record.short_id}: manifest.json is missing from {folder}")
    if file_sha256(manifest_path) != record.release_id:
        problems.append("manifest.json does not hash to the release id (it was edited)")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    listed: dict[str, dict[str, Any]] = manifest["files"]
    present = {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()} - {
        "manifest.json"
    }
    problems += [f"{name}: missing" for name in sorted(set(listed) - present)]
    problems += [f"{name}: not in the manifest" for name in sorted(present - set(listed))]
    for name in sorted(set(listed) & present):
        path = folder / name
        if (
            path.stat().st_size != listed[name]["bytes"]
            or file_sha256(path) != listed[name]["sha256"]
        ):
            problems.append(f"{name}: content differs from the manifest")
    if "datapackage.json" in present:
        package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
        for resource in package["resources"]:
            entry = listed.get(resource["path"])
            if entry is None or resource["hash"] != f"sha256:{entry['sha256']}":
                problems.append(
                    f"datapackage.json: {resource['path']} hash disagrees with the manifest"
                )
            elif resource["path"].endswith(".csv") and (folder / resource["path"]).exists():
                lines = (
                    pl.scan_csv(folder / resource["path"], infer_schema=False)
                    .select(pl.len())
                    .collect()
                    .item()
                )
                if lines != resource["rows"]:
                    problems.append(
                        f"{resource['path']}: {lines} rows, the package says {resource['rows']}"
                    )
        if frictionless and not problems:
            problems += _frictionless(folder / "datapackage.json")
    return Verification(release=record, files=len(listed), problems=problems)


def _frictionless(path: Path) -> list[str]:
    try:
        import frictionless
    except ImportError:  # the library is optional; the hashes above are the proof
        return []
    report = frictionless.validate(str(path))
    if report.valid:
        return []
    return [f"frictionless: {error}" for error in report.flatten(["type", "note"])[:20]]
