"""Staff accounts (ADR 0007): passwords, TOTP, roles, sessions, API tokens, the permission matrix.

Deny by default: ``decide`` reads one matrix (role, action and resource state); every web route
and CLI command names its action. Every change to an account commits with its audit entry;
every refusal and failed log-in is audited too. Nothing here imports a web framework: the web
app and the CLI call these functions.
"""

from __future__ import annotations

from openblotter.accounts.actions import ACTIONS, CLI_ACTIONS, Action
from openblotter.accounts.grants import grant, revoke
from openblotter.accounts.lockout import CODE_REFUSED, FAILED_LOGIN
from openblotter.accounts.login import login_password, login_totp
from openblotter.accounts.passwords import (
    check_password_policy,
    hash_password,
    verify_password,
)
from openblotter.accounts.permissions import MATRIX, Decision, decide
from openblotter.accounts.principal import (
    AGENCY_ROLES,
    DEPLOYMENT_ROLES,
    GRANTABLE_ROLES,
    ROLES,
    STAFF_ROLES,
    Principal,
)
from openblotter.accounts.sessions import (
    Session,
    close,
    close_all,
    lookup,
    reauthenticate,
    requires_fresh,
)
from openblotter.accounts.sessions import close as close_session
from openblotter.accounts.sessions import lookup as lookup_session
from openblotter.accounts.tokens import TokenRecord, authenticate, issue, list_tokens
from openblotter.accounts.tokens import revoke as revoke_token
from openblotter.accounts.totp import provisioning_uri
from openblotter.accounts.users import (
    UserRecord,
    add_user,
    change_password,
    disable,
    disable_inactive,
    enable,
    list_users,
    reset_totp,
    roles_of,
    unlock,
)

__all__ = [
    "ACTIONS",
    "AGENCY_ROLES",
    "CLI_ACTIONS",
    "CODE_REFUSED",
    "DEPLOYMENT_ROLES",
    "FAILED_LOGIN",
    "GRANTABLE_ROLES",
    "MATRIX",
    "ROLES",
    "STAFF_ROLES",
    "Action",
    "Decision",
    "Principal",
    "Session",
    "TokenRecord",
    "UserRecord",
    "add_user",
    "authenticate",
    "change_password",
    "check_password_policy",
    "close",
    "close_all",
    "close_session",
    "decide",
    "disable",
    "disable_inactive",
    "enable",
    "grant",
    "hash_password",
    "issue",
    "list_tokens",
    "list_users",
    "login_password",
    "login_totp",
    "lookup",
    "lookup_session",
    "provisioning_uri",
    "reauthenticate",
    "requires_fresh",
    "reset_totp",
    "revoke",
    "revoke_token",
    "roles_of",
    "unlock",
    "verify_password",
]
