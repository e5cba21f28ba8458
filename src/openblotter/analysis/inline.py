"""Small in-memory tables inside a store query, carried as text and unpacked by the engine.

An aggregation sometimes needs a small table computed in Python (the veil of darkness: sunset and
dusk per date and place) joined to millions of records in the store. The records should not
travel to Python, and a read-only snapshot cannot create a temporary table, so the small table
travels into the query instead: every ``ibis.memtable`` of the expression becomes a sub-query
the store can read without any table of its own. On any other Ibis backend the same expression
runs unchanged (memtables are native there).

Each column is one text literal, its values joined by the unit separator (``chr(31)``, or the
first other control character the column's text does not hold), which
the engine splits and unnests in step: ``string_split`` in DuckDB, ``string_to_array`` in
PostgreSQL, zipped because several set-returning functions in one ``SELECT`` run in lockstep.
Binding a ``VALUES`` list costs DuckDB some 20 µs per value (3 s for 20,000 rows of 7 columns);
splitting a string costs nothing. Values are written from their types: integers and dates as
digits, booleans as ``t``/``f``, text behind a one-character prefix so that the empty string is
not a null. Literals are quoted by sqlglot, with ``%`` and ``?`` spelled ``chr(37)`` and
``chr(63)``, so no store's placeholder translation can touch them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import sqlglot.expressions as sge

    from openblotter.storage.base import Transaction

__all__ = ["inline_sql", "run_with_values"]

_SEPARATORS = (31, 30, 29, 28, *range(27, 0, -1))
_SPLIT = {"duckdb": "string_split", "postgres": "string_to_array"}


def _sql_type(name: str, dtype: pl.DataType) -> str:
    if dtype == pl.Date:
        return "DATE"
    if dtype == pl.String:
        return "VARCHAR"
    if dtype == pl.Boolean:
        return "BOOLEAN"
    if dtype.is_integer():
        return "BIGINT" if dtype in (pl.Int64, pl.UInt32, pl.UInt64) else "INTEGER"
    raise TypeError(f"no SQL literal for column {name!r} of type {dtype}")


def _quote(dialect: str, value: str) -> str:
    import sqlglot.expressions as sge

    quoted: str = sge.Literal.string(value).sql(dialect=dialect)
    return quoted.replace("%", "' || chr(37) || '").replace("?", "' || chr(63) || '")


def _packed(column: pl.Series) -> tuple[str, int]:
    """One column's values as one text, and the code of the separator between them.

    Typed as the module says; null is the empty string, text is prefixed.
    """
    dtype = column.dtype
    separator = _SEPARATORS[0]
    if dtype == pl.String:
        free = (c for c in _SEPARATORS if not column.str.contains(chr(c), literal=True).any())
        separator = next(free, 0)
        if not separator:
            raise ValueError(f"column {column.name!r} holds every control character")
        text = ("=" + column).fill_null("")
    elif dtype == pl.Boolean:
        text = column.replace_strict({True: "t", False: "f"}, return_dtype=pl.String)
        text = text.fill_null("")
    elif dtype == pl.Date:
        text = column.dt.strftime("%Y-%m-%d").fill_null("")
    else:
        text = column.cast(pl.String).fill_null("")
    return chr(separator).join(text.to_list()), separator


def inline_sql(frame: pl.DataFrame, dialect: str) -> str:
    """A ``SELECT`` that returns ``frame`` in DuckDB or PostgreSQL, needing no table."""
    if frame.is_empty():
        columns = ", ".join(
            f'CAST(NULL AS {_sql_type(n, t)}) AS "{n}"' for n, t in frame.schema.items()
        )
        return f"SELECT {columns} WHERE 1 = 0"
    split = _SPLIT[dialect]
    inner, outer = [], []
    for i, (name, dtype) in enumerate(frame.schema.items()):
        if '"' in name:
            raise ValueError(f"refusing the column name {name!r}")
        text, separator = _packed(frame.get_column(name))
        packed = _quote(dialect, text)
        # one row: no split (PostgreSQL splits the empty string into no element at all)
        inner.append(
            f"{packed} AS c{i}"
            if frame.height == 1
            else f"unnest({split}({packed}, chr({separator}))) AS c{i}"
        )
        value = f"NULLIF(c{i}, '')"
        if dtype == pl.String:
            value = f"substr({value}, 2)"
        outer.append(f'CAST({value} AS {_sql_type(name, dtype)}) AS "{name}"')
    return f"SELECT {', '.join(outer)} FROM (SELECT {', '.join(inner)}) AS packed"  # noqa: S608 - literals quoted by sqlglot, names checked


def run_with_values(expr: ir.Table, tx: Transaction) -> pl.DataFrame:
    """:func:`~openblotter.analysis.source.run` for an expression with small in-memory tables.

    Every ``ibis.memtable`` in ``expr`` is written into the query (:func:`inline_sql`), so the
    query needs nothing but the store's own tables and runs in a read-only snapshot. Meant for
    tables of up to some 10**5 rows.
    """
    import ibis.backends.sql.compilers as compilers
    import ibis.expr.operations as ops
    import sqlglot.expressions as sge

    compiler = getattr(compilers, tx.dialect).compiler
    memtables = {op.name: op for op in expr.op().find(ops.InMemoryTable)}
    markers: dict[str, str] = {}

    def inline(node: sge.Expression) -> sge.Expression:
        if not isinstance(node, sge.Table) or node.name not in memtables:
            return node
        op = memtables[node.name]
        marker = f"__blotter_inline_{len(markers)}__"
        markers[marker] = inline_sql(op.data.to_polars(op.schema), tx.dialect)
        alias = sge.TableAlias(this=sge.to_identifier(node.alias_or_name, quoted=True))
        return sge.Table(this=sge.to_identifier(marker, quoted=False), alias=alias)

    tree = compiler.to_sqlglot(expr.unbind()).transform(inline)
    sql = tree.sql(dialect=compiler.dialect)
    for marker, select in markers.items():
        sql = sql.replace(marker, f"({select})", 1)
    schema = {name: dtype.to_polars() for name, dtype in expr.schema().items()}
    return tx.frame(sql, schema=schema)
