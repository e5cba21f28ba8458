"""The embedded default store: one DuckDB file in the data directory.

DuckDB connections are not thread-safe: each thread works through its own cursor created from
the shared connection (DuckDB docs, "Multiple Python Threads"). That rule lives here, not in
callers. Only DuckDB's built-in extensions are used (no downloads at run time).
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import duckdb
import polars as pl

from openblotter.errors import PermissionDeniedError, StorageError
from openblotter.schema.ddl import quote
from openblotter.storage.base import (
    QueryResult,
    Store,
    Transaction,
    check_audit_append_only,
    check_read_only_sql,
)

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    import pyarrow as pa

    from openblotter.schema.ddl import Dialect

__all__ = ["DuckDBStore"]


def _result(cursor: duckdb.DuckDBPyConnection) -> QueryResult:
    description = cursor.description or []
    return QueryResult(columns=tuple(d[0] for d in description), rows=cursor.fetchall())


class _DuckDBTransaction(Transaction):
    dialect: ClassVar[Dialect] = "duckdb"

    def __init__(self, cursor: duckdb.DuckDBPyConnection) -> None:
        self._cursor = cursor

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        check_audit_append_only(sql)
        try:
            self._cursor.execute(sql, list(params))
        except duckdb.Error as exc:
            raise StorageError(f"statement failed, the transaction will roll back: {exc}") from exc

    def query(self, sql: str, params: Sequence[Any] = ()) -> QueryResult:
        self.execute(sql, params)
        return _result(self._cursor)

    def frame(
        self, sql: str, params: Sequence[Any] = (), *, schema: dict[str, pl.DataType] | None = None
    ) -> pl.DataFrame:
        check_audit_append_only(sql)
        try:
            relation = self._cursor.sql(sql, params=list(params) or None)
        except duckdb.Error as exc:
            raise StorageError(f"statement failed, the transaction will roll back: {exc}") from exc
        frame = pl.DataFrame(relation.to_arrow_table())
        return frame.cast(schema) if schema else frame  # type: ignore[arg-type]

    def insert_arrow(
        self, table: str, data: pa.Table, *, computed: dict[str, str] | None = None
    ) -> int:
        if data.num_rows == 0:
            return 0
        view = "__blotter_insert"
        extra = computed or {}
        columns = ", ".join(quote(c) for c in [*data.column_names, *extra])
        values = ", ".join([*(quote(c) for c in data.column_names), *extra.values()])
        self._cursor.register(view, data)
        try:
            self.execute(f"INSERT INTO {quote(table)} ({columns}) SELECT {values} FROM {view}")  # noqa: S608 - identifiers quoted
        finally:
            self._cursor.unregister(view)
        return int(data.num_rows)


class DuckDBStore(Store):
    """A store in one DuckDB file (or in memory with ``path=":memory:"``)."""

    dialect: ClassVar[Dialect] = "duckdb"
    enforces_keys: ClassVar[bool] = False  # one writer process only; see ADR 0005

    def __init__(
        self, path: Path | str, *, read_only: bool = False, memory_limit: str = "1GB"
    ) -> None:
        super().__init__(read_only=read_only)
        self.path = str(path)
        if self.path != ":memory:":
            file = Path(self.path)
            if read_only and not file.exists():
                raise StorageError(f"no store at {file}: run `blotter db init` first")
            file.parent.mkdir(parents=True, exist_ok=True)
        # Bounded memory whatever the file size: DuckDB spills to a folder beside the store.
        config: dict[str, Any] = {"memory_limit": memory_limit, "preserve_insertion_order": False}
        if self.path != ":memory:" and not read_only:
            config["temp_directory"] = str(Path(self.path).parent / ".duckdb-tmp")
        if read_only:
            config["enable_external_access"] = False
        try:
            self._con = duckdb.connect(self.path, read_only=read_only, config=config)
        except duckdb.Error as exc:
            raise StorageError(f"cannot open the DuckDB store at {self.path}: {exc}") from exc
        self._local = threading.local()

    @property
    def label(self) -> str:
        return f"duckdb:{self.path}"

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        cursor: duckdb.DuckDBPyConnection | None = getattr(self._local, "cursor", None)
        if cursor is None:
            cursor = self._con.cursor()
            self._local.cursor = cursor
        return cursor

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        if self.read_only:
            raise PermissionDeniedError("this store was opened read-only")
        cursor = self._cursor()
        cursor.execute("BEGIN TRANSACTION")
        try:
            yield _DuckDBTransaction(cursor)
        except BaseException:
            cursor.execute("ROLLBACK")
            raise
        try:
            cursor.execute("COMMIT")
        except duckdb.Error as exc:
            raise StorageError(f"commit failed, nothing was written: {exc}") from exc

    @contextmanager
    def snapshot(self) -> Iterator[Transaction]:
        cursor = self._cursor()
        cursor.execute("BEGIN TRANSACTION")
        try:
            yield _DuckDBTransaction(cursor)
        finally:
            cursor.execute("ROLLBACK")

    def query(self, sql: str, params: Sequence[Any] = ()) -> QueryResult:
        check_audit_append_only(sql)
        cursor = self._cursor()
        try:
            cursor.execute(sql, list(params))
        except duckdb.Error as exc:
            raise StorageError(f"query failed: {exc}") from exc
        return _result(cursor)

    def read_only_query(self, sql: str, *, timeout_seconds: float) -> QueryResult:
        text = check_read_only_sql(sql)
        cursor = self._cursor()
        timer = threading.Timer(timeout_seconds, cursor.interrupt)
        timer.start()
        try:
            cursor.execute("BEGIN TRANSACTION")
            try:
                cursor.execute(text)
                return _result(cursor)
            finally:
                cursor.execute("ROLLBACK")
        except duckdb.InterruptException as exc:
            raise StorageError(f"query stopped after {timeout_seconds:g} s") from exc
        except (duckdb.InvalidInputException, duckdb.PermissionException) as exc:
            if "read-only" in str(exc) or "external access" in str(exc).lower():
                raise PermissionDeniedError(f"blotter sql is read-only: {exc}") from exc
            raise StorageError(f"query failed: {exc}") from exc
        except duckdb.Error as exc:
            raise StorageError(f"query failed: {exc}") from exc
        finally:
            timer.cancel()

    def tables(self) -> set[str]:
        rows = self.query(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
        ).rows
        return {r[0] for r in rows}

    def columns(self, table: str) -> list[str]:
        rows = self.query(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = 'main' AND table_name = ? ORDER BY ordinal_position",
            [table],
        ).rows
        return [r[0] for r in rows]

    def close(self) -> None:
        self._con.close()
