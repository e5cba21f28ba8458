"""The agency page ``/agencies/{slug}``: its datasets, what its data leave out, key findings.

Everything is read from the agency's latest release (manifest and completeness files) and its
saved analyses: each dataset with its rows, date range and explorer link; the fields of the
standard's toolkit the agency never provides; months with suspiciously few records; one or two
plain-language findings per analysis, linked to the analysis page; the latest release and its
main downloads; and the agency's earlier releases.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import polars as pl

from openblotter.web.pages.published import datasets, file_ref, never_provided, release_ref
from openblotter.web.pages.results import (
    findings_language,
    headline_findings,
    method_entry,
    saved_outcomes,
)
from openblotter.web.twins import add_page

if TYPE_CHECKING:
    from fastapi import FastAPI
    from starlette.requests import Request

    from openblotter.publish.registry import ReleaseRecord
    from openblotter.web.i18n import Language
    from openblotter.web.portal import Portal

__all__ = ["agency_page", "register"]

_FINDINGS_PER_METHOD = 2


def _is_web(url: str | None) -> bool:
    """Whether ``url`` is an http(s) address (anything else is not linked)."""
    return bool(url) and str(url).lower().startswith(("https://", "http://"))


def _flagged_months(portal: Portal, release: ReleaseRecord) -> dict[str, list[str]]:
    relative = "completeness/months.csv"
    if relative not in portal.manifest(release).get("files", {}):
        return {}
    table = portal.table(release, relative)
    if "flag" not in table.columns:
        return {}
    flagged = table.filter(pl.col("flag").is_not_null() & (pl.col("flag").cast(pl.String) != ""))
    out: dict[str, list[str]] = {}
    for row in flagged.iter_rows(named=True):
        out.setdefault(str(row["dataset"]), []).append(str(row["month"])[:7])
    return out


def _downloads(portal: Portal, release: ReleaseRecord, names: list[str]) -> list[dict[str, Any]]:
    files = portal.manifest(release).get("files", {})
    out = []
    for name in names:
        for fmt in ("csv", "xlsx", "parquet"):
            relative = f"data/{name}.{fmt}"
            if relative in files:
                out.append({**file_ref(portal, release, relative), "dataset": name, "format": fmt})
    return out


def _findings(portal: Portal, slug: str, lang: Language) -> dict[str, Any]:
    saved, outcomes = saved_outcomes(portal, slug)
    items = []
    for method, outcome in outcomes.items():
        entry = method_entry(lang, method, slug)
        if "result" in outcome:
            entry["findings"] = headline_findings(
                outcome["result"], lang, limit=_FINDINGS_PER_METHOD
            )
            entry["findings_language"] = findings_language(
                outcome["result"], entry["findings"], lang
            )
            entry["failure"] = None
        else:
            entry["findings"] = []
            entry["findings_language"] = lang.code
            entry["failure"] = str(outcome["failure"].get("failure", ""))
        items.append(entry)
    return {
        "generated_at": saved.get("generated_at") if saved else None,
        "methods": items,
        "language": lang.code,
        "url": f"{lang.prefix}/agencies/{slug}/analyses",
    }


def agency_page(_request: Request, portal: Portal, lang: Language, slug: str) -> dict[str, Any]:
    """The agency's datasets, completeness highlights, key findings and releases."""
    agency = portal.agency(slug)
    release = portal.latest(slug)
    flagged = _flagged_months(portal, release)
    shown = []
    for summary in datasets(portal, release):
        missing = never_provided(portal, release, summary.name)
        shown.append(
            {
                **summary.to_dict(),
                "title": lang.gettext(summary.title),
                "url": f"{lang.prefix}/agencies/{slug}/{summary.name}",
                "never_provided": missing,
                "toolkit_missing": [m for m in missing if m["toolkit"]],
                "months_flagged": flagged.get(summary.name, []),
            }
        )
    return {
        "title": agency.name,
        "agency": {
            "slug": agency.slug,
            "name": agency.name,
            "state": agency.state,
            "type": agency.agency_type,
            "website": agency.website if _is_web(agency.website) else None,
        },
        "release": {
            **release_ref(release, lang),
            "rows": sum(d["rows"] for d in shown),
            "downloads": _downloads(portal, release, [d["name"] for d in shown]),
            "datapackage": file_ref(portal, release, "datapackage.json"),
        },
        "datasets": shown,
        "findings": _findings(portal, slug, lang),
        "releases": [release_ref(r, lang) | {"reason": r.reason} for r in portal.releases(slug)],
    }


def register(app: FastAPI) -> None:
    """Add the agency page."""
    add_page(app, "/agencies/{slug:name}", "agency.html", agency_page, name="agency")
