"""Field specs → Polars expressions: where a value comes from, how it is recoded and typed.

Each mapped field compiles to two expressions over a chunk of text columns: the *text* stage (the
source value after missing-value handling, combining, padding and recoding) and the *typed* value.
A value that has text but no typed value failed to parse or to recode; ``apply`` turns that into
an issue. Everything is vectorised: no Python runs per row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import polars as pl

from openblotter.errors import ConfigError
from openblotter.ingest.mapping import TEMPLATE_FIELD, FieldSpec
from openblotter.schema.ddl import SOURCE_ROW

if TYPE_CHECKING:
    from openblotter.schema.model import CodeList, Field

__all__ = ["CompiledField", "compile_field", "normalise"]

TRUE_VALUES = ["true", "t", "yes", "y", "1"]
FALSE_VALUES = ["false", "f", "no", "n", "0"]
DEFAULT_FORMATS = {
    "date": ["%Y-%m-%d"],
    "time": ["%H:%M:%S", "%H:%M", "%H:%M:%S%.f"],
    "datetime": [
        f"%Y-%m-%d{sep}%H:%M:%S{frac}{zone}"
        for zone in ("%z", "")
        for sep in ("T", " ")
        for frac in ("", "%.f")
    ],
}


def normalise(text: str) -> str:
    """The form in which recode keys and values are compared: lower case, single spaces."""
    return re.sub(r"\s+", " ", text.strip().lower())


def _norm_expr(expr: pl.Expr) -> pl.Expr:
    return expr.str.to_lowercase().str.replace_all(r"\s+", " ").str.strip_chars()


@dataclass(frozen=True, slots=True)
class CompiledField:
    """A field's typed ``value`` and how to tell that a value was there but could not be read.

    For a scalar field ``check`` says the source had a value (``failed`` = check and no value),
    computed from the source alone so that the recode runs once; for a list field ``check`` is
    itself the failure (an item the recode did not know).
    """

    name: str
    field: Field
    value: pl.Expr
    check: pl.Expr
    failure_code: str
    check_is_failure: bool = False


def _template(text: str) -> pl.Expr:
    """Text with ``{COLUMN}`` placeholders; null when any of its columns is null."""
    parts: list[pl.Expr] = []
    position = 0
    for match in TEMPLATE_FIELD.finditer(text):
        if match.start() > position:
            parts.append(pl.lit(text[position : match.start()]))
        parts.append(pl.col(match.group(1)).cast(pl.String))
        position = match.end()
    if position < len(text):
        parts.append(pl.lit(text[position:]))
    return pl.concat_str(parts, ignore_nulls=False)


def _source_text(spec: FieldSpec) -> pl.Expr:
    if spec.column is not None:
        expr = pl.col(spec.column).cast(pl.String)
    elif spec.columns is not None:
        expr = pl.concat_str(
            [pl.col(c) for c in spec.columns], separator=spec.join, ignore_nulls=True
        )
        expr = pl.when(expr.str.strip_chars() == "").then(None).otherwise(expr)
    elif spec.coalesce is not None:  # columns, or templates such as "{addrnum} {street}"
        expr = pl.coalesce(
            [_template(c) if TEMPLATE_FIELD.search(c) else pl.col(c) for c in spec.coalesce]
        )
    elif spec.template is not None:
        expr = _template(spec.template)
    elif spec.value is not None:
        expr = pl.lit(str(spec.value).lower() if isinstance(spec.value, bool) else str(spec.value))
    elif spec.true_if is not None or spec.true_if_any is not None:
        tests = [spec.true_if] if spec.true_if is not None else spec.true_if_any or []
        hits = [_norm_expr(pl.col(t.column)).is_in([normalise(v) for v in t.values]) for t in tests]
        present = pl.any_horizontal([pl.col(t.column).is_not_null() for t in tests])
        truth = pl.any_horizontal([h.fill_null(value=False) for h in hits])
        expr = pl.when(present).then(truth.cast(pl.String).str.to_lowercase()).otherwise(None)
    elif spec.flags is not None:
        items = [
            pl.when(_norm_expr(pl.col(f.column)).is_in([normalise(v) for v in f.when]))
            .then(pl.lit(f.code))
            .otherwise(None)
            for f in spec.flags
        ]
        any_present = pl.any_horizontal([pl.col(f.column).is_not_null() for f in spec.flags])
        joined = pl.concat_str(items, separator=";", ignore_nulls=True)
        expr = pl.when(any_present & (joined != "")).then(joined).otherwise(None)
    else:
        groups = [pl.col(c) for c in spec.seq_within or []]
        order = pl.col(spec.order_by) if spec.order_by else pl.col(SOURCE_ROW)
        expr = order.rank("dense").over(groups).cast(pl.String)
    if spec.pad is not None:
        expr = expr.str.pad_start(spec.pad.width, spec.pad.char)
    if spec.case == "lower":
        expr = expr.str.to_lowercase()
    elif spec.case == "upper":
        expr = expr.str.to_uppercase()
    return expr


_SEVERAL = "\x1f"  # joins several codes a recode gives for one value (list fields)


def _recode_table(spec: FieldSpec, codes: CodeList | None) -> dict[str, str | None] | None:
    if spec.recode is None and codes is None:
        return None
    table: dict[str, str | None] = {}
    if codes is not None:
        table.update({normalise(code): code for code in codes.values})
        table.update({normalise(c.label): c.code for c in codes.codes if c.label})
        if spec.crosswalk is not None:
            for c in codes.codes:
                anchor = getattr(c, spec.crosswalk)
                if anchor:
                    table.setdefault(normalise(anchor), c.code)
    for raw, target in (spec.recode or {}).items():
        targets = target if isinstance(target, list) else [target]
        for code in targets:
            if codes is not None and code is not None and code not in codes.values:
                raise ConfigError(
                    f"recode {raw!r} → {code!r}: {code!r} is not in code list {codes.name}"
                )
        if isinstance(target, list):
            table[normalise(str(raw))] = _SEVERAL.join(str(t) for t in target)
        else:
            table[normalise(str(raw))] = target
    return table


def _recode(
    expr: pl.Expr, table: dict[str, str | None], spec: FieldSpec, *, strict: bool
) -> pl.Expr:
    """Recode; a value not in the table becomes the default, itself (not strict) or null."""
    explicit_null = [k for k, v in table.items() if v is None]
    mapping = {k: v for k, v in table.items() if v is not None}
    normal = _norm_expr(expr)
    if spec.default is not None:
        fallback: pl.Expr = pl.lit(spec.default)
    elif strict:
        fallback = pl.lit(None, dtype=pl.String)
    else:
        fallback = expr
    recoded = normal.replace_strict(
        list(mapping), list(mapping.values()), default=fallback, return_dtype=pl.String
    )
    return pl.when(normal.is_in(explicit_null)).then(pl.lit(_MISSING)).otherwise(recoded)


def _parse_datetimes(text: pl.Expr, formats: list[str], timezone: str) -> pl.Expr:
    """Parse with the first matching format; local times are in the agency's time zone."""
    parsed = []
    for fmt in formats:
        value = text.str.to_datetime(fmt, strict=False, time_unit="us")
        if "%z" in fmt:
            parsed.append(value.dt.convert_time_zone("UTC"))
        else:
            parsed.append(
                value.dt.replace_time_zone(
                    timezone, ambiguous="earliest", non_existent="null"
                ).dt.convert_time_zone("UTC")
            )
    return pl.coalesce(parsed)


def _typed(text: pl.Expr, field: Field, spec: FieldSpec, timezone: str) -> tuple[pl.Expr, str]:
    ftype = field.type
    formats = [spec.format] if isinstance(spec.format, str) else spec.format
    if ftype == "string":
        return text, "value-not-in-codelist" if field.codelist else "invalid-type"
    if ftype in {"integer", "year"}:
        number = text.str.replace_all(",", "").str.strip_chars().cast(pl.Float64, strict=False)
        whole = pl.when(number == number.round(0)).then(number).otherwise(None)
        return whole.cast(pl.Int64, strict=False), "invalid-type"
    if ftype == "number":
        number = text.str.replace_all(",", "").str.strip_chars().cast(pl.Float64, strict=False)
        return number, "invalid-type"
    if ftype == "boolean":
        trues = [normalise(v) for v in spec.true_values or TRUE_VALUES]
        falses = [normalise(v) for v in spec.false_values or FALSE_VALUES]
        normal = _norm_expr(text)
        boolean = (
            pl.when(normal.is_in(trues))
            .then(pl.lit(value=True))
            .when(normal.is_in(falses))
            .then(pl.lit(value=False))
            .otherwise(None)
        )
        return boolean, "invalid-type"
    if ftype in {"date", "time"} and spec.part is not None:
        local = [
            text.str.to_datetime(f, strict=False, time_unit="us")
            for f in formats or DEFAULT_FORMATS["datetime"]
        ]
        parsed = pl.coalesce([p.dt.replace_time_zone(None) for p in local])
        value = parsed.dt.date() if spec.part == "date" else parsed.dt.time()
        return value, f"invalid-{ftype}"
    if ftype == "date":
        dates = [text.str.to_date(f, strict=False) for f in formats or DEFAULT_FORMATS["date"]]
        return pl.coalesce(dates), "invalid-date"
    if ftype == "time":
        times = [text.str.to_time(f, strict=False) for f in formats or DEFAULT_FORMATS["time"]]
        return pl.coalesce(times), "invalid-time"
    if ftype == "datetime":
        return _parse_datetimes(
            text, formats or DEFAULT_FORMATS["datetime"], timezone
        ), "invalid-date"
    raise ConfigError(f"field type {ftype!r} has no parser")  # pragma: no cover


_MISSING = "\x00"  # what a recode table gives for a value it turns into "missing" on purpose


def compile_field(
    name: str, field: Field, spec: FieldSpec, codes: CodeList | None, *, timezone: str
) -> CompiledField:
    """Compile one mapped field."""
    source = _source_text(spec)
    table = _recode_table(spec, codes)
    strict = codes is not None and spec.default is None
    if field.type == "list":
        separator = spec.split or field.delimiter or ";"
        items = source.str.split(separator).list.eval(pl.element().str.strip_chars())
        items = items.list.eval(pl.element().filter(pl.element() != ""))
        if table is None:
            recoded = items
            misses = pl.lit(0)
        else:
            recoded = items.list.eval(_recode(pl.element(), table, spec, strict=strict))
            misses = recoded.list.eval(pl.element().is_null().sum()).list.first()
            if any(_SEVERAL in (v or "") for v in table.values()):
                recoded = recoded.list.eval(
                    pl.element().str.split(_SEVERAL).explode(keep_nulls=False)
                )
            recoded = recoded.list.eval(
                pl.element().filter(pl.element().is_not_null() & (pl.element() != _MISSING))
            )
        listed = (
            pl.when(recoded.list.len() > 0)
            .then(recoded.list.unique(maintain_order=True))
            .otherwise(None)
        )
        return CompiledField(
            name,
            field,
            listed,
            misses.fill_null(0) > 0,
            "value-not-in-codelist",
            check_is_failure=True,
        )
    text = source if table is None else _recode(source, table, spec, strict=strict)
    explicit = [k for k, v in (table or {}).items() if v is None]
    present = source.is_not_null()
    if explicit:  # a value the recode turns into "missing" on purpose is not a failure
        present = present & ~_norm_expr(source).is_in(explicit)
    value, code = _typed(
        pl.when(text == _MISSING).then(None).otherwise(text), field, spec, timezone
    )
    return CompiledField(name, field, value, present, code)
