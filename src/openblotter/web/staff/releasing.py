"""Staff releases: build a release (it waits as ``pending``), and a second person approves it.

Building runs the same de-identification, leak scan and registry as ``blotter release create``,
but registers the release as pending with the requester named; the portal does not show it.
Another staff member of the agency approves (it becomes public) or rejects it with a reason.
Each step's audit entry commits in the same transaction as the step itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.concurrency import run_in_threadpool

from openblotter.audit import AuditEvent, append, record
from openblotter.errors import BlotterError
from openblotter.ingest.agencies import AgencyFolder
from openblotter.privacy.policy import PublicationPolicy
from openblotter.publish.approval import approval_of, pending_approvals, request_approval, settle
from openblotter.publish.release import create_release
from openblotter.web.staff.context import client_of
from openblotter.web.staff.guard import authorize, checked_form, staff_of, visitor
from openblotter.web.staff.rendering import redirect, render, staff_route

if TYPE_CHECKING:
    from fastapi import FastAPI
    from starlette.requests import Request
    from starlette.responses import Response

    from openblotter.publish.registry import ReleaseRecord
    from openblotter.storage import Transaction

__all__ = ["register"]


async def build(request: Request) -> Response:
    """Build a release of the agency's data and ask for its publication."""
    staff = staff_of(request)
    slug = request.path_params["slug"]
    principal = authorize(request, "release.build", agency=slug, target=f"agency:{slug}")
    form = await checked_form(request)
    reason = str(form.get("reason", ""))[:500]
    config = AgencyFolder.find(staff.agencies_dir, slug).config()
    policy = PublicationPolicy.parse(config.publication, where=f"{slug}/agency.yaml publication")
    client = client_of(request)

    def event(release: ReleaseRecord, why: str) -> AuditEvent:
        return AuditEvent(
            actor=principal.actor,
            role=principal.role,
            action="release.build",
            object=f"release:{release.release_id}",
            outcome="succeeded",
            reason=why,
            client=client,
        )

    def audit(tx: Transaction, release: ReleaseRecord) -> None:
        request_approval(
            tx, release.release_id, requested_by=principal.actor, clock=staff.clock, reason=reason
        )
        append(tx, event(release, reason), clock=staff.clock)

    made = await run_in_threadpool(
        lambda: create_release(
            staff.store,
            staff.standard,
            agency_slug=slug,
            agency_name=config.name,
            policy=policy,
            releases_dir=staff.data_dir / "releases",
            clock=staff.clock,
            reason=reason,
            sources=config.sources,
            status="pending",
            before_commit=audit,
        )
    )
    if made.unchanged:  # nothing new to approve; the attempt is on record all the same
        why = f"unchanged: the data are those of release {made.short_id} ({made.status})"
        record(staff.store, event(made, why), clock=staff.clock)
        return redirect(f"/staff/releases?unchanged={made.short_id}")
    return redirect("/staff/releases")


def _agencies(request: Request) -> list[str] | None:
    grants = visitor(request).grants
    if any(role in ("admin", "auditor") for role, _ in grants):
        return None
    return sorted({agency for _, agency in grants if agency})


async def pending(request: Request) -> Response:
    """Releases waiting for a decision, with approve and reject forms."""
    staff = staff_of(request)
    agencies = _agencies(request)
    authorize(request, "release.list_pending", agency=agencies[0] if agencies else None)
    waiting = pending_approvals(staff.store, agencies)
    unchanged = request.query_params.get("unchanged", "")[:16]
    page = {
        "title": "Releases awaiting approval",
        "unchanged": unchanged if unchanged.isalnum() else "",
        "releases": [
            {
                "id": a.release_id,
                "short": a.release_id[:16],
                "agency": a.agency_slug,
                "version": a.version,
                "requested_by": a.requested_by,
                "requested_at": f"{a.requested_at:%Y-%m-%d %H:%M} UTC",
                "reason": a.reason,
            }
            for a in waiting
        ],
    }
    return render(request, "releases.html", page)


async def decide(request: Request) -> Response:
    """Approve or reject one pending release (never one's own)."""
    staff = staff_of(request)
    release_id = request.path_params["release"]
    decision = request.path_params["decision"]
    if decision not in ("approve", "reject"):
        raise BlotterError("decide with approve or reject")
    approval = approval_of(staff.store, release_id)
    action = f"release.{decision}"
    principal = authorize(
        request,
        action,
        agency=approval.agency_slug,
        state=approval.state,
        target=f"release:{approval.release_id}",
    )
    form = await checked_form(request)
    reason = str(form.get("reason", ""))[:500]
    with staff.store.transaction() as tx:
        settle(
            tx,
            approval.release_id,
            decision="approved" if decision == "approve" else "rejected",
            by=principal.actor,
            clock=staff.clock,
            reason=reason,
        )
        append(
            tx,
            AuditEvent(
                actor=principal.actor,
                role=principal.role,
                action=action,
                object=f"release:{approval.release_id}",
                outcome="succeeded",
                reason=reason,
                client=client_of(request),
            ),
            clock=staff.clock,
        )
    request.app.state.portal.invalidate()
    return redirect("/staff/releases")


def register(app: FastAPI) -> None:
    """Add the release routes."""
    staff_route(app, "POST", "/staff/agencies/{slug:name}/releases", "release.build", build)
    staff_route(app, "GET", "/staff/releases", "release.list_pending", pending)
    staff_route(
        app,
        "POST",
        "/staff/releases/{release:name}/{decision:name}",
        "release.approve|release.reject",
        decide,
    )
