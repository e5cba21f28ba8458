"""Where records live: an embedded DuckDB file by default, PostgreSQL for server deployments."""

from __future__ import annotations

from typing import TYPE_CHECKING

from openblotter.storage.base import QueryResult, Store, Transaction
from openblotter.storage.lifecycle import StoreStatus, ensure_current, initialize, migrate, status

if TYPE_CHECKING:
    from openblotter.settings import Settings

__all__ = [
    "QueryResult",
    "Store",
    "StoreStatus",
    "Transaction",
    "ensure_current",
    "initialize",
    "migrate",
    "open_store",
    "status",
]


def open_store(settings: Settings, *, read_only: bool = False) -> Store:
    """Open the store the settings point at (PostgreSQL when a database URL is set)."""
    if settings.database_url is not None:
        from openblotter.storage.postgres import PostgresStore

        return PostgresStore(settings.database_url.get_secret_value(), read_only=read_only)
    from openblotter.storage.duckdb import DuckDBStore

    return DuckDBStore(
        settings.duckdb_path, read_only=read_only, memory_limit=settings.duckdb_memory_limit
    )
