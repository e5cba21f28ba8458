"""Docs are complete: every issue code is documented, every command and option has help."""

from __future__ import annotations

from pathlib import Path

import click

from openblotter.cli import cli
from openblotter.validate.issues import ISSUE_CODES

ROOT = Path(__file__).resolve().parents[2]


def test_every_issue_code__is_documented() -> None:
    text = (ROOT / "docs" / "reference" / "issue-codes.md").read_text(encoding="utf-8")
    for code in ISSUE_CODES:
        assert f"`{code}`" in text, code


def _commands(group: click.Group, prefix: str = "blotter") -> list[tuple[str, click.Command]]:
    found: list[tuple[str, click.Command]] = []
    for name, command in group.commands.items():
        found.append((f"{prefix} {name}", command))
        if isinstance(command, click.Group):
            found += _commands(command, f"{prefix} {name}")
    return found


def test_every_command_and_option__has_help() -> None:
    for name, command in _commands(cli):
        assert (command.help or "").strip(), f"{name} has no help"
        for param in command.params:
            if isinstance(param, click.Option):
                assert (param.help or "").strip(), f"{name} {param.opts} has no help"


def test_every_command__is_in_the_readme_tour() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, command in _commands(cli):
        if not isinstance(command, click.Group):
            assert f"`{name}" in readme, f"{name} is not in the README's tour"


def test_every_setting__is_documented_in_the_readme() -> None:
    from openblotter.settings import Settings

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, field in Settings.model_fields.items():
        assert field.description, name
        assert f"BLOTTER_{name.upper()}" in readme, name


def test_every_api_route__is_in_the_api_reference(tmp_path: Path) -> None:
    from openblotter.storage.duckdb import DuckDBStore
    from openblotter.web.app import create_app
    from openblotter.web.portal import Portal

    text = (ROOT / "docs" / "reference" / "api.md").read_text(encoding="utf-8")
    with DuckDBStore(":memory:") as store:
        paths = create_app(Portal(store, tmp_path)).openapi()["paths"]
    for path in paths:
        if path == "/api/v1/openapi.json":
            continue
        assert f"`GET {path}" in text, f"{path} is not in docs/reference/api.md"
