"""The dataset explorer ``/agencies/{slug}/{dataset}``: counts, rates, a map and the records.

A plain GET form filters by period, place and group (:mod:`~openblotter.web.pages.filters`);
counts by group and the map come from the release's aggregates
(:mod:`~openblotter.web.pages.counting`), rates by group from the agency's saved analyses, and
one page of the matching records from the :class:`~openblotter.web.explorer.Explorer` over the
release's Parquet files. Each part carries how it was computed: the file and its checksum, the
query and its parameters, the release.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from openblotter.analysis.suite import METHODS
from openblotter.publish.aggregates import SPECS
from openblotter.web.pages import words
from openblotter.web.pages.counting import (
    counted_dataset,
    counts_section,
    form_options,
    map_section,
)
from openblotter.web.pages.filters import PAGE_SIZES, Filters, parse_filters
from openblotter.web.pages.published import (
    dataset_summary,
    file_ref,
    geography_field,
    never_provided,
    release_ref,
    schema_of,
)
from openblotter.web.twins import add_page

if TYPE_CHECKING:
    from fastapi import FastAPI
    from starlette.requests import Request

    from openblotter.publish.registry import ReleaseRecord
    from openblotter.web.explorer import Explorer
    from openblotter.web.i18n import Language
    from openblotter.web.pages.filters import Options
    from openblotter.web.portal import Portal

__all__ = ["dataset_page", "explorer_of", "register"]

_COLUMNS = 10
_FACETS = ("place", "location", "geography_value")


def explorer_of(request: Request) -> Explorer | None:
    """The app's record explorer (made on first use), or None when it is not installed."""
    state = request.app.state
    found: Explorer | None = getattr(state, "explorer", None)
    if found is None:
        try:
            from openblotter.web.explorer import Explorer
        except ImportError:  # pragma: no cover - the explorer ships with the portal
            return None
        found = Explorer(state.portal)
        state.explorer = found
    return found


def _form(
    lang: Language, url: str, filters: Filters, options: Options, geo: str | None
) -> dict[str, Any]:
    def coded(dim: str, values: tuple[str, ...]) -> list[dict[str, str]]:
        codelist = options.race_codelist if dim == "race" else None
        return [{"value": v, "label": words.code_label(lang, dim, v, codelist)} for v in values]

    return {
        "action": url,
        "months": coded("month", options.months),
        "places": [{"value": v, "label": v} for v in options.places],
        "place_label": words.dimension_label(lang, "geography", geo),
        "groups": coded("race", options.groups),
        "dimensions": [
            {"value": d, "label": words.dimension_label(lang, d, geo)} for d in options.dimensions
        ],
        "sizes": list(PAGE_SIZES),
        "values": filters.to_dict(),
    }


def _cell(lang: Language, value: Any) -> str:
    if value is None or value == "" or value == []:
        return "\u2013"
    if isinstance(value, bool):
        return lang.gettext("yes") if value else lang.gettext("no")
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)


def _columns(dataset: str, available: list[str], missing: set[str], geo: str | None) -> list[str]:
    schema = schema_of(dataset)
    if schema is None:
        return available[:_COLUMNS]
    keys = [k for k in schema.primary_key if k != "agency_slug"]
    tagged = [f.name for f in schema.fields if f.toolkit]
    chosen = [c for c in dict.fromkeys([*keys, *tagged, *(f"{geo}",)]) if c]
    shown = [c for c in chosen if c in available and c not in missing]
    return shown[:_COLUMNS] or available[:_COLUMNS]


def _records(
    request: Request,
    portal: Portal,
    release: ReleaseRecord,
    dataset: str,
    filters: Filters,
    lang: Language,
    root: str | None,
    url: str,
) -> dict[str, Any]:
    explorer = explorer_of(request)
    relative = f"data/{dataset}.parquet"
    if explorer is None or relative not in portal.manifest(release).get("files", {}):
        return {"available": False}
    keys = {f.key for f in explorer.filter_fields(release, dataset)}
    wanted: dict[str, str] = {}
    skipped: list[str] = []
    spec = SPECS.get(root or "")
    geo = geography_field(portal, release, root) if root else None
    candidates = {
        "date_from": filters.date_from,
        "date_to": filters.date_to,
        geo or "": filters.geography,
        (spec.race if spec and spec.race else ""): filters.group,
    }
    for key, value in candidates.items():
        if not value:
            continue
        if key and (key in keys or key in ("date_from", "date_to")):
            wanted[key] = value
        else:
            skipped.append(key or "group")
    page = explorer.records(
        release, dataset, filters=wanted, page=filters.page, page_size=filters.size
    )
    missing = {f["field"] for f in never_provided(portal, release, dataset)}
    columns = _columns(dataset, page.columns, missing, geo)
    schema = schema_of(dataset)

    def link(number: int) -> str:
        query = urlencode(filters.query(page=number if number != 1 else None))
        return f"{url}?{query}" if query else url

    pages = max(1, min(page.pages, explorer.max_offset // page.page_size))
    return {
        "available": True,
        "columns": [
            {
                "name": c,
                "title": schema.field(c).title if schema and schema.has_field(c) else c,
            }
            for c in columns
        ],
        "rows": [[_cell(lang, row.get(c)) for c in columns] for row in page.rows],
        "all_columns": len(page.columns),
        "total": page.total,
        "page": page.page,
        "pages": pages,
        "truncated": pages * page.page_size < page.total,
        "size": page.page_size,
        "first": page.total and (page.page - 1) * page.page_size + 1,
        "last": min(page.total, page.page * page.page_size),
        "links": {
            "first": link(1) if page.page > 1 else None,
            "previous": link(page.page - 1) if page.page > 1 else None,
            "next": link(page.page + 1) if page.page < pages else None,
            "last": link(pages) if page.page < pages else None,
        },
        "applied": page.filters,
        "skipped": skipped,
        "work": {
            "file": file_ref(portal, release, relative),
            "query": page.query,
            "count_query": page.count_query,
            "params": page.params,
        },
    }


def _rates(portal: Portal, slug: str, root: str | None, lang: Language) -> list[dict[str, Any]]:
    saved = portal.analyses(slug)
    if not saved or root is None:
        return []
    out = []
    for result in saved.get("results", []):
        method = METHODS.get(str(result.get("method")))
        if method is None or root not in method.datasets:
            continue
        for e in result.get("estimates", []):
            labels = e.get("labels", {})
            quantity = str(e.get("quantity", ""))
            if not quantity.endswith("_rate") or "group" not in labels:
                continue
            if any(labels.get(f) for f in _FACETS):
                continue
            interval = e.get("interval") or [None, None]
            out.append(
                {
                    "method": method.id,
                    "method_title": lang.gettext(method.title),
                    "url": f"{lang.prefix}/agencies/{slug}/analyses/{method.id}",
                    "quantity": quantity,
                    "quantity_label": words.quantity_label(lang, quantity),
                    "group": words.code_label(lang, "race", str(labels["group"])),
                    "value": e.get("value"),
                    "low": interval[0],
                    "high": interval[1],
                    "level": e.get("level", 0.95),
                    "n": e.get("n"),
                    "suppressed": bool(e.get("extra", {}).get("suppressed")),
                }
            )
    return out


def dataset_page(
    request: Request, portal: Portal, lang: Language, slug: str, dataset: str
) -> dict[str, Any]:
    """The explorer of one dataset of an agency's latest release (filters from the query)."""
    agency = portal.agency(slug)
    release = portal.latest(slug)
    summary = dataset_summary(portal, release, dataset)
    root = counted_dataset(dataset)
    if root is not None and root not in portal.manifest(release).get("suppression", {}):
        root = None
    options = form_options(portal, release, root)
    params = {k: request.query_params.getlist(k) for k in request.query_params}
    filters = parse_filters(params, options)
    url = f"{lang.prefix}/agencies/{slug}/{dataset}"
    schema = schema_of(dataset)
    geo = geography_field(portal, release, root) if root else None
    explorer = explorer_of(request)
    saved = portal.analyses(slug)
    return {
        "title": f"{lang.gettext(summary.title)} \u2014 {agency.name}",
        "agency": {"slug": slug, "name": agency.name, "url": f"{lang.prefix}/agencies/{slug}"},
        "dataset": {
            **summary.to_dict(),
            "title": lang.gettext(summary.title),
            "description": schema.description if schema else "",
            "grain": schema.grain if schema else "",
            "counted_by": root,
        },
        "release": release_ref(release, lang),
        "form": _form(lang, url, filters, options, geo),
        "filters": filters.to_dict(),
        "counts": counts_section(portal, release, root, filters, options, lang, explorer),
        "map": map_section(portal, release, root, filters, options, lang),
        "rates": _rates(portal, slug, root, lang),
        "analyses_generated_at": saved.get("generated_at") if saved else None,
        "records": _records(request, portal, release, dataset, filters, lang, root, url),
    }


def register(app: FastAPI) -> None:
    """Add the dataset explorer."""
    add_page(
        app, "/agencies/{slug:name}/{dataset:name}", "dataset.html", dataset_page, name="dataset"
    )
