"""``blotter audit``: verify the audit log, show and publish its tree head, prove consistency.

The CLI is the operator (ADR 0007): what it does to the log is audited as ``cli:<os user>``
in the role ``operator``. ``verify`` and ``consistency`` exit 7 (an integrity error) when the
log was tampered with or does not extend the head given.
"""

from __future__ import annotations

import getpass
import json
import unicodedata
from typing import Any

import click

from openblotter.audit import (
    AuditEvent,
    append,
    consistency,
    current_head,
    entries,
    prove_consistency,
    publish_head,
    record,
    verify,
)
from openblotter.cli.context import AppContext, pass_app
from openblotter.cli.output import render
from openblotter.clock import SystemClock
from openblotter.errors import IntegrityError
from openblotter.storage.base import QueryResult

__all__ = ["audit", "operator", "printable"]

_OPERATOR_ROLE = "operator"


def operator() -> str:
    """The audit actor of whoever runs the CLI: ``cli:<os user>``."""
    try:
        user = getpass.getuser()
    except (OSError, KeyError):  # no login name and no passwd entry (some containers)
        user = "unknown"
    return f"cli:{user}"


def printable(value: Any) -> str:
    """A value safe to print on a terminal.

    Control and format characters (CR, LF, ESC, bidi overrides …) are shown as escapes, so a
    stored value cannot forge lines or colours.
    """
    text = "" if value is None else str(value)
    out = []
    for char in text:
        if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") or char == "\\":
            out.append(char.encode("unicode_escape").decode("ascii") if char != "\\" else "\\\\")
        else:
            out.append(char)
    return "".join(out)


@click.group()
def audit() -> None:
    """The tamper-evident audit log of staff actions (hash chain and RFC 6962 tree heads)."""


@audit.command("verify")
@pass_app
def verify_command(app: AppContext) -> None:
    """Recompute every entry's hashes and check every published head; exit 7 if tampered."""
    result = verify(app.store())
    if not result.ok:
        where = f"first bad entry {result.first_bad}: " if result.first_bad is not None else ""
        raise IntegrityError(f"audit log check failed, {where}{result.problem}")
    click.echo(
        f"audit log intact: {result.size:,} entries, hash chain verified, "
        f"{result.heads_checked} published head(s) match"
    )


@audit.command("head")
@click.option(
    "--publish", is_flag=True, help="Record the head as published (daily), as an audited action."
)
@pass_app
def head_command(app: AppContext, publish: bool) -> None:
    """Print the log's current size and Merkle root."""
    store = app.store()
    if publish:
        clock = SystemClock()
        with store.transaction() as tx:
            head = publish_head(tx, clock=clock, published_in="daily")
            append(
                tx,
                AuditEvent(
                    actor=operator(),
                    role=_OPERATOR_ROLE,
                    action="audit.head.publish",
                    object=f"audit_head:{head.size}",
                    outcome="succeeded",
                    reason=f"root {head.root}",
                ),
                clock=clock,
            )
    else:
        head = current_head(store)
    click.echo(f"size: {head.size}")
    click.echo(f"root: {head.root}")
    if publish:
        click.echo("published: daily")


@audit.command("consistency")
@click.option("--size", "size", type=click.IntRange(min=0), required=True, help="Earlier size.")
@click.option("--root", "root", required=True, help="Earlier root (64 hex digits).")
@pass_app
def consistency_command(app: AppContext, size: int, root: str) -> None:
    """Check that the current log extends an earlier head; print the proof; exit 7 if not."""
    check = consistency(app.store(), size, root)
    click.echo(f"from: size {check.first_size} root {check.first_root}")
    click.echo(f"to:   size {check.size} root {check.root}")
    for node in check.proof:
        click.echo(f"proof: {node}")
    if not check.ok:
        raise IntegrityError(f"the audit log does not extend that head: {check.problem}")
    click.echo("consistent: the current log extends that head")


@audit.command("prove")
@click.option("--first", type=click.IntRange(min=0), required=True, help="Earlier size.")
@click.option("--second", type=click.IntRange(min=0), default=None, help="Later size [current].")
@pass_app
def prove_command(app: AppContext, first: int, second: int | None) -> None:
    """Print the RFC 9162 consistency proof between two sizes of the log as JSON."""
    store = app.store()
    size = current_head(store).size if second is None else second
    proof = prove_consistency(store, first, size)
    click.echo(json.dumps({"first": first, "second": size, "proof": proof}))


@audit.command("log")
@click.option(
    "--limit",
    type=click.IntRange(min=1, max=1000),
    default=50,
    show_default=True,
    help="Entries to show, newest first.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("table", "json")),
    default="table",
    show_default=True,
    help="Output format.",
)
@pass_app
def log_command(app: AppContext, limit: int, fmt: str) -> None:
    """Show the newest entries (reading the log is itself an audited action)."""
    store = app.store()
    record(
        store,
        AuditEvent(
            actor=operator(),
            role=_OPERATOR_ROLE,
            action="audit.read",
            object="audit_log",
            outcome="succeeded",
            reason=f"blotter audit log --limit {limit}",
        ),
        clock=SystemClock(),
    )
    rows = entries(store, limit=limit)
    if fmt == "json":  # ASCII-only JSON: every control character escaped, the values exact
        for row in rows:
            row["logged_at"] = row["logged_at"].isoformat()
        click.echo(json.dumps(rows, indent=2, ensure_ascii=True))
        return
    columns = (
        "idx",
        "logged_at",
        "actor",
        "role",
        "action",
        "object",
        "outcome",
        "reason",
        "client",
    )
    shown = [
        tuple(
            f"{row[c]:%Y-%m-%d %H:%M:%S.%f}" if c == "logged_at" else printable(row[c])
            for c in columns
        )
        for row in rows
    ]
    click.echo(render(QueryResult(columns=columns, rows=list(shown)), "table"))
