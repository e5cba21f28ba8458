"""The server store: PostgreSQL, selected by ``BLOTTER_DATABASE_URL``.

Needs the ``postgres`` extra (psycopg 3). Tables live in the connection's current schema, so a
deployment (or a test) can choose one with ``options=-csearch_path=NAME`` in the URL. Bulk loads
go through ``COPY … FROM STDIN`` inside the caller's transaction.
"""

from __future__ import annotations

import io
import threading
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ClassVar

import polars as pl

from openblotter.errors import MissingExtraError, PermissionDeniedError, StorageError
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

    import psycopg
    import pyarrow as pa

    from openblotter.schema.ddl import Dialect

__all__ = ["PostgresStore"]


def _import_psycopg() -> Any:
    try:
        import psycopg
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise MissingExtraError("postgres", "psycopg") from exc
    return psycopg


def _pg(sql: str, params: Sequence[Any]) -> str:
    """Translate the store's ``?`` placeholders to psycopg's.

    Only when values are bound: without parameters psycopg sends the text as it is, so a ``%``
    in a literal stays one.
    """
    return sql.replace("%", "%%").replace("?", "%s") if params else sql


def _result(cursor: psycopg.Cursor[Any]) -> QueryResult:
    description = cursor.description or []
    rows = cursor.fetchall() if description else []
    return QueryResult(columns=tuple(d.name for d in description), rows=list(rows))


def _array_literal(column: str) -> pl.Expr:
    element = (
        pl.element()
        .str.replace_all("\\", "\\\\", literal=True)
        .str.replace_all('"', '\\"', literal=True)
    )
    return (
        pl.lit("{")
        + pl.col(column).list.eval(pl.lit('"') + element + pl.lit('"')).list.join(",")
        + pl.lit("}")
    ).alias(column)


def arrow_to_copy_csv(data: pa.Table) -> bytes:
    """Render an Arrow table as CSV that ``COPY … (FORMAT csv)`` reads back exactly."""
    frame = pl.from_arrow(data)
    if not isinstance(frame, pl.DataFrame):  # pragma: no cover - from_arrow of a Table
        raise StorageError("expected a table")
    lists = [name for name, dtype in frame.schema.items() if isinstance(dtype, pl.List)]
    if lists:
        frame = frame.with_columns([_array_literal(name) for name in lists])
    buffer = io.BytesIO()
    frame.write_csv(buffer, include_header=False, null_value="", quote_style="non_numeric")
    return buffer.getvalue()


class _PostgresTransaction(Transaction):
    dialect: ClassVar[Dialect] = "postgres"

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._run(sql, params)

    def query(self, sql: str, params: Sequence[Any] = ()) -> QueryResult:
        return _result(self._run(sql, params))

    def _run(self, sql: str, params: Sequence[Any]) -> psycopg.Cursor[Any]:
        import psycopg

        check_audit_append_only(sql)
        try:
            return self._conn.execute(_pg(sql, params), list(params) or None)
        except psycopg.Error as exc:
            raise StorageError(f"statement failed, the transaction will roll back: {exc}") from exc

    def frame(
        self, sql: str, params: Sequence[Any] = (), *, schema: dict[str, pl.DataType] | None = None
    ) -> pl.DataFrame:
        cursor = self._run(sql, params)
        columns = [d.name for d in cursor.description or []]
        rows = cursor.fetchall()
        if schema:
            return pl.DataFrame(rows, schema=[(c, schema[c]) for c in columns], orient="row")
        return pl.DataFrame(rows, schema=columns, orient="row", infer_schema_length=None)

    def insert_arrow(
        self, table: str, data: pa.Table, *, computed: dict[str, str] | None = None
    ) -> int:
        if data.num_rows == 0:
            return 0
        columns = ", ".join(quote(c) for c in data.column_names)
        payload = arrow_to_copy_csv(data)
        statement = f"COPY {quote(table)} ({columns}) FROM STDIN (FORMAT csv, NULL '')"
        import psycopg

        try:
            with self._conn.cursor() as cursor, cursor.copy(statement) as copy:
                copy.write(payload)
        except psycopg.Error as exc:
            raise StorageError(f"bulk load into {table} failed: {exc}") from exc
        if computed:  # COPY cannot compute: fill the new rows (the only ones still empty)
            first = next(iter(computed))
            sets = ", ".join(f"{quote(c)} = {expr}" for c, expr in computed.items())
            self.execute(f"UPDATE {quote(table)} SET {sets} WHERE {quote(first)} IS NULL")  # noqa: S608
        return int(data.num_rows)


class PostgresStore(Store):
    """A store in a PostgreSQL database."""

    dialect: ClassVar[Dialect] = "postgres"

    def __init__(self, url: str, *, read_only: bool = False) -> None:
        super().__init__(read_only=read_only)
        self._psycopg = _import_psycopg()
        self._url = url
        self._local = threading.local()
        # one connection per live thread: a server's worker threads come and go (anyio retires
        # idle ones), so the connections of finished threads are closed when a new one opens
        self._all: dict[threading.Thread, psycopg.Connection[Any]] = {}
        self._lock = threading.Lock()
        self._conn()  # fail early with a clear message

    @property
    def label(self) -> str:
        from urllib.parse import urlsplit

        parts = urlsplit(self._url)
        return f"postgresql://{parts.hostname}:{parts.port or 5432}{parts.path}"

    def _conn(self) -> psycopg.Connection[Any]:
        conn: psycopg.Connection[Any] | None = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            try:
                conn = self._psycopg.connect(self._url, autocommit=True)
            except self._psycopg.Error as exc:
                raise StorageError(f"cannot connect to PostgreSQL at {self.label}: {exc}") from exc
            if self.read_only:
                conn.execute("SET default_transaction_read_only = on")
            self._local.conn = conn
            with self._lock:
                for thread in [t for t in self._all if not t.is_alive()]:
                    self._all.pop(thread).close()
                self._all[threading.current_thread()] = conn
        return conn

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        if self.read_only:
            raise PermissionDeniedError("this store was opened read-only")
        conn = self._conn()
        try:
            with conn.transaction():
                yield _PostgresTransaction(conn)
        except self._psycopg.Error as exc:
            raise StorageError(f"transaction rolled back: {exc}") from exc

    @contextmanager
    def snapshot(self) -> Iterator[Transaction]:
        conn = self._conn()
        try:
            with conn.transaction():
                conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                yield _PostgresTransaction(conn)
        except self._psycopg.Error as exc:
            raise StorageError(f"snapshot read failed: {exc}") from exc

    def query(self, sql: str, params: Sequence[Any] = ()) -> QueryResult:
        check_audit_append_only(sql)
        try:
            return _result(self._conn().execute(_pg(sql, params), list(params) or None))
        except self._psycopg.Error as exc:
            raise StorageError(f"query failed: {exc}") from exc

    def read_only_query(self, sql: str, *, timeout_seconds: float) -> QueryResult:
        text = check_read_only_sql(sql)
        conn = self._conn()
        psycopg = self._psycopg
        try:
            with conn.transaction() as tx:
                conn.execute("SET TRANSACTION READ ONLY")
                conn.execute(f"SET LOCAL statement_timeout = {int(timeout_seconds * 1000)}")
                with conn.cursor() as cursor:
                    cursor.execute(text, prepare=True)
                    result = _result(cursor)
                raise psycopg.Rollback(tx)  # never keep anything an analyst query did
        except psycopg.errors.ReadOnlySqlTransaction as exc:
            raise PermissionDeniedError(f"blotter sql is read-only: {exc}") from exc
        except psycopg.errors.QueryCanceled as exc:
            raise StorageError(f"query stopped after {timeout_seconds:g} s") from exc
        except psycopg.Error as exc:
            raise StorageError(f"query failed: {exc}") from exc
        return result

    def tables(self) -> set[str]:
        rows = self.query(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        ).rows
        return {r[0] for r in rows}

    def columns(self, table: str) -> list[str]:
        rows = self.query(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position",
            [table],
        ).rows
        return [r[0] for r in rows]

    def close(self) -> None:
        with self._lock:
            for conn in self._all.values():
                conn.close()
            self._all.clear()
        self._local = threading.local()
