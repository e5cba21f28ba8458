"""Asking the matrix, recording refusals, and building the audit events of account changes."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, NoReturn

from openblotter.accounts.permissions import decide
from openblotter.audit import AuditEvent, record
from openblotter.errors import PermissionDeniedError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from openblotter.accounts.principal import Principal
    from openblotter.audit.events import Outcome
    from openblotter.clock import Clock
    from openblotter.storage.base import Store

__all__ = ["authorize", "event", "refuse", "utc"]


def event(
    actor: Principal,
    action: str,
    obj: str,
    *,
    outcome: Outcome = "succeeded",
    reason: str = "",
    client: str = "",
) -> AuditEvent:
    """The audit event of ``actor`` doing ``action`` on ``obj``."""
    return AuditEvent(
        actor=actor.actor,
        role=actor.role,
        action=action,
        object=obj,
        outcome=outcome,
        reason=reason,
        client=client,
    )


def refuse(
    store: Store,
    actor: Principal,
    action: str,
    obj: str,
    reason: str,
    *,
    clock: Clock,
    client: str = "",
) -> NoReturn:
    """Record a denied attempt (a transaction of its own) and raise PermissionDeniedError."""
    record(
        store,
        event(actor, action, obj, outcome="denied", reason=reason, client=client),
        clock=clock,
    )
    raise PermissionDeniedError(f"not allowed: {reason}")


def authorize(
    store: Store,
    actor: Principal,
    action: str,
    *,
    obj: str,
    clock: Clock,
    client: str = "",
    agency: str | None = None,
    state: Mapping[str, object] | None = None,
) -> None:
    """Return if the matrix allows the action; otherwise record the refusal and raise."""
    decision = decide(actor, action, agency=agency, state=state)
    if not decision.allowed:
        refuse(store, actor, action, obj, decision.reason, clock=clock, client=client)


def utc(value: dt.datetime) -> dt.datetime:
    """A stored timestamp as an aware UTC datetime (DuckDB and psycopg differ in zone)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)
