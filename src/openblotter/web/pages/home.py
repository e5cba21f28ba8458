"""The home page: the agencies with published data, the latest releases, what is new."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from openblotter.web.twins import add_page

if TYPE_CHECKING:
    from fastapi import FastAPI
    from starlette.requests import Request

    from openblotter.web.i18n import Language
    from openblotter.web.portal import Portal

__all__ = ["home", "register"]

_LATEST = 10


def home(_request: Request, portal: Portal, lang: Language) -> dict[str, Any]:
    """Agencies (name, state, latest release) and the newest releases across agencies."""
    agencies = []
    for agency in portal.agencies():
        latest = portal.latest(agency.slug)
        agencies.append(
            {
                "slug": agency.slug,
                "name": agency.name,
                "state": agency.state,
                "url": f"{lang.prefix}/agencies/{agency.slug}",
                "latest_release": latest.short_id,
                "released": latest.created_at.date().isoformat(),
                "datasets": sorted(latest.summary.get("rows", {})),
            }
        )
    releases = [
        {
            "release": r.short_id,
            "agency": r.agency_slug,
            "version": r.version,
            "kind": r.kind,
            "reason": r.reason,
            "released": r.created_at.date().isoformat(),
            "url": f"{lang.prefix}/releases/{r.short_id}",
        }
        for r in portal.releases()[:_LATEST]
    ]
    head = portal.audit_head()
    audit = None
    if head is not None:
        audit = {
            "size": head.size,
            "root": head.root,
            "recorded": head.recorded_at.date().isoformat() if head.recorded_at else None,
            "url": "/api/v1/audit/head",
        }
    return {
        "title": lang.gettext("Police data, published openly"),
        "agencies": agencies,
        "releases": releases,
        "audit": audit,
    }


def register(app: FastAPI) -> None:
    """Add the home page."""
    add_page(app, "/", "home.html", home, name="home")
