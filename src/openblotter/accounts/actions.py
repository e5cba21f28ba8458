"""Every thing a person can do through the portal, the API or the command line, named once.

Web routes and CLI commands name the action they perform; ``accounts.permissions.MATRIX``
says which role may do it in which state, and audit entries record the same name. CLI commands
are actions of their own (``cli.release.create``); ``CLI_ACTIONS`` maps a command path as typed
(``"release create"``) to its action, and a meta test walks the click tree so that a command
without an action fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["ACTIONS", "CLI_ACTIONS", "Action", "Surface"]

Surface = Literal["web", "cli", "api"]


@dataclass(frozen=True, slots=True)
class Action:
    """One thing a person can do; ``restricted`` when it reads or changes non-public data."""

    name: str
    description: str
    surface: Surface
    restricted: bool


_WEB: tuple[tuple[str, str, Surface, bool], ...] = (
    ("public.read", "read the public portal, public API and released data", "web", False),
    ("comment.post", "post a public comment on a release or finding", "web", False),
    ("staff.home", "see one's roles and agencies on the staff home page", "web", False),
    ("ingest.upload", "upload an agency file to load with a chosen mapping", "web", True),
    ("ingest.view", "see a batch's validation report and quarantined rows", "web", True),
    ("release.build", "build (and leak-scan) a release of an agency's data", "web", True),
    ("release.request_publish", "ask a second staff member to approve a release", "web", True),
    ("release.approve", "approve someone else's pending release for publication", "web", True),
    ("release.reject", "reject someone else's pending release, with a reason", "web", True),
    ("release.list_pending", "list releases waiting for approval", "web", True),
    ("audit.read", "read the entries of the audit log", "web", True),
    ("audit.verify", "recompute the audit log's hashes and compare with its heads", "web", True),
    ("audit.head.publish", "record and publish the audit log's current tree head", "api", True),
    ("user.add", "create a staff account (with its second factor to enrol)", "web", True),
    ("user.disable", "disable an account and end all its sessions", "web", True),
    ("user.enable", "enable a disabled account", "web", True),
    ("user.unlock", "unlock an account locked after failed log-ins", "web", True),
    ("user.grant", "grant a role (for an agency, or deployment-wide) to an account", "web", True),
    ("user.revoke", "revoke a role from an account", "web", True),
    ("user.token.issue", "issue an API token for one agency and role, shown once", "web", True),
    ("user.token.revoke", "revoke an API token", "web", True),
    ("user.list", "list accounts with their status and roles", "web", True),
    ("user.password.change", "set a new password for an account", "web", True),
    (
        "session.login",
        "log in (password, then the TOTP code), or present an API token",
        "web",
        False,
    ),
    ("session.logout", "log out: end the session on the server", "web", False),
    (
        "session.reauthenticate",
        "confirm password and code again before a sensitive step",
        "web",
        False,
    ),
    ("session.totp_enrol", "enrol a new TOTP secret (a second-factor change)", "web", True),
    ("session.lockout", "(the system) lock an account after repeated failed log-ins", "web", False),
)

# Command path as typed → (description, reads or changes non-public data).
_CLI: dict[str, tuple[str, bool]] = {
    "analyze complaints": ("complaint outcomes of an agency's records", True),
    "analyze force": ("use of force during stops", True),
    "analyze force-severity": ("severity of reported force", True),
    "analyze officers": ("officers compared with peers", True),
    "analyze outcome": ("search hit rates (outcome test)", True),
    "analyze per-capita": ("stops per resident", True),
    "analyze rates": ("stop outcomes by group", True),
    "analyze suite": ("every analysis method on an agency's records", True),
    "analyze threshold": ("the threshold test", True),
    "analyze veil": ("stops in daylight and after dark", True),
    "audit consistency": ("check that the log extends an earlier tree head", False),
    "audit head": ("show or publish the audit log's tree head", True),
    "audit log": ("show the newest audit entries", True),
    "audit prove": ("print a consistency proof between two log sizes", False),
    "audit verify": ("verify the audit log's hashes against its heads", True),
    "batches": ("list loaded batches", True),
    "completeness": ("field completeness of an agency's records", True),
    "db init": ("create the store", True),
    "db migrate": ("migrate the store to this standard", True),
    "db status": ("show the store's version and counts", True),
    "demo": ("build a demonstration store from bundled samples", False),
    "generate": ("write a synthetic agency file and mapping", False),
    "ingest": ("load agency files into the store", True),
    "mapping check": ("validate mappings", False),
    "mapping scaffold": ("draft a mapping from a file's header and first rows", True),
    "quarantine list": ("count quarantined rows", True),
    "quarantine show": ("show a batch's quarantined rows", True),
    "release create": ("build and register a release", True),
    "release list": ("list releases", False),
    "release show": ("show a release", False),
    "release verify": ("verify a release's files", False),
    "report": ("write an agency's HTML report", True),
    "serve": ("serve the portal and API", False),
    "sql": ("run a read-only SQL query over the store", True),
    "standard export": ("export the data dictionary", False),
    "standard list": ("list the datasets of the standard", False),
    "standard show": ("show a dataset's fields", False),
    "user add": ("create a staff account", True),
    "user disable": ("disable an account", True),
    "user enable": ("enable an account", True),
    "user expire-inactive": ("disable accounts unused for 90 days", True),
    "user grant": ("grant a role", True),
    "user list": ("list accounts", True),
    "user password": ("set an account's password", True),
    "user reset-totp": ("enrol a new TOTP secret for an account", True),
    "user revoke": ("revoke a role", True),
    "user revoke-token": ("revoke an API token", True),
    "user token": ("issue an API token", True),
    "user unlock": ("unlock an account", True),
}


def _cli_action(path: str) -> str:
    return "cli." + ".".join(part.replace("-", "_") for part in path.split())


#: the command path as typed (``"release create"``) → the action it performs
CLI_ACTIONS: dict[str, str] = {path: _cli_action(path) for path in _CLI}

#: every action by name: the portal's and API's, then one per CLI command
ACTIONS: dict[str, Action] = {
    **{name: Action(name, text, surface, restricted) for name, text, surface, restricted in _WEB},
    **{
        _cli_action(path): Action(_cli_action(path), f"blotter {path}: {text}", "cli", restricted)
        for path, (text, restricted) in _CLI.items()
    },
}
