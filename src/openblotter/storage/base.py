"""The store contract, shared by the embedded DuckDB store and the PostgreSQL store.

A ``Store`` offers a few primitives (transactions, queries, bulk insert of an Arrow table);
everything else (creating the standard's tables, status, migrations) is written once on top of
them in ``storage.lifecycle``. Every write happens inside ``store.transaction()``: an explicit
``BEGIN … COMMIT`` that rolls back on any error, so a failure never leaves half a batch.

SQL passed to these methods uses ``?`` placeholders in both dialects.
"""

from __future__ import annotations

import abc
import re
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from openblotter.errors import PermissionDeniedError

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    import polars as pl
    import pyarrow as pa

    from openblotter.schema.ddl import Dialect

__all__ = [
    "QueryResult",
    "Store",
    "Transaction",
    "check_audit_append_only",
    "check_read_only_sql",
]


@dataclass(frozen=True, slots=True)
class QueryResult:
    """Column names and rows of a query."""

    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]

    def as_dicts(self) -> list[dict[str, Any]]:
        """Rows as dictionaries keyed by column name."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def scalar(self) -> Any:
        """The single value of a one-row, one-column result."""
        return self.rows[0][0] if self.rows else None


class Transaction(abc.ABC):
    """An open transaction; obtained only from ``Store.transaction()``."""

    dialect: ClassVar[Dialect]

    @abc.abstractmethod
    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Run one statement."""

    @abc.abstractmethod
    def query(self, sql: str, params: Sequence[Any] = ()) -> QueryResult:
        """Run one statement and return its rows."""

    @abc.abstractmethod
    def frame(
        self, sql: str, params: Sequence[Any] = (), *, schema: dict[str, pl.DataType] | None = None
    ) -> pl.DataFrame:
        """Run one query and return its rows as a Polars frame, cast to ``schema`` if given."""

    @abc.abstractmethod
    def insert_arrow(
        self, table: str, data: pa.Table, *, computed: dict[str, str] | None = None
    ) -> int:
        """Append the rows of an Arrow table (columns named as the table's); return the count.

        ``computed`` adds columns given as SQL expressions over the inserted columns (for
        example a digest of the record); they are filled for exactly the rows inserted.
        """


# Statements a read-only analyst query may start with. The engine enforces read-only as well
# (a read-only DuckDB connection; a read-only PostgreSQL transaction): this list only gives a
# clear message early.
_READ_ONLY_STARTS = (
    "select",
    "with",
    "values",
    "table",
    "from",
    "show",
    "describe",
    "summarize",
    "explain",
)
_WRITE_WORD = re.compile(
    r"\b(insert|update|delete|merge|upsert|create|drop|alter|truncate|copy|attach|detach|"
    r"install|load|pragma|set|reset|call|vacuum|checkpoint|export|import|grant|revoke|"
    r"comment|lock|refresh)\b",
    re.IGNORECASE,
)
_COMMENT = re.compile(r"(--[^\n]*\n?)|(/\*.*?\*/)", re.DOTALL)


def check_read_only_sql(sql: str) -> str:
    """Return the statement stripped, or raise if it is not a single read-only statement."""
    text = _COMMENT.sub(" ", sql).strip().rstrip(";").strip()
    if not text:
        raise PermissionDeniedError("empty query")
    if ";" in _strip_literals(text):
        raise PermissionDeniedError("blotter sql runs one statement at a time")
    first = text.split(None, 1)[0].lower()
    if first not in _READ_ONLY_STARTS:
        raise PermissionDeniedError(
            f"blotter sql is read-only: a {first.upper()} statement is not allowed"
        )
    if first == "explain" and re.match(r"explain\s+analy[sz]e", text, re.IGNORECASE):
        raise PermissionDeniedError("blotter sql is read-only: EXPLAIN ANALYZE runs the statement")
    writes = _WRITE_WORD.search(_strip_literals(text))
    if writes:
        raise PermissionDeniedError(
            f"blotter sql is read-only: the query contains {writes.group(0).upper()}"
        )
    return text


# The audit tables are append-only (ADR 0007): no statement through a store may rewrite them.
# PostgreSQL triggers refuse it as well; DuckDB has only this. Separators may be whitespace or
# comments, names may be quoted or schema-qualified. The raw text is searched (string literals
# included), so a literal that merely looks like such a statement is refused too: never the
# other way round.
_SEP = r"(?:\s|/\*.*?\*/|--[^\n]*(?:\n|$))+"
_OPT = r"(?:\s|/\*.*?\*/|--[^\n]*(?:\n|$))*"
_IDENT = r'(?:"[^"]*"|[\w$]+)'
_AUDIT = rf'(?:{_IDENT}{_OPT}\.{_OPT})?"?audit_(?:log|heads)"?(?![\w$"])'
_LIST = rf"(?:{_IDENT}(?:{_OPT}\.{_OPT}{_IDENT})?{_OPT},{_OPT})*"
_IF = rf"(?:if{_SEP}exists{_SEP})?"
_AUDIT_WRITES = {
    "update": rf"\bupdate{_SEP}(?:only{_SEP})?{_AUDIT}",
    "delete": rf"\bdelete{_SEP}from{_SEP}(?:only{_SEP})?{_AUDIT}",
    "truncate": rf"\btruncate{_SEP}(?:table{_SEP})?(?:only{_SEP})?{_LIST}{_AUDIT}",
    "drop": rf"\bdrop{_SEP}table{_SEP}{_IF}{_LIST}{_AUDIT}",
    "alter": rf"\balter{_SEP}table{_SEP}{_IF}(?:only{_SEP})?{_AUDIT}",
    "drop_trigger": rf"\bdrop{_SEP}trigger{_SEP}{_IF}{_IDENT}{_SEP}on{_SEP}{_AUDIT}",
    "insert_or_replace": rf"\binsert{_SEP}or{_SEP}replace{_SEP}into{_SEP}{_AUDIT}",
    "create_or_replace": rf"\bcreate{_SEP}or{_SEP}replace{_SEP}table{_SEP}{_AUDIT}",
    "merge": rf"\bmerge{_SEP}into{_SEP}{_AUDIT}",
    "upsert": rf"\binto{_SEP}{_AUDIT}.*\bdo{_SEP}update\b",
}
_AUDIT_WRITE = re.compile(
    # the lookahead lets the engine skip most positions without trying each alternative
    "(?=[udtaimc])(?:"
    + "|".join(f"(?P<{name}>{pattern})" for name, pattern in _AUDIT_WRITES.items())
    + ")",
    re.IGNORECASE | re.DOTALL,
)
_AUDIT_TABLE = re.compile(r"audit_(?:log|heads)", re.IGNORECASE)


def check_audit_append_only(sql: str) -> None:
    """Refuse a statement that would update, delete, truncate, drop or alter an audit table."""
    if "audit_" not in sql.lower():  # the common case, in linear time whatever the size
        return
    found = _AUDIT_WRITE.search(sql)
    if found is None:
        return
    kind = found.lastgroup or "change"
    tables = _AUDIT_TABLE.findall(found.group(0))
    table = (tables[0] if kind == "upsert" else tables[-1]).lower()
    what = kind.replace("_", " ").upper()
    raise PermissionDeniedError(f"the audit log is append-only: {what} on {table} is refused")


def _strip_literals(text: str) -> str:
    return re.sub(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"", "''", text)


class Store(abc.ABC):
    """A place where the standard's datasets and OpenBlotter's own tables live."""

    dialect: ClassVar[Dialect]
    #: whether dataset tables carry their primary-key constraint (the loader keeps keys unique
    #: either way; the constraint also guards concurrent writers, which only PostgreSQL has)
    enforces_keys: ClassVar[bool] = True

    def __init__(self, *, read_only: bool = False) -> None:
        self.read_only = read_only

    @property
    @abc.abstractmethod
    def label(self) -> str:
        """Where the store lives, safe to print (no password)."""

    @abc.abstractmethod
    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """Open an explicit transaction: commit on success, roll back on any exception."""

    @abc.abstractmethod
    def query(self, sql: str, params: Sequence[Any] = ()) -> QueryResult:
        """Run a read query outside an explicit transaction."""

    @abc.abstractmethod
    @contextmanager
    def snapshot(self) -> Iterator[Transaction]:
        """A read transaction in which every query sees the same committed state.

        Releases read several datasets; a batch committed halfway through must not make them
        disagree. It is for reading: PostgreSQL opens it READ ONLY.
        """

    @abc.abstractmethod
    def read_only_query(self, sql: str, *, timeout_seconds: float) -> QueryResult:
        """Run an analyst's query with every write refused by the engine itself."""

    @abc.abstractmethod
    def tables(self) -> set[str]:
        """Names of the tables in the store."""

    @abc.abstractmethod
    def columns(self, table: str) -> list[str]:
        """Column names of a table, in order."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release connections."""

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
