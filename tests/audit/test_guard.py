"""Nobody rewrites the log through the application (ADR 0007 §4): both stores refuse every
statement that would update, delete, truncate, drop or alter an audit table; PostgreSQL's
triggers refuse them too, and an application role holds only SELECT and INSERT there."""

from __future__ import annotations

import uuid

import psycopg
import pytest

from openblotter.audit import grant_app_role, record, verify
from openblotter.errors import ConfigError, NotFoundError, PermissionDeniedError
from openblotter.schema import Standard
from openblotter.storage import initialize
from openblotter.storage.base import check_audit_append_only
from openblotter.storage.migrations import MIGRATIONS
from openblotter.storage.postgres import PostgresStore
from tests.audit.conftest import Log, StepClock, event

REFUSED = [
    "UPDATE audit_log SET reason = 'x'",
    "update  \"audit_log\" set reason = 'x'",
    "UPDATE ONLY audit_heads SET root = 'x'",
    "DELETE FROM audit_log",
    'delete/* hide */from\n"audit_log" where idx = 1',
    "DELETE -- comment\n FROM audit_heads",
    "TRUNCATE audit_log",
    "truncate table blotter_meta, audit_heads",
    "DROP TABLE audit_log",
    "DROP TABLE IF EXISTS blotter_meta, audit_heads",
    "ALTER TABLE audit_log ADD COLUMN note VARCHAR",
    "ALTER TABLE audit_log RENAME TO old_log",
    "Update Audit_Log Set reason = 'x'",
    "WITH gone AS (DELETE FROM audit_log RETURNING idx) SELECT count(*) FROM gone",
    "INSERT OR REPLACE INTO audit_log SELECT * FROM audit_log",
    "INSERT INTO audit_log SELECT * FROM audit_log ON CONFLICT (idx) DO UPDATE SET reason = 'x'",
    "CREATE OR REPLACE TABLE audit_log AS SELECT 1 AS idx",
    "DROP TRIGGER audit_log_append_only ON audit_log",
]
REFUSED_QUALIFIED = [
    'UPDATE "{schema}"."audit_log" SET reason = \'x\'',
    "DELETE FROM {schema} . audit_heads",
]
ALLOWED = [
    "SELECT * FROM audit_log",
    "INSERT INTO audit_log (idx) VALUES (1)",
    "LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE",
    "UPDATE releases SET status = 'withdrawn'",
    "DELETE FROM blotter_meta WHERE key = 'x'",
    "UPDATE audit_log_archive SET x = 1",
    'GRANT SELECT, INSERT ON "audit_log" TO "app"',
    'REVOKE UPDATE, DELETE, TRUNCATE ON "audit_log" FROM "app"',
]


def test_guard__every_migration_statement_passes() -> None:
    for migration in MIGRATIONS:
        for dialect in ("duckdb", "postgres"):
            for statement in migration.statements(dialect):
                check_audit_append_only(statement)


@pytest.mark.parametrize("sql", REFUSED)
def test_guard__refuses_rewrites_of_the_audit_tables(sql: str) -> None:
    with pytest.raises(PermissionDeniedError, match="the audit log is append-only"):
        check_audit_append_only(sql)


@pytest.mark.parametrize("sql", ALLOWED)
def test_guard__lets_other_statements_through(sql: str) -> None:
    check_audit_append_only(sql)


def _schema(log: Log) -> str:
    return str(log.store.query("SELECT current_schema()").scalar())


@pytest.mark.parametrize("sql", REFUSED + REFUSED_QUALIFIED)
def test_guard__both_stores_refuse_and_the_log_is_untouched(log: Log, sql: str) -> None:
    log.fill(3)
    statement = sql.format(schema=_schema(log))
    with pytest.raises(PermissionDeniedError), log.store.transaction() as tx:
        tx.execute(statement)
    with pytest.raises(PermissionDeniedError), log.store.transaction() as tx:
        tx.query(statement)
    with pytest.raises(PermissionDeniedError), log.store.transaction() as tx:
        tx.frame(statement)
    with pytest.raises(PermissionDeniedError):
        log.store.query(statement)
    assert len(log.rows()) == 3
    assert verify(log.store).ok


@pytest.mark.postgres
def test_guard__postgresql_triggers_refuse_even_the_owner(pg_url: str, standard: Standard) -> None:
    with PostgresStore(pg_url) as store:
        initialize(store, standard)
        for i in range(2):
            record(store, event(i), clock=StepClock())
    with psycopg.connect(pg_url, autocommit=True) as conn:  # the owner, past the store's guard
        for sql in (
            "UPDATE audit_log SET reason = 'x'",
            "DELETE FROM audit_log",
            "TRUNCATE audit_heads",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
                conn.execute(sql)
        assert conn.execute("SELECT count(*) FROM audit_log").fetchone() == (2,)


@pytest.mark.postgres
def test_grant_app_role__insert_and_read_only_on_the_audit_tables(
    pg_url: str, standard: Standard
) -> None:
    role = f"blotter_app_{uuid.uuid4().hex[:10]}"
    with PostgresStore(pg_url) as store:
        initialize(store, standard)
        store.query(f'CREATE ROLE "{role}" LOGIN')
        try:
            grant_app_role(store, role)
            with psycopg.connect(pg_url, user=role, autocommit=True) as conn:
                conn.execute(
                    "INSERT INTO blotter_meta (key, value) VALUES ('k', 'v')"
                )  # fmt: skip
                conn.execute("UPDATE blotter_meta SET value = 'w' WHERE key = 'k'")
                conn.execute("DELETE FROM blotter_meta WHERE key = 'k'")
                conn.execute("SELECT count(*) FROM audit_log")
                as_app = PostgresStore(pg_url + f"&user={role}")
                try:
                    record(as_app, event(0), clock=StepClock())  # the app appends …
                finally:
                    as_app.close()
                for sql in (
                    "UPDATE audit_log SET reason = 'x'",
                    "DELETE FROM audit_log",
                    "TRUNCATE audit_log",
                    "UPDATE audit_heads SET root = 'x'",
                    "DELETE FROM audit_heads",
                ):  # … and may not even ask to rewrite
                    with pytest.raises(psycopg.errors.InsufficientPrivilege) as caught:
                        conn.execute(sql)
                    assert "permission denied" in str(caught.value)
            assert verify(store).ok
            assert verify(store).size == 1
        finally:
            store.query(f'DROP OWNED BY "{role}"')
            store.query(f'DROP ROLE "{role}"')


def test_grant_app_role__only_on_postgresql_and_only_for_an_existing_role(log: Log) -> None:
    if not log.postgres:
        with pytest.raises(ConfigError, match="PostgreSQL"):
            grant_app_role(log.store, "app")
        return
    with pytest.raises(NotFoundError, match="no PostgreSQL role"):
        grant_app_role(log.store, f"nobody_{uuid.uuid4().hex[:8]}")
