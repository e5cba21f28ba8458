"""Granting and revoking roles: per agency (data officer, supervisor) or deployment-wide.

The matrix decides who may grant (an administrator, never to themselves; the operator) and
keeps ``admin`` and ``auditor`` apart; the web layer asks for a fresh re-authentication
before a grant (``sessions.requires_fresh``). Revoking a role also revokes the API tokens
issued for it, and takes effect on live sessions at their next request (``sessions.lookup``
reads the grants each time).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from openblotter.accounts._guard import authorize, event, refuse
from openblotter.accounts.permissions import decide
from openblotter.accounts.principal import AGENCY_ROLES, GRANTABLE_ROLES
from openblotter.accounts.sessions import grants_of
from openblotter.audit import append
from openblotter.errors import ConfigError, NotFoundError

if TYPE_CHECKING:
    from openblotter.accounts.principal import Principal
    from openblotter.clock import Clock
    from openblotter.storage.base import Store

__all__ = ["AGENCY_SLUG", "check_scope", "grant", "revoke"]

#: an agency slug, as ``agency.yaml`` requires it (``ingest.mapping.AgencyConfig``)
AGENCY_SLUG = re.compile(r"^[a-z]{2}_[a-z0-9_]+$")


def check_scope(role: str, agency: str | None) -> str:
    """The stored agency of a grant ('' for deployment-wide roles), or ConfigError."""
    if role not in GRANTABLE_ROLES:
        raise ConfigError(f"{role!r} cannot be granted; roles: {', '.join(GRANTABLE_ROLES)}")
    if role in AGENCY_ROLES:
        if not agency:
            raise ConfigError(f"the {role} role is granted for one agency: name it (--agency)")
        if not AGENCY_SLUG.fullmatch(agency):
            raise ConfigError(f"{agency!r} is not an agency slug (like ca_oakland)")
        return agency
    if agency:
        raise ConfigError(f"the {role} role is deployment-wide: do not name an agency")
    return ""


def _label(role: str, stored_agency: str) -> str:
    return f"role={role} agency={stored_agency}" if stored_agency else f"role={role}"


def grant(
    store: Store,
    user_name: str,
    role: str,
    agency: str | None,
    *,
    actor: Principal,
    clock: Clock,
    client: str = "",
) -> None:
    """Grant ``role`` (for ``agency`` if it is an agency role) to an account."""
    obj = f"user:{user_name}"
    state: dict[str, object] = {"target": user_name, "role": role, "target_roles": frozenset()}
    authorize(
        store,
        actor,
        "user.grant",
        obj=obj,
        clock=clock,
        client=client,
        agency=agency or None,
        state=state,
    )
    stored = check_scope(role, agency)
    with store.transaction() as tx:
        if tx.query("SELECT 1 FROM users WHERE user_name = ?", [user_name]).rows == []:
            raise NotFoundError(f"no account named {user_name!r}")
        held = grants_of(tx, user_name)
        state["target_roles"] = frozenset(r for r, _a in held)
        decision = decide(actor, "user.grant", agency=agency or None, state=state)
        if decision.allowed:
            if (role, stored or None) in held:
                raise ConfigError(f"{user_name!r} already holds {_label(role, stored)}")
            tx.execute(
                "INSERT INTO grants (user_name, role, agency_slug, granted_by, granted_at)"
                " VALUES (?, ?, ?, ?, ?)",
                [user_name, role, stored, actor.actor, clock.now()],
            )
            append(
                tx,
                event(actor, "user.grant", obj, reason=_label(role, stored), client=client),
                clock=clock,
            )
    if not decision.allowed:
        refuse(store, actor, "user.grant", obj, decision.reason, clock=clock, client=client)


def revoke(
    store: Store,
    user_name: str,
    role: str,
    agency: str | None,
    *,
    actor: Principal,
    clock: Clock,
    client: str = "",
) -> None:
    """Revoke a grant, and the API tokens issued for it."""
    obj = f"user:{user_name}"
    authorize(
        store,
        actor,
        "user.revoke",
        obj=obj,
        clock=clock,
        client=client,
        agency=agency or None,
        state={"target": user_name, "role": role},
    )
    stored = check_scope(role, agency)
    with store.transaction() as tx:
        found = tx.query(
            "SELECT 1 FROM grants WHERE user_name = ? AND role = ? AND agency_slug = ?",
            [user_name, role, stored],
        ).rows
        if not found:
            raise NotFoundError(f"{user_name!r} does not hold {_label(role, stored)}")
        tx.execute(
            "DELETE FROM grants WHERE user_name = ? AND role = ? AND agency_slug = ?",
            [user_name, role, stored],
        )
        tx.execute(
            "UPDATE api_tokens SET revoked_at = ? WHERE user_name = ? AND role = ?"
            " AND agency_slug = ? AND revoked_at IS NULL",
            [clock.now(), user_name, role, stored],
        )
        append(
            tx,
            event(actor, "user.revoke", obj, reason=_label(role, stored), client=client),
            clock=clock,
        )
