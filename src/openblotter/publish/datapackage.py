"""The release's ``datapackage.json`` (Frictionless Data Package) and its HTML data dictionary.

Each record-level table is a tabular resource (its CSV) with the schema *as published*: the
standard's descriptor of every allow-listed field, with the type a generalisation gives it (an age
band is a string from the ``age_band`` code list) and a sentence saying what was done. The other
formats of the same table are listed as ``alternates`` with their own hashes. Foreign keys are left
out: a release may not carry the tables they point to.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

import polars as pl

from openblotter.ingest.readers import file_sha256
from openblotter.schema.dictionary import PAGE_STYLE

if TYPE_CHECKING:
    from pathlib import Path

    from openblotter.privacy.deidentify import PublishedField
    from openblotter.schema.model import TableSchema
    from openblotter.schema.registry import Standard

__all__ = [
    "alternate_entries",
    "field_descriptor",
    "frame_fields",
    "published_schema",
    "resource_entry",
    "to_html",
]

_KEEP = ("name", "type", "title", "description", "format", "itemType", "delimiter")


def field_descriptor(
    pub: PublishedField, schema: TableSchema, standard: Standard
) -> dict[str, Any]:
    """The Table Schema descriptor of one published field."""
    fields: list[dict[str, Any]] = schema.descriptor["fields"]
    source = next((f for f in fields if f.get("name") == pub.name), {})
    out = {k: source[k] for k in _KEEP if k in source}
    out["type"] = pub.type
    if pub.note:
        out["description"] = f"{out.get('description', '')} {pub.note}".strip()
    constraints = dict(source.get("constraints", {}))
    if pub.codelist:
        constraints["enum"] = list(standard.codelist(pub.codelist).values)
    if pub.type != pub.field.type or pub.treatment:
        constraints = {k: v for k, v in constraints.items() if k in ("enum", "required")}
    if pub.type == "list":
        constraints.pop("enum", None)
    if constraints:
        out["constraints"] = constraints
    return out


def published_schema(
    schema: TableSchema, fields: list[PublishedField], standard: Standard
) -> dict[str, Any]:
    """The Table Schema of a published table."""
    return {
        "fields": [field_descriptor(p, schema, standard) for p in fields],
        "primaryKey": list(schema.primary_key),
        "missingValues": [""],
    }


_POLARS_TYPES = {
    pl.String: "string",
    pl.Int64: "integer",
    pl.Int32: "integer",
    pl.UInt32: "integer",
    pl.Float64: "number",
    pl.Boolean: "boolean",
    pl.Date: "date",
}


def frame_fields(frame: pl.DataFrame, descriptions: dict[str, str]) -> dict[str, Any]:
    """A Table Schema for a derived table (aggregates, completeness) from its column types."""
    return {
        "fields": [
            {
                "name": name,
                "type": _POLARS_TYPES.get(type(dtype), "string"),
                "description": descriptions.get(name, ""),
            }
            for name, dtype in frame.schema.items()
        ],
        "missingValues": [""],
    }


def to_html(package: dict[str, Any]) -> str:
    """An accessible HTML data dictionary of every tabular resource of ``package``."""
    resources = [r for r in package["resources"] if "schema" in r]
    toc = "".join(f'<li><a href="#r-{r["name"]}">{escape(r["title"])}</a></li>' for r in resources)
    sections = []
    for r in resources:
        rows = "".join(
            f'<tr><th scope="row"><code>{escape(f["name"])}</code></th>'
            f"<td>{escape(f['type'])}</td><td>{escape(f.get('description', ''))}</td></tr>"
            for f in r["schema"]["fields"]
        )
        sections.append(
            f'<section aria-labelledby="r-{r["name"]}"><h2 id="r-{r["name"]}">'
            f"{escape(r['title'])}</h2><p>{escape(r.get('description', ''))} File: "
            f'<a href="{escape(r["path"])}">{escape(r["path"])}</a>, '
            f"{r.get('rows', 0):,} rows.</p><table><caption>Fields of {escape(r['path'])}"
            '</caption><thead><tr><th scope="col">Field</th><th scope="col">Type</th>'
            f'<th scope="col">Description</th></tr></thead><tbody>{rows}</tbody></table></section>'
        )
    title = escape(package["title"])
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            '<head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{title}: data dictionary</title><style>{PAGE_STYLE}</style></head>",
            "<body>",
            '<a class="skip" href="#main">Skip to the data dictionary</a>',
            f"<header><h1>{title}: data dictionary</h1></header>",
            f'<nav aria-label="Tables"><ul>{toc}</ul></nav>',
            f'<main id="main"><p>{escape(package.get("description", ""))}</p>',
            *sections,
            "</main></body></html>",
            "",
        ]
    )


_MEDIA = {
    "csv": "text/csv",
    "ndjson": "application/x-ndjson",
    "parquet": "application/vnd.apache.parquet",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def resource_entry(folder: Path, path: Path, name: str, title: str, rows: int) -> dict[str, Any]:
    """The Data Package resource of one file of a release folder, with its size and hash."""
    return {
        "name": name,
        "title": title,
        "path": str(path.relative_to(folder)),
        "format": path.suffix.lstrip("."),
        "mediatype": _MEDIA.get(path.suffix.lstrip("."), "text/plain"),
        "encoding": "utf-8",
        "bytes": path.stat().st_size,
        "hash": f"sha256:{file_sha256(path)}",
        "rows": rows,
    }


def alternate_entries(folder: Path, paths: list[Path]) -> list[dict[str, Any]]:
    """The same table in other formats, listed under its resource's ``alternates``."""
    return [
        {
            "path": str(p.relative_to(folder)),
            "format": p.suffix.lstrip("."),
            "mediatype": _MEDIA[p.suffix.lstrip(".")],
            "bytes": p.stat().st_size,
            "hash": f"sha256:{file_sha256(p)}",
        }
        for p in paths
    ]
