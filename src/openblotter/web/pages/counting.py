"""The explorer's counts and map: from the release's aggregates, else from its records.

Counts by group come from the release's aggregate table when one published table holds the
selection (:func:`~openblotter.web.pages.tally.answerable`); they keep the release's withheld
cells withheld. A selection no published table holds (race in one district over a few months)
is counted from the published records by the :class:`~openblotter.web.explorer.Explorer` when
the dimension is a field of the counted people (race, sex); a count below the release's
small-count threshold then reads "fewer than k". Otherwise the page says why it cannot count.

The map counts places the same way (by the aggregates' geography, within the group) and places
them at their records' mean coordinates (:mod:`~openblotter.web.pages.places`).
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import polars as pl

from openblotter.errors import BlotterError
from openblotter.publish.aggregates import SPECS
from openblotter.schema import load_standard
from openblotter.web.pages import words
from openblotter.web.pages.filters import Options
from openblotter.web.pages.places import centroids
from openblotter.web.pages.published import aggregate_path, file_ref, geography_field, schema_of
from openblotter.web.pages.tally import ALL, DIMENSIONS, Selection, answerable, tally

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from openblotter.publish.registry import ReleaseRecord
    from openblotter.web.explorer import Explorer
    from openblotter.web.i18n import Language
    from openblotter.web.pages.filters import Filters
    from openblotter.web.portal import Portal

__all__ = ["counted_dataset", "counts_section", "form_options", "map_section"]

_RECORD_FIELDS = {"race": "race", "sex": "sex"}


def counted_dataset(dataset: str) -> str | None:
    """The dataset whose aggregate table counts ``dataset`` (stops for stopped people too)."""
    if dataset in SPECS:
        return dataset
    return next((root for root, spec in SPECS.items() if spec.people == dataset), None)


@lru_cache(maxsize=256)
def _values(path: Path) -> dict[str, tuple[str, ...]]:
    frame = pl.read_parquet(path)
    out: dict[str, tuple[str, ...]] = {}
    for dim in DIMENSIONS:
        if dim in frame.columns:
            values = frame.get_column(dim).cast(pl.String).drop_nulls().unique().sort()
            out[dim] = tuple(v for v in values.to_list() if v != ALL)
    return out


def race_codelist(root: str) -> str | None:
    """The code list of the race field ``root``'s aggregates count by (``race``, ``nibrs_race``)."""
    spec = SPECS[root]
    schema = schema_of(spec.people or root)
    if spec.race is None or schema is None or not schema.has_field(spec.race):
        return None
    return schema.field(spec.race).codelist


def _race_codes(codelist: str | None) -> tuple[str, ...]:
    standard = load_standard()
    return standard.codelist(codelist).values if codelist in standard.codelists else ()


def form_options(portal: Portal, release: ReleaseRecord, root: str | None) -> Options:
    """What the explorer form offers for a dataset counted by ``root``'s aggregates."""
    relative = aggregate_path(portal, release, root) if root else None
    if root is None or relative is None:
        return Options()
    values = _values(portal.folder(release) / relative)
    codelist = race_codelist(root)
    groups = tuple(dict.fromkeys([*_race_codes(codelist), *values.get("race", ())]))
    return Options(
        months=values.get("month", ()),
        places=values.get("geography", ()),
        groups=groups,
        dimensions=tuple(d for d in DIMENSIONS if values.get(d)),
        race_codelist=codelist,
    )


def _k(portal: Portal, release: ReleaseRecord, root: str) -> int | None:
    found = portal.manifest(release).get("suppression", {}).get(root, {}).get("k")
    return int(found) if found is not None else None


def _rows(
    lang: Language,
    dim: str,
    raw: Sequence[tuple[str, int | None, int]],
    total: int | None,
    k: int | None,
    *,
    from_records: bool,
    codelist: str | None = None,
) -> list[dict[str, Any]]:
    rows = []
    for value, count, withheld in raw:
        small = from_records and count is not None and k is not None and count < k
        shown = None if small else count
        share = shown / total if shown is not None and not withheld and total else None
        rows.append(
            {
                "value": value,
                "label": words.code_label(lang, dim, value, codelist if dim == "race" else None),
                "count": shown,
                "withheld": withheld,
                "exact": shown is not None and not withheld,
                "text": words.count_text(lang, count, withheld, below=k if from_records else None),
                "share": share,
            }
        )
    return rows


def counts_section(
    portal: Portal,
    release: ReleaseRecord,
    root: str | None,
    filters: Filters,
    options: Options,
    lang: Language,
    explorer: Explorer | None,
) -> dict[str, Any]:
    """The counts by group of the selection, with where they came from and how."""
    if root is None or not options.dimensions:
        return {
            "available": False,
            "reason": lang.gettext(
                "The release publishes no counts for this dataset; "
                "the records below are all there is."
            ),
        }
    relative = aggregate_path(portal, release, root) or ""
    selection = filters.selection
    if selection.by not in options.dimensions:
        selection = replace(selection, by=options.dimensions[0])
    k = _k(portal, release, root)
    geo = geography_field(portal, release, root)
    unit = portal.manifest(release).get("suppression", {}).get(root, {}).get("unit")
    base: dict[str, Any] = {
        "available": True,
        "by": selection.by,
        "by_label": words.dimension_label(lang, selection.by, geo),
        "unit": words.unit_label(lang, unit),
        "k": k,
    }
    if answerable(selection, frozenset(options.dimensions)):
        result = tally(
            portal.folder(release) / relative, relative, selection, frozenset(options.dimensions)
        )
        total = result.total.count if result.total and result.total.exact else None
        raw = [(r.value, r.count, r.withheld) for r in result.rows]
        return {
            **base,
            "source": "aggregates",
            "rows": _rows(
                lang,
                selection.by,
                raw,
                total,
                k,
                from_records=False,
                codelist=options.race_codelist,
            ),
            "total": result.total.to_dict() if result.total else None,
            "total_text": words.count_text(
                lang,
                result.total.count if result.total else None,
                result.total.withheld if result.total else 0,
            ),
            "work": {
                "file": file_ref(portal, release, relative),
                "query": result.query,
                "params": result.params,
            },
        }
    return {
        **base,
        **_from_records(portal, release, root, selection, filters, lang, explorer, k, geo),
    }


def _from_records(
    portal: Portal,
    release: ReleaseRecord,
    root: str,
    selection: Selection,
    filters: Filters,
    lang: Language,
    explorer: Explorer | None,
    k: int | None,
    geo: str | None,
) -> dict[str, Any]:
    spec = SPECS[root]
    people = spec.people or root
    field = (
        getattr(spec, _RECORD_FIELDS.get(selection.by, ""), None)
        if selection.by in _RECORD_FIELDS
        else None
    )
    refused = {
        "available": False,
        "reason": lang.gettext(
            "The release publishes counts by at most two things at once, one of them race, "
            "and cannot count this combination from its records. Remove a filter or choose "
            "another breakdown."
        ),
    }
    if (
        explorer is None
        or field is None
        or f"data/{people}.parquet" not in portal.manifest(release).get("files", {})
    ):
        return refused
    record_filters: dict[str, str] = {}
    if filters.date_from:
        record_filters["date_from"] = filters.date_from
    if filters.date_to:
        record_filters["date_to"] = filters.date_to
    if filters.geography and geo:
        record_filters[geo] = filters.geography
    if filters.group and spec.race:
        record_filters[spec.race] = filters.group
    try:
        counted = explorer.counts(release, people, by=[field], filters=record_filters)
    except BlotterError:
        return refused
    raw = [(str(r.get(field) or ""), int(r["count"]), 0) for r in counted.rows]
    rows = _rows(
        lang, selection.by, raw, counted.total, k, from_records=True, codelist=race_codelist(root)
    )
    for row in rows:
        if not row["value"]:
            row["label"] = lang.gettext("not recorded")
    hidden = sum(1 for r in rows if r["count"] is None)
    if hidden:
        # a total would give away the hidden counts by subtraction: state only a lower bound
        shown = sum(r["count"] for r in rows if r["count"] is not None)
        for row in rows:
            row["share"] = None
        total: dict[str, Any] = {
            "count": shown,
            "exact": False,
            "withheld": hidden,
            "cells": len(rows),
            "value": ALL,
        }
    else:
        total = {
            "count": counted.total,
            "exact": True,
            "withheld": 0,
            "cells": len(rows),
            "value": ALL,
        }
    return {
        "source": "records",
        "rows": rows,
        "total": total,
        "total_text": words.count_text(lang, total["count"], total["withheld"]),
        "work": {
            "file": file_ref(portal, release, f"data/{people}.parquet"),
            "query": counted.query,
            "params": counted.params,
        },
    }


def map_section(
    portal: Portal,
    release: ReleaseRecord,
    root: str | None,
    filters: Filters,
    options: Options,
    lang: Language,
) -> dict[str, Any]:
    """Counts by place within the group, with each place's mean coordinates."""
    if root is None or "geography" not in options.dimensions:
        return {"available": False}
    relative = aggregate_path(portal, release, root) or ""
    geo = geography_field(portal, release, root)
    selection = Selection(
        by="geography",
        month_from=filters.month_from,
        month_to=filters.month_to,
        group=filters.group,
    )
    notes = []
    dims = frozenset(options.dimensions)
    if not answerable(selection, dims):
        selection = replace(selection, month_from=None, month_to=None)
        notes.append(
            lang.gettext(
                "The map covers the whole period: the release does not count places by month."
            )
        )
    if filters.geography:
        notes.append(lang.gettext("The map shows every place, not only the one chosen."))
    result = tally(portal.folder(release) / relative, relative, selection, dims)
    data_file = f"data/{root}.parquet"
    places = (
        centroids(portal.folder(release) / data_file, data_file, geo)
        if geo and data_file in portal.manifest(release).get("files", {})
        else None
    )
    units = []
    for index, row in enumerate(result.rows, start=1):
        where = places.places.get(row.value) if places else None
        units.append(
            {
                "key": str(index),
                "value": row.value,
                "label": row.value,
                "count": row.count,
                "withheld": row.withheld,
                "exact": row.exact,
                "text": words.count_text(lang, row.count, row.withheld),
                "lat": where[0] if where else None,
                "lng": where[1] if where else None,
                "records_located": where[2] if where else 0,
                "selected": row.value == filters.geography,
            }
        )
    kind = "dots" if any(u["lat"] is not None for u in units) else "tiles"
    return {
        "available": bool(units),
        "kind": kind,
        "place_label": words.dimension_label(lang, "geography", geo),
        "units": units,
        "notes": notes,
        "work": {
            "file": file_ref(portal, release, relative),
            "query": result.query,
            "params": result.params,
            "positions": places.to_dict() if places and kind == "dots" else None,
        },
    }
