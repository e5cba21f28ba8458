"""Staff ingest: the dashboard, upload a file for a chosen mapping, read its validation report.

The upload runs the same all-or-nothing ingest as ``blotter ingest``; its audit entry is written
inside the batch's final transaction, so a batch without an entry cannot exist. The report
shows the batch's counts, its issues by code and the quarantined rows with their raw values —
restricted data: each view is an audit entry, and the page is never cached.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool

from openblotter.audit import AuditEvent, append, record
from openblotter.errors import BlotterError, NotFoundError
from openblotter.ingest.agencies import AgencyFolder
from openblotter.ingest.pipeline import ingest_file
from openblotter.web.staff.context import client_of
from openblotter.web.staff.guard import authorize, checked_form, refuse, staff_of, visitor
from openblotter.web.staff.rendering import redirect, render, staff_route
from openblotter.web.staff.uploads import UploadRefusedError, save_upload

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from fastapi import FastAPI
    from starlette.requests import Request
    from starlette.responses import Response

    from openblotter.accounts import Principal
    from openblotter.ingest.mapping import Mapping
    from openblotter.ingest.pipeline import IngestResult
    from openblotter.storage import Transaction
    from openblotter.web.staff.context import Staff

__all__ = ["register", "run_upload"]

_QUARANTINE_ROWS = 200


async def dashboard(request: Request) -> Response:
    """Who is signed in, in which roles, and what they can do next."""
    staff = staff_of(request)
    authorize(request, "staff.home")
    who = visitor(request)
    agencies = sorted({agency for _, agency in who.grants if agency})
    if any(role in ("admin", "auditor") for role, _ in who.grants):
        agencies = sorted(p.parent.name for p in staff.agencies_dir.glob("*/agency.yaml"))
    page = {
        "title": "Staff",
        "grants": [{"role": r, "agency": a or "all agencies"} for r, a in who.grants],
        "agencies": agencies,
    }
    return render(request, "home.html", page)


def _mappings(staff: Staff, slug: str) -> list[dict[str, str]]:
    folder = AgencyFolder.find(staff.agencies_dir, slug)
    found = []
    for dataset in staff.standard.datasets:
        for mapping in folder.mappings(dataset):
            found.append({"name": mapping.name, "dataset": dataset})
    return found


async def upload_form(request: Request) -> Response:
    """Choose a mapping and a file."""
    staff = staff_of(request)
    slug = request.path_params["slug"]
    authorize(request, "ingest.upload", agency=slug, target=f"agency:{slug}")
    page = {
        "title": f"Upload a file for {slug}",
        "agency": slug,
        "mappings": _mappings(staff, slug),
        "limit": staff.upload_max_bytes,
        "error": None,
    }
    return render(request, "upload.html", page)


async def upload_submit(request: Request) -> Response:
    """Save the file, ingest it with the chosen mapping, show its report."""
    staff = staff_of(request)
    slug = request.path_params["slug"]
    principal = authorize(request, "ingest.upload", agency=slug, target=f"agency:{slug}")
    form = await checked_form(request)
    try:
        chosen = str(form.get("mapping", ""))
        folder = AgencyFolder.find(staff.agencies_dir, slug)
        mappings = {m.name: m for d in staff.standard.datasets for m in folder.mappings(d)}
        upload = form.get("file")
        if chosen not in mappings or upload is None or isinstance(upload, str):
            raise BlotterError("choose one of the agency's mappings and a file")
        try:
            path, label = save_upload(upload, staff.uploads_dir / slug)
        except UploadRefusedError as exc:
            refuse(request, str(exc), outcome="failed")
    finally:
        await form.close()
    result = await run_upload(request, principal, path, label, mappings[chosen], folder)
    if result.status == "duplicate":
        return redirect(f"/staff/batches/{result.duplicate_of}?duplicate=1")
    return redirect(f"/staff/batches/{result.batch_id}")


async def run_upload(
    request: Request,
    principal: Principal,
    path: Path,
    label: str,
    mapping: Mapping,
    folder: AgencyFolder,
) -> IngestResult:
    """Ingest the saved file as one batch whose audit entry commits with it, then delete it.

    The store keeps the batch; the raw upload is not kept beside it. A refused or failed load
    is recorded too, as ``failed``.
    """
    try:
        return await _ingest(request, principal, path, label, mapping, folder)
    finally:
        path.unlink(missing_ok=True)


async def _ingest(
    request: Request,
    principal: Principal,
    path: Path,
    label: str,
    mapping: Mapping,
    folder: AgencyFolder,
) -> IngestResult:
    staff = staff_of(request)
    slug = folder.slug
    client = client_of(request)

    def audit(tx: Transaction, result: IngestResult) -> None:
        event = _event(
            principal,
            "ingest.upload",
            f"batch:{result.batch_id}",
            client,
            f"{label}: {result.status}, {result.rows_loaded} loaded, "
            f"{result.rows_quarantined} quarantined",
        )
        append(tx, event, clock=staff.clock)

    try:
        result = await _run_ingest(staff, path, mapping, folder, audit)
    except BlotterError as exc:  # nothing was loaded: the attempt is still on record
        failed = _event(principal, "ingest.upload", f"agency:{slug}", client, f"{label}: {exc}")
        record(staff.store, replace(failed, outcome="failed"), clock=staff.clock)
        raise
    if result.status == "duplicate":
        note = f"{label}: the same file was loaded before"
        event = _event(principal, "ingest.upload", f"batch:{result.duplicate_of}", client, note)
        record(staff.store, event, clock=staff.clock)
    return result


async def _run_ingest(
    staff: Staff,
    path: Path,
    mapping: Mapping,
    folder: AgencyFolder,
    audit: Callable[[Transaction, IngestResult], None],
) -> IngestResult:
    return await run_in_threadpool(
        lambda: ingest_file(
            staff.store,
            staff.standard,
            path,
            mapping=mapping,
            agency_slug=folder.slug,
            agency=folder.config(),
            clock=staff.clock,
            before_commit=audit,
        )
    )


def _event(
    principal: Principal,
    action: str,
    target: str,
    client: str,
    reason: str = "",
) -> AuditEvent:
    return AuditEvent(
        actor=principal.actor,
        role=principal.role,
        action=action,
        object=target,
        outcome="succeeded",
        reason=reason,
        client=client,
    )


async def batch_report(request: Request) -> Response:
    """A batch's counts, issues and quarantined rows (restricted; the view is audited)."""
    staff = staff_of(request)
    raw_id = request.path_params["batch"]
    found = staff.store.query("SELECT agency_slug FROM batches WHERE batch_id = ?", [raw_id]).rows
    if not found:
        raise NotFoundError(f"no batch {raw_id}")
    slug = str(found[0][0])
    principal = authorize(request, "ingest.view", agency=slug, target=f"batch:{raw_id}")
    page = _report(staff, int(raw_id))
    page["duplicate"] = request.query_params.get("duplicate") == "1"
    record(
        staff.store,
        _event(
            principal,
            "ingest.view",
            f"batch:{raw_id}",
            client_of(request),
            "validation report and quarantined rows",
        ),
        clock=staff.clock,
    )
    return render(request, "batch.html", page)


def _report(staff: Staff, batch_id: int) -> dict[str, Any]:
    store = staff.store
    batch = store.query(
        "SELECT batch_id, agency_slug, mapping, file_name, status, received_at, rows_read,"
        " rows_loaded, rows_quarantined, rows_junk, summary FROM batches WHERE batch_id = ?",
        [batch_id],
    ).as_dicts()[0]
    summary = json.loads(batch.pop("summary") or "{}")
    issues = store.query(
        "SELECT code, severity, count(*) AS issues, count(DISTINCT source_row) AS rows"
        " FROM batch_issues WHERE batch_id = ? GROUP BY code, severity"
        " ORDER BY issues DESC, code",
        [batch_id],
    ).as_dicts()
    rows = store.query(
        "SELECT i.source_row, i.dataset, i.field, i.code, i.message, q.raw"
        " FROM batch_issues AS i LEFT JOIN quarantine_rows AS q"
        " ON q.batch_id = i.batch_id AND q.source_row = i.source_row"
        " WHERE i.batch_id = ? AND i.quarantined ORDER BY i.source_row, i.field LIMIT ?",
        [batch_id, _QUARANTINE_ROWS],
    ).as_dicts()
    return {
        "title": f"Batch {batch_id}",
        "batch": batch,
        "junk": summary.get("junk", {}) if isinstance(summary, dict) else {},
        "issues": issues,
        "rows": rows,
        "shown": _QUARANTINE_ROWS,
    }


def register(app: FastAPI) -> None:
    """Add the dashboard, upload and batch report routes."""
    staff_route(app, "GET", "/staff", "staff.home", dashboard)
    staff_route(app, "GET", "/staff/agencies/{slug:name}/upload", "ingest.upload", upload_form)
    staff_route(app, "POST", "/staff/agencies/{slug:name}/upload", "ingest.upload", upload_submit)
    staff_route(app, "GET", "/staff/batches/{batch:int}", "ingest.view", batch_report)
