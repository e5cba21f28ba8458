"""The OpenBlotter open data standard: published Table Schemas and code lists."""

from openblotter.schema.model import (
    Code,
    CodeList,
    Constraints,
    Field,
    ForeignKey,
    Predicate,
    PrivacyClass,
    TableSchema,
)
from openblotter.schema.registry import STANDARD_VERSION, Standard, load_standard

__all__ = [
    "STANDARD_VERSION",
    "Code",
    "CodeList",
    "Constraints",
    "Field",
    "ForeignKey",
    "Predicate",
    "PrivacyClass",
    "Standard",
    "TableSchema",
    "load_standard",
]
