"""What a release lets the explorer query: its datasets, their published fields and families.

Everything comes from the release's own files (ADR 0006): the record-level resources of
``datapackage.json`` (the schema *as published*: field names, types, code lists, primary keys),
``completeness/datasets.csv`` (which field dates each dataset) and the Parquet files themselves
(a field must be both described and present to be queried). Nothing here reads the store.

A dataset's *family* is found from primary keys alone: the parent of ``stop_subjects``
(``agency_slug, stop_id, subject_seq``) is ``stops`` (``agency_slug, stop_id``), the dataset
whose key is the longest proper prefix of its own (the one-column ``agencies`` key does not
count). Filters on a parent's or a child's field become semi-joins on that key, so stopped
people can be filtered by the stop's date and district, and stops by the stopped person's race.

:func:`csv_chunk` writes explorer exports exactly as the release writes its own CSV files.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import duckdb
import polars as pl

from openblotter.errors import NotFoundError
from openblotter.publish.writers import neutralise_formulas

if TYPE_CHECKING:
    from pathlib import Path

    from openblotter.publish.registry import ReleaseRecord
    from openblotter.web.portal import Portal

__all__ = ["Catalog", "DatasetInfo", "FieldInfo", "catalog", "csv_chunk"]

FILTERABLE = ("string", "integer", "number", "boolean", "date", "datetime", "year", "list")
"""Field types a filter may name (times, objects and geopoints are shown but not filtered)."""

RANGED = ("integer", "number", "date", "datetime", "year")
"""Field types with ``<field>_min`` / ``<field>_max`` range filters."""


@dataclass(frozen=True, slots=True)
class FieldInfo:
    """One published field: its type, words, code list and how it may be filtered and sorted.

    ``key`` is the name a filter uses: the field name for the dataset's own fields and for a
    related dataset's field whose name is unique in the family, else ``dataset.field``.
    """

    name: str
    type: str
    dataset: str
    key: str
    title: str = ""
    description: str = ""
    codes: tuple[str, ...] | None = None
    delimiter: str | None = None

    @property
    def filterable(self) -> bool:
        """Whether a filter may name this field."""
        return self.type in FILTERABLE

    @property
    def sortable(self) -> bool:
        """Whether records may be sorted by this field (not lists)."""
        return self.type not in ("list", "object", "array", "geopoint")

    @property
    def ranged(self) -> bool:
        """Whether ``<key>_min`` / ``<key>_max`` apply."""
        return self.type in RANGED

    def to_dict(self) -> dict[str, Any]:
        """The field as JSON."""
        return {
            "name": self.name,
            "key": self.key,
            "dataset": self.dataset,
            "type": self.type,
            "title": self.title,
            "description": self.description,
            "codes": list(self.codes) if self.codes is not None else None,
            "filterable": self.filterable,
            "sortable": self.sortable,
            "ranged": self.ranged,
        }


@dataclass(frozen=True, slots=True)
class DatasetInfo:
    """A record-level dataset of a release."""

    name: str
    title: str
    description: str
    rows: int
    path: Path
    fields: tuple[FieldInfo, ...]
    primary_key: tuple[str, ...]
    date_field: str | None
    parent: str | None = None
    children: tuple[str, ...] = field(default=())

    def field(self, name: str) -> FieldInfo | None:
        """The published field ``name``, or ``None``."""
        return next((f for f in self.fields if f.name == name), None)


@dataclass(frozen=True, slots=True)
class Catalog:
    """The record-level datasets of one release, by name."""

    release_id: str
    datasets: dict[str, DatasetInfo]

    def dataset(self, name: str) -> DatasetInfo:
        """The dataset ``name`` or NotFoundError."""
        if name not in self.datasets:
            raise NotFoundError(f"this release publishes no record-level dataset {name!r}")
        return self.datasets[name]

    def related(self, name: str) -> list[tuple[DatasetInfo, tuple[str, ...]]]:
        """Parent chain and children of ``name``, each with the key columns it joins on."""
        own = self.dataset(name)
        out: list[tuple[DatasetInfo, tuple[str, ...]]] = []
        parent = own.parent
        while parent is not None:
            info = self.datasets[parent]
            out.append((info, info.primary_key))
            parent = info.parent
        out.extend((self.datasets[c], own.primary_key) for c in own.children)
        return out

    def date_of(self, name: str) -> tuple[DatasetInfo, FieldInfo] | None:
        """The dataset and field that date records of ``name`` (its own, else an ancestor's)."""
        info: DatasetInfo | None = self.dataset(name)
        while info is not None:
            if info.date_field is not None:
                found = info.field(info.date_field)
                if found is not None:
                    return info, found
            info = self.datasets[info.parent] if info.parent else None
        return None


def _parquet_columns(path: Path) -> set[str]:
    with duckdb.connect(":memory:") as con:
        rows = con.execute("SELECT name FROM parquet_schema(?)", [str(path)]).fetchall()
    return {str(r[0]) for r in rows}


def _date_fields(folder: Path) -> dict[str, str]:
    path = folder / "completeness" / "datasets.csv"
    if not path.exists():
        return {}
    with duckdb.connect(":memory:") as con:
        rows = con.execute(
            "SELECT dataset, date_field FROM read_csv(?, all_varchar = true)", [str(path)]
        ).fetchall()
    return {str(d): str(f) for d, f in rows if f}


@lru_cache(maxsize=128)
def _load(release_id: str, folder: Path) -> Catalog:
    package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    dates = _date_fields(folder)
    raw: dict[str, dict[str, Any]] = {}
    for resource in package.get("resources", []):
        path = str(resource.get("path", ""))
        name = str(resource.get("name", ""))
        if path != f"data/{name}.csv" or "schema" not in resource:
            continue
        parquet = folder / "data" / f"{name}.parquet"
        if parquet.exists():
            raw[name] = {"resource": resource, "parquet": parquet}
    keys = {n: tuple(r["resource"]["schema"].get("primaryKey", [])) for n, r in raw.items()}
    parents: dict[str, str | None] = {}
    for name, key in keys.items():
        prefixes = [
            other
            for other, okey in keys.items()
            if other != name and 1 < len(okey) < len(key) and key[: len(okey)] == okey
        ]
        parents[name] = max(prefixes, key=lambda o: len(keys[o]), default=None)
    datasets: dict[str, DatasetInfo] = {}
    for name, item in raw.items():
        resource = item["resource"]
        present = _parquet_columns(item["parquet"])
        fields = tuple(
            FieldInfo(
                name=str(f["name"]),
                type=str(f.get("type", "string")),
                dataset=name,
                key=str(f["name"]),
                title=str(f.get("title", "")),
                description=str(f.get("description", "")),
                codes=tuple(str(c) for c in f["constraints"]["enum"])
                if "enum" in f.get("constraints", {})
                else None,
                delimiter=f.get("delimiter"),
            )
            for f in resource["schema"]["fields"]
            if f.get("name") in present
        )
        datasets[name] = DatasetInfo(
            name=name,
            title=str(resource.get("title", name)),
            description=str(resource.get("description", "")),
            rows=int(resource.get("rows", 0)),
            path=item["parquet"],
            fields=fields,
            primary_key=keys[name],
            date_field=dates.get(name),
            parent=parents[name],
            children=tuple(sorted(c for c, p in parents.items() if p == name)),
        )
    return Catalog(release_id, datasets)


def catalog(portal: Portal, release: ReleaseRecord) -> Catalog:
    """The explorer's catalogue of ``release`` (cached: a registered release never changes)."""
    return _load(release.release_id, portal.folder(release))


def csv_chunk(frame: pl.DataFrame, delimiters: dict[str, str], *, header: bool) -> bytes:
    """Rows as CSV the way ``publish.writers`` writes a release (lists joined, formulas off)."""
    lists = [n for n, t in frame.schema.items() if isinstance(t, pl.List)]
    frame = frame.with_columns([pl.col(n).list.join(delimiters.get(n, ";")) for n in lists])
    out = io.BytesIO()
    neutralise_formulas(frame).write_csv(
        out,
        include_header=header,
        line_terminator="\n",
        datetime_format="%Y-%m-%dT%H:%M:%SZ",
        time_format="%H:%M:%S",
        null_value="",
    )
    return out.getvalue()
