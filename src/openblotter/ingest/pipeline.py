"""``ingest()``: read → gate → map → validate → load, one all-or-nothing batch per file.

Counts are conserved: rows read = rows loaded + rows quarantined + rows dropped as junk, each junk
rule reported. The same file twice (same agency, mapping and SHA-256) is a no-op that says so; a
corrected re-delivery upserts by the agency's record ids and reports what changed.
"""

from __future__ import annotations

import json
import logging
import tempfile
from collections import Counter
from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack, nullcontext, suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import polars as pl

from openblotter.errors import ConfigError
from openblotter.ingest.apply import CompiledMapping, MappedChunk
from openblotter.ingest.gate import concept_of_name, refuse_prohibited_mapping
from openblotter.ingest.load import DatasetOutcome, Loader, drop_stale_scratch
from openblotter.ingest.readers import (
    ROW,
    RaggedSourceError,
    SourceReader,
    file_sha256,
    open_source,
)
from openblotter.validate.checks import check_records
from openblotter.validate.issues import ISSUE_CODES

if TYPE_CHECKING:
    from openblotter.clock import Clock
    from openblotter.ingest.mapping import AgencyConfig, Mapping
    from openblotter.schema.registry import Standard
    from openblotter.storage.base import Store, Transaction

__all__ = ["IngestResult", "Progress", "ingest_file"]

logger = logging.getLogger(__name__)

Progress = Callable[[int], None]


@dataclass
class IngestResult:
    """What one file's batch did."""

    file: str
    sha256: str
    status: str  # committed | rejected | duplicate
    batch_id: int | None = None
    duplicate_of: int | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_junk: int = 0
    junk: dict[str, int] = field(default_factory=dict)
    records: dict[str, DatasetOutcome] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    warnings: dict[str, int] = field(default_factory=dict)
    refused_columns: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """A JSON-ready summary (no record values)."""
        data = asdict(self)
        data["records"] = {k: asdict(v) for k, v in self.records.items()}
        return data


def _previous_batch(store: Store, agency: str, mapping: Mapping, sha: str) -> int | None:
    rows = store.query(
        "SELECT batch_id FROM batches WHERE agency_slug = ? AND mapping = ? AND file_sha256 = ? "
        "AND status = 'committed' ORDER BY batch_id DESC LIMIT 1",
        [agency, mapping.name, sha],
    ).rows
    return int(rows[0][0]) if rows else None


def _agency_record(agency: AgencyConfig, standard: Standard) -> pl.DataFrame:
    schema = standard.schema("agencies")
    values: dict[str, Any] = {
        "agency_slug": agency.slug,
        "name": agency.name,
        "state": agency.state,
        "ori": agency.ori,
        "agency_type": agency.agency_type,
        "timezone": agency.timezone,
        "centroid_lat": (agency.centroid or {}).get("lat"),
        "centroid_lng": (agency.centroid or {}).get("lng"),
        "website": agency.website,
    }
    present = {k: [v] for k, v in values.items() if schema.has_field(k)}
    types = {k: pl.Float64 if schema.field(k).type == "number" else pl.String for k in present}
    record = pl.DataFrame(present, schema=types).with_columns(pl.lit(0, dtype=pl.Int64).alias(ROW))
    record, issues = check_records(record, schema)
    errors = issues.filter(pl.col("severity") == "error")
    if errors.height:
        problems = "; ".join(f"{f}: {m}" for f, m in errors.select("field", "message").iter_rows())
        raise ConfigError(f"agency.yaml of {agency.slug} does not fit the standard ({problems})")
    return record


def _write_issues(tx: Transaction, loader: Loader, mapped: MappedChunk) -> None:
    batch_id = loader.batch_id
    if mapped.issues.height:
        frame = mapped.issues.with_columns(
            pl.lit(batch_id, dtype=pl.Int64).alias("batch_id"),
            pl.col(ROW).alias("source_row"),
            pl.col(ROW)
            .is_in(pl.Series(sorted(mapped.error_rows), dtype=pl.Int64).implode())
            .alias("quarantined"),
        ).select(
            "batch_id",
            "source_row",
            "dataset",
            "field",
            "code",
            "severity",
            "message",
            "quarantined",
        )
        tx.insert_arrow(loader.issues, frame.to_arrow())
    if mapped.raw is not None and mapped.raw.height:
        cols = [c for c in mapped.raw.columns if c != ROW]
        raw = mapped.raw.select(
            pl.lit(batch_id, dtype=pl.Int64).alias("batch_id"),
            pl.col(ROW).alias("source_row"),
            pl.struct(cols).struct.json_encode().alias("raw"),
        )
        tx.insert_arrow(loader.raws, raw.to_arrow())


def _quarantine_duplicates(
    tx: Transaction, loader: Loader, duplicates: list[tuple[int, str, int]], raw: dict[int, str]
) -> set[int]:
    rows = {row for row, _, _ in duplicates}
    if not duplicates:
        return rows
    _insert_issues(
        tx,
        loader,
        "duplicate-key",
        [
            (r, d, f"same record key as source row {first} with other values")
            for r, d, first in duplicates
        ],
    )
    raws = pl.DataFrame(
        {
            "batch_id": [loader.batch_id] * len(rows),
            "source_row": sorted(rows),
            "raw": [raw.get(r, "{}") for r in sorted(rows)],
        }
    )
    tx.insert_arrow(loader.raws, raws.to_arrow())
    return rows


def ingest_file(
    store: Store,
    standard: Standard,
    path: Path,
    **options: Any,
) -> IngestResult:
    """Ingest one file as one batch (all-or-nothing); see ``_ingest`` for the options."""
    refuse_prohibited_mapping(options["mapping"])
    try:
        return _ingest(store, standard, path, exact=False, **options)
    except RaggedSourceError:
        logger.info("%s: rows do not match the header; reading it again exactly", path.name)
        return _ingest(store, standard, path, exact=True, **options)


def _ingest(
    store: Store,
    standard: Standard,
    path: Path,
    *,
    mapping: Mapping,
    agency_slug: str,
    agency: AgencyConfig | None,
    clock: Clock,
    force: bool = False,
    reject_above: float | None = None,
    chunk_rows: int = 250_000,
    progress: Progress | None = None,
    exact: bool = False,
    sha256: str | None = None,
    before_commit: Callable[[Transaction, IngestResult], object] | None = None,
) -> IngestResult:
    sha = sha256 or file_sha256(path)
    result = IngestResult(file=path.name, sha256=sha, status="committed")
    previous = _previous_batch(store, agency_slug, mapping, sha)
    if previous is not None and not force:
        result.status = "duplicate"
        result.duplicate_of = previous
        return result
    if any(spec.seq_within for out in mapping.records.values() for spec in out.fields.values()):
        # numbering within a group must see the whole group: read the file in one chunk
        chunk_rows = 1 << 40
    with tempfile.TemporaryDirectory(prefix="blotter-ingest-") as work:
        reader = open_source(
            path, mapping.read, workdir=Path(work), chunk_rows=chunk_rows, exact=exact
        )
        refused = {c: concept.name for c in reader.columns if (concept := concept_of_name(c))}
        compiled = CompiledMapping(
            mapping,
            standard,
            agency_slug=agency_slug,
            timezone=(agency.timezone if agency else None) or "UTC",
            columns=reader.columns,
            refused=refused,
        )
        result.refused_columns = compiled.refused
        result.notes = reader.notes
        datasets = list(mapping.datasets)
        if agency is not None and "agencies" not in datasets:
            datasets.insert(0, "agencies")
        schemas = {d: standard.schema(d) for d in standard.datasets if d in datasets}
        merge = {d: out.merge_duplicates for d, out in mapping.records.items()}
        merge["agencies"] = True
        with ExitStack() as stack:
            # one transaction on PostgreSQL; short staging steps plus a final one on DuckDB
            scratch = store.dialect == "duckdb"
            single = None if scratch else stack.enter_context(store.transaction())

            def step() -> AbstractContextManager[Transaction]:
                return store.transaction() if scratch else nullcontext(cast("Transaction", single))

            with step() as tx:
                if scratch:
                    drop_stale_scratch(tx, store.tables())
                result.batch_id = int(tx.query("SELECT nextval('blotter_batch_seq')").scalar())
                loader = Loader(tx, store.dialect, schemas, result.batch_id, merge)
                if agency is not None:  # the agency delivering the file, beside any it names
                    loader.stage("agencies", _agency_record(agency, standard))

            def record(tx: Transaction) -> None:
                _record_batch(tx, result, mapping, agency_slug, path, clock, standard)
                if before_commit is not None:  # e.g. the audit entry: it commits with the batch
                    before_commit(tx, result)

            try:
                _load_batch(step, loader, reader, compiled, result, progress, reject_above, record)
            except BaseException:
                if scratch:  # best effort: a killed process's scratch goes with the next batch
                    with suppress(Exception), store.transaction() as tx:
                        loader.tx = tx
                        loader.close()
                raise
    logger.info(
        "batch %s %s: %d read, %d loaded, %d quarantined, %d junk",
        result.batch_id,
        result.status,
        result.rows_read,
        result.rows_loaded,
        result.rows_quarantined,
        result.rows_junk,
    )
    return result


def _load_batch(
    step: Callable[[], AbstractContextManager[Transaction]],
    loader: Loader,
    reader: SourceReader,
    compiled: CompiledMapping,
    result: IngestResult,
    progress: Progress | None,
    reject_above: float | None,
    record: Callable[[Transaction], None],
) -> None:
    """Stage every chunk, then finish the batch in one final transaction.

    The final transaction resolves repeats, upserts, publishes the issues and ``record``s the
    batch: records and the batch's own row commit together or not at all.
    """
    errors: Counter[str] = Counter()
    warnings: Counter[str] = Counter()
    quarantined: set[int] = set()
    for chunk in reader.chunks():
        mapped = compiled.apply(chunk, reader.columns)
        result.rows_read += mapped.rows
        for rule, count in mapped.junk.items():
            result.junk[rule] = result.junk.get(rule, 0) + count
        with step() as tx:
            loader.tx = tx
            for dataset, frame in mapped.records.items():
                loader.stage(dataset, frame)
            _write_issues(tx, loader, mapped)
        for code, severity in mapped.issues.select("code", "severity").iter_rows():
            (errors if severity == "error" else warnings)[code] += 1
        quarantined |= mapped.error_rows
        if progress is not None:
            progress(mapped.rows)
    with step() as tx:
        loader.tx = tx
        duplicates = [d for d in loader.duplicate_rows() if d[0] not in quarantined]
        dup_rows = _quarantine_duplicates(tx, loader, duplicates, loader.snapshot(duplicates))
        errors["duplicate-key"] += len(duplicates)
        loader.drop_rows(sorted(dup_rows))
        quarantined |= dup_rows
        orphans = loader.unknown_references()
        _insert_issues(tx, loader, "unknown-reference", orphans)
        if orphans:
            warnings["unknown-reference"] += len(orphans)
        result.rows_junk = sum(result.junk.values())
        result.rows_quarantined = len(quarantined)
        result.rows_loaded = result.rows_read - result.rows_junk - result.rows_quarantined
        share = result.rows_quarantined / max(result.rows_read - result.rows_junk, 1)
        if reject_above is not None and share > reject_above:
            result.status = "rejected"
            result.rows_loaded = 0
        else:
            loader.upsert()
        loader.publish_issues()
        loader.close()
        result.records = loader.outcomes
        result.errors = {k: v for k, v in errors.items() if v}
        result.warnings = dict(warnings)
        record(tx)


def _insert_issues(
    tx: Transaction, loader: Loader, code: str, found: list[tuple[int, str, str]]
) -> None:
    """Record issues of one code found by the final step: (source row, dataset, message)."""
    if not found:
        return
    error = ISSUE_CODES[code].severity.value == "error"
    issues = pl.DataFrame(
        {
            "batch_id": [loader.batch_id] * len(found),
            "source_row": [r for r, _, _ in found],
            "dataset": [d for _, d, _ in found],
            "field": [None] * len(found),
            "code": [code] * len(found),
            "severity": [ISSUE_CODES[code].severity.value] * len(found),
            "message": [m for _, _, m in found],
            "quarantined": [error] * len(found),
        },
        schema_overrides={"field": pl.String},
    )
    tx.insert_arrow(loader.issues, issues.to_arrow())


def _record_batch(
    tx: Transaction,
    result: IngestResult,
    mapping: Mapping,
    agency_slug: str,
    path: Path,
    clock: Clock,
    standard: Standard,
) -> None:
    tx.execute(
        "INSERT INTO batches (batch_id, agency_slug, mapping, mapping_version, mapping_sha256,"
        " datasets, file_name, file_sha256, file_bytes, status, received_at, standard_version,"
        " rows_read, rows_loaded, rows_quarantined, rows_junk, summary)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            result.batch_id,
            agency_slug,
            mapping.name,
            mapping.version,
            mapping.digest,
            ",".join(mapping.datasets),
            path.name,
            result.sha256,
            path.stat().st_size,
            result.status,
            clock.now(),
            standard.version,
            result.rows_read,
            result.rows_loaded,
            result.rows_quarantined,
            result.rows_junk,
            json.dumps(result.summary()),
        ],
    )
