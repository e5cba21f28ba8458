"""Analysis pages: ``/agencies/{slug}/analyses`` (every method) and ``…/analyses/{method}`` (one).

The index lists each method of the suite with its headline finding, the reason it could not run,
or that it was not run for this agency. A method's page shows its result as saved: the findings
in plain language, a chart and a table per quantity (estimates with their intervals and the
records behind them), the filters applied, the caveats, the diagnostics, when and from which
ingest batches it was computed and the release built from the same batches — and a link to the
method's page, which says how the numbers are computed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from openblotter.analysis.suite import METHODS
from openblotter.errors import NotFoundError
from openblotter.web.pages.published import release_ref
from openblotter.web.pages.results import (
    as_result,
    estimate_rows,
    findings_language,
    headline_findings,
    method_entry,
    saved_outcomes,
    source_release,
)
from openblotter.web.twins import add_page

if TYPE_CHECKING:
    from fastapi import FastAPI
    from starlette.requests import Request

    from openblotter.web.i18n import Language
    from openblotter.web.portal import Portal

__all__ = ["analyses_page", "analysis_page", "register"]


def _agency(portal: Portal, lang: Language, slug: str) -> dict[str, Any]:
    agency = portal.agency(slug)
    return {"slug": slug, "name": agency.name, "url": f"{lang.prefix}/agencies/{slug}"}


def analyses_page(_request: Request, portal: Portal, lang: Language, slug: str) -> dict[str, Any]:
    """Every method of the suite and what became of it for this agency."""
    agency = _agency(portal, lang, slug)
    saved, outcomes = saved_outcomes(portal, slug)
    methods = []
    for method in [*METHODS, *(m for m in outcomes if m not in METHODS)]:
        entry = method_entry(lang, method, slug)
        outcome = outcomes.get(method)
        if outcome is None:
            entry |= {"status": "not-run", "findings": [], "failure": None}
        elif "result" in outcome:
            found = headline_findings(outcome["result"], lang, limit=1)
            entry |= {
                "status": "ok",
                "findings": found,
                "findings_language": findings_language(outcome["result"], found, lang),
                "failure": None,
                "estimates": len(outcome["result"].get("estimates", [])),
            }
        else:
            entry |= {
                "status": "failed",
                "findings": [],
                "failure": str(outcome["failure"].get("failure", "")),
            }
        methods.append(entry)
    return {
        "title": lang.gettext("Analyses of %(agency)s") % {"agency": agency["name"]},
        "agency": agency,
        "generated_at": saved.get("generated_at") if saved else None,
        "min_cell": saved.get("min_cell") if saved else None,
        "methods": methods,
        "findings_language": lang.code,
    }


def analysis_page(
    _request: Request, portal: Portal, lang: Language, slug: str, method: str
) -> dict[str, Any]:
    """One method's saved result (or why there is none), with everything behind it."""
    agency = _agency(portal, lang, slug)
    saved, outcomes = saved_outcomes(portal, slug)
    if method not in METHODS and method not in outcomes:
        raise NotFoundError(f"no analysis method {method!r}")
    entry = method_entry(lang, method, slug)
    outcome = outcomes.get(method, {})
    model: dict[str, Any] = {
        "title": f"{entry['title']} \u2014 {agency['name']}",
        "agency": agency,
        "method": entry,
        "generated_at": saved.get("generated_at") if saved else None,
        "min_cell": saved.get("min_cell") if saved else None,
        "findings_language": lang.code,
        "status": "not-run",
        "failure": None,
        "result": None,
    }
    if "failure" in outcome:
        model |= {"status": "failed", "failure": str(outcome["failure"].get("failure", ""))}
    elif "result" in outcome:
        raw = outcome["result"]
        result = as_result(raw)
        release = source_release(portal, slug, raw)
        found = headline_findings(raw, lang, limit=8)
        model |= {
            "status": "ok",
            "findings_language": findings_language(raw, found, lang),
            "result": {
                "summary": result.summary,
                "findings": found,
                "estimates": estimate_rows(lang, raw),
                "estimate_count": len(result.estimates),
                "label_names": sorted(
                    {k for e in raw.get("estimates", []) for k in e.get("labels", {})}
                ),
                "filters": list(result.filters),
                "caveats": list(result.caveats),
                "diagnostics": dict(result.diagnostics.items()),
                "provenance": dict(result.provenance),
                "release": release_ref(release, lang) if release else None,
            },
        }
    return model


def register(app: FastAPI) -> None:
    """Add the analysis index and the page of each method."""
    add_page(app, "/agencies/{slug:name}/analyses", "analyses.html", analyses_page, name="analyses")
    add_page(
        app,
        "/agencies/{slug:name}/analyses/{method:name}",
        "analysis.html",
        analysis_page,
        name="analysis",
    )
