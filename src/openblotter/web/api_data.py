"""``/api/v1/releases/{release}/datasets…`` and ``…/aggregates…``: records and counts.

Records go through the :class:`~openblotter.web.explorer.Explorer` (parameterised DuckDB over
the release's Parquet, schema allow-listed filters, capped pages, a time limit); filters are
the query parameters other than ``sort``, ``order``, ``page``, ``page_size``, ``format`` and
``by`` (see the explorer's docstring for their grammar). ``format=csv`` streams the matching
records as CSV (formula-neutralised like the release's own files), at most the explorer's CSV
row cap (``X-Row-Limit``). Aggregates are the release's suppressed count tables, read once and
cached; their answers are cached as finished JSON.
"""

from __future__ import annotations

import datetime as dt  # noqa: TC003 - FastAPI needs the type at runtime
import json
from functools import lru_cache
from pathlib import Path as FsPath  # noqa: TC003 - lru_cache key
from typing import TYPE_CHECKING, Annotated, Any, Literal

import polars as pl
from fastapi import Path, Query
from starlette.requests import Request  # noqa: TC002 - FastAPI reads the annotation
from starlette.responses import Response, StreamingResponse

from openblotter.errors import NotFoundError
from openblotter.web.api_common import (
    ERRORS,
    ResponseCache,
    explorer,
    link,
    portal,
    release_url,
    router,
    send,
)
from openblotter.web.api_models import (
    AggregateList,
    AggregateRow,
    AggregateSummary,
    AggregateTable,
    CountRows,
    DatasetDetail,
    DatasetList,
    DatasetSummary,
    FieldModel,
    RecordsPage,
)
from openblotter.web.explorer import FilterError

if TYPE_CHECKING:
    from openblotter.publish.registry import ReleaseRecord
    from openblotter.web.explorer_catalog import DatasetInfo
    from openblotter.web.portal import Portal

__all__ = ["RESERVED"]

RESERVED = frozenset({"sort", "order", "page", "page_size", "format", "by"})
"""Query parameters that are not filters."""
_FORMATS = ("csv", "ndjson", "parquet", "xlsx")
_DIMENSIONS = ("race", "age_band", "sex", "geography", "month")
_AGGREGATES = ResponseCache(2048)

ReleaseId = Annotated[str, Path(description="Release id or its 16-digit short id.", max_length=80)]
DatasetName = Annotated[str, Path(description="Dataset name, e.g. stops.", max_length=80)]
_FILTERS_DOC = (
    "Any other query parameter filters the records: `<field>=value` (repeat for any of "
    "several; on list fields any element), `<field>_min` / `<field>_max` on numbers and dates, "
    "and fields of the parent or child dataset (semi-join on the key). Field names come only "
    "from the dataset's published schema (GET …/datasets/{dataset} lists them with their code "
    "lists); anything else is a 400."
)
_FILTER_PARAMETER = {
    "parameters": [
        {
            "name": "filters",
            "in": "query",
            "required": False,
            "style": "form",
            "explode": True,
            "description": _FILTERS_DOC,
            "schema": {"type": "object", "additionalProperties": {"type": "string"}},
        }
    ]
}


def _filters(request: Request) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        if key not in RESERVED:
            out.setdefault(key, []).append(value)
    return out


def _dataset_summary(release: ReleaseRecord, info: DatasetInfo) -> dict[str, Any]:
    base = f"{release_url(release)}/datasets/{info.name}"
    files = {fmt: f"{release_url(release)}/files/data/{info.name}.{fmt}" for fmt in _FORMATS}
    return {
        "name": info.name,
        "title": info.title,
        "description": info.description,
        "rows": info.rows,
        "date_field": info.date_field,
        "parent": info.parent,
        "children": list(info.children),
        "url": base,
        "records_url": f"{base}/records",
        "counts_url": f"{base}/counts",
        "files": files,
    }


@router.get(
    "/releases/{release}/datasets",
    response_model=DatasetList,
    responses=ERRORS(404),
    summary="Record-level datasets of a release",
)
def datasets(request: Request, release: ReleaseId) -> Response:
    """The release's record-level datasets with their row counts and download URLs."""
    record = portal(request).release(release)
    cat = explorer(request).catalog(record)
    items = [DatasetSummary(**_dataset_summary(record, d)) for d in cat.datasets.values()]
    return send(request, DatasetList(release=link(record), datasets=items))


@router.get(
    "/releases/{release}/datasets/{dataset}",
    response_model=DatasetDetail,
    responses=ERRORS(404),
    summary="A dataset's published fields and filters",
)
def dataset(request: Request, release: ReleaseId, dataset: DatasetName) -> Response:
    """The published fields (types, code lists) and every filter key the dataset takes."""
    record = portal(request).release(release)
    found = explorer(request)
    info = found.dataset(record, dataset)
    model = DatasetDetail(
        **_dataset_summary(record, info),
        release=link(record),
        fields=[FieldModel(**f.to_dict()) for f in info.fields],
        filters=[FieldModel(**f.to_dict()) for f in found.filter_fields(record, dataset)],
    )
    return send(request, model)


def _page_url(request: Request, page: int) -> str:
    url = request.url.include_query_params(page=page)
    return f"{url.path}?{url.query}"


@router.get(
    "/releases/{release}/datasets/{dataset}/records",
    response_model=RecordsPage,
    responses={
        200: {
            "description": "A page of records (JSON) or the matching records (format=csv).",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        },
        **ERRORS(400, 404, 503),
    },
    openapi_extra=_FILTER_PARAMETER,
    summary="Records: filter, sort, paginate, or stream as CSV",
)
def records(
    request: Request,
    release: ReleaseId,
    dataset: DatasetName,
    sort: Annotated[str | None, Query(description="A field of the dataset.")] = None,
    order: Annotated[Literal["asc", "desc"], Query(description="Sort direction.")] = "asc",
    page: Annotated[int, Query(ge=1, le=1_000_000, description="Page number, from 1.")] = 1,
    page_size: Annotated[
        int, Query(ge=1, le=1_000_000, description="Rows per page; capped at the server's cap.")
    ] = 100,
    format: Annotated[  # noqa: A002 - the public parameter name
        Literal["json", "csv"], Query(description="csv streams every matching record.")
    ] = "json",
    date_from: Annotated[dt.date | None, Query(description="On or after (the date field).")] = None,
    date_to: Annotated[dt.date | None, Query(description="On or before (the date field).")] = None,
) -> Response:
    """Records of the dataset matching the filters, with the total and the SQL that ran."""
    del date_from, date_to  # typed here for the OpenAPI document; read with the filters
    record = portal(request).release(release)
    found = explorer(request)
    filters = _filters(request)
    if format == "csv":
        chunks = found.stream_csv(
            record, dataset, filters=filters, sort=sort, descending=order == "desc"
        )
        name = f"{record.agency_slug}-{record.short_id}-{dataset}.csv"
        headers = {
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Row-Limit": str(found.max_csv_rows),
            "Cache-Control": "public, max-age=300",
        }
        return StreamingResponse(chunks, media_type="text/csv; charset=utf-8", headers=headers)
    result = found.records(
        record,
        dataset,
        filters=filters,
        sort=sort,
        descending=order == "desc",
        page=page,
        page_size=page_size,
    )
    data = result.to_dict()
    data["next_url"] = _page_url(request, page + 1) if page < result.pages else None
    data["previous_url"] = _page_url(request, page - 1) if page > 1 else None
    return send(request, RecordsPage(release=link(record), **data))


@router.get(
    "/releases/{release}/datasets/{dataset}/counts",
    response_model=CountRows,
    responses=ERRORS(400, 404, 503),
    openapi_extra=_FILTER_PARAMETER,
    summary="Record counts by one to three fields",
)
def counts(
    request: Request,
    release: ReleaseId,
    dataset: DatasetName,
    by: Annotated[list[str], Query(min_length=1, max_length=3, description="Fields to count by.")],
    date_from: Annotated[dt.date | None, Query(description="On or after (the date field).")] = None,
    date_to: Annotated[dt.date | None, Query(description="On or before (the date field).")] = None,
) -> Response:
    """Matching records counted by the given fields of the dataset, with the SQL that ran.

    Not suppressed: the records themselves are published.
    """
    del date_from, date_to  # typed here for the OpenAPI document; read with the filters
    record = portal(request).release(release)
    table = explorer(request).counts(record, dataset, by=by, filters=_filters(request))
    return send(request, CountRows(release=link(record), **table.to_dict()))


@lru_cache(maxsize=128)
def _datapackage(folder: FsPath) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    return data


def _aggregate_resources(found: Portal, record: ReleaseRecord) -> dict[str, dict[str, Any]]:
    out = {}
    for resource in _datapackage(found.folder(record)).get("resources", []):
        path = str(resource.get("path", ""))
        if path.startswith("aggregates/") and path.endswith(".csv"):
            out[path.removeprefix("aggregates/").removesuffix(".csv")] = resource
    return out


@router.get(
    "/releases/{release}/aggregates",
    response_model=AggregateList,
    responses=ERRORS(404),
    summary="Aggregate tables of a release",
)
def aggregates(request: Request, release: ReleaseId) -> Response:
    """The release's suppressed count tables, one per dataset."""
    found = portal(request)
    record = found.release(release)
    base = release_url(record)
    items = [
        AggregateSummary(
            dataset=name,
            title=str(resource.get("title", name)),
            rows=int(resource.get("rows", 0)),
            url=f"{base}/aggregates/{name}",
            files={
                fmt: f"{base}/files/aggregates/{name}.{fmt}"
                for fmt in ("csv", "parquet")
                if f"aggregates/{name}.{fmt}" in found.manifest(record).get("files", {})
            },
        )
        for name, resource in _aggregate_resources(found, record).items()
    ]
    return send(request, AggregateList(release=link(record), aggregates=items))


def _values(values: list[str] | None) -> tuple[str, ...]:
    return tuple(sorted({v for v in values or [] if v.strip()}))


Dimension = Annotated[list[str] | None, Query(max_length=100)]


@router.get(
    "/releases/{release}/aggregates/{dataset}",
    response_model=AggregateTable,
    responses=ERRORS(400, 404),
    summary="Suppressed counts by race, age band, sex, geography and month",
)
async def aggregate(
    request: Request,
    release: ReleaseId,
    dataset: DatasetName,
    race: Dimension = None,
    age_band: Dimension = None,
    sex: Dimension = None,
    geography: Dimension = None,
    month: Dimension = None,
    suppressed: Annotated[bool | None, Query(description="Only (un)suppressed cells.")] = None,
) -> Response:
    """Rows of the aggregate table matching every given value ("all" = not broken down).

    Cells below the release's minimum count are suppressed (``count`` null), with
    complementary cells so no suppressed cell can be recovered by subtraction.
    """
    found = portal(request)
    record = found.release(release)
    chosen = dict(
        zip(_DIMENSIONS, map(_values, (race, age_band, sex, geography, month)), strict=True)
    )
    key = (record.release_id, dataset, *chosen.values(), suppressed)
    body = _AGGREGATES.get(key)
    if body is None:
        resources = _aggregate_resources(found, record)
        if dataset not in resources:
            raise NotFoundError(f"release {record.short_id} has no aggregate table {dataset!r}")
        source = f"aggregates/{dataset}.parquet"
        frame = found.table(record, source)
        dims = [d for d in _DIMENSIONS if d in frame.columns]
        for column, values in chosen.items():
            if values and column not in dims:
                raise FilterError(f"aggregate table {dataset} is not broken down by {column}")
            if values:
                frame = frame.filter(pl.col(column).is_in(list(values)))
        if suppressed is not None:
            frame = frame.filter(pl.col("suppressed") == suppressed)
        unit = found.manifest(record).get("suppression", {}).get(dataset, {}).get("unit")
        rows = frame.select(
            *[
                pl.col(d).cast(pl.String) if d in dims else pl.lit(None, pl.String).alias(d)
                for d in _DIMENSIONS
            ],
            "count",
            "suppressed",
        ).to_dicts()
        model = AggregateTable(
            release=link(record),
            dataset=dataset,
            unit=unit,
            source=source,
            dimensions=dims,
            filters={k: list(v) for k, v in chosen.items() if v},
            total=frame.height,
            rows=[AggregateRow(**row) for row in rows],
        )
        body = _AGGREGATES.put(key, model.model_dump_json().encode())
    return send(request, body)
