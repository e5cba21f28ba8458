"""``blotter user …``: staff accounts, roles and API tokens, managed by the operator.

Whoever runs ``blotter`` on the server acts as the operator (audited as ``cli:<os user>``,
ADR 0007 §6). Secrets (the TOTP secret of a new account, an API token) are printed once and
never stored in clear; passwords are read from a hidden prompt, or from standard input with
``--password-stdin`` for scripts.
"""

from __future__ import annotations

import sys

import click

from openblotter.accounts import (
    GRANTABLE_ROLES,
    Principal,
    add_user,
    change_password,
    disable,
    disable_inactive,
    enable,
    grant,
    issue,
    list_users,
    provisioning_uri,
    reset_totp,
    revoke,
    revoke_token,
    unlock,
)
from openblotter.accounts.principal import AGENCY_ROLES
from openblotter.accounts.tokens import MAX_DAYS
from openblotter.accounts.users import INACTIVE_DAYS
from openblotter.cli.context import AppContext, pass_app
from openblotter.cli.output import format_option, render
from openblotter.clock import SystemClock
from openblotter.errors import ConfigError
from openblotter.storage.base import QueryResult

__all__ = ["user"]

_password_stdin = click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input (for scripts).",
)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        password = line.rstrip("\r\n")
        if not password:
            raise ConfigError("no password on standard input")
        return password
    value: str = click.prompt(
        "Password", hide_input=True, confirmation_prompt="Repeat the password"
    )
    return value


def _enrolment(name: str, secret: str) -> None:
    click.echo("enrol the second factor in an authenticator app now (shown only this once):")
    click.echo(f"  secret: {secret}")
    click.echo(f"  URI:    {provisioning_uri(secret, name)}")


@click.group()
def user() -> None:
    """Staff accounts: add, disable, unlock, grant roles and issue API tokens."""


@user.command("add")
@click.argument("name")
@click.option("--display-name", required=True, help="The person's name as staff pages show it.")
@_password_stdin
@pass_app
def add(app: AppContext, name: str, display_name: str, password_stdin: bool) -> None:
    """Create account NAME (no roles yet) and print its TOTP enrolment once."""
    store = app.store()
    secret = add_user(
        store,
        name,
        _password(password_stdin),
        display_name=display_name,
        actor=Principal.operator(),
        clock=SystemClock(),
    )
    click.echo(f"account {name} created; grant it a role: blotter user grant {name} ROLE")
    _enrolment(name, secret)


@user.command("disable")
@click.argument("name")
@click.option("--reason", required=True, help="Why (recorded in the audit log).")
@pass_app
def disable_command(app: AppContext, name: str, reason: str) -> None:
    """Disable account NAME and end all its sessions at once."""
    disable(app.store(), name, actor=Principal.operator(), clock=SystemClock(), reason=reason)
    click.echo(f"account {name} disabled; its sessions have ended")


@user.command("enable")
@click.argument("name")
@pass_app
def enable_command(app: AppContext, name: str) -> None:
    """Enable the disabled account NAME."""
    enable(app.store(), name, actor=Principal.operator(), clock=SystemClock())
    click.echo(f"account {name} enabled")


@user.command("unlock")
@click.argument("name")
@pass_app
def unlock_command(app: AppContext, name: str) -> None:
    """Unlock account NAME after failed log-ins, and forget the failures."""
    unlock(app.store(), name, actor=Principal.operator(), clock=SystemClock())
    click.echo(f"account {name} unlocked")


_role_argument = click.argument("role", type=click.Choice(GRANTABLE_ROLES))
_agency_option = click.option(
    "--agency",
    default=None,
    help=f"Agency slug (required for {' and '.join(AGENCY_ROLES)}; none for other roles).",
)


@user.command("grant")
@click.argument("name")
@_role_argument
@_agency_option
@pass_app
def grant_command(app: AppContext, name: str, role: str, agency: str | None) -> None:
    """Grant ROLE to account NAME (for one agency, or deployment-wide)."""
    grant(app.store(), name, role, agency, actor=Principal.operator(), clock=SystemClock())
    where = f" for {agency}" if agency else ""
    click.echo(f"{name} now holds {role}{where}")


@user.command("revoke")
@click.argument("name")
@_role_argument
@_agency_option
@pass_app
def revoke_command(app: AppContext, name: str, role: str, agency: str | None) -> None:
    """Revoke ROLE from account NAME (and the API tokens issued for it)."""
    revoke(app.store(), name, role, agency, actor=Principal.operator(), clock=SystemClock())
    where = f" for {agency}" if agency else ""
    click.echo(f"{name} no longer holds {role}{where}")


@user.command("list")
@format_option
@pass_app
def list_command(app: AppContext, fmt: str) -> None:
    """List accounts with their status, roles and last log-in (no secrets)."""
    records = list_users(app.store(read_only=True))
    result = QueryResult(
        columns=("user_name", "display_name", "status", "roles", "totp", "last_login_at"),
        rows=[
            (
                r.user_name,
                r.display_name,
                r.status,
                [f"{role}@{agency}" if agency else role for role, agency in r.grants],
                "enrolled" if r.totp_enrolled else "missing",
                r.last_login_at,
            )
            for r in records
        ],
    )
    click.echo(render(result, fmt))


@user.command("token")
@click.argument("name")
@click.option("--agency", required=True, help="Agency slug the token acts for.")
@click.option(
    "--role", required=True, type=click.Choice(AGENCY_ROLES), help="Role the token acts in."
)
@click.option(
    "--days",
    type=click.IntRange(1, MAX_DAYS),
    default=30,
    show_default=True,
    help=f"Days until it expires (at most {MAX_DAYS}).",
)
@pass_app
def token_command(app: AppContext, name: str, agency: str, role: str, days: int) -> None:
    """Issue an API token for account NAME; it is printed once and never again."""
    raw = issue(
        app.store(),
        name,
        agency=agency,
        role=role,
        days=days,
        actor=Principal.operator(),
        clock=SystemClock(),
    )
    token_id = raw.split("_")[1]
    click.echo(f"API token {token_id} for {name} ({role} of {agency}), valid {days} days.")
    click.echo("Copy it now; it is shown only this once:")
    click.echo(raw)


@user.command("revoke-token")
@click.argument("token_id")
@pass_app
def revoke_token_command(app: AppContext, token_id: str) -> None:
    """Revoke the API token TOKEN_ID (the id printed when it was issued)."""
    revoke_token(app.store(), token_id, actor=Principal.operator(), clock=SystemClock())
    click.echo(f"API token {token_id} revoked")


@user.command("reset-totp")
@click.argument("name")
@pass_app
def reset_totp_command(app: AppContext, name: str) -> None:
    """Enrol a new TOTP secret for NAME (a lost phone); the old one stops working."""
    secret = reset_totp(app.store(), name, actor=Principal.operator(), clock=SystemClock())
    click.echo(f"new second factor for {name}; its sessions have ended")
    _enrolment(name, secret)


@user.command("password")
@click.argument("name")
@_password_stdin
@pass_app
def password_command(app: AppContext, name: str, password_stdin: bool) -> None:
    """Set a new password for NAME; its sessions end."""
    change_password(
        app.store(),
        name,
        _password(password_stdin),
        actor=Principal.operator(),
        clock=SystemClock(),
    )
    click.echo(f"password of {name} changed; its sessions have ended")


@user.command("expire-inactive")
@click.option(
    "--days",
    type=click.IntRange(min=1),
    default=INACTIVE_DAYS,
    show_default=True,
    help="Disable accounts not used for this many days.",
)
@pass_app
def expire_inactive(app: AppContext, days: int) -> None:
    """Disable every account not used for 90 days (run it daily)."""
    names = disable_inactive(app.store(), clock=SystemClock(), days=days)
    for name in names:
        click.echo(f"disabled {name} (not used for {days} days)")
    click.echo(f"{len(names)} account(s) disabled")
