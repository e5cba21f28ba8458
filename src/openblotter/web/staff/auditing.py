"""The auditor's pages: the audit log itself (each read is an entry too) and its verification.

Only the auditor role reads entries (an admin cannot: separation of duties). Values are shown
exactly as stored, HTML-escaped by the template, with control characters made visible, so a
user name carrying a newline, an ANSI escape or ``<script>`` cannot forge a line or run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from openblotter.audit import AuditEvent, current_head, entries, record, verify
from openblotter.web.staff.context import client_of
from openblotter.web.staff.guard import authorize, checked_form, staff_of
from openblotter.web.staff.rendering import render, staff_route

if TYPE_CHECKING:
    from fastapi import FastAPI
    from starlette.requests import Request
    from starlette.responses import Response

__all__ = ["register", "visible"]

_PAGE = 100
_FIELDS = ("actor", "role", "action", "object", "outcome", "reason", "client")


def visible(value: object) -> str:
    r"""Control characters as visible escapes (``\\n``, ``\\x1b``), so no value can forge a line."""
    text = str(value)
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def _page_number(request: Request) -> int:
    raw = request.query_params.get("page", "1")
    return max(1, min(int(raw), 100_000)) if raw.isdigit() else 1


async def audit_log(request: Request) -> Response:
    """One page of entries, newest first, with the current head."""
    staff = staff_of(request)
    principal = authorize(request, "audit.read", target="audit_log")
    number = _page_number(request)
    record(
        staff.store,
        AuditEvent(
            actor=principal.actor,
            role=principal.role,
            action="audit.read",
            object=f"audit_log:page:{number}",
            outcome="succeeded",
            client=client_of(request),
        ),
        clock=staff.clock,
    )
    # read after the read is on record, so the page lists its own entry
    rows = entries(staff.store, limit=_PAGE, offset=(number - 1) * _PAGE)
    return render(request, "audit.html", _model(request, number, rows, None))


def _model(
    request: Request, number: int, rows: list[dict[str, Any]], checked: dict[str, Any] | None
) -> dict[str, Any]:
    staff = staff_of(request)
    head = current_head(staff.store)
    return {
        "title": "Audit log",
        "head": {"size": head.size, "root": head.root},
        "page_number": number,
        "previous": number - 1 if number > 1 else None,
        "next": number + 1 if len(rows) == _PAGE else None,
        "entries": [
            {
                "idx": row["idx"],
                "logged_at": f"{row['logged_at']:%Y-%m-%d %H:%M:%S.%f} UTC",
                **{name: visible(row[name]) for name in _FIELDS},
            }
            for row in rows
        ],
        "verification": checked,
    }


async def audit_verify(request: Request) -> Response:
    """Re-hash the whole log and every published head; show the first bad index, if any."""
    staff = staff_of(request)
    principal = authorize(request, "audit.verify", target="audit_log")
    await checked_form(request)
    result = verify(staff.store)
    record(
        staff.store,
        AuditEvent(
            actor=principal.actor,
            role=principal.role,
            action="audit.verify",
            object="audit_log",
            outcome="succeeded",
            reason="intact" if result.ok else f"first bad index {result.first_bad}",
            client=client_of(request),
        ),
        clock=staff.clock,
    )
    checked = {
        "ok": result.ok,
        "size": result.size,
        "first_bad": result.first_bad,
        "problem": result.problem,
        "heads": result.heads_checked,
    }
    rows = entries(staff.store, limit=_PAGE, offset=0)
    return render(
        request, "audit.html", _model(request, 1, rows, checked), status=200 if result.ok else 409
    )


def register(app: FastAPI) -> None:
    """Add the auditor's routes."""
    staff_route(app, "GET", "/staff/audit", "audit.read", audit_log)
    staff_route(app, "POST", "/staff/audit/verify", "audit.verify", audit_verify)
