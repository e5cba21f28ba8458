"""Downloads: the release page ``/releases/{id}`` and its files ``/releases/{id}/files/{path}``.

The page lists every file the release's manifest names, with its size and SHA-256, the data
package, the changelog and the corrections' ``changes/`` files, the suppression applied, and how
to check that a download is the file the agency published. Files are served only when the
manifest lists them (plus ``manifest.json`` itself), from inside the release folder, as
attachments that never change (``Cache-Control: immutable``, the SHA-256 as ``ETag``); any other
path, including one that tries to climb out of the folder, is a 404.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from starlette.responses import FileResponse, Response

from openblotter.errors import NotFoundError
from openblotter.web.pages.methods import render_markdown
from openblotter.web.pages.published import file_ref, release_ref, schema_of
from openblotter.web.twins import add_page

if TYPE_CHECKING:
    from fastapi import FastAPI
    from starlette.requests import Request

    from openblotter.publish.registry import ReleaseRecord
    from openblotter.web.i18n import Language
    from openblotter.web.portal import Portal

__all__ = ["MEDIA_TYPES", "register", "release_file", "release_page"]

MEDIA_TYPES = {
    ".csv": "text/csv; charset=utf-8",
    ".ndjson": "application/x-ndjson",
    ".parquet": "application/vnd.apache.parquet",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".json": "application/json",
    ".md": "text/markdown; charset=utf-8",
    ".html": "text/html; charset=utf-8",
}
_KINDS = ("data", "aggregates", "completeness", "changes")
_CHANGELOG = "CHANGELOG.md"


def _kind(path: str) -> str:
    head = path.split("/", 1)[0]
    return head if head in _KINDS and "/" in path else "metadata"


def _files(portal: Portal, release: ReleaseRecord, lang: Language) -> list[dict[str, Any]]:
    out = []
    for path in sorted(portal.manifest(release).get("files", {})):
        ref = file_ref(portal, release, path)
        name = PurePosixPath(path)
        schema = schema_of(name.stem) if _kind(path) != "metadata" else None
        out.append(
            {
                **ref,
                "kind": _kind(path),
                "dataset": name.stem if _kind(path) != "metadata" else None,
                "dataset_title": lang.gettext(schema.title) if schema else None,
                "format": name.suffix.lstrip("."),
            }
        )
    return out


def release_page(_request: Request, portal: Portal, lang: Language, release: str) -> dict[str, Any]:
    """A release's files, checksums, changelog, corrections and how to verify them."""
    record = portal.release(release)
    agency = portal.agency(record.agency_slug)
    manifest = portal.manifest(record)
    files = _files(portal, record, lang)
    folder = portal.folder(record)
    changelog = ""
    if _CHANGELOG in manifest.get("files", {}):
        changelog = (folder / _CHANGELOG).read_text(encoding="utf-8")
    entry = manifest.get("changelog", {})
    supersedes = None
    if record.supersedes:
        try:
            supersedes = release_ref(portal.release(record.supersedes), lang)
        except NotFoundError:
            supersedes = {"id": record.supersedes, "short_id": record.supersedes[:16], "url": None}
    policy = manifest.get("policy", {})
    return {
        "title": lang.gettext("Release %(id)s") % {"id": record.short_id},
        "agency": {
            "slug": agency.slug,
            "name": agency.name,
            "url": f"{lang.prefix}/agencies/{agency.slug}",
        },
        "release": {**release_ref(record, lang), "reason": record.reason},
        "supersedes": supersedes,
        "standard": manifest.get("standard"),
        "rows": manifest.get("rows", {}),
        "files": files,
        "kinds": [k for k in (*_KINDS, "metadata") if any(f["kind"] == k for f in files)],
        "manifest": {
            "path": "manifest.json",
            "url": f"/releases/{record.short_id}/files/manifest.json",
            "sha256": record.release_id,
        },
        "datapackage": next((f for f in files if f["path"] == "datapackage.json"), None),
        "changelog": {
            "entry": entry,
            "text": changelog,
            "html": render_markdown(changelog, prefix=lang.prefix, shift=2) if changelog else "",
        },
        "changes": [f for f in files if f["kind"] == "changes"],
        "suppression": manifest.get("suppression", {}),
        "policy": {
            "min_cell": policy.get("min_cell"),
            "lag_days": policy.get("lag_days"),
            "licence": policy.get("licence"),
            "coordinates": policy.get("coordinates"),
            "coordinate_decimals": policy.get("coordinate_decimals"),
            "age": policy.get("age"),
            "time": policy.get("time"),
        },
        "leak_scan": manifest.get("leak_scan", {}),
        "batches": manifest.get("store_state", {}).get("batches", []),
        "checksums": "".join(f"{f['sha256']}  {f['path']}\n" for f in files),
    }


async def release_file(request: Request) -> Response:
    """One file the release's manifest lists, as an attachment; anything else is a 404."""
    portal: Portal = request.app.state.portal
    record = portal.release(str(request.path_params["release"]))
    relative = str(request.path_params["path"])
    listed = portal.manifest(record).get("files", {})
    if relative != "manifest.json" and relative not in listed:
        raise NotFoundError(f"release {record.short_id} has no file {relative[:80]!r}")
    folder = portal.folder(record).resolve()
    path = (folder / relative).resolve()
    if not path.is_relative_to(folder) or not path.is_file():
        raise NotFoundError(f"release {record.short_id} has no file {relative[:80]!r}")
    digest = record.release_id if relative == "manifest.json" else str(listed[relative]["sha256"])
    tag = f'"{digest}"'
    headers = {
        "ETag": tag,
        "Cache-Control": "public, max-age=31536000, immutable",
        "X-Content-SHA256": digest,
    }
    if request.headers.get("if-none-match") == tag:
        return Response(status_code=304, headers=headers)
    return FileResponse(
        path,
        media_type=MEDIA_TYPES.get(path.suffix, "application/octet-stream"),
        filename=path.name,
        content_disposition_type="attachment",
        headers=headers,
    )


def register(app: FastAPI) -> None:
    """Add the release page and the route that serves its files."""
    app.add_route(
        "/releases/{release:name}/files/{path:path}",
        release_file,
        methods=["GET", "HEAD"],
        name="release-file",
        include_in_schema=False,
    )
    add_page(app, "/releases/{release:name}", "release.html", release_page, name="release")
