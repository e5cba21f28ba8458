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
from typing import TYPE_CHECKING, Any

from openblotter.audit import current_head, has_audit_log, publish_head
from openblotter.errors import IntegrityError, LeakDetectedError, NotFoundError
from openblotter.ingest.readers import file_sha256
from openblotter.privacy.deidentify import deidentify, published_fields
from openblotter.privacy.identifiers import family_root
from openblotter.privacy.policy import LICENCES
from openblotter.publish.aggregates import aggregate, choose_geography
from openblotter.publish.completeness import completeness, date_field
from openblotter.publish.datapackage import (
    alternate_entries,
    frame_fields,
    published_schema,
    resource_entry,
    to_html,
)
from openblotter.publish.errata import changelog
from openblotter.publish.errata import changes as changed_rows
from openblotter.publish.leakscan import scan, sensitive_values
from openblotter.publish.registry import (
    ReleaseRecord,
    Verification,
    find_release,
    list_releases,
    record_fields,
    register,
    verify_release,
)
from openblotter.publish.snapshot import family_identifiers, read_agency_frames
from openblotter.publish.writers import write_table

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    import polars as pl

    from openblotter.clock import Clock
    from openblotter.privacy.policy import PublicationPolicy
    from openblotter.schema.registry import Standard
    from openblotter.storage import Transaction
    from openblotter.storage.base import Store

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
    status: str = "published",
    before_commit: Callable[[Transaction, ReleaseRecord], object] | None = None,
) -> ReleaseRecord:
    """Build, scan and register a release of ``agency_slug``'s data (see the module doc).

    ``status="pending"`` registers it for a second person's approval (``publish.approval``);
    ``before_commit`` runs in the registering transaction (the caller's audit entry).
    """
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

    head = current_head(store) if has_audit_log(store) else None  # the manifest carries it
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
            audit_head={"size": head.size, "root": head.root} if head else None,
        )
        if previous is not None and record["content_sha256"] == previous.content_sha256:
            shutil.rmtree(staging)
            return ReleaseRecord(**{**record_fields(previous), "unchanged": True})
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
        status=status,
        summary=record["summary"],
    )

    def recorded(tx: Transaction) -> None:  # the head the manifest carries, then the caller's
        if head is not None:
            publish_head(tx, clock=clock, published_in=f"release:{release_id}", head=head)
        if before_commit is not None:
            before_commit(tx, release)

    try:
        register(store, release, before_commit=recorded)
    except BaseException:
        shutil.rmtree(final, ignore_errors=True)
        raise
    return release


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
    audit_head: dict[str, Any] | None = None,
) -> dict[str, Any]:
    families = family_identifiers(standard, frames)
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
        resource = resource_entry(folder, paths[0], dataset, schema.title, public.height)
        resource["description"] = f"{schema.description} One row per {schema.grain}."
        resource["profile"] = "tabular-data-resource"
        resource["dialect"] = {"delimiter": ",", "header": True}
        resource["schema"] = published_schema(schema, fields, standard)
        resource["alternates"] = alternate_entries(folder, paths[1:])
        resources.append(resource)
        rows[dataset] = public.height
        diff = changed_rows(previous_dir, dataset, list(schema.primary_key), public)
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
        resource = resource_entry(
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
        resource["alternates"] = alternate_entries(folder, paths[1:])
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
        resource = resource_entry(
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
        str(p.relative_to(folder)): {"sha256": file_sha256(p), "bytes": p.stat().st_size}
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
    supersedes = (previous.release_id, previous.version) if previous else None
    text = changelog(old_log, agency_name, today, kind, reason, supersedes, changes)
    (folder / "CHANGELOG.md").write_text(text, encoding="utf-8")
    summary = {"rows": rows, "suppression": suppression, "changes": changes}
    for p in sorted(folder.rglob("*")):
        rel = str(p.relative_to(folder))
        if p.is_file() and rel not in files:
            files[rel] = {"sha256": file_sha256(p), "bytes": p.stat().st_size}
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
        **({"audit_head": audit_head} if audit_head else {}),
    }
    (folder / "manifest.json").write_bytes(_json(manifest))
    findings = scan(folder, sensitive_values(standard, frames, families, policy, texts))
    if findings:
        listed = "; ".join(f"{f.file}: {f.kind} ({f.source})" for f in findings[:10])
        raise LeakDetectedError(
            f"release of {agency_slug} refused, {len(findings)} leak(s) found: {listed}. "
            "Nothing was published."
        )
    return {"content_sha256": content, "kind": kind, "summary": summary}
