"""Shared fixtures: settings, a fixed clock, and a store of each kind (DuckDB and PostgreSQL).

PostgreSQL tests are required where the server is expected (``make test`` passes
``--require-postgres``): a missing server then fails them instead of skipping them.
"""

from __future__ import annotations

import dataclasses
import os
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest
from argon2 import Parameters
from argon2.profiles import RFC_9106_LOW_MEMORY

from openblotter.accounts import passwords as passwords_module
from openblotter.clock import FixedClock
from openblotter.schema import Standard, load_standard
from openblotter.settings import Settings
from openblotter.storage import Store, initialize
from openblotter.storage.duckdb import DuckDBStore

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from tests.web.staff_support import StaffSite

#: argon2id at the smallest cost argon2 allows: same code path, milliseconds instead of 0.1 s
CHEAP: Parameters = dataclasses.replace(
    RFC_9106_LOW_MEMORY, time_cost=1, memory_cost=8, parallelism=1
)

PG_URL = os.environ.get("BLOTTER_TEST_DATABASE_URL", "postgresql://127.0.0.1:5432/test")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--require-postgres",
        action="store_true",
        help="fail (instead of skip) PostgreSQL tests when the server is unreachable",
    )


def _postgres_available() -> str | None:
    try:
        import psycopg

        with psycopg.connect(PG_URL, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:
        return str(exc)
    return None


@pytest.fixture(scope="session")
def standard() -> Standard:
    return load_standard()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 28, 12, 0, tzinfo=UTC))


@contextmanager
def fresh_pg_schema(request: pytest.FixtureRequest) -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema, dropped afterwards."""
    problem = _postgres_available()
    if problem is not None:
        if request.config.getoption("--require-postgres"):
            pytest.fail(f"PostgreSQL is required but unreachable at {PG_URL}: {problem}")
        pytest.skip(f"PostgreSQL unreachable: {problem}")
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@contextmanager
def module_store_url(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """For a fixture parametrised "duckdb"/"postgres": None, or a fresh PostgreSQL schema."""
    if request.param == "duckdb":
        yield None
        return
    with fresh_pg_schema(request) as url:
        yield url


@pytest.fixture
def pg_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema, dropped afterwards."""
    with fresh_pg_schema(request) as url:
        yield url


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings pointing at an empty store of each kind."""
    if request.param == "duckdb":
        return Settings(data_dir=tmp_path / "data", database_url=None)
    url = request.getfixturevalue("pg_url")
    return Settings(data_dir=tmp_path / "data", database_url=url)  # type: ignore[arg-type]


@pytest.fixture
def empty_store(store_settings: Settings) -> Iterator[Store]:
    from openblotter.storage import open_store

    store = open_store(store_settings)
    yield store
    store.close()


@pytest.fixture
def store(empty_store: Store, standard: Standard) -> Store:
    """An initialised store of each kind."""
    initialize(empty_store, standard)
    return empty_store


@pytest.fixture
def memory_store() -> Iterator[DuckDBStore]:
    store = DuckDBStore(":memory:")
    yield store
    store.close()


@pytest.fixture
def cheap_argon2() -> Iterator[None]:
    """Hash passwords at the cheapest cost for this test (the production cost is tested too)."""
    passwords_module.use_parameters(CHEAP)
    yield
    passwords_module.use_parameters(None)


@pytest.fixture
def production_argon2(cheap_argon2: None) -> None:
    """The production parameters (RFC 9106 low-memory profile) for this test."""
    passwords_module.use_parameters(None)


@pytest.fixture
def site(store: Store, standard: Standard, clock: FixedClock, tmp_path: Path) -> StaffSite:
    """The staff site of tests/web/staff_support.py over each store."""
    from tests.web.staff_support import build_staff_site

    return build_staff_site(store, standard, clock, tmp_path)
