"""Mappings: an agency's columns → the standard's fields, declared in reviewed YAML.

The format is documented in ``docs/reference/mapping-format.md``. A mapping is parsed by the
pydantic models below (unknown keys are refused, so a typo is an error, not a silent no-op), then
checked against the standard and the prohibited-attribute gate by ``check_mapping``.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from openblotter.errors import ConfigError

if TYPE_CHECKING:
    from pathlib import Path

__all__ = [
    "AgencyConfig",
    "DropRule",
    "FieldSpec",
    "FlagSpec",
    "Mapping",
    "OutputSpec",
    "ReadOptions",
    "load_agency",
    "load_mapping",
]


TEMPLATE_FIELD = re.compile(r"\{([^{}]+)\}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReadOptions(_Strict):
    """How to read the source file."""

    format: Literal["auto", "csv", "tsv", "xlsx", "json", "ndjson", "parquet"] = "auto"
    encoding: Literal["auto", "utf-8", "cp1252", "latin-1"] = "auto"
    delimiter: str = "auto"
    sheet: str | int | None = None
    member: str | None = Field(default=None, description="file name pattern inside a ZIP archive")
    header_rows: int = Field(default=1, ge=1, description="header lines; the first names columns")
    skip_rows: int = Field(default=0, ge=0, description="lines before the header")
    missing_values: list[str] = Field(default_factory=lambda: [""])
    missing_values_by_column: dict[str, list[str]] = Field(
        default_factory=dict, description="more missing-value markers for single columns"
    )


class DropRule(_Strict):
    """A junk-row rule: rows where ``column`` matches the regular expression are dropped."""

    rule: str = Field(description="kebab-case name reported in the summary")
    column: str
    matches: str


class Period(_Strict):
    """The period a delivery covers; dates outside it are flagged."""

    start: date
    end: date


class TrueIf(_Strict):
    """A boolean derived from another column's value."""

    column: str
    values: list[str]


class FlagSpec(_Strict):
    """An indicator column that adds ``code`` to a list field when it holds a true value."""

    column: str
    code: str
    when: list[str] = Field(default_factory=lambda: ["y", "yes", "true", "t", "1"])


class Pad(_Strict):
    """Left-pad a value to ``width`` characters (e.g. MMDDYYYY dates without a leading zero)."""

    width: int = Field(ge=1)
    char: str = Field(default="0", min_length=1, max_length=1)


class FieldSpec(_Strict):
    """Where one field's value comes from and how it is read."""

    column: str | None = None
    columns: list[str] | None = None
    join: str = " "
    coalesce: list[str] | None = None
    value: Any = None
    template: str | None = Field(
        default=None, description="text with {COLUMN} placeholders, e.g. '2018-{MONTH2}-01'"
    )
    pad: Pad | None = None
    case: Literal["lower", "upper"] | None = None
    format: str | list[str] | None = None
    part: Literal["date", "time"] | None = None
    recode: dict[str, str | list[str] | None] | None = None
    default: str | None = Field(
        default=None, description="code for a value the recode table does not list"
    )
    crosswalk: Literal["opp", "ripa", "fbi"] | None = Field(
        default=None,
        description="also accept the anchor's values listed in the code list (e.g. FBI labels)",
    )
    split: str | None = None
    true_values: list[str] | None = None
    false_values: list[str] | None = None
    true_if: TrueIf | None = None
    true_if_any: list[TrueIf] | None = None
    flags: list[FlagSpec] | None = None
    seq_within: list[str] | None = None
    order_by: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> FieldSpec:
        sources = [
            self.column is not None,
            self.columns is not None,
            self.coalesce is not None,
            self.value is not None,
            self.template is not None,
            self.true_if is not None,
            self.true_if_any is not None,
            self.flags is not None,
            self.seq_within is not None,
        ]
        if sum(sources) != 1:
            raise ValueError(
                "give exactly one source: column, columns, coalesce, value, template, true_if, "
                "true_if_any, flags or seq_within"
            )
        return self

    def source_columns(self) -> list[str]:
        """Every source column this field reads."""
        cols: list[str] = []
        if self.column is not None:
            cols.append(self.column)
        cols += self.columns or []
        for item in self.coalesce or []:
            found = TEMPLATE_FIELD.findall(item)
            cols += found or [item]
        cols += [t.column for t in self.true_if_any or []]
        if self.template is not None:
            cols += TEMPLATE_FIELD.findall(self.template)
        if self.true_if is not None:
            cols.append(self.true_if.column)
        cols += [f.column for f in self.flags or []]
        cols += self.seq_within or []
        if self.order_by is not None:
            cols.append(self.order_by)
        return cols


class Explode(_Strict):
    """Make one record per item of a delimited column (several incidents in one cell)."""

    column: str
    separator: str = ","


class OutputSpec(_Strict):
    """The records one source row produces in one dataset."""

    fields: dict[str, FieldSpec]
    when_present: str | None = Field(
        default=None, description="produce a record only when this source column has a value"
    )
    explode: Explode | None = None
    merge_duplicates: bool = Field(
        default=False,
        description="rows giving the same key and the same values are one record, not duplicates",
    )


class TestedFile(_Strict):
    """A source file the mapping was written and tested against."""

    file: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class Mapping(_Strict):
    """One agency's mapping of one kind of delivery to the standard."""

    name: str
    version: int = Field(ge=1)
    description: str
    tested_against: list[TestedFile] = Field(default_factory=list)
    read: ReadOptions = ReadOptions()
    period: Period | None = None
    drop_blank: bool = True
    drop_repeated_header: bool = True
    drop: list[DropRule] = Field(default_factory=list)
    records: dict[str, OutputSpec]
    path: str | None = Field(default=None, exclude=True)
    digest: str = Field(default="", exclude=True)

    @property
    def datasets(self) -> list[str]:
        """The datasets this mapping writes, in declaration order."""
        return list(self.records)

    def source_columns(self) -> set[str]:
        """Every source column any field reads."""
        cols = {
            c
            for out in self.records.values()
            for f in out.fields.values()
            for c in f.source_columns()
        }
        for out in self.records.values():
            if out.when_present:
                cols.add(out.when_present)
            if out.explode:
                cols.add(out.explode.column)
        cols |= {rule.column for rule in self.drop}
        return cols


class AgencyConfig(_Strict):
    """``agency.yaml``: who the agency is and where its data come from."""

    slug: str = Field(pattern=r"^[a-z]{2}_[a-z0-9_]+$")
    name: str
    state: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    agency_type: str
    timezone: str | None = None
    ori: str | None = None
    centroid: dict[str, float] | None = None
    website: str | None = None
    sources: list[dict[str, Any]] = Field(default_factory=list)
    notes: str | list[str] | None = None
    publication: dict[str, Any] = Field(default_factory=dict)


def _read_yaml(path: Path) -> tuple[Any, str]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        return yaml.safe_load(raw), hashlib.sha256(raw).hexdigest()
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {exc}") from exc


def _explain(path: Path, exc: ValidationError) -> ConfigError:
    lines = [f"  {'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()[:10]]
    return ConfigError(f"{path} is not a valid mapping:\n" + "\n".join(lines))


def load_mapping(path: Path) -> Mapping:
    """Parse a mapping file (structure only; see ``check_mapping`` for the standard)."""
    data, digest = _read_yaml(path)
    if not isinstance(data, dict):
        raise ConfigError(f"{path} must hold a mapping (YAML keys), not {type(data).__name__}")
    data.setdefault("name", path.stem)
    try:
        mapping = Mapping.model_validate(data)
    except ValidationError as exc:
        raise _explain(path, exc) from None
    return mapping.model_copy(update={"path": str(path), "digest": digest})


def load_agency(path: Path) -> AgencyConfig:
    """Parse an ``agency.yaml``."""
    data, _ = _read_yaml(path)
    try:
        return AgencyConfig.model_validate(data)
    except ValidationError as exc:
        raise _explain(path, exc) from None
