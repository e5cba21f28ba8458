"""Draft a mapping from a file's header, and check a mapping without a file.

``scaffold`` matches source columns to the dataset's fields by name (the field's own name, its
Open Policing / RIPA / FBI crosswalk names, its title), and for coded fields lists the values seen
in the first rows with the code each seems to be, so the data officer starts from a draft that
already runs rather than a blank page. Every guess is marked for review.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import polars as pl
import yaml

from openblotter.ingest.apply import CompiledMapping
from openblotter.ingest.gate import concept_of_name
from openblotter.ingest.mapping import Mapping, ReadOptions
from openblotter.ingest.readers import file_sha256, open_source
from openblotter.ingest.recode import normalise

if TYPE_CHECKING:
    from pathlib import Path

    from openblotter.schema.model import Field
    from openblotter.schema.registry import Standard

__all__ = ["check_mapping", "scaffold"]


def check_mapping(mapping: Mapping, standard: Standard) -> list[str]:
    """Check a mapping against the standard and the gate; return notes for the reader."""
    CompiledMapping(
        mapping,
        standard,
        agency_slug="xx_check",
        timezone="UTC",
        columns=sorted(mapping.source_columns()),
        refused={},
    )
    notes = []
    if not mapping.tested_against:
        notes.append("the mapping names no file it was tested against (tested_against)")
    for dataset in mapping.datasets:
        schema = standard.schema(dataset)
        given = set(mapping.records[dataset].fields) | {"agency_slug"}
        missing = [f.name for f in schema.fields if f.required and f.name not in given]
        if missing:
            notes.append(f"{dataset}: required fields not mapped: {', '.join(missing)}")
    return notes


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _names(field: Field) -> set[str]:
    names = {_key(field.name), _key(field.title)}
    names |= {_key(v) for v in field.crosswalk.values() if v}
    if field.name.startswith("subject_"):
        names.add(_key(field.name.removeprefix("subject_")))
    return names


FAMILIES = {
    "stops": ["stops", "stop_subjects", "stop_officers"],
    "use_of_force": ["use_of_force", "force_subjects", "force_officers"],
    "complaints": ["complaints", "allegations"],
}
_MISSING_MARKERS = ["NA", "N/A", "NULL", "(null)", "null", "None", "-"]


def scaffold(
    path: Path, dataset: str, standard: Standard, *, read: ReadOptions | None = None
) -> str:
    """A draft mapping (YAML text) for ``dataset`` (and its child datasets) from ``path``."""
    options = read or ReadOptions()
    reader = open_source(path, options, chunk_rows=5_000)
    sample = next(iter(reader.chunks()), pl.DataFrame())
    markers = [
        m
        for m in _MISSING_MARKERS
        if any((sample.get_column(c) == m).any() for c in reader.columns if c in sample.columns)
    ]
    family = [standard.schema(d) for d in FAMILIES.get(dataset, [dataset])]
    records: dict[str, dict[str, Any]] = {s.name: {} for s in family}
    used: dict[str, str] = {}
    unmatched = []
    for column in reader.columns:
        concept = concept_of_name(column)
        if concept is not None:
            unmatched.append(f"{column} (refused: {concept.name})")
            continue
        found = [
            (schema, f)
            for schema in family
            for f in schema.fields
            if _key(column) in _names(f)
            and f.name not in records[schema.name]
            and f.name != "agency_slug"
        ]
        if not found:
            unmatched.append(column)
            continue
        schema, match = found[0]
        spec: dict[str, Any] = {"column": column}
        if match.codelist and column in sample.columns:
            codes = standard.codelist(match.codelist)
            known = {normalise(c.code): c.code for c in codes.codes}
            known |= {normalise(c.label): c.code for c in codes.codes}
            seen = [
                v
                for v in sample.get_column(column).drop_nulls().unique().sort().head(40).to_list()
                if v not in markers
            ]
            recode = {
                v: known.get(normalise(v), "REVIEW") for v in seen if normalise(v) not in known
            }
            if recode:
                spec["recode"] = recode
        if match.type in {"date", "time"}:
            spec["format"] = "REVIEW (strftime format)"
        records[schema.name][match.name] = spec
        used[match.name] = column
    assumptions = []
    for schema in family[1:]:  # children repeat the parent's key
        for key in schema.primary_key:
            if key in used and key not in records[schema.name]:
                records[schema.name][key] = {"column": used[key]}
            elif key.endswith("_seq") and key not in records[schema.name]:
                records[schema.name][key] = {"value": 1}
                assumptions.append(f"{schema.name}.{key} = 1: one per source row (REVIEW)")
    draft = {
        "name": f"{dataset}_draft",
        "version": 1,
        "description": f"Draft mapping of {path.name} to {dataset}; review every REVIEW.",
        "tested_against": [{"file": path.name, "sha256": file_sha256(path)}],
        "read": {"format": reader.format, "missing_values": ["", *markers]},
        "records": {name: {"fields": fields} for name, fields in records.items() if fields},
    }
    header = [
        f"# Drafted by `blotter mapping scaffold` from {path.name}.",
        "# Unmatched columns (map them or leave them out):",
        *[f"#   {c}" for c in unmatched],
        *[f"# Assumed: {a}" for a in assumptions],
        "",
    ]
    return "\n".join(header) + yaml.safe_dump(draft, sort_keys=False, allow_unicode=True)
