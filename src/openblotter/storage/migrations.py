"""Ordered migrations for OpenBlotter's own (operational) tables, per dialect.

Dataset tables are generated from the table schemas (``schema.ddl``); the tables OpenBlotter
keeps about its own work (metadata, batches, quarantine, audit …) are created here, in order.
Migration ids form one linear sequence (a meta test checks it); an applied migration is never
edited: add a new one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from openblotter.schema.ddl import Dialect

__all__ = ["MIGRATIONS", "Migration"]


@dataclass(frozen=True, slots=True)
class Migration:
    """One step: the statements that bring the store from ``id - 1`` to ``id``."""

    id: int
    name: str
    duckdb: tuple[str, ...]
    postgres: tuple[str, ...]

    def statements(self, dialect: Dialect) -> tuple[str, ...]:
        """The statements for a dialect."""
        return self.duckdb if dialect == "duckdb" else self.postgres


def _same(*statements: str) -> dict[str, tuple[str, ...]]:
    return {"duckdb": statements, "postgres": statements}


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        id=1,
        name="store metadata and the standard's recorded table schemas",
        **_same(
            "CREATE TABLE IF NOT EXISTS blotter_meta ("
            " key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)",
            "CREATE TABLE IF NOT EXISTS blotter_schemas ("
            " dataset VARCHAR PRIMARY KEY, version VARCHAR NOT NULL,"
            " digest VARCHAR NOT NULL, descriptor VARCHAR NOT NULL)",
        ),
    ),
    Migration(
        id=2,
        name="batches, their issues and the quarantine",
        **_same(
            "CREATE SEQUENCE IF NOT EXISTS blotter_batch_seq START 1",
            "CREATE TABLE IF NOT EXISTS batches ("
            " batch_id BIGINT PRIMARY KEY, agency_slug VARCHAR NOT NULL,"
            " mapping VARCHAR NOT NULL, mapping_version INTEGER NOT NULL,"
            " mapping_sha256 VARCHAR NOT NULL, datasets VARCHAR NOT NULL,"
            " file_name VARCHAR NOT NULL, file_sha256 VARCHAR NOT NULL, file_bytes BIGINT NOT NULL,"
            " status VARCHAR NOT NULL, received_at TIMESTAMPTZ NOT NULL,"
            " standard_version VARCHAR NOT NULL, rows_read BIGINT NOT NULL,"
            " rows_loaded BIGINT NOT NULL, rows_quarantined BIGINT NOT NULL,"
            " rows_junk BIGINT NOT NULL, summary VARCHAR NOT NULL)",
            "CREATE TABLE IF NOT EXISTS batch_issues ("
            " batch_id BIGINT NOT NULL, source_row BIGINT, dataset VARCHAR, field VARCHAR,"
            " code VARCHAR NOT NULL, severity VARCHAR NOT NULL, message VARCHAR NOT NULL,"
            " quarantined BOOLEAN NOT NULL)",
            "CREATE TABLE IF NOT EXISTS quarantine_rows ("
            " batch_id BIGINT NOT NULL, source_row BIGINT NOT NULL, raw VARCHAR NOT NULL,"
            " PRIMARY KEY (batch_id, source_row))",
        ),
    ),
    Migration(
        id=3,
        name="the register of public releases",
        **_same(
            "CREATE TABLE IF NOT EXISTS releases ("
            " release_id VARCHAR PRIMARY KEY, agency_slug VARCHAR NOT NULL,"
            " version INTEGER NOT NULL, kind VARCHAR NOT NULL, reason VARCHAR NOT NULL,"
            " supersedes VARCHAR, content_sha256 VARCHAR NOT NULL, path VARCHAR NOT NULL,"
            " created_at TIMESTAMPTZ NOT NULL, status VARCHAR NOT NULL, summary VARCHAR NOT NULL,"
            " UNIQUE (agency_slug, version))",
        ),
    ),
)
