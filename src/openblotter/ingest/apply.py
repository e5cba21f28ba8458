"""Apply a mapping to a chunk of source rows, giving typed records and issues.

Junk rules, the value gate, the field expressions and the schema's checks run in turn, giving
typed records per dataset and issues per source row.

A source row is the unit of acceptance: if any record it produces has an error, none of its
records is kept and the row goes to quarantine with every issue found.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import polars as pl

from openblotter.errors import ConfigError
from openblotter.ingest.gate import (
    CONCEPTS,
    EXEMPT_FIELDS,
    VOLUNTEERED_FIELDS,
    refuse_prohibited_targets,
)
from openblotter.ingest.readers import RAGGED, ROW
from openblotter.ingest.recode import CompiledField, compile_field, normalise
from openblotter.validate.checks import ISSUE_COLUMNS, check_records, issue_frame
from openblotter.validate.issues import ISSUE_CODES

if TYPE_CHECKING:
    from openblotter.ingest.mapping import Mapping, OutputSpec
    from openblotter.schema.model import TableSchema
    from openblotter.schema.registry import Standard

__all__ = ["CompiledMapping", "MappedChunk"]

_GATE = "(?i)" + "|".join(f"(?:{c.values.pattern})" for c in CONCEPTS)


@dataclass
class MappedChunk:
    """The result of mapping one chunk."""

    records: dict[str, pl.DataFrame]
    issues: pl.DataFrame
    rows: int
    junk: dict[str, int] = field(default_factory=dict)
    error_rows: set[int] = field(default_factory=set)
    raw: pl.DataFrame | None = None


@dataclass
class _Output:
    dataset: str
    schema: TableSchema
    spec: OutputSpec
    fields: list[CompiledField]


class CompiledMapping:
    """A mapping checked against the standard and the gate, ready to apply to chunks."""

    def __init__(
        self,
        mapping: Mapping,
        standard: Standard,
        *,
        agency_slug: str,
        timezone: str,
        columns: list[str],
        refused: dict[str, str],
    ) -> None:
        self.mapping = mapping
        self.agency_slug = agency_slug
        targets = []
        for dataset, out in mapping.records.items():
            schema = standard.schema(dataset)
            for name, spec in out.fields.items():
                targets.append((dataset, name, spec.source_columns()))
                if not schema.has_field(name):
                    refuse_prohibited_targets(
                        mapping.name, [(dataset, name, spec.source_columns())]
                    )
                    raise ConfigError(f"mapping {mapping.name}: {dataset} has no field {name!r}")
        refuse_prohibited_targets(mapping.name, targets)
        exempt = EXEMPT_FIELDS | VOLUNTEERED_FIELDS
        # A refused column may only reach a volunteered hate-incident field (or the bias).
        self.refused = {
            column: concept
            for column, concept in refused.items()
            if not (
                column in mapping.source_columns()
                and all((d, f) in exempt for d, f, cols in targets if column in cols)
            )
        }
        missing = sorted(mapping.source_columns() - set(columns) - {ROW})
        if missing:
            raise ConfigError(
                f"mapping {mapping.name} reads columns the file does not have: {', '.join(missing)}"
            )
        self.columns = sorted(mapping.source_columns() - {ROW})
        # The value gate reads the columns whose values are attributes (coded, yes/no and list
        # fields): free text such as an address ("14 Gay St") is not a statement about a person.
        attribute = {
            (d, f)
            for d, f, _ in targets
            if standard.schema(d).has_field(f)
            and (
                standard.schema(d).field(f).codelist is not None
                or standard.schema(d).field(f).type in {"boolean", "list"}
            )
        }
        self.scrubbed = sorted(
            c
            for c in self.columns
            if any(
                (d, f) in attribute and (d, f) not in exempt for d, f, cols in targets if c in cols
            )
        )
        # A value the mapping itself recodes to a code (e.g. "Transgender Female" → female, as
        # the sex code list says) passes: only the code is stored, never the source value.
        self.recoded_keys: dict[str, list[str]] = {}
        for column in self.scrubbed:
            tables = [
                {normalise(k) for k, v in (spec.recode or {}).items() if v is not None}
                for out in mapping.records.values()
                for spec in out.fields.values()
                if column in spec.source_columns()
            ]
            self.recoded_keys[column] = sorted(set.intersection(*tables)) if tables else []
        # columns read as lists are scrubbed item by item: "Citation;Contacted DHS" keeps Citation
        self.list_separators = {
            c: spec.split or standard.schema(d).field(f).delimiter or ";"
            for d, out in mapping.records.items()
            for f, spec in out.fields.items()
            if standard.schema(d).has_field(f) and standard.schema(d).field(f).type == "list"
            for c in spec.source_columns()
        }
        self.private_columns = sorted(
            {c for d, f, cols in targets if (d, f) in VOLUNTEERED_FIELDS for c in cols}
        )
        self.outputs = [
            self._compile(dataset, out, standard, timezone)
            for dataset, out in mapping.records.items()
        ]

    def _compile(self, dataset: str, out: OutputSpec, standard: Standard, timezone: str) -> _Output:
        schema = standard.schema(dataset)
        compiled = []
        for name, spec in out.fields.items():
            fld = schema.field(name)
            codes = standard.codelist(fld.codelist) if fld.codelist else None
            compiled.append(compile_field(name, fld, spec, codes, timezone=timezone))
        return _Output(dataset, schema, out, compiled)

    def _clean(self, chunk: pl.DataFrame) -> pl.DataFrame:
        read = self.mapping.read
        common = [normalise(v) for v in read.missing_values]
        cleaned = []
        for c in self.columns:
            missing = common + [normalise(v) for v in read.missing_values_by_column.get(c, [])]
            text = pl.col(c).str.strip_chars()
            marker = text.str.to_lowercase().is_in(missing) | pl.col(c).is_null()
            cleaned.append(pl.when(marker).then(None).otherwise(text).alias(c))
        return chunk.with_columns(cleaned)

    def _junk(
        self, chunk: pl.DataFrame, all_columns: list[str]
    ) -> tuple[pl.DataFrame, dict[str, int]]:
        rules: list[tuple[str, pl.Expr]] = []
        if self.mapping.drop_blank:
            blank = [pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "") for c in all_columns]
            rules.append(("blank-record", pl.all_horizontal(blank)))
        if self.mapping.drop_repeated_header:
            same = [(pl.col(c).str.strip_chars() == c).cast(pl.Int32) for c in all_columns]
            rules.append(("repeated-header", pl.sum_horizontal(same) * 2 > len(all_columns)))
        rules += [
            (r.rule, pl.col(r.column).str.contains(r.matches).fill_null(value=False))
            for r in self.mapping.drop
        ]
        if not rules:
            return chunk, {}
        flags = chunk.select([expr.alias(name) for name, expr in rules])
        remaining = pl.Series([True] * chunk.height, dtype=pl.Boolean)
        counts: dict[str, int] = {}
        for name, _ in rules:  # each dropped row is counted once, by the first rule it meets
            hit = flags[name] & remaining
            if hit.any():
                counts[name] = counts.get(name, 0) + int(hit.sum())
            remaining = remaining & ~flags[name]
        return chunk.filter(remaining), counts

    def _hit(self, column: str) -> pl.Expr:
        """Cells of ``column`` that state a prohibited attribute and are not recoded away."""
        hit = pl.col(column).str.contains(_GATE).fill_null(value=False)
        allowed = self.recoded_keys.get(column)
        if allowed:
            normal = (
                pl.col(column).str.to_lowercase().str.replace_all(r"\s+", " ").str.strip_chars()
            )
            hit = hit & ~normal.is_in(allowed)
        return hit

    def _gate_values(self, chunk: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
        """Remove cells (or list items) that state a prohibited attribute; one warning each."""
        if not self.scrubbed:
            return chunk, issue_frame([])
        flags = {c: f"__hit_{c}" for c in self.scrubbed}
        chunk = chunk.with_columns([self._hit(c).alias(flag) for c, flag in flags.items()])
        issues = [
            chunk.filter(pl.col(flags[c]))
            .select(pl.col(ROW))
            .with_columns(
                dataset=pl.lit(None, pl.String),
                field=pl.lit(c),
                code=pl.lit("prohibited-value-removed"),
                severity=pl.lit("warning"),
                message=pl.lit(f"a value of column {c!r} stated a prohibited attribute; removed"),
            )
            for c in self.scrubbed
        ]
        cleaned = []
        for c in self.scrubbed:
            separator = self.list_separators.get(c)
            if separator is None:
                kept = pl.lit(None, pl.String)
            else:
                items = pl.col(c).str.split(separator)
                kept = items.list.eval(pl.element().filter(~pl.element().str.contains(_GATE)))
                kept = kept.list.join(separator)
                kept = pl.when(kept == "").then(None).otherwise(kept)
            cleaned.append(pl.when(pl.col(flags[c])).then(kept).otherwise(pl.col(c)).alias(c))
        return chunk.with_columns(cleaned).drop(list(flags.values())), pl.concat(issues)

    def _records(self, chunk: pl.DataFrame, out: _Output) -> tuple[pl.DataFrame, pl.DataFrame]:
        frame = chunk
        if out.spec.when_present:
            frame = frame.filter(pl.col(out.spec.when_present).is_not_null())
        if out.spec.explode is not None:
            col = out.spec.explode.column
            frame = (
                frame.with_columns(
                    pl.col(col)
                    .str.split(out.spec.explode.separator)
                    .list.eval(pl.element().str.strip_chars())
                )
                .explode(col)
                .filter(pl.col(col).is_not_null() & (pl.col(col) != ""))
            )
        exprs = [f.value.alias(f.name) for f in out.fields]
        checks = [f.check.alias(f"__failed_{f.name}") for f in out.fields]
        result = frame.select(pl.col(ROW), *exprs, *checks).with_columns(
            [
                (pl.col(f"__failed_{f.name}") & pl.col(f.name).is_null()).alias(
                    f"__failed_{f.name}"
                )
                for f in out.fields
                if not f.check_is_failure
            ]
        )
        if "agency_slug" not in out.spec.fields and out.schema.has_field("agency_slug"):
            result = result.with_columns(pl.lit(self.agency_slug).alias("agency_slug"))
        parse_issues = [self._parse_issues(frame, result, out, f) for f in out.fields]
        result = result.drop([f"__failed_{f.name}" for f in out.fields])
        columns = [c for c in out.schema.field_names if c in result.columns]
        result = result.select(pl.col(ROW), *columns)
        result, check_issues = check_records(result, out.schema, period=self.mapping.period)
        issues = pl.concat([issue_frame([]), *parse_issues, check_issues], how="vertical_relaxed")
        return result, issues

    def _parse_issues(
        self, frame: pl.DataFrame, result: pl.DataFrame, out: _Output, f: CompiledField
    ) -> pl.DataFrame:
        bad = result.filter(pl.col(f"__failed_{f.name}")).select(pl.col(ROW))
        message = ISSUE_CODES[f.failure_code].explanation
        issues = bad.with_columns(
            dataset=pl.lit(out.dataset),
            field=pl.lit(f.name),
            code=pl.lit(f.failure_code),
            severity=pl.lit(ISSUE_CODES[f.failure_code].severity.value),
            message=pl.lit(message),
        )
        source = out.spec.fields[f.name].column
        # A code that was not recognised is shown to the data officer so the recode can be
        # fixed; values of fields that may identify a person never are.
        show = (
            bad.height > 0
            and f.field.codelist is not None
            and f.field.privacy.value == "public"
            and source is not None
            and out.spec.explode is None
            and f.field.type != "list"
        )
        if show and source is not None:
            values = frame.select(pl.col(ROW), pl.col(source).str.slice(0, 40).alias("__value"))
            issues = (
                issues.join(values, on=ROW, how="left")
                .with_columns(
                    message=pl.format("{} (value {})", pl.lit(message), pl.col("__value"))
                )
                .drop("__value")
            )
        return issues

    def apply(self, chunk: pl.DataFrame, all_columns: list[str]) -> MappedChunk:
        """Map one chunk of text columns (with ``_source_row``)."""
        rows = chunk.height
        chunk = chunk.drop([c for c in self.refused if c in chunk.columns])
        data_columns = [c for c in all_columns if c not in self.refused]
        chunk, junk = self._junk(chunk, data_columns)
        chunk = self._clean(chunk)
        chunk, gate_issues = self._gate_values(chunk)
        issues = [gate_issues]
        if RAGGED in chunk.columns:
            ragged = chunk.filter(pl.col(RAGGED))
            if ragged.height:
                issues.append(
                    ragged.select(pl.col(ROW)).with_columns(
                        dataset=pl.lit(None, pl.String),
                        field=pl.lit(None, pl.String),
                        code=pl.lit("ragged-row"),
                        severity=pl.lit("error"),
                        message=pl.lit(ISSUE_CODES["ragged-row"].explanation),
                    )
                )
        records = {}
        for out in self.outputs:
            frame, found = self._records(chunk, out)
            records[out.dataset] = frame
            issues.append(found)
        all_issues = pl.concat(issues, how="vertical_relaxed").select(ISSUE_COLUMNS)
        errors = set(all_issues.filter(pl.col("severity") == "error")[ROW].to_list())
        if errors:
            bad = pl.Series(sorted(errors), dtype=pl.Int64).implode()
            records = {d: f.filter(~pl.col(ROW).is_in(bad)) for d, f in records.items()}
        # quarantine keeps the raw values a data officer needs, never a prohibited one
        raw_cols = [c for c in self.columns if c not in self.private_columns]
        raw = chunk.filter(
            pl.col(ROW).is_in(pl.Series(sorted(errors), dtype=pl.Int64).implode())
        ).select(
            pl.col(ROW),
            *[
                pl.when(pl.col(c).str.contains(_GATE).fill_null(value=False))
                .then(pl.lit("[removed: prohibited attribute]"))
                .otherwise(pl.col(c))
                .alias(c)
                for c in raw_cols
            ],
        )
        return MappedChunk(
            records=records, issues=all_issues, rows=rows, junk=junk, error_rows=errors, raw=raw
        )
