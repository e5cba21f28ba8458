"""The permission matrix, cell by cell: every role, every action, every resource state.

``EXPECTED`` below is written out by hand, independently of ``accounts.permissions.MATRIX``:
for each action, the scenarios in which each role is allowed (a role not named is never
allowed). The test evaluates ``decide`` for every role, action and scenario and compares.
Meta tests: every action has a row for every role; every CLI command has an action.
"""

from __future__ import annotations

from typing import Any

import click
import pytest
from hypothesis import given
from hypothesis import strategies as st

from openblotter.accounts.permissions import (
    ACTIONS,
    CLI_ACTIONS,
    CONDITIONS,
    MATRIX,
    ROLES,
    Principal,
    allowed_actions,
    decide,
)
from openblotter.errors import ConfigError

OWN, OTHER = "ca_alpha", "ca_beta"
SELF = "$self"  # replaced by the acting principal's actor name

#: name → (agency of the object, state of the object)
SCENARIOS: dict[str, tuple[str | None, dict[str, Any]]] = {
    "no object": (None, {}),
    "own agency": (OWN, {}),
    "other agency": (OTHER, {}),
    "own, pending, asked by another": (OWN, {"status": "pending", "requested_by": "someone"}),
    "own, pending, asked by self": (OWN, {"status": "pending", "requested_by": SELF}),
    "own, approved, asked by another": (OWN, {"status": "approved", "requested_by": "someone"}),
    "other, pending, asked by another": (OTHER, {"status": "pending", "requested_by": "someone"}),
    "no agency, pending, asked by another": (
        None,
        {"status": "pending", "requested_by": "someone"},
    ),
    "self": (None, {"target": SELF}),
    "someone": (None, {"target": "someone"}),
    "self, own agency": (OWN, {"target": SELF}),
    "self, other agency": (OTHER, {"target": SELF}),
    "someone, own agency": (OWN, {"target": "someone"}),
    "grant someone a role": (
        None,
        {"target": "someone", "role": "data_officer", "target_roles": frozenset()},
    ),
    "grant self a role": (
        None,
        {"target": SELF, "role": "commenter", "target_roles": frozenset()},
    ),
    "grant auditor to an admin": (
        None,
        {"target": "someone", "role": "auditor", "target_roles": frozenset({"admin"})},
    ),
    "grant admin to an auditor": (
        None,
        {"target": "someone", "role": "admin", "target_roles": frozenset({"auditor"})},
    ),
}

PRINCIPALS: dict[str, Principal] = {
    "public": Principal.anonymous(),
    "commenter": Principal("carol", "commenter", None, "session"),
    "data_officer": Principal("dana", "data_officer", OWN, "session"),
    "supervisor": Principal("sam", "supervisor", OWN, "session"),
    "auditor": Principal("ava", "auditor", None, "session"),
    "admin": Principal("adam", "admin", None, "session"),
    "operator": Principal.operator("tester"),
}

EVERY = frozenset(SCENARIOS)
AT_OWN = frozenset(name for name, (agency, _s) in SCENARIOS.items() if agency == OWN)
APPROVABLE = frozenset({"own, pending, asked by another"})
APPROVABLE_BY_OPERATOR = frozenset(
    {
        "own, pending, asked by another",
        "other, pending, asked by another",
        "no agency, pending, asked by another",
    }
)
ON_SELF = frozenset({"self", "self, own agency", "self, other agency", "grant self a role"})
ON_SELF_NOT_ELSEWHERE = ON_SELF - {"self, other agency"}  # agency roles: own agency only
ON_SOMEONE = frozenset(
    {
        "someone",
        "someone, own agency",
        "grant someone a role",
        "grant auditor to an admin",
        "grant admin to an auditor",
    }
)

_AGENCY_WORK = {"data_officer": AT_OWN, "supervisor": AT_OWN, "operator": EVERY}
_SELF_SERVICE = {
    "commenter": ON_SELF,
    "data_officer": ON_SELF_NOT_ELSEWHERE,
    "supervisor": ON_SELF_NOT_ELSEWHERE,
    "auditor": ON_SELF,
    "admin": ON_SELF,
    "operator": EVERY,
}
_ACCOUNTS = {"admin": EVERY, "operator": EVERY}
_ACCOUNTS_NOT_SELF = {"admin": ON_SOMEONE, "operator": EVERY}
_SIGNED_IN = dict.fromkeys(("commenter", "data_officer", "supervisor", "auditor", "admin"), EVERY)

#: action → role → scenarios in which the role is allowed (roles not named: never)
EXPECTED: dict[str, dict[str, frozenset[str]]] = {
    "public.read": dict.fromkeys(ROLES, EVERY),
    "comment.post": {"commenter": EVERY},
    "staff.home": dict.fromkeys(("data_officer", "supervisor", "auditor", "admin"), EVERY),
    "ingest.upload": _AGENCY_WORK,
    "ingest.view": {**_AGENCY_WORK, "auditor": EVERY},
    "release.build": _AGENCY_WORK,
    "release.request_publish": _AGENCY_WORK,
    "release.approve": {
        "data_officer": APPROVABLE,
        "supervisor": APPROVABLE,
        "operator": APPROVABLE_BY_OPERATOR,
    },
    "release.reject": {
        "data_officer": APPROVABLE,
        "supervisor": APPROVABLE,
        "operator": APPROVABLE_BY_OPERATOR,
    },
    "release.list_pending": {**_AGENCY_WORK, "auditor": EVERY},
    "audit.read": {"auditor": EVERY, "operator": EVERY},
    "audit.verify": {"auditor": EVERY, "operator": EVERY},
    "audit.head.publish": {"operator": EVERY},
    "user.add": _ACCOUNTS,
    "user.disable": _ACCOUNTS_NOT_SELF,
    "user.enable": _ACCOUNTS_NOT_SELF,
    "user.unlock": _ACCOUNTS_NOT_SELF,
    "user.grant": {
        "admin": frozenset({"grant someone a role"}),
        "operator": frozenset({"grant someone a role", "grant self a role"}),
    },
    "user.revoke": _ACCOUNTS,
    "user.token.issue": {
        "data_officer": frozenset({"self, own agency"}),
        "supervisor": frozenset({"self, own agency"}),
        "operator": EVERY,
    },
    "user.token.revoke": {
        "data_officer": ON_SELF_NOT_ELSEWHERE,
        "supervisor": ON_SELF_NOT_ELSEWHERE,
        "admin": EVERY,
        "operator": EVERY,
    },
    "user.list": _ACCOUNTS,
    "user.password.change": _SELF_SERVICE,
    "session.login": {role: EVERY for role in ROLES if role != "operator"},
    "session.logout": _SIGNED_IN,
    "session.reauthenticate": _SIGNED_IN,
    "session.totp_enrol": _SELF_SERVICE,
    "session.lockout": {},
    # one action per CLI command: only the operator runs the command line
    **{action: {"operator": EVERY} for action in CLI_ACTIONS.values()},
}


def _resolve(state: dict[str, Any], principal: Principal) -> dict[str, Any]:
    return {k: (principal.actor if v == SELF else v) for k, v in state.items()}


def test_matrix__every_cell_matches_the_expected_table() -> None:
    wrong = []
    for action in ACTIONS:
        for role, principal in PRINCIPALS.items():
            allowed_in = EXPECTED[action].get(role, frozenset())
            for scenario, (agency, state) in SCENARIOS.items():
                decision = decide(
                    principal, action, agency=agency, state=_resolve(state, principal)
                )
                if decision.allowed != (scenario in allowed_in):
                    wrong.append((action, role, scenario, decision.reason))
    assert wrong == []


def test_matrix__the_expected_table_names_every_action_and_nothing_else() -> None:
    assert set(EXPECTED) == set(ACTIONS)
    for action, cells in EXPECTED.items():
        assert set(cells) <= set(ROLES), action
        for allowed_in in cells.values():
            assert allowed_in <= EVERY, action


def test_matrix__every_action_has_a_row_for_every_role() -> None:
    assert set(MATRIX) == set(ACTIONS)
    for action, row in MATRIX.items():
        assert set(row) == set(ROLES), action
        for cell in row.values():
            assert cell is None or all(name in CONDITIONS for name in cell), action


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> set[str]:
    paths: set[str] = set()
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            paths |= _commands(command, (*prefix, name))
        else:
            paths.add(" ".join((*prefix, name)))
    return paths


def _every_cli_command() -> set[str]:
    from openblotter.cli import cli
    from openblotter.cli.audit import audit
    from openblotter.cli.user import user

    paths = _commands(cli)
    # the audit and user groups, whether or not cli/__init__ registers them yet
    paths |= {f"audit {p}" for p in _commands(audit)}
    paths |= {f"user {p}" for p in _commands(user)}
    return paths


def test_cli_actions__every_cli_command_has_an_action() -> None:
    missing = _every_cli_command() - set(CLI_ACTIONS)
    assert missing == set(), f"CLI commands without an action in CLI_ACTIONS: {sorted(missing)}"


def test_cli_actions__name_only_commands_that_exist() -> None:
    stale = set(CLI_ACTIONS) - _every_cli_command()
    assert stale == set(), f"CLI_ACTIONS names commands that do not exist: {sorted(stale)}"


def test_cli_actions__are_cli_actions_named_after_the_command() -> None:
    for path, action in CLI_ACTIONS.items():
        assert ACTIONS[action].surface == "cli"
        assert action == "cli." + ".".join(part.replace("-", "_") for part in path.split())
    assert CLI_ACTIONS["release create"] == "cli.release.create"
    assert CLI_ACTIONS["db init"] == "cli.db.init"
    assert CLI_ACTIONS["user expire-inactive"] == "cli.user.expire_inactive"


def test_actions__named_once_with_a_description() -> None:
    for name, action in ACTIONS.items():
        assert action.name == name
        assert action.description
        assert action.surface in ("web", "cli", "api")


def test_decide__separation_of_duties_for_the_admin() -> None:
    admin = PRINCIPALS["admin"]
    assert not decide(admin, "audit.read").allowed
    assert not decide(admin, "audit.verify").allowed
    to_self = decide(
        admin, "user.grant", state={"target": "adam", "role": "auditor", "target_roles": set()}
    )
    assert not to_self.allowed
    assert "their own account" in to_self.reason
    mixed = decide(
        admin,
        "user.grant",
        state={"target": "bea", "role": "auditor", "target_roles": {"admin"}},
    )
    assert not mixed.allowed
    assert "separation of duties" in mixed.reason
    # the operator cannot mix them either
    operator = PRINCIPALS["operator"]
    assert not decide(
        operator,
        "user.grant",
        state={"target": "bea", "role": "admin", "target_roles": ["auditor", "commenter"]},
    ).allowed


def test_decide__agency_roles_act_only_in_their_agency() -> None:
    officer = PRINCIPALS["data_officer"]
    denied = decide(officer, "ingest.view", agency=OTHER)
    assert not denied.allowed
    assert OTHER in denied.reason
    assert decide(officer, "ingest.view", agency=OWN).allowed
    assert not decide(officer, "ingest.view").allowed  # no agency named: no object to act on
    assert decide(officer, "public.read", agency=OTHER).allowed  # public data is everyone's


def test_decide__a_second_person_approves() -> None:
    supervisor = PRINCIPALS["supervisor"]
    state = {"status": "pending", "requested_by": "sam"}
    refused = decide(supervisor, "release.approve", agency=OWN, state=state)
    assert not refused.allowed
    assert "second person" in refused.reason
    assert decide(
        supervisor, "release.approve", agency=OWN, state={**state, "requested_by": "dana"}
    ).allowed
    assert not decide(supervisor, "release.approve", agency=OWN, state={"status": "pending"})


def test_decide__reasons_say_what_failed() -> None:
    assert decide(PRINCIPALS["public"], "user.add").reason == "the public role may not do user.add"
    assert decide(PRINCIPALS["admin"], "user.add").reason == "the admin role may do user.add"
    assert "not a known action" in decide(PRINCIPALS["operator"], "user.delete_everything").reason


@given(st.text(max_size=40))
def test_decide__unknown_actions_are_denied_to_everyone(action: str) -> None:
    if action in ACTIONS:
        return
    for principal in PRINCIPALS.values():
        assert not decide(principal, action).allowed


def test_allowed_actions__what_a_menu_may_offer() -> None:
    assert allowed_actions(PRINCIPALS["public"]) == ["public.read", "session.login"]
    auditor = allowed_actions(PRINCIPALS["auditor"])
    assert "audit.read" in auditor
    assert not any(a.startswith("user.") and a != "user.password.change" for a in auditor)


def test_principal__actor_names() -> None:
    assert Principal.anonymous().actor == "anonymous"
    assert Principal.operator("alice").actor == "cli:alice"
    assert Principal.operator().actor.startswith("cli:")
    assert Principal("maria", "admin", None, "session").actor == "maria"


@pytest.mark.parametrize(
    "build",
    [
        lambda: Principal("x", "root", None, "session"),
        lambda: Principal("x", "data_officer", None, "session"),
        lambda: Principal("x", "admin", OWN, "session"),
        lambda: Principal(None, "admin", None, "anonymous"),
        lambda: Principal("x", "operator", None, "session"),
        lambda: Principal(None, "admin", None, "cli"),
    ],
)
def test_principal__inconsistent_principals_are_refused(build: Any) -> None:
    with pytest.raises(ConfigError):
        build()
