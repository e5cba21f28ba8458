"""Frozen dataclasses for the standard: table schemas, fields, constraints, code lists.

They are parsed from the published Frictionless Table Schema JSON (``schema/tables``) and the
code-list CSVs (``schema/codelists``); see ``docs/reference/schema-format.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from openblotter.errors import SchemaError

__all__ = [
    "FIELD_TYPES",
    "Code",
    "CodeList",
    "Constraints",
    "Field",
    "ForeignKey",
    "Predicate",
    "PrivacyClass",
    "TableSchema",
]

FIELD_TYPES = frozenset(
    {"string", "integer", "number", "boolean", "date", "time", "datetime", "year", "list"}
)
GENERALIZATIONS = frozenset(
    {"age_band", "date_month", "time_hour", "block_address", "round_coordinates", "redact_text"}
)
TOOLKIT_ELEMENTS = frozenset(
    {
        "date",
        "time",
        "geolocation",
        "race",
        "ethnicity",
        "age",
        "gender",
        "identity_source",
        "reason",
        "search_conducted",
        "search_consent",
        "evidence_found",
        "officer_id",
    }
)
CROSSWALK_ANCHORS = ("opp", "ripa", "fbi")


class PrivacyClass(StrEnum):
    """How a field may leave the store (ARCHITECTURE.md decision 6)."""

    PUBLIC = "public"
    GENERALIZE = "generalize"
    RESTRICTED = "restricted"
    PROHIBITED = "prohibited"


@dataclass(frozen=True, slots=True)
class Constraints:
    """Table Schema constraints of one field."""

    required: bool = False
    unique: bool = False
    minimum: float | None = None
    maximum: float | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    enum: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class Predicate:
    """The field may only carry a value when ``field`` equals ``equals``."""

    field: str
    equals: Any


@dataclass(frozen=True, slots=True)
class Field:
    """One field (column) of a table schema."""

    name: str
    type: str
    title: str
    description: str
    privacy: PrivacyClass
    crosswalk: dict[str, str | None]
    constraints: Constraints = Constraints()
    codelist: str | None = None
    generalization: str | None = None
    toolkit: str | None = None
    only_when: Predicate | None = None
    item_type: str | None = None
    delimiter: str | None = None

    @property
    def required(self) -> bool:
        """Whether every record must carry a value."""
        return self.constraints.required


@dataclass(frozen=True, slots=True)
class ForeignKey:
    """Fields of this table that reference fields of another dataset."""

    fields: tuple[str, ...]
    resource: str
    reference_fields: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TableSchema:
    """One dataset of the standard."""

    name: str
    title: str
    description: str
    version: str
    grain: str
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[ForeignKey, ...] = ()
    toolkit: tuple[str, ...] = ()
    missing_values: tuple[str, ...] = ("",)
    descriptor: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def field(self, name: str) -> Field:
        """Return the field called ``name``."""
        for candidate in self.fields:
            if candidate.name == name:
                return candidate
        raise SchemaError(f"dataset {self.name!r} has no field {name!r}")

    @property
    def field_names(self) -> tuple[str, ...]:
        """Names of the fields, in order."""
        return tuple(f.name for f in self.fields)

    def has_field(self, name: str) -> bool:
        """Whether the dataset has a field called ``name``."""
        return name in self.field_names


@dataclass(frozen=True, slots=True)
class Code:
    """One value of a code list, with its crosswalk to the anchors."""

    code: str
    label: str
    description: str = ""
    parent: str | None = None
    opp: str | None = None
    ripa: str | None = None
    fbi: str | None = None


@dataclass(frozen=True, slots=True)
class CodeList:
    """A controlled vocabulary."""

    name: str
    codes: tuple[Code, ...]

    @property
    def values(self) -> tuple[str, ...]:
        """The stored codes, in order."""
        return tuple(c.code for c in self.codes)

    def get(self, code: str) -> Code | None:
        """Return the code entry for ``code`` or None."""
        for candidate in self.codes:
            if candidate.code == code:
                return candidate
        return None
