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


_AUDIT_LOG = (
    "CREATE TABLE IF NOT EXISTS audit_log ("
    " idx BIGINT PRIMARY KEY, logged_at TIMESTAMPTZ NOT NULL, actor VARCHAR NOT NULL,"
    " role VARCHAR NOT NULL, action VARCHAR NOT NULL, object VARCHAR NOT NULL,"
    " outcome VARCHAR NOT NULL, reason VARCHAR NOT NULL, client VARCHAR NOT NULL,"
    " leaf_hash VARCHAR NOT NULL, chain_hash VARCHAR NOT NULL)"
)
_AUDIT_HEADS = (
    "CREATE TABLE IF NOT EXISTS audit_heads ("
    " size BIGINT NOT NULL, root VARCHAR NOT NULL, recorded_at TIMESTAMPTZ NOT NULL,"
    " published_in VARCHAR NOT NULL, PRIMARY KEY (size, recorded_at))"
)

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
    Migration(
        id=4,
        name="the append-only audit log and its published tree heads (ADR 0007)",
        duckdb=(
            _AUDIT_LOG,
            _AUDIT_HEADS,
        ),
        postgres=(
            _AUDIT_LOG,
            _AUDIT_HEADS,
            "CREATE OR REPLACE FUNCTION blotter_audit_append_only() RETURNS trigger"
            " LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION"
            " 'the audit log is append-only: % on % is refused', TG_OP, TG_TABLE_NAME"
            " USING ERRCODE = 'insufficient_privilege'; END $$",
            *(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}"
                " FOR EACH ROW EXECUTE FUNCTION blotter_audit_append_only()"
                for table in ("audit_log", "audit_heads")
            ),
            *(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}"
                " FOR EACH STATEMENT EXECUTE FUNCTION blotter_audit_append_only()"
                for table in ("audit_log", "audit_heads")
            ),
            "REVOKE UPDATE, DELETE, TRUNCATE ON audit_log, audit_heads FROM PUBLIC",
        ),
    ),
    Migration(
        id=5,
        name="staff accounts, role grants, sessions, API tokens and login failures (ADR 0007)",
        **_same(
            "CREATE TABLE IF NOT EXISTS users ("
            " user_name VARCHAR PRIMARY KEY, display_name VARCHAR NOT NULL,"
            " password_hash VARCHAR NOT NULL, totp_secret VARCHAR, totp_last_step BIGINT,"
            " status VARCHAR NOT NULL, created_at TIMESTAMPTZ NOT NULL,"
            " password_changed_at TIMESTAMPTZ NOT NULL, last_login_at TIMESTAMPTZ)",
            "CREATE TABLE IF NOT EXISTS grants ("
            " user_name VARCHAR NOT NULL, role VARCHAR NOT NULL, agency_slug VARCHAR NOT NULL,"
            " granted_by VARCHAR NOT NULL, granted_at TIMESTAMPTZ NOT NULL,"
            " PRIMARY KEY (user_name, role, agency_slug))",
            "CREATE TABLE IF NOT EXISTS login_failures ("
            " user_name VARCHAR NOT NULL, failed_at TIMESTAMPTZ NOT NULL, client VARCHAR NOT NULL)",
            "CREATE TABLE IF NOT EXISTS sessions ("
            " session_hash VARCHAR PRIMARY KEY, user_name VARCHAR NOT NULL,"
            " stage VARCHAR NOT NULL, csrf_token VARCHAR NOT NULL, client VARCHAR NOT NULL,"
            " created_at TIMESTAMPTZ NOT NULL, last_seen_at TIMESTAMPTZ NOT NULL,"
            " authenticated_at TIMESTAMPTZ)",
            "CREATE TABLE IF NOT EXISTS api_tokens ("
            " token_id VARCHAR PRIMARY KEY, token_hash VARCHAR NOT NULL UNIQUE,"
            " user_name VARCHAR NOT NULL, agency_slug VARCHAR NOT NULL, role VARCHAR NOT NULL,"
            " created_at TIMESTAMPTZ NOT NULL, expires_at TIMESTAMPTZ NOT NULL,"
            " revoked_at TIMESTAMPTZ)",
        ),
    ),
    Migration(
        id=6,
        name="releases wait for a second staff member's approval before they are public",
        **_same(
            "CREATE TABLE IF NOT EXISTS release_approvals ("
            " release_id VARCHAR PRIMARY KEY, requested_by VARCHAR NOT NULL,"
            " requested_at TIMESTAMPTZ NOT NULL, decided_by VARCHAR,"
            " decided_at TIMESTAMPTZ, decision VARCHAR, reason VARCHAR NOT NULL)",
        ),
    ),
)
