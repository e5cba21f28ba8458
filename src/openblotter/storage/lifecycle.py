"""Create, inspect and migrate a store: the same code for DuckDB and PostgreSQL.

The store records the version of the standard it was built with and the digest of every
dataset's table schema. Opening a store made by another version gives a clear message and a
path: ``blotter db migrate`` applies additive changes (new datasets, new fields) itself and
refuses, with the reason, a change it cannot make safely (a removed field, a changed type or key).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from openblotter.errors import StoreVersionError
from openblotter.schema.ddl import column_type, create_table_sql, quote
from openblotter.schema.registry import parse_table_schema
from openblotter.storage.migrations import MIGRATIONS

if TYPE_CHECKING:
    from openblotter.schema.model import TableSchema
    from openblotter.schema.registry import Standard
    from openblotter.storage.base import Store, Transaction

__all__ = [
    "StoreStatus",
    "ensure_current",
    "initialize",
    "migrate",
    "plan_migration",
    "schema_digest",
    "status",
]


def schema_digest(schema: TableSchema) -> str:
    """SHA-256 of a table schema's canonical JSON."""
    canonical = json.dumps(schema.descriptor, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class StoreStatus:
    """What a store holds and whether it matches this version of the standard."""

    label: str
    initialized: bool
    store_version: str | None
    standard_version: str
    migration: int
    latest_migration: int
    row_counts: dict[str, int] = field(default_factory=dict)
    changed_datasets: tuple[str, ...] = ()
    missing_datasets: tuple[str, ...] = ()

    @property
    def current(self) -> bool:
        """Whether the store needs no migration."""
        return (
            self.initialized
            and self.store_version == self.standard_version
            and self.migration == self.latest_migration
            and not self.changed_datasets
            and not self.missing_datasets
        )


def _meta(store: Store) -> dict[str, str]:
    if "blotter_meta" not in store.tables():
        return {}
    return dict(store.query("SELECT key, value FROM blotter_meta").rows)


def _set_meta(tx: Transaction, key: str, value: str) -> None:
    tx.execute("DELETE FROM blotter_meta WHERE key = ?", [key])
    tx.execute("INSERT INTO blotter_meta (key, value) VALUES (?, ?)", [key, value])


def _apply_migrations(tx: Transaction, store: Store, current: int) -> int:
    for migration in MIGRATIONS:
        if migration.id > current:
            for statement in migration.statements(store.dialect):
                tx.execute(statement)
            current = migration.id
            _set_meta(tx, "migration", str(current))
    return current


def _record_schema(tx: Transaction, schema: TableSchema) -> None:
    tx.execute("DELETE FROM blotter_schemas WHERE dataset = ?", [schema.name])
    tx.execute(
        "INSERT INTO blotter_schemas (dataset, version, digest, descriptor) VALUES (?, ?, ?, ?)",
        [schema.name, schema.version, schema_digest(schema), json.dumps(schema.descriptor)],
    )


def initialize(store: Store, standard: Standard) -> StoreStatus:
    """Create every table of the standard in an empty store (idempotent on a current store)."""
    meta = _meta(store)
    if meta.get("standard_version") not in (None, standard.version):
        raise StoreVersionError(
            f"the store at {store.label} was made with standard {meta['standard_version']}; "
            f"this is {standard.version}: run `blotter db migrate`"
        )
    with store.transaction() as tx:
        _apply_migrations(tx, store, int(meta.get("migration", "0")))
        for name in standard.datasets:
            schema = standard.schema(name)
            tx.execute(create_table_sql(schema, store.dialect, primary_key=store.enforces_keys))
            _record_schema(tx, schema)
        _set_meta(tx, "standard_version", standard.version)
    return status(store, standard)


def status(store: Store, standard: Standard) -> StoreStatus:
    """Describe the store without changing it."""
    meta = _meta(store)
    tables = store.tables()
    recorded: dict[str, str] = {}
    if "blotter_schemas" in tables:
        recorded = dict(store.query("SELECT dataset, digest FROM blotter_schemas").rows)
    counts = {
        name: int(store.query(f"SELECT count(*) FROM {quote(name)}").scalar())  # noqa: S608
        for name in standard.datasets
        if name in tables
    }
    changed = tuple(
        name
        for name in standard.datasets
        if name in recorded and recorded[name] != schema_digest(standard.schema(name))
    )
    missing = tuple(name for name in standard.datasets if name not in tables)
    return StoreStatus(
        label=store.label,
        initialized="standard_version" in meta,
        store_version=meta.get("standard_version"),
        standard_version=standard.version,
        migration=int(meta.get("migration", "0")),
        latest_migration=MIGRATIONS[-1].id,
        row_counts=counts,
        changed_datasets=changed,
        missing_datasets=missing if "standard_version" in meta else (),
    )


def ensure_current(store: Store, standard: Standard) -> None:
    """Raise ``StoreVersionError`` with the way forward unless the store matches the standard."""
    state = status(store, standard)
    if not state.initialized:
        raise StoreVersionError(f"no OpenBlotter store at {store.label}: run `blotter db init`")
    if not state.current:
        raise StoreVersionError(
            f"the store at {store.label} was made with standard {state.store_version} "
            f"(migration {state.migration}); this OpenBlotter has standard "
            f"{state.standard_version} (migration {state.latest_migration}): "
            "run `blotter db migrate`"
        )


def plan_migration(store: Store, standard: Standard) -> list[str]:
    """The statements ``migrate`` would run for the dataset tables; refuse unsafe changes."""
    recorded = {}
    if "blotter_schemas" in store.tables():
        recorded = {
            d: parse_table_schema(json.loads(text))
            for d, text in store.query("SELECT dataset, descriptor FROM blotter_schemas").rows
        }
    statements: list[str] = []
    for name in standard.datasets:
        new = standard.schema(name)
        old = recorded.get(name)
        if old is None:
            statements.append(create_table_sql(new, store.dialect, primary_key=store.enforces_keys))
            continue
        problems = []
        if old.primary_key != new.primary_key:
            problems.append(f"primary key {old.primary_key} → {new.primary_key}")
        for fld in old.fields:
            if not new.has_field(fld.name):
                problems.append(f"field {fld.name!r} removed")
            elif column_type(new.field(fld.name), store.dialect) != column_type(fld, store.dialect):
                problems.append(
                    f"field {fld.name!r} changed type {fld.type} → {new.field(fld.name).type}"
                )
        if problems:
            raise StoreVersionError(
                f"dataset {name!r} cannot be migrated automatically ({'; '.join(problems)}): "
                "export it, re-initialise the store and re-ingest, or add a migration step"
            )
        statements.extend(
            f"ALTER TABLE {quote(name)} ADD COLUMN {quote(fld.name)} "
            f"{column_type(fld, store.dialect)}"
            for fld in new.fields
            if not old.has_field(fld.name)
        )
    return statements


def migrate(store: Store, standard: Standard) -> list[str]:
    """Bring the store to this version of the standard, in one transaction; return what ran."""
    meta = _meta(store)
    if "standard_version" not in meta:
        raise StoreVersionError(f"no OpenBlotter store at {store.label}: run `blotter db init`")
    stored_major = int(meta["standard_version"].split(".")[0])
    if stored_major > int(standard.version.split(".")[0]):
        raise StoreVersionError(
            f"the store was made with a newer standard ({meta['standard_version']}): "
            "upgrade OpenBlotter"
        )
    statements = plan_migration(store, standard)
    with store.transaction() as tx:
        before = int(meta.get("migration", "0"))
        after = _apply_migrations(tx, store, before)
        for statement in statements:
            tx.execute(statement)
        for name in standard.datasets:
            _record_schema(tx, standard.schema(name))
        _set_meta(tx, "standard_version", standard.version)
    done = [f"operational migration {m.id}: {m.name}" for m in MIGRATIONS if before < m.id <= after]
    return done + statements
