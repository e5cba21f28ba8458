"""Explorer filters and sort turned into one parameterised DuckDB query over a release's files.

:func:`plan` checks every filter key and the sort against the published schema (via
:func:`filter_index`), converts every value to its field's type, and builds
``SELECT … FROM read_parquet(?) AS t WHERE … ORDER BY …`` in which field names are quoted
identifiers taken from the schema and every value, and every file path, is a ``?`` parameter.
Filters on a related dataset's fields become ``EXISTS`` semi-joins on the family key. The
grammar of filter keys is documented in :mod:`openblotter.web.explorer`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from openblotter.errors import BlotterError, ConfigError

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from openblotter.web.explorer_catalog import Catalog, DatasetInfo, FieldInfo

__all__ = ["FilterError", "Plan", "QueryTimeoutError", "filter_index", "plan"]

MAX_KEYS = 24
MAX_VALUES = 100
MAX_TEXT = 200
DATE_KEYS = ("date_from", "date_to")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}


class FilterError(ConfigError):
    """A filter, sort or page the published schema does not allow (HTTP 400)."""

    code = "invalid-filter"
    http_status = 400


class QueryTimeoutError(BlotterError):
    """A query ran past the explorer's time limit and was interrupted (HTTP 503)."""

    code = "query-timeout"
    http_status = 503


@dataclass(frozen=True, slots=True)
class Plan:
    """A checked query: its ``FROM … WHERE`` part, the full ``SELECT`` and the parameters.

    ``params`` are what DuckDB binds (absolute file paths); ``shown`` the same as JSON with each
    file relative to the release folder; ``filters`` the filters as understood (empty dropped).
    """

    source: str
    select: str
    params: list[Any]
    shown: list[Any]
    filters: dict[str, list[str]]


def _quote(alias: str, name: str) -> str:
    if not _IDENT.match(name):
        raise FilterError(f"field name {name[:40]!r} cannot be queried")
    return f'{alias}."{name}"'


_INDEXES: dict[tuple[str, str], dict[str, FieldInfo]] = {}


def filter_index(cat: Catalog, dataset: str) -> dict[str, FieldInfo]:
    """Filter key → field of ``dataset`` (see :func:`_index`), kept per release."""
    key = (cat.release_id, dataset)
    if key not in _INDEXES:
        _INDEXES[key] = _index(cat, dataset)
    return _INDEXES[key]


def _index(cat: Catalog, dataset: str) -> dict[str, FieldInfo]:
    """Filter key → field: own names, related names unique in the family, ``dataset.field``.

    A related dataset's join-key fields are left out (the dataset's own say the same).
    """
    from dataclasses import replace

    own = cat.dataset(dataset)
    index: dict[str, FieldInfo] = {f.name: f for f in own.fields}
    related = cat.related(dataset)
    names: dict[str, int] = {}
    for info, key in related:
        for f in info.fields:
            names[f.name] = names.get(f.name, 0) + (f.name not in key)
    for info, key in related:
        for f in info.fields:
            if f.name in key:
                continue  # the join key: the dataset's own field says the same
            qualified = f"{info.name}.{f.name}"
            unique = f.name not in index and names[f.name] == 1
            shown = replace(f, key=f.name if unique else qualified)
            index[qualified] = shown
            if unique:
                index[f.name] = shown
    return index


def _values(key: str, raw: str | Sequence[str]) -> list[str]:
    values = [raw] if isinstance(raw, str) else list(raw)
    if len(values) > MAX_VALUES:
        raise FilterError(f"filter {key[:60]!r} has more than {MAX_VALUES} values")
    out = []
    for value in values:
        if not isinstance(value, str):
            raise FilterError(f"filter {key[:60]!r} takes text values")
        if len(value) > MAX_TEXT:
            raise FilterError(f"a value of filter {key[:60]!r} is longer than {MAX_TEXT} chars")
        if value.strip():
            out.append(value.strip())
    return out


def _typed(kind: str, text: str) -> Any:
    """``text`` as a value of ``kind``; ValueError when it is not one."""
    if kind == "boolean":
        if text.lower() not in _TRUE | _FALSE:
            raise ValueError(text)
        return text.lower() in _TRUE
    if kind in ("integer", "year"):
        number = int(text)
        if not -(2**63) <= number < 2**63:
            raise ValueError(text)
        return number
    if kind == "number":
        real = float(text)
        if not math.isfinite(real):
            raise ValueError(text)
        return real
    if kind in ("date", "datetime"):
        return dt.date.fromisoformat(text)
    return text


def _convert(key: str, fld: FieldInfo, text: str, *, ranged: bool = False) -> Any:
    kind = "date" if ranged and fld.type == "datetime" else fld.type
    try:
        value = _typed(kind, text)
    except ValueError:
        word = {"integer": "a whole number", "number": "a number", "boolean": "true or false"}
        expected = word.get(kind, "a date (YYYY-MM-DD)")
        raise FilterError(f"filter {key!r}: {text[:40]!r} is not {expected}") from None
    if fld.codes is not None and isinstance(value, str) and value not in fld.codes:
        shown = ", ".join(fld.codes[:12]) + (", …" if len(fld.codes) > 12 else "")
        raise FilterError(f"filter {key!r}: {text[:40]!r} is not one of its codes ({shown})")
    return value


def _condition(alias: str, fld: FieldInfo, values: list[Any]) -> str:
    column = _quote(alias, fld.name)
    marks = ", ".join("?" for _ in values)
    if fld.type == "list":
        return f"list_has_any({column}, [{marks}])"
    if fld.type == "datetime":
        column = f"CAST({column} AS DATE)"
    return f"{column} = ?" if len(values) == 1 else f"{column} IN ({marks})"


def _range(alias: str, fld: FieldInfo, *, low: bool) -> str:
    column = _quote(alias, fld.name)
    if fld.type == "datetime":
        column = f"CAST({column} AS DATE)"
    return f"{column} {'>=' if low else '<='} ?"


def _unknown(dataset: str, key: str, index: dict[str, FieldInfo]) -> FilterError:
    keys = sorted(k for k, f in index.items() if f.filterable and "." not in k)
    listed = ", ".join(keys[:15]) + (", …" if len(keys) > 15 else "")
    return FilterError(
        f"unknown filter {key[:60]!r}: {dataset} can be filtered by published fields "
        f"({listed}), <field>_min/<field>_max on numbers and dates, date_from and date_to"
    )


def plan(
    cat: Catalog,
    dataset: str,
    filters: Mapping[str, str | Sequence[str]],
    sort: str | None,
    *,
    descending: bool = False,
) -> Plan:
    """The checked, parameterised query for ``filters`` and ``sort`` on ``dataset``."""
    own = cat.dataset(dataset)
    index = filter_index(cat, dataset)
    if len(filters) > MAX_KEYS:
        raise FilterError(f"at most {MAX_KEYS} filters at once")
    conditions: dict[str, list[tuple[str, list[Any]]]] = {}
    understood: dict[str, list[str]] = {}
    for key in sorted(filters):
        texts = _values(key, filters[key])
        if not texts:
            continue
        understood[key] = texts
        if key in index:
            fld = index[key]
            if not fld.filterable:
                raise FilterError(f"field {key!r} ({fld.type}) cannot be filtered")
            values = [_convert(key, fld, t) for t in dict.fromkeys(texts)]
            entry = (_condition("{a}", fld, values), values)
        elif key in DATE_KEYS or (key[-4:] in ("_min", "_max") and key[:-4] in index):
            if key in DATE_KEYS:
                dated = cat.date_of(dataset)
                if dated is None:
                    raise FilterError(f"{dataset} has no date to filter by ({key})")
                fld, low = dated[1], key == "date_from"
            else:
                fld, low = index[key[:-4]], key.endswith("_min")
                if not fld.ranged:
                    raise FilterError(f"{key[:-4]!r} ({fld.type}) takes no {key[-4:]} range")
            if len(texts) != 1:
                raise FilterError(f"filter {key!r} takes one value")
            entry = (_range("{a}", fld, low=low), [_convert(key, fld, texts[0], ranged=True)])
        else:
            raise _unknown(dataset, key, index)
        conditions.setdefault(fld.dataset, []).append(entry)

    params: list[Any] = [str(own.path)]
    shown: list[Any] = [f"data/{own.path.name}"]
    where: list[str] = []
    for text, values in conditions.get(dataset, []):
        where.append(text.format(a="t"))
        params.extend(values)
        shown.extend(_shown(v) for v in values)
    related = cat.related(dataset)
    for number, (info, key_columns) in enumerate(related, start=1):
        if info.name not in conditions:
            continue
        alias = f"r{number}"
        joins = [f"{_quote(alias, k)} = {_quote('t', k)}" for k in key_columns]
        inner = [text.format(a=alias) for text, _ in conditions[info.name]]
        where.append(
            f"EXISTS (SELECT 1 FROM read_parquet(?) AS {alias} WHERE "  # noqa: S608 - schema names, ? values
            + " AND ".join(joins + inner)
            + ")"
        )
        params.append(str(info.path))
        shown.append(f"data/{info.path.name}")
        for _, values in conditions[info.name]:
            params.extend(values)
            shown.extend(_shown(v) for v in values)
    source = "FROM read_parquet(?) AS t" + (" WHERE " + " AND ".join(where) if where else "")
    select = f"SELECT {', '.join(_quote('t', f.name) for f in own.fields)} {source} "
    select += "ORDER BY " + _order(own, sort, descending=descending)
    return Plan(source, select, params, shown, understood)


def _shown(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _order(own: DatasetInfo, sort: str | None, *, descending: bool) -> str:
    keys = list(own.primary_key)
    parts = []
    if sort is not None:
        fld = own.field(sort)
        if fld is None or not fld.sortable:
            raise FilterError(
                f"cannot sort {own.name} by {sort[:60]!r}: name a published field of "
                f"{own.name} that is not a list"
            )
        parts.append(f"{_quote('t', sort)} {'DESC' if descending else 'ASC'} NULLS LAST")
        keys = [k for k in keys if k != sort]
    parts.extend(_quote("t", k) for k in keys if own.field(k) is not None)
    return ", ".join(parts) if parts else "1"
