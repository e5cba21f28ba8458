"""The store contract: every test runs on DuckDB and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING

import pyarrow as pa
import pytest

from openblotter.errors import PermissionDeniedError, StorageError, StoreVersionError
from openblotter.schema.ddl import create_table_sql
from openblotter.schema.registry import parse_table_schema
from openblotter.storage import Store, ensure_current, initialize, migrate, open_store, status
from openblotter.storage.lifecycle import schema_digest

if TYPE_CHECKING:
    from openblotter.schema import Standard
    from openblotter.settings import Settings

ALL_TYPES = parse_table_schema(
    {
        "name": "all_types",
        "title": "All types",
        "description": "Every field type of the standard.",
        "version": "1.0.0",
        "primaryKey": ["id"],
        "fields": [
            {
                "name": name,
                "type": ftype,
                "title": name,
                "description": name,
                "privacy": "public",
                "crosswalk": {"opp": None, "ripa": None, "fbi": None},
                **({"constraints": {"required": True}} if name == "id" else {}),
            }
            for name, ftype in [
                ("id", "string"),
                ("n", "integer"),
                ("x", "number"),
                ("flag", "boolean"),
                ("day", "date"),
                ("clock", "time"),
                ("at", "datetime"),
                ("yr", "year"),
                ("tags", "list"),
            ]
        ],
    }
)

ROWS = pa.table(
    {
        "id": ["a", "b", "c"],
        "n": [1, None, -7],
        "x": [1.5, None, 0.0],
        "flag": [True, False, None],
        "day": [dt.date(2016, 2, 29), None, dt.date(1991, 1, 1)],
        "clock": [dt.time(23, 59, 1), None, dt.time(0, 0)],
        "at": pa.array(
            [dt.datetime(2020, 3, 8, 9, 30, tzinfo=dt.UTC), None, None], pa.timestamp("us", "UTC")
        ),
        "yr": pa.array([2016, None, 1991], pa.int32()),
        "tags": [["consent", "probable cause"], None, ['quote " and \\ back', "Ünïcode, comma"]],
        "_batch_id": [1, 1, 1],
        "_source_row": [2, 3, 4],
        "_record_hash": ["h1", "h2", "h3"],
    }
)


def _make_all_types(store: Store) -> None:
    with store.transaction() as tx:
        tx.execute(create_table_sql(ALL_TYPES, store.dialect))


def test_initialize__creates_every_dataset_table(store: Store, standard: Standard) -> None:
    tables = store.tables()
    for name in standard.datasets:
        assert name in tables
        expected = [*standard.schema(name).field_names, "_batch_id", "_source_row", "_record_hash"]
        assert store.columns(name) == expected
    state = status(store, standard)
    assert state.initialized
    assert state.current
    assert state.store_version == standard.version
    assert set(state.row_counts) == set(standard.datasets)
    assert all(count == 0 for count in state.row_counts.values())


def test_initialize__is_idempotent(store: Store, standard: Standard) -> None:
    again = initialize(store, standard)
    assert again.current
    ensure_current(store, standard)


def test_insert_arrow__round_trips_every_type(empty_store: Store) -> None:
    _make_all_types(empty_store)
    with empty_store.transaction() as tx:
        assert tx.insert_arrow("all_types", ROWS) == 3
    result = empty_store.query('SELECT * FROM all_types ORDER BY "id"').as_dicts()
    assert [r["id"] for r in result] == ["a", "b", "c"]
    first, second, third = result
    assert first["n"] == 1
    assert second["n"] is None
    assert third["n"] == -7
    assert first["flag"] is True
    assert second["flag"] is False
    assert third["flag"] is None
    assert first["day"] == dt.date(2016, 2, 29)
    assert first["clock"] == dt.time(23, 59, 1)
    assert first["at"] == dt.datetime(2020, 3, 8, 9, 30, tzinfo=dt.UTC)
    assert first["yr"] == 2016
    assert list(first["tags"]) == ["consent", "probable cause"]
    assert second["tags"] is None
    assert list(third["tags"]) == ['quote " and \\ back', "Ünïcode, comma"]


def _crash_after_insert(store: Store) -> None:
    with store.transaction() as tx:
        tx.insert_arrow("all_types", ROWS)
        raise RuntimeError("crash half-way")


def test_transaction__rolls_back_everything_on_error(empty_store: Store) -> None:
    _make_all_types(empty_store)
    with pytest.raises(RuntimeError):
        _crash_after_insert(empty_store)
    assert empty_store.query("SELECT count(*) FROM all_types").scalar() == 0


def _insert_same_key_twice(store: Store) -> None:
    with store.transaction() as tx:
        tx.execute("INSERT INTO all_types (id, _batch_id) VALUES ('x', 1)")
        tx.execute("INSERT INTO all_types (id, _batch_id) VALUES ('x', 1)")


def test_transaction__failing_second_statement_leaves_zero_rows(empty_store: Store) -> None:
    """RELIABILITY.md A.9: a batch whose second statement fails changes nothing."""
    _make_all_types(empty_store)
    with pytest.raises(StorageError):
        _insert_same_key_twice(empty_store)
    assert empty_store.query("SELECT count(*) FROM all_types").scalar() == 0


def test_read_only_query__answers_selects(store: Store) -> None:
    result = store.read_only_query(
        "SELECT count(*) AS n FROM stops -- a comment; with a semicolon\n", timeout_seconds=10
    )
    assert result.columns == ("n",)
    assert result.scalar() == 0


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO agencies (agency_slug, _batch_id) VALUES ('xx_test', 1)",
        "UPDATE stops SET type = 'vehicular'",
        "DELETE FROM stops",
        "DROP TABLE stops",
        "CREATE TABLE evil (x INTEGER)",
        "ALTER TABLE stops ADD COLUMN evil INTEGER",
        "TRUNCATE stops",
        "COPY stops TO '/tmp/openblotter-leak.csv'",
        "SELECT 1; DELETE FROM stops",
        "ATTACH 'x.db' AS x",
        "EXPLAIN ANALYZE DELETE FROM stops",
        "WITH gone AS (DELETE FROM stops RETURNING *) SELECT count(*) FROM gone",
    ],
)
def test_read_only_query__refuses_writes(store: Store, standard: Standard, statement: str) -> None:
    before = status(store, standard).row_counts
    with pytest.raises((PermissionDeniedError, StorageError)):
        store.read_only_query(statement, timeout_seconds=10)
    assert "evil" not in store.tables()
    assert status(store, standard).row_counts == before


def test_read_only_store__engine_refuses_writes(
    store_settings: Settings, standard: Standard
) -> None:
    """With the keyword check bypassed, the engine itself still refuses a write."""
    with open_store(store_settings) as writer:
        initialize(writer, standard)
    reader = open_store(store_settings, read_only=True)
    try:
        with pytest.raises(PermissionDeniedError):
            reader.transaction().__enter__()
        with pytest.raises((PermissionDeniedError, StorageError)):
            reader.query("INSERT INTO blotter_meta (key, value) VALUES ('x', 'y')")
        assert (
            reader.read_only_query("SELECT count(*) FROM stops", timeout_seconds=10).scalar() == 0
        )
    finally:
        reader.close()


def _pretend_older_standard(store: Store, standard: Standard, dataset: str, field: str) -> None:
    """Make the store look as if an older standard, without ``field``, had built it."""
    schema = standard.schema(dataset)
    old = dict(schema.descriptor)
    old["fields"] = [f for f in schema.descriptor["fields"] if f["name"] != field]
    old_schema = parse_table_schema(old)
    with store.transaction() as tx:
        tx.execute(f'ALTER TABLE "{dataset}" DROP COLUMN "{field}"')
        tx.execute(
            "UPDATE blotter_schemas SET digest = ?, descriptor = ?, version = '0.9.0' "
            "WHERE dataset = ?",
            [schema_digest(old_schema), json.dumps(old), dataset],
        )
        tx.execute("UPDATE blotter_meta SET value = '0.9.0' WHERE key = 'standard_version'")


def test_migrate__older_store_gets_a_clear_message_and_a_path(
    store: Store, standard: Standard
) -> None:
    _pretend_older_standard(store, standard, "calls_for_service", "disposition")
    with pytest.raises(StoreVersionError, match=r"0\.9\.0.*blotter db migrate"):
        ensure_current(store, standard)
    done = migrate(store, standard)
    assert any("ADD COLUMN" in step and "disposition" in step for step in done)
    ensure_current(store, standard)
    assert "disposition" in store.columns("calls_for_service")


def test_migrate__refuses_a_change_it_cannot_make_safely(store: Store, standard: Standard) -> None:
    schema = standard.schema("population")
    old = dict(schema.descriptor)
    old["fields"] = [
        *schema.descriptor["fields"],
        {**schema.descriptor["fields"][-1], "name": "gone"},
    ]
    with store.transaction() as tx:
        tx.execute(
            "UPDATE blotter_schemas SET descriptor = ?, digest = 'old' "
            "WHERE dataset = 'population'",
            [json.dumps(old)],
        )
    with pytest.raises(StoreVersionError, match="'gone' removed"):
        migrate(store, standard)


def test_status__uninitialised_store(empty_store: Store, standard: Standard) -> None:
    state = status(empty_store, standard)
    assert not state.initialized
    with pytest.raises(StoreVersionError, match="blotter db init"):
        ensure_current(empty_store, standard)
