"""Load mapped records inside the batch's transaction: staging tables, duplicate keys, upsert.

Records of every chunk go to a temporary staging table per dataset. When the whole file has been
read, duplicate keys are resolved in SQL (identical copies merge when the mapping says so; any
other repeat sends its source row to quarantine), and the staging tables are upserted into the
datasets by key: new keys are inserted, changed records replaced, unchanged ones left alone.
Everything happens in the caller's transaction, so a crash leaves the store as it was.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import polars as pl

from openblotter.schema.ddl import quote

if TYPE_CHECKING:
    from openblotter.schema.model import TableSchema
    from openblotter.storage.base import Transaction

__all__ = ["DatasetOutcome", "Loader"]

ROW = "_source_row"


@dataclass
class DatasetOutcome:
    """What a batch did to one dataset."""

    staged: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    merged: int = 0


@dataclass
class Loader:
    """Stages records of one batch and upserts them at the end."""

    tx: Transaction
    dialect: str
    schemas: dict[str, TableSchema]
    batch_id: int
    merge: dict[str, bool]
    outcomes: dict[str, DatasetOutcome] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in self.schemas:
            self.tx.execute(f"DROP TABLE IF EXISTS {self._stage(name)}")
            self.tx.execute(
                f"CREATE TEMP TABLE {self._stage(name)} AS SELECT * FROM {quote(name)} WHERE 1 = 0"  # noqa: S608
            )
            self.outcomes[name] = DatasetOutcome()

    @staticmethod
    def _stage(dataset: str) -> str:
        return quote(f"_stage_{dataset}")

    def stage(self, dataset: str, frame: pl.DataFrame) -> None:
        """Append typed records (with ``_source_row``) of one chunk."""
        if frame.height == 0:
            return
        schema = self.schemas[dataset]
        columns = [c for c in schema.field_names if c in frame.columns]
        data = frame.select(
            *[pl.col(c) for c in columns],
            pl.lit(self.batch_id, dtype=pl.Int64).alias("_batch_id"),
            pl.col(ROW).alias("_source_row"),
        )
        self.tx.insert_arrow(f"_stage_{dataset}", data.to_arrow())
        self.outcomes[dataset].staged += frame.height

    def _hash(self, dataset: str) -> None:
        text = "VARCHAR" if self.dialect == "duckdb" else "TEXT"
        parts = ", ".join(
            f"coalesce(CAST({quote(f)} AS {text}), '\\N')"
            for f in self.schemas[dataset].field_names
        )
        self.tx.execute(
            f"UPDATE {self._stage(dataset)} SET _record_hash = md5(concat_ws(chr(31), {parts}))"  # noqa: S608
        )

    def _keys(self, dataset: str, left: str, right: str) -> str:
        return " AND ".join(
            f"{left}.{quote(k)} = {right}.{quote(k)}" for k in self.schemas[dataset].primary_key
        )

    def duplicate_rows(self) -> list[tuple[int, str, int]]:
        """Find repeated keys; return (source row, dataset, first source row) of rejected repeats."""
        rejected: list[tuple[int, str, int]] = []
        for name, schema in self.schemas.items():
            self._hash(name)
            keys = ", ".join(quote(k) for k in schema.primary_key)
            merge = "same" if self.merge.get(name) else "FALSE"
            rows = self.tx.query(
                f"SELECT _source_row, first_row FROM ("  # noqa: S608
                f" SELECT _source_row, row_number() OVER w AS rn,"
                f" first_value(_source_row) OVER w AS first_row,"
                f" _record_hash = first_value(_record_hash) OVER w AS same"
                f" FROM {self._stage(name)} WINDOW w AS (PARTITION BY {keys} ORDER BY _source_row)"
                f") AS d WHERE rn > 1 AND NOT ({merge}) ORDER BY _source_row"
            ).rows
            rejected += [(int(r), name, int(first)) for r, first in rows if r != first]
        return rejected

    def snapshot(self, rejected: list[tuple[int, str, int]]) -> dict[int, str]:
        """The staged records of rejected repeats, as JSON, to keep in quarantine."""
        found: dict[int, str] = {}
        for row, dataset, _ in rejected:
            result = self.tx.query(
                f"SELECT * FROM {self._stage(dataset)} WHERE _source_row = ?",  # noqa: S608
                [row],
            )
            records = [
                {k: v for k, v in r.items() if not k.startswith("_") and v is not None}
                for r in result.as_dicts()
            ]
            found[row] = json.dumps({dataset: records}, default=str, ensure_ascii=False)
        return found

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

    def upsert(self) -> None:
        """Merge identical repeats, then upsert every staging table into its dataset."""
        for name, schema in self.schemas.items():
            stage = self._stage(name)
            target = quote(name)
            keys = ", ".join(quote(k) for k in schema.primary_key)
            before = int(self.tx.query(f"SELECT count(*) FROM {stage}").scalar())  # noqa: S608
            self.tx.execute(
                f"CREATE TEMP TABLE {quote('_merged_' + name)} AS SELECT DISTINCT ON ({keys}) * "  # noqa: S608
                f"FROM {stage} ORDER BY {keys}, _source_row"
            )
            merged = quote("_merged_" + name)
            outcome = self.outcomes[name]
            outcome.merged = before - int(self.tx.query(f"SELECT count(*) FROM {merged}").scalar())  # noqa: S608
            match = self._keys(name, "t", "s")
            same, changed = self.tx.query(
                "SELECT count(*) FILTER (WHERE t._record_hash = s._record_hash),"  # noqa: S608
                " count(*) FILTER (WHERE t._record_hash <> s._record_hash)"
                f" FROM {merged} AS s JOIN {target} AS t ON {match}"
            ).rows[0]
            outcome.unchanged, outcome.updated = int(same or 0), int(changed or 0)
            if outcome.updated:
                self.tx.execute(
                    f"DELETE FROM {target} AS t USING {merged} AS s "  # noqa: S608
                    f"WHERE {match} AND t._record_hash <> s._record_hash"
                )
            names = [*schema.field_names, "_batch_id", "_source_row", "_record_hash"]
            columns = ", ".join(quote(c) for c in names)
            self.tx.execute(
                f"INSERT INTO {target} ({columns}) SELECT {columns} FROM {merged} AS s "  # noqa: S608
                f"WHERE NOT EXISTS (SELECT 1 FROM {target} AS t WHERE {match})"
            )
            total = int(self.tx.query(f"SELECT count(*) FROM {merged}").scalar())  # noqa: S608
            outcome.inserted = total - outcome.unchanged - outcome.updated
            self.tx.execute(f"DROP TABLE {merged}")

    def close(self) -> None:
        """Drop the staging tables."""
        for name in self.schemas:
            self.tx.execute(f"DROP TABLE IF EXISTS {self._stage(name)}")
