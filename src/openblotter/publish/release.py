"""Releases: immutable, versioned, verifiable packages of an agency's public data.

``create_release`` reads one consistent snapshot of the store, passes every table through the
de-identification step (the only way a table becomes public), writes it as CSV, NDJSON, Parquet
and XLSX with suppressed aggregates, the completeness report, ``datapackage.json`` and an HTML
data dictionary, scans the written files for leaks, and only then moves the folder into place
and registers it. A release is named by the SHA-256 of its ``manifest.json``, which lists the
SHA-256 of every other file; the same store state gives the same bytes, so creating a release
twice gives the existing one back. A later release carries a changelog entry saying what changed
since the previous one (which rows), why and when; older releases stay where they are.

Layout of ``<data_dir>/releases/<agency>/<id16>/``::

    manifest.json  datapackage.json  dictionary.html  CHANGELOG.md
    data/<dataset>.{csv,ndjson,parquet,xlsx}
    aggregates/<dataset>.{csv,parquet}
    completeness/{datasets,fields,months}.csv
    changes/<dataset>.csv          (rows added, removed or changed since the previous release)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import polars as pl

from openblotter.errors import IntegrityError, LeakDetectedError, NotFoundError
from openblotter.privacy.deidentify import deidentify, published_fields
from openblotter.privacy.identifiers import (
    KNOWN,
    NAMES,
    family_root,
    identifier_fields,
    record_identifiers,
)
from openblotter.privacy.policy import LICENCES
from openblotter.publish.aggregates import aggregate, choose_geography
from openblotter.publish.completeness import completeness, date_field
from openblotter.publish.datapackage import frame_fields, published_schema, to_html
from openblotter.publish.leakscan import Sensitive, scan
from openblotter.publish.writers import write_table
from openblotter.schema.ddl import quote
from openblotter.schema.frames import frame_schema
from openblotter.schema.model import PrivacyClass

if TYPE_CHECKING:
    from pathlib import Path

    from openblotter.clock import Clock
    from openblotter.privacy.policy import PublicationPolicy
    from openblotter.schema.registry import Standard
    from openblotter.storage.base import Store, Transaction

__all__ = [
    "RECORD_FORMATS",
    "ReleaseRecord",
    "Verification",
    "create_release",
    "find_release",
    "list_releases",
    "read_agency_frames",
    "verify_release",
]

RECORD_FORMATS = ("csv", "ndjson", "parquet", "xlsx")
_FORMAT_VERSION = "1"
_MEDIA = {
    "csv": "text/csv",
    "ndjson": "application/x-ndjson",
    "parquet": "application/vnd.apache.parquet",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


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


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_agency_frames(
    tx: Transaction, standard: Standard, agency_slug: str, *, cutoff: dt.date | None = None
) -> dict[str, pl.DataFrame]:
    """Every dataset's stored records of one agency (restricted fields included), key-ordered.

    An agency's records are its own and those its batches loaded: a collector (the FBI's hate
    crime file, a state's stop data) releases the records of every agency it delivered.

    Records dated after ``cutoff`` (the release lag) are left out, and so are the child records
    of a left-out root (the subjects of a held-back stop).
    """
    frames: dict[str, pl.DataFrame] = {}
    for dataset in standard.datasets:
        schema = standard.schema(dataset)
        columns = ", ".join(quote(f.name) for f in schema.fields)
        order = ", ".join(quote(k) for k in schema.primary_key)
        frame = tx.frame(
            f"SELECT {columns} FROM {quote(dataset)} WHERE agency_slug = ? OR _batch_id IN "  # noqa: S608 - identifiers quoted
            f"(SELECT batch_id FROM batches WHERE agency_slug = ?) ORDER BY {order}",
            [agency_slug, agency_slug],
            schema=frame_schema(schema),
        )
        if frame.is_empty():
            continue
        column = date_field(schema)
        if cutoff is not None and column:
            frame = frame.filter(
                pl.col(column).is_null() | (pl.col(column).cast(pl.Date) <= cutoff)
            )
        root, key = family_root(standard, dataset)
        if root != dataset and root in frames:
            parent_key = standard.schema(root).primary_key
            kept = (
                frames[root]
                .select(list(parent_key))
                .rename(dict(zip(parent_key, key, strict=True)))
            )
            frame = frame.join(kept, on=list(key), how="semi", maintain_order="left")
        frames[dataset] = frame
    return frames


def _family_identifiers(
    standard: Standard, frames: dict[str, pl.DataFrame]
) -> dict[str, tuple[tuple[str, ...], pl.DataFrame]]:
    """Per family root: its key and every member's identifiers, keyed by the root's key."""
    families: dict[str, list[pl.DataFrame]] = {}
    keys: dict[str, tuple[str, ...]] = {}
    for dataset, frame in frames.items():
        root, key = family_root(standard, dataset)
        root_key = standard.schema(root).primary_key
        ids = record_identifiers(frame, standard.schema(dataset), list(key))
        families.setdefault(root, []).append(ids.rename(dict(zip(key, root_key, strict=True))))
        keys[root] = root_key
    out = {}
    for root, parts in families.items():
        columns = list(keys[root])
        merged = (
            pl.concat(parts)
            .group_by(columns, maintain_order=True)
            .agg(
                pl.col(NAMES)
                .list.explode(keep_nulls=False, empty_as_null=False)
                .drop_nulls()
                .unique(maintain_order=True),
                pl.col(KNOWN)
                .list.explode(keep_nulls=False, empty_as_null=False)
                .drop_nulls()
                .unique(maintain_order=True),
            )
        )
        merged = merged.filter((pl.col(NAMES).list.len() > 0) | (pl.col(KNOWN).list.len() > 0))
        out[root] = (keys[root], merged)
    return out


def _sensitive(
    standard: Standard,
    frames: dict[str, pl.DataFrame],
    families: dict[str, tuple[tuple[str, ...], pl.DataFrame]],
    policy: PublicationPolicy,
    texts: dict[str, list[str]],
) -> Sensitive:
    sensitive = Sensitive(canaries=list(policy.canaries))
    public_names = {
        f.name
        for d in frames
        for f in standard.schema(d).fields
        if f.privacy != PrivacyClass.RESTRICTED
    }
    for dataset, frame in frames.items():
        schema = standard.schema(dataset)
        sensitive.restricted_columns |= {
            f.name for f in schema.fields if f.privacy == PrivacyClass.RESTRICTED
        } - public_names
        name_fields, other_fields = identifier_fields(schema)
        names = [f.name for f in name_fields if f.name in frame.columns]
        if len(names) >= 2:
            for row in frame.select(names).drop_nulls().iter_rows():
                sensitive.add_value(" ".join(row), f"{dataset}: {' + '.join(names)}")
        for fld in other_fields:
            if fld.type == "string" and fld.name in frame.columns:
                for value in frame.get_column(fld.name).drop_nulls().unique().to_list():
                    sensitive.add_value(value, f"{dataset}.{fld.name}")
    for dataset, columns in texts.items():
        root, key = family_root(standard, dataset)
        if root in families:
            root_key, ids = families[root]
            sensitive.records[dataset] = (
                list(key),
                ids.rename(dict(zip(root_key, key, strict=True))),
                columns,
            )
    return sensitive


def _resource(folder: Path, path: Path, name: str, title: str, rows: int) -> dict[str, Any]:
    return {
        "name": name,
        "title": title,
        "path": str(path.relative_to(folder)),
        "format": path.suffix.lstrip("."),
        "mediatype": _MEDIA.get(path.suffix.lstrip("."), "text/plain"),
        "encoding": "utf-8",
        "bytes": path.stat().st_size,
        "hash": f"sha256:{_sha256(path)}",
        "rows": rows,
    }


def _alternates(folder: Path, paths: list[Path]) -> list[dict[str, Any]]:
    return [
        {
            "path": str(p.relative_to(folder)),
            "format": p.suffix.lstrip("."),
            "mediatype": _MEDIA[p.suffix.lstrip(".")],
            "bytes": p.stat().st_size,
            "hash": f"sha256:{_sha256(p)}",
        }
        for p in paths
    ]


def _row_digest(frame: pl.DataFrame, columns: list[str]) -> pl.Expr:
    """A hash of each row's values in ``columns`` (lists joined, nulls marked)."""
    parts = [
        (
            pl.col(c).list.join("\x1e")
            if isinstance(frame.schema[c], pl.List)
            else pl.col(c).cast(pl.String)
        ).fill_null("\x00")
        for c in columns
    ]
    return pl.concat_str(parts, separator="\x1f").hash()


def _changes(
    previous: Path | None, dataset: str, key: list[str], public: pl.DataFrame
) -> pl.DataFrame | None:
    """Rows added, removed or changed since the release in ``previous`` (None: no previous)."""
    if previous is None:
        return None
    old_path = previous / "data" / f"{dataset}.parquet"
    digest = _row_digest(public, public.columns)
    new = public.select(*key, digest.alias("_new"))
    if not old_path.exists():
        return new.select(*key, pl.lit("added").alias("change"))
    old_frame = pl.read_parquet(old_path)
    common = [c for c in public.columns if c in old_frame.columns]
    old_digest = _row_digest(old_frame, common)
    old = old_frame.select(*key, old_digest.alias("_old"))
    joined = new.join(old, on=key, how="full", coalesce=True)
    return (
        joined.with_columns(
            pl.when(pl.col("_old").is_null())
            .then(pl.lit("added"))
            .when(pl.col("_new").is_null())
            .then(pl.lit("removed"))
            .when(pl.col("_new") != pl.col("_old"))
            .then(pl.lit("changed"))
            .otherwise(None)
            .alias("change")
        )
        .filter(pl.col("change").is_not_null())
        .select(*key, "change")
        .sort(key)
    )


def _json(data: Any) -> bytes:
    return (
        json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n"
    ).encode()


def create_release(
    store: Store,
    standard: Standard,
    *,
    agency_slug: str,
    agency_name: str,
    policy: PublicationPolicy,
    releases_dir: Path,
    clock: Clock,
    datasets: list[str] | None = None,
    reason: str = "",
    correction: bool = False,
    sources: list[dict[str, Any]] | None = None,
) -> ReleaseRecord:
    """Build, scan and register a release of ``agency_slug``'s data (see the module doc)."""
    if correction and not reason.strip():
        raise IntegrityError("a correction needs a reason (--reason): the changelog must say why")
    today = clock.now().date()
    cutoff = today - dt.timedelta(days=policy.lag_days)
    with store.snapshot() as tx:
        frames = read_agency_frames(tx, standard, agency_slug, cutoff=cutoff)
        batches = tx.query(
            "SELECT batch_id, file_name, file_sha256, mapping, mapping_version FROM batches "
            "WHERE agency_slug = ? AND status = 'committed' ORDER BY batch_id",
            [agency_slug],
        ).as_dicts()
    if datasets:
        unknown = sorted(set(datasets) - set(standard.datasets))
        if unknown:
            raise NotFoundError(f"no dataset {', '.join(unknown)} in the standard")
        frames = {d: f for d, f in frames.items() if d in datasets or d == "agencies"}
    if not any(d != "agencies" for d in frames):
        raise NotFoundError(f"the store holds no records of agency {agency_slug!r} to release")
    previous = next(iter(list_releases(store, agency_slug)), None)
    previous_dir = (releases_dir.parent / previous.path) if previous else None
    if previous_dir is not None and not (previous_dir / "manifest.json").exists():
        raise IntegrityError(
            f"release {previous.short_id if previous else ''} is registered but its folder "
            f"{previous_dir} is missing; restore it from a backup before releasing again"
        )

    agency_dir = releases_dir / agency_slug
    staging = agency_dir / f".staging-{uuid.uuid4().hex}"
    staging.mkdir(parents=True)
    try:
        record = _build(
            standard=standard,
            frames=frames,
            batches=batches,
            folder=staging,
            policy=policy,
            agency_slug=agency_slug,
            agency_name=agency_name,
            sources=sources or [],
            previous=previous,
            previous_dir=previous_dir,
            reason=reason,
            correction=correction,
            today=today,
        )
        if previous is not None and record["content_sha256"] == previous.content_sha256:
            shutil.rmtree(staging)
            return ReleaseRecord(**{**_fields(previous), "unchanged": True})
        manifest_bytes = (staging / "manifest.json").read_bytes()
        release_id = hashlib.sha256(manifest_bytes).hexdigest()
        final = agency_dir / release_id[:16]
        if final.exists():
            shutil.rmtree(staging)
        else:
            staging.rename(final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    version = (previous.version + 1) if previous else 1
    release = ReleaseRecord(
        release_id=release_id,
        agency_slug=agency_slug,
        version=version,
        kind=record["kind"],
        reason=reason,
        supersedes=previous.release_id if previous else None,
        content_sha256=record["content_sha256"],
        path=str(final.relative_to(releases_dir.parent)),
        created_at=clock.now(),
        status="published",
        summary=record["summary"],
    )
    try:
        with store.transaction() as write:
            write.execute(
                f"INSERT INTO releases ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",  # noqa: S608 - constant
                [
                    release.release_id,
                    agency_slug,
                    version,
                    release.kind,
                    reason,
                    release.supersedes,
                    release.content_sha256,
                    release.path,
                    release.created_at,
                    release.status,
                    json.dumps(release.summary, sort_keys=True),
                ],
            )
    except BaseException:
        shutil.rmtree(final, ignore_errors=True)
        raise
    return release


def _fields(record: ReleaseRecord) -> dict[str, Any]:
    return {name: getattr(record, name) for name in record.__dataclass_fields__}


def _build(
    *,
    standard: Standard,
    frames: dict[str, pl.DataFrame],
    batches: list[dict[str, Any]],
    folder: Path,
    policy: PublicationPolicy,
    agency_slug: str,
    agency_name: str,
    sources: list[dict[str, Any]],
    previous: ReleaseRecord | None,
    previous_dir: Path | None,
    reason: str,
    correction: bool,
    today: dt.date,
) -> dict[str, Any]:
    families = _family_identifiers(standard, frames)
    resources: list[dict[str, Any]] = []
    rows: dict[str, int] = {}
    texts: dict[str, list[str]] = {}
    changes: dict[str, dict[str, int]] = {}
    for dataset, frame in frames.items():
        schema = standard.schema(dataset)
        if dataset in policy.aggregate_only:
            continue
        fields = published_fields(schema, policy)
        root, key = family_root(standard, dataset)
        ids = None
        if root in families:
            root_key, root_ids = families[root]
            ids = root_ids.rename(dict(zip(root_key, key, strict=True)))
        public = deidentify(schema, frame, policy, identifiers=ids, family_key=key)
        redacted = [p.name for p in fields if p.treatment == "redact_text"]
        if redacted:
            texts[dataset] = redacted
        delimiters = {p.name: p.field.delimiter or ";" for p in fields if p.type == "list"}
        paths = write_table(
            public, folder / "data", dataset, formats=RECORD_FORMATS, delimiters=delimiters
        )
        resource = _resource(folder, paths[0], dataset, schema.title, public.height)
        resource["description"] = f"{schema.description} One row per {schema.grain}."
        resource["profile"] = "tabular-data-resource"
        resource["dialect"] = {"delimiter": ",", "header": True}
        resource["schema"] = published_schema(schema, fields, standard)
        resource["alternates"] = _alternates(folder, paths[1:])
        resources.append(resource)
        rows[dataset] = public.height
        diff = _changes(previous_dir, dataset, list(schema.primary_key), public)
        if diff is not None and diff.height:
            (folder / "changes").mkdir(exist_ok=True)
            diff.write_csv(folder / "changes" / f"{dataset}.csv")
            changes[dataset] = {
                c: int(n) for c, n in diff.group_by("change").len().sort("change").iter_rows()
            }
    suppression: dict[str, dict[str, int | str]] = {}
    for dataset, frame in frames.items():
        schema = standard.schema(dataset)
        geography = choose_geography(frame, policy.aggregate_geography)
        result = aggregate(
            standard,
            dataset,
            frames,
            k=policy.min_cell,
            geography=geography,
            date_column=date_field(schema),
        )
        if result is None:
            continue
        table, unit = result
        name = f"{dataset}_counts"
        paths = write_table(table.table, folder / "aggregates", dataset, formats=("csv", "parquet"))
        resource = _resource(
            folder, paths[0], name, f"{schema.title}: counts of {unit}", table.table.height
        )
        resource["description"] = (
            f"Counts of {unit} by every one and two of the dimensions"
            f"{' (geography: ' + geography + ')' if geography else ''}; 'all' where a row does "
            f"not break down by a dimension. Counts from 1 to {table.k - 1} are suppressed, and "
            "so are the cells that would let a reader recover them (empty count, "
            "suppressed = true)."
        )
        resource["profile"] = "tabular-data-resource"
        resource["schema"] = frame_fields(
            table.table,
            {
                "count": f"Number of {unit}; empty when suppressed.",
                "suppressed": "Whether the count is withheld.",
            },
        )
        resource["alternates"] = _alternates(folder, paths[1:])
        resources.append(resource)
        suppression[dataset] = {
            "k": table.k,
            "cells": table.table.height,
            "primary": table.primary,
            "complementary": table.complementary,
            "unit": unit,
        }
    report = completeness(standard, {d: f for d, f in frames.items() if d != "agencies"})
    (folder / "completeness").mkdir()
    for name, table_frame in (
        ("datasets", report.datasets),
        ("fields", report.fields),
        ("months", report.months),
    ):
        path = folder / "completeness" / f"{name}.csv"
        table_frame.write_csv(path)
        resource = _resource(
            folder, path, f"completeness_{name}", f"Completeness: {name}", table_frame.height
        )
        resource["profile"] = "tabular-data-resource"
        resource["schema"] = frame_fields(table_frame, {})
        resources.append(resource)
    licence_title, licence_url = LICENCES[policy.licence]
    package = {
        "name": f"{agency_slug.replace('_', '-')}-release",
        "title": f"{agency_name}: public data",
        "description": (
            f"Public records of {agency_name}, published with OpenBlotter under the standard "
            f"{standard.version}. Restricted fields are withheld; see each field's description for "
            "how it was coarsened."
        ),
        "licenses": [{"name": policy.licence, "title": licence_title, "path": licence_url}],
        "sources": [
            {"title": s.get("file", "source"), "path": s["url"]} for s in sources if s.get("url")
        ],
        "resources": resources,
    }
    (folder / "datapackage.json").write_bytes(_json(package))
    (folder / "dictionary.html").write_text(to_html(package), encoding="utf-8")
    files = {
        str(p.relative_to(folder)): {"sha256": _sha256(p), "bytes": p.stat().st_size}
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not str(p.relative_to(folder)).startswith("changes")
    }
    content = hashlib.sha256(_json(files)).hexdigest()
    if previous is not None and content == previous.content_sha256:
        return {"content_sha256": content, "kind": previous.kind, "summary": previous.summary}
    kind = "correction" if correction else "release"
    entry = {
        "date": today.isoformat(),
        "kind": kind,
        "reason": reason,
        "supersedes": previous.release_id if previous else None,
        "changes": changes,
    }
    old_log = (previous_dir / "CHANGELOG.md").read_text(encoding="utf-8") if previous_dir else ""
    lines = [f"## {today.isoformat()} — {kind}", ""]
    if reason:
        lines += [f"Why: {reason}", ""]
    if previous is None:
        lines += ["First release.", ""]
    else:
        lines += [
            f"Supersedes release {previous.release_id[:16]} (version {previous.version}).",
            "",
        ]
        for dataset, counts in sorted(changes.items()):
            described = ", ".join(f"{n} {c}" for c, n in counts.items())
            lines.append(f"- {dataset}: {described} (rows listed in changes/{dataset}.csv)")
        if not changes:
            lines.append("- no record-level rows changed")
        lines.append("")
    header = f"# Changelog of {agency_name} releases\n\n"
    body = old_log.removeprefix(header)
    (folder / "CHANGELOG.md").write_text(header + "\n".join(lines) + "\n" + body, encoding="utf-8")
    summary = {"rows": rows, "suppression": suppression, "changes": changes}
    for p in sorted(folder.rglob("*")):
        rel = str(p.relative_to(folder))
        if p.is_file() and rel not in files:
            files[rel] = {"sha256": _sha256(p), "bytes": p.stat().st_size}
    manifest = {
        "format": _FORMAT_VERSION,
        "agency": {"slug": agency_slug, "name": agency_name},
        "standard": standard.version,
        "policy": policy.model_dump(mode="json", exclude={"canaries"}),
        "store_state": {"batches": batches},
        "files": files,
        "content_sha256": content,
        "rows": rows,
        "suppression": suppression,
        "leak_scan": {
            "files": len(files),
            "canaries": len(policy.canaries),
        },
        "changelog": entry,
    }
    (folder / "manifest.json").write_bytes(_json(manifest))
    findings = scan(folder, _sensitive(standard, frames, families, policy, texts))
    if findings:
        listed = "; ".join(f"{f.file}: {f.kind} ({f.source})" for f in findings[:10])
        raise LeakDetectedError(
            f"release of {agency_slug} refused, {len(findings)} leak(s) found: {listed}. "
            "Nothing was published."
        )
    return {"content_sha256": content, "kind": kind, "summary": summary}


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
    if _sha256(manifest_path) != record.release_id:
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
        if path.stat().st_size != listed[name]["bytes"] or _sha256(path) != listed[name]["sha256"]:
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
