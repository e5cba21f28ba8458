"""The JSON API, ``/api/v1/``: agencies, releases, datasets, records, aggregates, analyses.

Read-only (GET), described by the OpenAPI document at ``/api/v1/openapi.json``, and drawn only
from what releases published (ADR 0006). Routes (``{release}`` is a release id or its 16-digit
short id)::

    GET /api/v1                                          where to start
    GET /api/v1/agencies                                 agencies with published data
    GET /api/v1/agencies/{agency}                        one agency and its releases
    GET /api/v1/agencies/{agency}/analyses               saved analysis results
    GET /api/v1/agencies/{agency}/analyses/{method}      saved results of one method
    GET /api/v1/releases[?agency=]                       published releases, newest first
    GET /api/v1/releases/{release}                       a release, its manifest and files
    GET /api/v1/releases/{release}/files/{path}          a file of the release (as published)
    GET /api/v1/releases/{release}/datasets              its record-level datasets
    GET /api/v1/releases/{release}/datasets/{dataset}    fields, code lists and filters
    GET /api/v1/releases/{release}/datasets/{dataset}/records   filter, sort, page; format=csv
    GET /api/v1/releases/{release}/datasets/{dataset}/counts    counts by 1-3 fields
    GET /api/v1/releases/{release}/aggregates            its aggregate tables
    GET /api/v1/releases/{release}/aggregates/{dataset}  suppressed counts, filterable

Every answer drawn from a release carries its :class:`~openblotter.web.api_models.ReleaseLink`.
The dataset and aggregate routes are in :mod:`openblotter.web.api_data`; shared parts in
:mod:`openblotter.web.api_common`.
"""

from __future__ import annotations

import mimetypes
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Path, Query
from starlette.requests import Request  # noqa: TC002 - FastAPI reads the annotation
from starlette.responses import FileResponse, Response

from openblotter.errors import NotFoundError
from openblotter.web import api_audit, api_data
from openblotter.web.api_common import (
    ERRORS,
    PREFIX,
    link,
    portal,
    release_url,
    router,
    send,
)
from openblotter.web.api_models import (
    Agency,
    AgencyDetail,
    AgencyList,
    Analyses,
    AnalysisFailure,
    AnalysisResult,
    ApiIndex,
    FileEntry,
    MethodAnalyses,
    ReleaseDetail,
    ReleaseList,
    ReleaseSummary,
)

if TYPE_CHECKING:
    from openblotter.publish.registry import ReleaseRecord
    from openblotter.web.portal import AgencyInfo, Portal

__all__ = ["router"]

_ = (api_audit, api_data)  # their routes register on the shared router
AgencySlug = Annotated[str, Path(description="Agency slug, e.g. ct_hartford_pd.", max_length=80)]
ReleaseId = Annotated[str, Path(description="Release id or its 16-digit short id.", max_length=80)]
_MEDIA = {
    ".csv": "text/csv; charset=utf-8",
    ".json": "application/json",
    ".ndjson": "application/x-ndjson",
    ".parquet": "application/vnd.apache.parquet",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".html": "text/html; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
}
_FILE_CACHE = "public, max-age=86400, immutable"


def _summary(release: ReleaseRecord) -> ReleaseSummary:
    base = release_url(release)
    rows = release.summary.get("rows", {})
    return ReleaseSummary(
        release=link(release),
        kind=release.kind,
        reason=release.reason,
        supersedes=release.supersedes,
        created_at=release.created_at,
        rows={str(k): int(v) for k, v in rows.items()} if isinstance(rows, dict) else {},
        datasets_url=f"{base}/datasets",
        aggregates_url=f"{base}/aggregates",
    )


def _agency(found: Portal, info: AgencyInfo) -> dict[str, Any]:
    base = f"{PREFIX}/agencies/{info.slug}"
    return {
        "slug": info.slug,
        "name": info.name,
        "state": info.state,
        "agency_type": info.agency_type,
        "website": info.website,
        "url": base,
        "releases_url": f"{PREFIX}/releases?agency={info.slug}",
        "analyses_url": f"{base}/analyses",
        "latest_release": link(found.latest(info.slug)),
    }


@router.get("", response_model=ApiIndex, summary="Where to start")
def index(request: Request) -> Response:
    """Links to the agencies, the releases and this API's OpenAPI document."""
    return send(
        request,
        ApiIndex(
            title="OpenBlotter API",
            version="1",
            openapi_url=f"{PREFIX}/openapi.json",
            agencies_url=f"{PREFIX}/agencies",
            releases_url=f"{PREFIX}/releases",
        ),
    )


@router.get("/agencies", response_model=AgencyList, summary="Agencies with published data")
def agencies(request: Request) -> Response:
    """Every agency with at least one published release, by name, with its latest release."""
    found = portal(request)
    items = [Agency(**_agency(found, a)) for a in found.agencies()]
    return send(request, AgencyList(agencies=items), max_age=60)


@router.get(
    "/agencies/{agency}",
    response_model=AgencyDetail,
    responses=ERRORS(404),
    summary="One agency and its releases",
)
def agency(request: Request, agency: AgencySlug) -> Response:
    """The agency and all its published releases, newest first."""
    found = portal(request)
    info = found.agency(agency)
    releases = [_summary(r) for r in found.releases(agency)]
    return send(request, AgencyDetail(**_agency(found, info), releases=releases), max_age=60)


def _saved(found: Portal, agency: str) -> tuple[dict[str, Any], list[Any], list[Any]]:
    found.agency(agency)
    saved = found.analyses(agency) or {}
    results = [AnalysisResult.model_validate(r) for r in saved.get("results", [])]
    failures = [AnalysisFailure.model_validate(f) for f in saved.get("failures", [])]
    return saved, results, failures


@router.get(
    "/agencies/{agency}/analyses",
    response_model=Analyses,
    responses=ERRORS(404),
    summary="Saved analysis results of an agency",
)
def analyses(request: Request, agency: AgencySlug) -> Response:
    """The results of the agency's last saved analysis suite (empty when none was saved).

    Each result carries its method, estimates with intervals and record counts, the filters
    applied, caveats and provenance (the batches or release it was computed from).
    """
    found = portal(request)
    saved, results, failures = _saved(found, agency)
    model = Analyses(
        agency=agency,
        generated_at=saved.get("generated_at"),
        latest_release=link(found.latest(agency)),
        results=results,
        failures=failures,
    )
    return send(request, model, max_age=60)


@router.get(
    "/agencies/{agency}/analyses/{method}",
    response_model=MethodAnalyses,
    responses=ERRORS(404),
    summary="Saved results of one analysis method",
)
def method_analyses(
    request: Request,
    agency: AgencySlug,
    method: Annotated[str, Path(description="Method id, e.g. veil-of-darkness.", max_length=80)],
) -> Response:
    """The agency's saved results (or the reason it failed) of one method."""
    found = portal(request)
    saved, results, failures = _saved(found, agency)
    mine = [r for r in results if r.method == method]
    failed = [f for f in failures if f.method == method]
    if not mine and not failed:
        raise NotFoundError(f"no saved result of method {method[:80]!r} for agency {agency!r}")
    model = MethodAnalyses(
        agency=agency,
        method=method,
        generated_at=saved.get("generated_at"),
        latest_release=link(found.latest(agency)),
        results=mine,
        failures=failed,
    )
    return send(request, model, max_age=60)


@router.get(
    "/releases",
    response_model=ReleaseList,
    responses=ERRORS(404),
    summary="Published releases",
)
def releases(
    request: Request,
    agency: Annotated[
        str | None, Query(description="Only this agency's releases.", max_length=80)
    ] = None,
) -> Response:
    """Published releases, newest first; of one agency when ``agency`` is given."""
    found = portal(request)
    if agency is not None:
        found.agency(agency)
    items = [_summary(r) for r in found.releases(agency)]
    return send(request, ReleaseList(releases=items), max_age=60)


@router.get(
    "/releases/{release}",
    response_model=ReleaseDetail,
    responses=ERRORS(404),
    summary="A release, its manifest and its files",
)
def release(request: Request, release: ReleaseId) -> Response:
    """The release, its manifest (SHA-256 of every file) and the URL of each file."""
    found = portal(request)
    record = found.release(release)
    manifest = found.manifest(record)
    base = release_url(record)
    files = [
        FileEntry(
            path=path,
            bytes=int(entry.get("bytes", 0)),
            sha256=str(entry.get("sha256", "")),
            url=f"{base}/files/{path}",
        )
        for path, entry in sorted(manifest.get("files", {}).items())
    ]
    summary = _summary(record).model_dump()
    return send(request, ReleaseDetail(**summary, manifest=manifest, files=files))


@router.get(
    "/releases/{release}/files/{path:path}",
    response_class=Response,
    responses={
        200: {
            "description": "The file, byte for byte as published (its SHA-256 is in the manifest).",
            "content": {media.split(";")[0]: {} for media in _MEDIA.values()},
        },
        **ERRORS(404),
    },
    summary="A file of a release",
)
def release_file(
    request: Request,
    release: ReleaseId,
    path: Annotated[str, Path(description="Path inside the release, e.g. data/stops.csv.")],
) -> Response:
    """A file the release published (listed in its manifest, or the manifest itself)."""
    found = portal(request)
    record = found.release(release)
    listed = found.manifest(record).get("files", {})
    if path != "manifest.json" and path not in listed:
        raise NotFoundError(f"release {record.short_id} has no file {path[:120]!r}")
    target = found.folder(record) / path
    suffix = target.suffix.lower()
    media = _MEDIA.get(suffix) or mimetypes.guess_type(target.name)[0] or "text/plain"
    headers = {"Cache-Control": _FILE_CACHE}
    if suffix != ".json":
        headers["Content-Disposition"] = f'attachment; filename="{target.name}"'
    return FileResponse(target, media_type=media, headers=headers)
