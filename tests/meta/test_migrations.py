"""Operational migrations form one linear sequence with a single head."""

from openblotter.storage.migrations import MIGRATIONS


def test_migrations__are_numbered_one_to_n_without_gaps() -> None:
    assert [m.id for m in MIGRATIONS] == list(range(1, len(MIGRATIONS) + 1))


def test_migrations__have_statements_for_both_dialects() -> None:
    for migration in MIGRATIONS:
        assert migration.duckdb, migration.name
        assert migration.postgres, migration.name
        assert migration.name
