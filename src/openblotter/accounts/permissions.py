"""The permission matrix: (role, action, resource state) → allowed. Deny by default.

``MATRIX[action][role]`` is ``DENY`` (None) or a tuple of named conditions that must all hold
(``ALLOW`` is the empty tuple). The conditions are in ``CONDITIONS``, each with the reason
given when it fails. One rule holds for every restricted action: a role granted for one
agency never acts on another agency's objects. ``decide`` is the only place that reads the
matrix; every web route and CLI command calls it (through the functions of ``accounts``)
with its action.

Separation of duties (RELIABILITY E.55, ADR 0007 §5): an admin manages accounts but cannot
grant anything to themselves, reads nothing of the audit log, and nobody holds ``admin`` and
``auditor`` together; a release is approved or rejected only while pending, and never by the
person who asked for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from openblotter.accounts.actions import ACTIONS, CLI_ACTIONS, Action, Surface
from openblotter.accounts.principal import (
    AGENCY_ROLES,
    DEPLOYMENT_ROLES,
    GRANTABLE_ROLES,
    ROLES,
    STAFF_ROLES,
    Principal,
    Via,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

__all__ = [
    "ACTIONS",
    "AGENCY_ROLES",
    "ALLOW",
    "CLI_ACTIONS",
    "CONDITIONS",
    "DENY",
    "DEPLOYMENT_ROLES",
    "GRANTABLE_ROLES",
    "MATRIX",
    "ROLES",
    "STAFF_ROLES",
    "Action",
    "Condition",
    "Decision",
    "Principal",
    "Surface",
    "Via",
    "allowed_actions",
    "decide",
]

Cell = tuple[str, ...] | None
ALLOW: Cell = ()
DENY: Cell = None


@dataclass(frozen=True, slots=True)
class Decision:
    """Whether a principal may do an action, and why (the reason goes into the audit log)."""

    allowed: bool
    reason: str

    def __bool__(self) -> bool:
        return self.allowed


@dataclass(frozen=True, slots=True)
class Condition:
    """A test on the principal, the object's agency and its state, with the reason it fails."""

    test: Callable[[Principal, str | None, Mapping[str, object]], bool]
    reason: str


def _separated(state: Mapping[str, object]) -> bool:
    role = state.get("role")
    held = state.get("target_roles", ())
    if not isinstance(role, str) or not isinstance(held, set | frozenset | tuple | list):
        return False
    return not ((role == "auditor" and "admin" in held) or (role == "admin" and "auditor" in held))


CONDITIONS: dict[str, Condition] = {
    "own_agency": Condition(
        lambda p, agency, _s: agency is not None and agency == p.agency,
        "the object belongs to no agency of this role (or no agency was named)",
    ),
    "pending": Condition(
        lambda _p, _a, s: s.get("status") == "pending",
        "the release is not waiting for approval",
    ),
    "second_person": Condition(
        lambda p, _a, s: isinstance(s.get("requested_by"), str) and s["requested_by"] != p.actor,
        "a second person must approve: the one who asked cannot decide",
    ),
    "self": Condition(
        lambda p, _a, s: p.user is not None and s.get("target") == p.user,
        "this is allowed only on one's own account",
    ),
    "not_self": Condition(
        lambda p, _a, s: isinstance(s.get("target"), str) and s["target"] != p.user,
        "an administrator cannot do this to their own account",
    ),
    "separation": Condition(
        lambda _p, _a, s: _separated(s),
        "separation of duties: admin and auditor are never held by one person",
    ),
}


def _row(**cells: Cell) -> dict[str, Cell]:
    """A matrix row: every role, denied unless named."""
    unknown = set(cells) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles in the matrix: {sorted(unknown)}")
    return {role: cells.get(role, DENY) for role in ROLES}


_EVERYONE = {role: ALLOW for role in ROLES if role != "operator"}
_SIGNED_IN = dict.fromkeys(("commenter", *STAFF_ROLES), ALLOW)
_SELF = ("self",)
_OWN = ("own_agency",)
_DECIDE = ("own_agency", "pending", "second_person")

MATRIX: dict[str, dict[str, Cell]] = {
    "public.read": _row(**_EVERYONE, operator=ALLOW),
    "comment.post": _row(commenter=ALLOW),
    "staff.home": _row(**dict.fromkeys(STAFF_ROLES, ALLOW)),
    "ingest.upload": _row(data_officer=_OWN, supervisor=_OWN, operator=ALLOW),
    "ingest.view": _row(data_officer=_OWN, supervisor=_OWN, auditor=ALLOW, operator=ALLOW),
    "release.build": _row(data_officer=_OWN, supervisor=_OWN, operator=ALLOW),
    "release.request_publish": _row(data_officer=_OWN, supervisor=_OWN, operator=ALLOW),
    "release.approve": _row(
        data_officer=_DECIDE, supervisor=_DECIDE, operator=("pending", "second_person")
    ),
    "release.reject": _row(
        data_officer=_DECIDE, supervisor=_DECIDE, operator=("pending", "second_person")
    ),
    "release.list_pending": _row(data_officer=_OWN, supervisor=_OWN, auditor=ALLOW, operator=ALLOW),
    "audit.read": _row(auditor=ALLOW, operator=ALLOW),
    "audit.verify": _row(auditor=ALLOW, operator=ALLOW),
    "audit.head.publish": _row(operator=ALLOW),
    "user.add": _row(admin=ALLOW, operator=ALLOW),
    "user.disable": _row(admin=("not_self",), operator=ALLOW),
    "user.enable": _row(admin=("not_self",), operator=ALLOW),
    "user.unlock": _row(admin=("not_self",), operator=ALLOW),
    "user.grant": _row(admin=("not_self", "separation"), operator=("separation",)),
    "user.revoke": _row(admin=ALLOW, operator=ALLOW),
    "user.token.issue": _row(
        data_officer=("self", "own_agency"), supervisor=("self", "own_agency"), operator=ALLOW
    ),
    "user.token.revoke": _row(data_officer=_SELF, supervisor=_SELF, admin=ALLOW, operator=ALLOW),
    "user.list": _row(admin=ALLOW, operator=ALLOW),
    "user.password.change": _row(**dict.fromkeys(_SIGNED_IN, _SELF), operator=ALLOW),
    "session.login": _row(**_EVERYONE),
    "session.logout": _row(**_SIGNED_IN),
    "session.reauthenticate": _row(**_SIGNED_IN),
    "session.totp_enrol": _row(**dict.fromkeys(_SIGNED_IN, _SELF), operator=ALLOW),
    "session.lockout": _row(),
    # every CLI command: the operator only (the command line is the server's owner)
    **{action: _row(operator=ALLOW) for action in CLI_ACTIONS.values()},
}


def decide(
    principal: Principal,
    action: str,
    *,
    agency: str | None = None,
    state: Mapping[str, object] | None = None,
) -> Decision:
    """Whether ``principal`` may do ``action`` on an object of ``agency`` in ``state``.

    ``state`` carries what the rules look at: ``status`` and ``requested_by`` of a release;
    ``target`` (the account acted on), ``role`` (the role being granted) and ``target_roles``
    (the roles the target holds) for account management. Anything unknown is denied.
    """
    row = MATRIX.get(action)
    if row is None:
        return Decision(allowed=False, reason=f"{action!r} is not a known action")
    cell = row.get(principal.role, DENY)
    if cell is None:
        return Decision(allowed=False, reason=f"the {principal.role} role may not do {action}")
    restricted = ACTIONS[action].restricted if action in ACTIONS else True
    if (
        restricted
        and principal.role in AGENCY_ROLES
        and agency is not None
        and agency != principal.agency
    ):
        return Decision(
            allowed=False, reason=f"agency {agency!r} is not this {principal.role}'s agency"
        )
    facts: Mapping[str, object] = state if state is not None else {}
    for name in cell:
        condition = CONDITIONS[name]
        if not condition.test(principal, agency, facts):
            return Decision(allowed=False, reason=condition.reason)
    return Decision(allowed=True, reason=f"the {principal.role} role may do {action}")


def allowed_actions(principal: Principal, actions: Iterable[str] | None = None) -> list[str]:
    """Actions the principal's role may do in some state (to build menus; not a decision)."""
    names = actions if actions is not None else MATRIX
    return [name for name in names if MATRIX.get(name, {}).get(principal.role) is not None]
