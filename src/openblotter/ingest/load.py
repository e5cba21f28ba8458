"""Load mapped records of one batch: staging tables, duplicate keys, upsert.

Records of every chunk go to a staging table per dataset. When the whole file has been read,
duplicate keys are resolved in SQL (identical copies merge when the mapping says so; any other
repeat sends its source row to quarantine), and the staging tables are upserted into the datasets
by key: new keys are inserted, changed records replaced, unchanged ones left alone.

Nothing a batch does is visible before its final transaction commits. On PostgreSQL the whole
batch is one transaction with temporary staging tables. DuckDB holds every append of an open
transaction in memory, so there each chunk is staged in its own short transaction into scratch
tables named after the batch (``_stage_<batch>_…``), which only the final transaction reads,
publishes and drops; scratch tables left by a killed process are dropped by the next batch.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import polars as pl

from openblotter.schema.ddl import PROVENANCE_COLUMNS, quote
from openblotter.schema.ddl import SOURCE_ROW as ROW

if TYPE_CHECKING:
    from openblotter.schema.model import TableSchema
    from openblotter.storage.base import Transaction

__all__ = ["SCRATCH_PREFIX", "DatasetOutcome", "Loader", "drop_stale_scratch"]


@dataclass
class DatasetOutcome:
    """What a batch did to one dataset."""

    staged: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    merged: int = 0


SCRATCH_PREFIX = "_stage_"


def drop_stale_scratch(tx: Transaction, tables: set[str]) -> None:
    """Drop scratch tables a killed batch left behind (DuckDB has one writer at a time)."""
    for table in sorted(tables):
        if table.startswith(SCRATCH_PREFIX):
            tx.execute(f"DROP TABLE IF EXISTS {quote(table)}")


@dataclass
class Loader:
    """Stages records of one batch and upserts them at the end.

    ``tx`` is the transaction of the current step; the caller sets it before each step.
    """

    tx: Transaction
    dialect: str
    schemas: dict[str, TableSchema]
    batch_id: int
    merge: dict[str, bool]
    outcomes: dict[str, DatasetOutcome] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in self.schemas:
            self.tx.execute(f"DROP TABLE IF EXISTS {self._stage(name)}")
            empty = f"SELECT * FROM {quote(name)} WHERE 1 = 0"  # noqa: S608
            self.tx.execute(f"CREATE {self._kind} {self._stage(name)} AS {empty}")
            self.outcomes[name] = DatasetOutcome()
        if self.scratch:
            for real, scratch in (("batch_issues", self.issues), ("quarantine_rows", self.raws)):
                self.tx.execute(
                    f"CREATE TABLE {quote(scratch)} AS SELECT * FROM {real} WHERE 1 = 0"  # noqa: S608
                )

    @property
    def scratch(self) -> bool:
        """Whether chunks are staged in their own transactions (DuckDB)."""
        return self.dialect == "duckdb"

    @property
    def _kind(self) -> str:
        return "TABLE" if self.scratch else "TEMP TABLE"

    @property
    def issues(self) -> str:
        """Where this batch's issues go until the final transaction."""
        return f"{SCRATCH_PREFIX}{self.batch_id}_issues" if self.scratch else "batch_issues"

    @property
    def raws(self) -> str:
        """Where this batch's quarantined raw rows go until the final transaction."""
        return f"{SCRATCH_PREFIX}{self.batch_id}_raw" if self.scratch else "quarantine_rows"

    def _stage(self, dataset: str) -> str:
        prefix = f"{SCRATCH_PREFIX}{self.batch_id}_" if self.scratch else SCRATCH_PREFIX
        return quote(f"{prefix}{dataset}")

    def stage(self, dataset: str, frame: pl.DataFrame) -> None:
        """Append typed records (with ``_source_row``) of one chunk."""
        if frame.height == 0:
            return
        schema = self.schemas[dataset]
        columns = [c for c in schema.field_names if c in frame.columns]
        data = frame.select(
            *[pl.col(c) for c in columns],
            pl.lit(self.batch_id, dtype=pl.Int64).alias("_batch_id"),
            pl.col(ROW),
        )
        self.tx.insert_arrow(
            self._stage(dataset).strip('"'),
            data.to_arrow(),
            computed={"_record_hash": self._digest(dataset, columns)},
        )
        self.outcomes[dataset].staged += frame.height

    def _digest(self, dataset: str, present: list[str]) -> str:
        """SQL for the digest of a record's values (absent fields count as empty)."""
        text = "VARCHAR" if self.dialect == "duckdb" else "TEXT"
        parts = ", ".join(
            f"coalesce(CAST({quote(f)} AS {text}), '\\N')" if f in present else "'\\N'"
            for f in self.schemas[dataset].field_names
        )
        return f"md5(concat_ws(chr(31), {parts}))"

    def _keys(self, dataset: str, left: str, right: str) -> str:
        return " AND ".join(
            f"{left}.{quote(k)} = {right}.{quote(k)}" for k in self.schemas[dataset].primary_key
        )

    def _dups(self, dataset: str) -> str:
        prefix = f"{SCRATCH_PREFIX}{self.batch_id}_dups_" if self.scratch else "_dups_"
        return quote(f"{prefix}{dataset}")

    def duplicate_rows(self) -> list[tuple[int, str, int]]:
        """Find repeated keys; return (source row, dataset, first source row) of rejected repeats.

        Keys that repeat are found with a hash aggregate; only their rows are then ranked, so a
        file without repeats costs one GROUP BY per dataset.
        """
        rejected: list[tuple[int, str, int]] = []
        for name, schema in self.schemas.items():
            keys = ", ".join(quote(k) for k in schema.primary_key)
            stage, dups = self._stage(name), self._dups(name)
            self.tx.execute(f"DROP TABLE IF EXISTS {dups}")
            self.tx.execute(
                f"CREATE {self._kind} {dups} AS SELECT {keys} FROM {stage} "  # noqa: S608
                f"GROUP BY {keys} HAVING count(*) > 1"
            )
            if not self.tx.query(f"SELECT count(*) FROM {dups}").scalar():  # noqa: S608
                continue
            merge = "same" if self.merge.get(name) else "FALSE"
            partition = ", ".join("s." + quote(k) for k in schema.primary_key)
            rows = self.tx.query(
                f"SELECT _source_row, first_row FROM ("  # noqa: S608
                f" SELECT s._source_row, row_number() OVER w AS rn,"
                f" first_value(s._source_row) OVER w AS first_row,"
                f" s._record_hash = first_value(s._record_hash) OVER w AS same"
                f" FROM {stage} AS s JOIN {dups} AS d ON {self._keys(name, 's', 'd')}"
                f" WINDOW w AS (PARTITION BY {partition}"
                f" ORDER BY s._source_row)"
                f") AS ranked WHERE rn > 1 AND NOT ({merge}) ORDER BY _source_row"
            ).rows
            rejected += [(int(r), name, int(first)) for r, first in rows if r != first]
        return rejected

    def unknown_references(self) -> list[tuple[int, str, str]]:
        """Staged records whose foreign keys match nothing in the store or the batch.

        Returns (source row, dataset, message); null keys are not references.
        """
        found: list[tuple[int, str, str]] = []
        for name, schema in self.schemas.items():
            for key in schema.foreign_keys:
                if key.resource == name:
                    continue
                pairs = list(zip(key.fields, key.reference_fields, strict=True))
                present = " AND ".join(f"s.{quote(c)} IS NOT NULL" for c, _ in pairs)
                match = " AND ".join(f"r.{quote(ref)} = s.{quote(c)}" for c, ref in pairs)
                sources = [quote(key.resource)]
                if key.resource in self.schemas:
                    sources.append(self._stage(key.resource))
                missing = " AND ".join(
                    f"NOT EXISTS (SELECT 1 FROM {table} AS r WHERE {match})"  # noqa: S608
                    for table in sources
                )
                rows = self.tx.query(
                    f"SELECT DISTINCT s._source_row FROM {self._stage(name)} AS s "  # noqa: S608
                    f"WHERE {present} AND {missing} ORDER BY 1"
                ).rows
                message = f"{name}.{', '.join(key.fields)} points to no {key.resource} record"
                found += [(int(r[0]), name, message) for r in rows]
        return found

    def snapshot(self, rejected: list[tuple[int, str, int]]) -> dict[int, str]:
        """The staged records of rejected repeats, as JSON per source row, for the quarantine."""
        by_dataset: dict[str, list[int]] = {}
        for row, dataset, _ in rejected:
            by_dataset.setdefault(dataset, []).append(row)
        records: dict[int, dict[str, list[dict[str, object]]]] = {}
        for dataset, rows in by_dataset.items():
            for start in range(0, len(rows), 10_000):
                part = rows[start : start + 10_000]
                marks = ", ".join("?" for _ in part)
                result = self.tx.query(
                    f"SELECT * FROM {self._stage(dataset)} WHERE _source_row IN ({marks})",  # noqa: S608
                    part,
                )
                for record in result.as_dicts():
                    values = {
                        k: v for k, v in record.items() if not k.startswith("_") and v is not None
                    }
                    row_records = records.setdefault(int(record[ROW]), {})
                    row_records.setdefault(dataset, []).append(values)
        return {
            row: json.dumps(found, default=str, ensure_ascii=False)
            for row, found in records.items()
        }

    def drop_rows(self, rows: list[int]) -> None:
        """Remove every record of these source rows from every staging table."""
        if not rows:
            return
        for name in self.schemas:
            for start in range(0, len(rows), 10_000):
                part = rows[start : start + 10_000]
                marks = ", ".join("?" for _ in part)
                self.tx.execute(
                    f"DELETE FROM {self._stage(name)} WHERE _source_row IN ({marks})",  # noqa: S608
                    part,
                )

    def _merge_repeats(self, name: str) -> int:
        """Delete all but the first record of each repeated key; return how many went."""
        schema = self.schemas[name]
        stage, dups = self._stage(name), self._dups(name)
        if not self.tx.query(f"SELECT count(*) FROM {dups}").scalar():  # noqa: S608
            return 0
        rowid = "rowid" if self.dialect == "duckdb" else "ctid"
        partition = ", ".join("s." + quote(k) for k in schema.primary_key)
        before = int(self.tx.query(f"SELECT count(*) FROM {stage}").scalar())  # noqa: S608
        self.tx.execute(
            f"DELETE FROM {stage} WHERE {rowid} IN (SELECT rid FROM ("  # noqa: S608
            f" SELECT s.{rowid} AS rid, row_number() OVER (PARTITION BY {partition}"
            f" ORDER BY s._source_row) AS rn FROM {stage} AS s JOIN {dups} AS d"
            f" ON {self._keys(name, 's', 'd')}) AS ranked WHERE rn > 1)"
        )
        return before - int(self.tx.query(f"SELECT count(*) FROM {stage}").scalar())  # noqa: S608

    def upsert(self) -> None:
        """Merge identical repeats, then upsert every staging table into its dataset."""
        for name, schema in self.schemas.items():
            stage = self._stage(name)
            target = quote(name)
            outcome = self.outcomes[name]
            outcome.merged = self._merge_repeats(name)
            match = self._keys(name, "t", "s")
            same, changed = self.tx.query(
                "SELECT count(*) FILTER (WHERE t._record_hash = s._record_hash),"  # noqa: S608
                " count(*) FILTER (WHERE t._record_hash <> s._record_hash)"
                f" FROM {stage} AS s JOIN {target} AS t ON {match}"
            ).rows[0]
            outcome.unchanged, outcome.updated = int(same or 0), int(changed or 0)
            if outcome.updated:
                self.tx.execute(
                    f"DELETE FROM {target} AS t USING {stage} AS s "  # noqa: S608
                    f"WHERE {match} AND t._record_hash <> s._record_hash"
                )
            names = [*schema.field_names, *PROVENANCE_COLUMNS]
            columns = ", ".join(quote(c) for c in names)
            total = int(self.tx.query(f"SELECT count(*) FROM {stage}").scalar())  # noqa: S608
            if outcome.unchanged:
                self.tx.execute(
                    f"INSERT INTO {target} ({columns}) SELECT {columns} FROM {stage} AS s "  # noqa: S608
                    f"WHERE NOT EXISTS (SELECT 1 FROM {target} AS t WHERE {match})"
                )
            else:  # nothing to skip: a plain append
                self.tx.execute(
                    f"INSERT INTO {target} ({columns}) SELECT {columns} FROM {stage}"  # noqa: S608
                )
            outcome.inserted = total - outcome.unchanged - outcome.updated

    def publish_issues(self) -> None:
        """Move the batch's issues and quarantined rows from scratch to their tables."""
        if self.scratch:
            for real, scratch in (("batch_issues", self.issues), ("quarantine_rows", self.raws)):
                self.tx.execute(f"INSERT INTO {real} SELECT * FROM {quote(scratch)}")  # noqa: S608

    def close(self) -> None:
        """Drop the staging tables."""
        for name in self.schemas:
            self.tx.execute(f"DROP TABLE IF EXISTS {self._stage(name)}")
            self.tx.execute(f"DROP TABLE IF EXISTS {self._dups(name)}")
        if self.scratch:
            self.tx.execute(f"DROP TABLE IF EXISTS {quote(self.issues)}")
            self.tx.execute(f"DROP TABLE IF EXISTS {quote(self.raws)}")
