"""Programmatic ingest: ``POST /staff/api/agencies/{slug}/ingest`` with an API token.

For an agency's own systems (a nightly export job): ``Authorization: Bearer <token>`` (issued by
``blotter user token``: hashed at rest, one agency and role, expiring) and a multipart body with
``mapping`` and ``file``. Cookies are ignored here — only the token authenticates — so a browser
session cannot be ridden into this route and it needs no CSRF token. The answer is the batch's
JSON summary (the same as ``blotter ingest --json``); the batch and its audit entry commit
together, exactly as on the upload page.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from starlette.responses import JSONResponse

from openblotter.accounts import authenticate, decide
from openblotter.audit import AuditEvent, record
from openblotter.errors import AuthenticationError, BlotterError, PermissionDeniedError
from openblotter.ingest.agencies import AgencyFolder
from openblotter.web.staff.context import client_of
from openblotter.web.staff.guard import staff_of
from openblotter.web.staff.ingesting import run_upload
from openblotter.web.staff.rendering import NO_STORE, staff_route
from openblotter.web.staff.uploads import UploadRefusedError, save_upload

if TYPE_CHECKING:
    from fastapi import FastAPI
    from starlette.requests import Request
    from starlette.responses import Response

__all__ = ["register"]


async def token_ingest(request: Request) -> Response:
    """Authenticate the bearer token, check its scope, ingest the file, answer its summary."""
    staff = staff_of(request)
    slug = request.path_params["slug"]
    client = client_of(request)
    scheme, _, raw = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        raise AuthenticationError("send an API token: Authorization: Bearer <token>")
    principal = authenticate(staff.store, raw.strip(), clock=staff.clock, client=client)
    decision = decide(principal, "ingest.upload", agency=slug)
    event = AuditEvent(
        actor=principal.actor,
        role=principal.role,
        action="ingest.upload",
        object=f"agency:{slug}",
        outcome="denied",
        reason=decision.reason,
        client=client,
    )
    if not decision.allowed:
        record(staff.store, event, clock=staff.clock)
        raise PermissionDeniedError(f"not allowed: {decision.reason}")
    folder = AgencyFolder.find(staff.agencies_dir, slug)
    form = await request.form(max_files=1, max_fields=10)
    try:
        chosen = str(form.get("mapping", ""))
        mappings = {m.name: m for d in staff.standard.datasets for m in folder.mappings(d)}
        upload = form.get("file")
        if chosen not in mappings or upload is None or isinstance(upload, str):
            known = ", ".join(sorted(mappings)) or "none"
            raise BlotterError(f"send 'mapping' (one of: {known}) and 'file'")
        try:
            path, label = save_upload(upload, staff.uploads_dir / slug)
        except UploadRefusedError as exc:
            record(
                staff.store, replace(event, outcome="failed", reason=str(exc)), clock=staff.clock
            )
            raise
    finally:
        await form.close()
    result = await run_upload(request, principal, path, label, mappings[chosen], folder)
    status = 200 if result.status == "duplicate" else 201
    return JSONResponse(result.summary(), status_code=status, headers=NO_STORE)


def register(app: FastAPI) -> None:
    """Add the token ingest route."""
    staff_route(
        app, "POST", "/staff/api/agencies/{slug:name}/ingest", "ingest.upload", token_ingest
    )
