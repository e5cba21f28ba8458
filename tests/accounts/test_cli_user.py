"""``blotter user …`` through click's CliRunner, on both stores (the operator acts)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner

from openblotter.accounts import authenticate, list_tokens, login_password, login_totp
from openblotter.accounts.users import list_users
from openblotter.cli.context import AppContext
from openblotter.cli.user import user
from openblotter.clock import SystemClock
from openblotter.errors import ConfigError, PermissionDeniedError, WeakPasswordError
from openblotter.storage import initialize, open_store
from tests.accounts.conftest import AGENCY, PASSWORD, audit_rows

if TYPE_CHECKING:
    from openblotter.schema import Standard
    from openblotter.settings import Settings


@pytest.fixture
def settings(store_settings: Settings, standard: Standard) -> Settings:
    store = open_store(store_settings)
    try:
        initialize(store, standard)
    finally:
        store.close()
    return store_settings


def _run(
    settings: Settings, *args: str, stdin: str | None = None
) -> tuple[int, str, BaseException | None]:
    app = AppContext(settings=settings)
    try:
        result = CliRunner().invoke(user, list(args), obj=app, input=stdin)
    finally:
        app.close()
    return result.exit_code, result.output, result.exception


def _ok(settings: Settings, *args: str, stdin: str | None = None) -> str:
    code, output, error = _run(settings, *args, stdin=stdin)
    assert error is None, output
    assert code == 0
    return output


def _secret(output: str) -> str:
    return next(line.split()[-1] for line in output.splitlines() if "secret:" in line)


def test_user_add__prints_the_enrolment_once(settings: Settings) -> None:
    output = _ok(
        settings,
        "add",
        "maria",
        "--display-name",
        "María López",
        "--password-stdin",
        stdin=f"{PASSWORD}\n",
    )
    secret = _secret(output)
    assert "otpauth://totp/OpenBlotter%3Amaria?secret=" + secret in output
    assert PASSWORD not in output
    store = open_store(settings)
    try:
        [record] = list_users(store)
        assert (record.user_name, record.display_name, record.status) == (
            "maria",
            "María López",
            "active",
        )
        entry = audit_rows(store)[-1]
        assert entry["actor"].startswith("cli:")
        assert (entry["role"], entry["action"]) == ("operator", "user.add")
    finally:
        store.close()


def test_user_add__prompts_twice_for_the_password(settings: Settings) -> None:
    output = _ok(settings, "add", "maria", "--display-name", "M", stdin=f"{PASSWORD}\n{PASSWORD}\n")
    assert "Repeat the password" in output
    assert PASSWORD not in output
    code, output, error = _run(
        settings, "add", "bob", "--display-name", "B", "--password-stdin", stdin="password1\n"
    )
    assert isinstance(error, WeakPasswordError)
    assert code != 0


def test_user_commands__the_whole_lifecycle(settings: Settings) -> None:
    secret = _secret(
        _ok(
            settings,
            "add",
            "maria",
            "--display-name",
            "M",
            "--password-stdin",
            stdin=f"{PASSWORD}\n",
        )
    )
    assert "maria now holds data_officer for " + AGENCY in _ok(
        settings, "grant", "maria", "data_officer", "--agency", AGENCY
    )
    _ok(settings, "grant", "maria", "commenter")
    table = _ok(settings, "list")
    assert f"data_officer@{AGENCY}" in table
    assert "enrolled" in table
    rows = json.loads(_ok(settings, "list", "--format", "json"))
    assert rows[0]["user_name"] == "maria"
    assert rows[0]["roles"] == ["commenter", f"data_officer@{AGENCY}"]
    assert secret not in table

    output = _ok(
        settings, "token", "maria", "--agency", AGENCY, "--role", "data_officer", "--days", "7"
    )
    raw = output.strip().splitlines()[-1]
    store = open_store(settings)
    try:
        assert authenticate(store, raw, clock=SystemClock()).agency == AGENCY
        token_id = list_tokens(store, "maria")[0].token_id
    finally:
        store.close()
    assert f"API token {token_id}" in output
    assert "revoked" in _ok(settings, "revoke-token", token_id)

    _ok(settings, "disable", "maria", "--reason", "on leave")
    _ok(settings, "enable", "maria")
    _ok(settings, "unlock", "maria")
    _ok(settings, "password", "maria", "--password-stdin", stdin="another long passphrase\n")
    new_secret = _secret(_ok(settings, "reset-totp", "maria"))
    assert new_secret != secret
    _ok(settings, "revoke", "maria", "commenter")
    assert "0 account(s) disabled" in _ok(settings, "expire-inactive")

    store = open_store(settings)
    try:
        clock = SystemClock()
        pending = login_password(store, "maria", "another long passphrase", client="", clock=clock)
        from openblotter.accounts.totp import code_at

        session = login_totp(
            store, pending, code_at(new_secret, clock.now()), client="", clock=clock
        )
        assert session.principal().role == "data_officer"
        actions = [e["action"] for e in audit_rows(store) if e["outcome"] == "succeeded"]
    finally:
        store.close()
    assert actions == [
        "user.add",
        "user.grant",
        "user.grant",
        "user.token.issue",
        "user.token.revoke",
        "user.disable",
        "user.enable",
        "user.unlock",
        "user.password.change",
        "session.totp_enrol",
        "user.revoke",
        "session.login",
    ]


def test_user_commands__errors_reach_the_cli_boundary(settings: Settings) -> None:
    code, _output, error = _run(settings, "grant", "nobody", "auditor")
    assert code != 0
    assert error is not None
    _ok(settings, "add", "adam", "--display-name", "A", "--password-stdin", stdin=f"{PASSWORD}\n")
    _ok(settings, "grant", "adam", "admin")
    code, _output, error = _run(settings, "grant", "adam", "auditor")
    assert isinstance(error, PermissionDeniedError)
    code, _output, error = _run(settings, "grant", "adam", "supervisor")
    assert isinstance(error, ConfigError)
    code, output, error = _run(settings, "grant", "adam", "operator")
    assert code == 2  # click refuses a role that cannot be granted
    assert "operator" in output
    code, output, _error = _run(settings, "disable", "adam")
    assert code == 2
    assert "--reason" in output


def test_user_help__every_command_and_option_has_help() -> None:
    for name, command in user.commands.items():
        assert command.help, name
        for param in command.params:
            if param.param_type_name == "option":
                assert getattr(param, "help", None), f"{name} {param.name}"
