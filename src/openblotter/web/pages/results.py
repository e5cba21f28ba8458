"""Saved analysis results as the pages show them: findings, estimates and where they came from.

The portal shows the analyses saved for an agency (``<data_dir>/analyses/<agency>.json``, written
by ``blotter analyze suite --save`` with small counts already withheld). A saved result is turned
back into a :class:`~openblotter.analysis.result.Result` so the report's plain-language
:func:`~openblotter.report.findings.findings` and accessible charts can be reused, written in the
page's language (only a result's own summary, used when the report has no sentence for it, stays
in English: :func:`findings_language` says which); the estimates
also become plain rows for the page's tables and its JSON twin. An estimate withheld for resting
on fewer than ``min_cell`` records keeps its labels and says "withheld", never a number.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from openblotter.analysis.result import Estimate, Result
from openblotter.analysis.suite import METHODS
from openblotter.report.findings import findings
from openblotter.report.i18n import Numbers
from openblotter.web.pages import words
from openblotter.web.pages.methods import method_ids

if TYPE_CHECKING:
    from openblotter.publish.registry import ReleaseRecord
    from openblotter.web.i18n import Language
    from openblotter.web.portal import Portal

__all__ = [
    "as_result",
    "estimate_rows",
    "findings_language",
    "headline_findings",
    "method_entry",
    "saved_outcomes",
    "source_release",
]

MAX_ROWS = 500
"""A result page lists at most this many estimates (the JSON results have them all)."""


def as_result(saved: dict[str, Any]) -> Result:
    """A saved result (``Result.to_dict()``) as a Result again."""
    estimates = []
    for e in saved.get("estimates", []):
        interval = e.get("interval")
        estimates.append(
            Estimate(
                quantity=str(e.get("quantity", "")),
                value=e.get("value"),
                labels={str(k): str(v) for k, v in (e.get("labels") or {}).items()},
                interval=(interval[0], interval[1]) if interval else None,
                level=float(e.get("level", 0.95)),
                n=e.get("n"),
                extra=dict(e.get("extra") or {}),
            )
        )
    return Result(
        method=str(saved.get("method", "")),
        estimates=tuple(estimates),
        filters=tuple(saved.get("filters", ())),
        caveats=tuple(saved.get("caveats", ())),
        provenance={str(k): str(v) for k, v in (saved.get("provenance") or {}).items()},
        diagnostics=dict(saved.get("diagnostics") or {}),
        summary=str(saved.get("summary", "")),
    )


def method_entry(lang: Language, method: str, slug: str) -> dict[str, Any]:
    """A method's id, title and the addresses of its result and its method page (if written)."""
    spec = METHODS.get(method)
    title = spec.title if spec else method.replace("-", " ").capitalize()
    return {
        "id": method,
        "title": lang.gettext(title),
        "url": f"{lang.prefix}/agencies/{slug}/analyses/{method}",
        "method_url": f"{lang.prefix}/methods/{method}" if method in method_ids() else None,
    }


def saved_outcomes(portal: Portal, slug: str) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """The agency's saved analyses document and its outcomes by method (result or failure)."""
    saved = portal.analyses(slug)
    outcomes: dict[str, Any] = {}
    if saved:
        for result in saved.get("results", []):
            outcomes[str(result.get("method"))] = {"result": result}
        for failure in saved.get("failures", []):
            outcomes[str(failure.get("method"))] = {"failure": failure}
    return saved, outcomes


def headline_findings(saved: dict[str, Any], lang: Language, limit: int = 3) -> list[str]:
    """A saved result's plain-language findings (the report's sentences), at most ``limit``.

    Cached by the result's content: the sentences of an unchanged result are written once.
    """
    return list(_findings(json.dumps(saved, sort_keys=True), lang.code, limit))


def findings_language(saved: dict[str, Any], sentences: list[str], lang: Language) -> str:
    """The language of a result's findings: the page's, or ``en`` when they are its summary."""
    summary = str(saved.get("summary", ""))
    if summary and sentences and all(s == summary for s in sentences):
        return "en"
    return lang.code


@lru_cache(maxsize=256)
def _findings(serialised: str, code: str, limit: int) -> tuple[str, ...]:
    result = as_result(json.loads(serialised))
    found = findings(result, numbers=Numbers(code), limit=limit, locale=code)
    return tuple(found or ([result.summary] if result.summary else []))


def estimate_rows(lang: Language, saved: dict[str, Any]) -> list[dict[str, Any]]:
    """The estimates of a saved result as table rows, labels in words."""
    rows = []
    for e in saved.get("estimates", [])[:MAX_ROWS]:
        interval = e.get("interval") or [None, None]
        labels = e.get("labels") or {}
        rows.append(
            {
                "quantity": e.get("quantity"),
                "quantity_label": words.quantity_label(lang, str(e.get("quantity", ""))),
                "labels": {
                    str(k): words.code_label(
                        lang,
                        "race" if k in ("group", "reference", "reference_group") else k,
                        str(v),
                    )
                    for k, v in labels.items()
                },
                "value": e.get("value"),
                "low": interval[0],
                "high": interval[1],
                "level": e.get("level", 0.95),
                "n": e.get("n"),
                "withheld": bool((e.get("extra") or {}).get("suppressed")),
            }
        )
    return rows


def source_release(portal: Portal, slug: str, saved: dict[str, Any]) -> ReleaseRecord | None:
    """The agency's release built from the same ingest batches as the result, if any."""
    batches = str((saved.get("provenance") or {}).get("batches", ""))
    wanted = {b.strip() for b in batches.split(",") if b.strip()}
    if not wanted:
        return None
    for release in portal.releases(slug):
        state = portal.manifest(release).get("store_state", {}).get("batches", [])
        if {str(b.get("batch_id")) for b in state} == wanted:
            return release
    return None
