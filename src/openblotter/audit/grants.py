"""The database privileges of a deployment's application role (PostgreSQL).

The application connects as a role that may read and write every operational table but may only
read and add to the audit tables: ``grant_app_role`` grants SELECT, INSERT, UPDATE and DELETE on
every other table of the store's schema, only SELECT and INSERT on ``audit_log`` and
``audit_heads`` (revoking anything more it may hold there), and USAGE on the schema and its
sequences. The append-only triggers refuse UPDATE, DELETE and TRUNCATE on the audit tables for
every role anyway; this makes the application role unable to even ask.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from openblotter.errors import ConfigError, NotFoundError
from openblotter.schema.ddl import quote

if TYPE_CHECKING:
    from openblotter.storage.base import Store

__all__ = ["AUDIT_TABLES", "grant_app_role"]

AUDIT_TABLES = ("audit_log", "audit_heads")


def grant_app_role(store: Store, role: str) -> None:
    """Give the existing PostgreSQL role ``role`` the application's privileges (see above)."""
    if store.dialect != "postgres":
        raise ConfigError("database roles exist only on PostgreSQL (BLOTTER_DATABASE_URL)")
    if not store.query("SELECT 1 FROM pg_roles WHERE rolname = ?", [role]).rows:
        raise NotFoundError(f"no PostgreSQL role {role!r}: create it first (CREATE ROLE … LOGIN)")
    who = quote(role)
    schema = store.query("SELECT current_schema()").scalar()
    tables = sorted(
        row[0]
        for row in store.query(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        ).rows
    )
    with store.transaction() as tx:
        tx.execute(f"GRANT USAGE ON SCHEMA {quote(schema)} TO {who}")
        for table in tables:
            name = quote(table)
            if table in AUDIT_TABLES:
                tx.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {name} FROM {who}")
                tx.execute(f"GRANT SELECT, INSERT ON {name} TO {who}")
            else:
                tx.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {name} TO {who}")
        tx.execute(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {quote(schema)} TO {who}")
