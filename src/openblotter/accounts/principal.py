"""Roles, and the principal: who is acting, in which role, for which agency, and how they came in.

``public`` is everyone (anonymous); ``commenter`` a registered member of the public;
``data_officer`` and ``supervisor`` are granted per agency; ``auditor`` and ``admin`` are
deployment-wide; ``operator`` is whoever runs ``blotter`` on the server (ADR 0007 §6), never
granted, audited as ``cli:<os user>``.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from typing import Literal

from openblotter.errors import ConfigError

__all__ = [
    "AGENCY_ROLES",
    "DEPLOYMENT_ROLES",
    "GRANTABLE_ROLES",
    "ROLES",
    "STAFF_ROLES",
    "Principal",
    "Via",
]

ROLES: tuple[str, ...] = (
    "public",
    "commenter",
    "data_officer",
    "supervisor",
    "auditor",
    "admin",
    "operator",
)
#: roles that need a password and a second factor (TOTP)
STAFF_ROLES: tuple[str, ...] = ("data_officer", "supervisor", "auditor", "admin")
#: roles granted for one agency; they act only on that agency's objects
AGENCY_ROLES: tuple[str, ...] = ("data_officer", "supervisor")
#: roles granted for the whole deployment (stored with agency "")
DEPLOYMENT_ROLES: tuple[str, ...] = ("commenter", "auditor", "admin")
#: roles an administrator or the operator can grant to an account
GRANTABLE_ROLES: tuple[str, ...] = ("commenter", *STAFF_ROLES)

Via = Literal["anonymous", "session", "token", "cli"]


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name and no passwd entry (some containers)
        return "unknown"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who acts: a user (or nobody), the one role they act in, its agency, and how they came in.

    ``user`` is None for the anonymous public and for the operator; record ``actor``, which
    is always set (a user name, ``anonymous`` or ``cli:<os user>``).
    """

    user: str | None
    role: str
    agency: str | None
    via: Via
    os_user: str = ""

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ConfigError(f"unknown role {self.role!r}; roles: {', '.join(ROLES)}")
        if self.role in AGENCY_ROLES and not self.agency:
            raise ConfigError(f"the {self.role} role acts for one agency: name it")
        if self.role not in AGENCY_ROLES and self.agency:
            raise ConfigError(f"the {self.role} role is not granted per agency")
        if (self.via == "anonymous") != (self.role == "public" and self.user is None):
            raise ConfigError("only the anonymous public comes in without a user")
        if (self.via == "cli") != (self.role == "operator"):
            raise ConfigError("the operator role is the command line's, and only the operator's")

    @classmethod
    def anonymous(cls) -> Principal:
        """The public: no account, no session."""
        return cls(user=None, role="public", agency=None, via="anonymous")

    @classmethod
    def operator(cls, os_user: str | None = None) -> Principal:
        """Whoever runs ``blotter`` on the server (the OS user, audited as ``cli:<name>``)."""
        return cls(
            user=None, role="operator", agency=None, via="cli", os_user=os_user or _os_user()
        )

    @property
    def actor(self) -> str:
        """The name an audit entry records: user name, ``anonymous`` or ``cli:<os user>``."""
        if self.via == "cli":
            return f"cli:{self.os_user}"
        return self.user if self.user is not None else "anonymous"
