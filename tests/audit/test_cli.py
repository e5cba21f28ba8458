"""``blotter audit`` through click's CliRunner (the group is registered in cli/__init__ by the
lead), and once as a user runs it, for the exit code of a tampered log."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import TYPE_CHECKING

from click.testing import CliRunner

from openblotter.audit import current_head, entries, published_heads, verify
from openblotter.cli.audit import audit, operator, printable
from openblotter.cli.context import AppContext
from openblotter.errors import IntegrityError
from tests.audit.conftest import HOSTILE, Log, event

if TYPE_CHECKING:
    from click.testing import Result

    from openblotter.settings import Settings


def run(settings: Settings, *args: str) -> Result:
    app = AppContext(settings=settings)
    try:
        return CliRunner().invoke(audit, list(args), obj=app)
    finally:
        app.close()


def test_operator__is_the_os_user() -> None:
    assert operator().startswith("cli:")
    assert len(operator()) > len("cli:")


def test_printable__encodes_what_a_terminal_would_obey() -> None:
    assert printable("a\r\nb\x1b[31mc\u202ed\\") == "a\\r\\nb\\x1b[31mc\\u202ed\\\\"
    assert printable("José <script>") == "José <script>"
    assert printable(None) == ""


def test_verify__intact_log_exits_0_with_one_line(log: Log) -> None:
    log.fill(12)
    result = run(log.settings, "verify")
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines() == [
        "audit log intact: 12 entries, hash chain verified, 0 published head(s) match"
    ]


def test_verify__tampered_log_is_an_integrity_error_naming_the_entry(log: Log) -> None:
    log.fill(12)
    log.raw(("UPDATE audit_log SET reason = ? WHERE idx = ?", ["quietly changed", 4]))
    log.store.close()
    result = run(log.settings, "verify")
    assert isinstance(result.exception, IntegrityError)
    assert result.exception.exit_code == 7
    assert "first bad entry 4" in str(result.exception)


def _blotter(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BLOTTER_")}
    env["BLOTTER_DATA_DIR"] = str(settings.data_dir)
    if settings.database_url is not None:
        env["BLOTTER_DATABASE_URL"] = settings.database_url.get_secret_value()
    driver = (
        "import sys; from openblotter.cli import cli, main; from openblotter.cli.audit import audit;"
        " cli.add_command(audit); main(sys.argv[1:])"
    )
    return subprocess.run(
        [sys.executable, "-c", driver, *args],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip


def test_verify__exits_7_as_a_user_runs_it(log: Log) -> None:
    log.fill(8)
    with log.store.transaction() as tx:
        from openblotter.audit import publish_head

        publish_head(tx, clock=log.clock, published_in="daily")
    log.raw(("UPDATE audit_log SET actor = ? WHERE idx = ?", ["nobody", 2]))
    log.store.close()
    result = _blotter(log.settings, "audit", "verify")
    assert result.returncode == 7, result.stderr
    assert result.stderr.count("\n") == 1
    assert "first bad entry 2" in result.stderr
    assert "head of size 8" in result.stderr
    assert "Traceback" not in result.stderr


def test_head__prints_size_and_root(log: Log) -> None:
    log.fill(5)
    head = current_head(log.store)
    result = run(log.settings, "head")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [f"size: {head.size}", f"root: {head.root}"]
    assert published_heads(log.store) == []


def test_head__publish_records_the_head_as_an_audited_action(log: Log) -> None:
    log.fill(5)
    head = current_head(log.store)
    result = run(log.settings, "head", "--publish")
    assert result.exit_code == 0, result.output
    assert f"root: {head.root}" in result.output
    (published,) = published_heads(log.store)
    assert (published.size, published.root, published.published_in) == (5, head.root, "daily")
    (entry,) = entries(log.store, limit=1)
    assert entry["idx"] == 5
    assert entry["action"] == "audit.head.publish"
    assert entry["actor"] == operator()
    assert entry["role"] == "operator"
    assert entry["object"] == "audit_head:5"
    assert verify(log.store).ok


def test_consistency__extends_a_kept_head_and_exits_7_when_not(log: Log) -> None:
    log.fill(6)
    head = current_head(log.store)
    log.fill(4)
    result = run(log.settings, "consistency", "--size", "6", "--root", head.root)
    assert result.exit_code == 0, result.output
    assert "consistent" in result.output
    assert sum(line.startswith("proof: ") for line in result.output.splitlines()) >= 1
    log.raw(("DELETE FROM audit_log WHERE idx >= ?", [3]))
    log.store.close()
    failed = run(log.settings, "consistency", "--size", "6", "--root", head.root)
    assert isinstance(failed.exception, IntegrityError)
    assert "truncated" in str(failed.exception)


def test_prove__prints_the_proof_as_json(log: Log) -> None:
    log.fill(9)
    result = run(log.settings, "prove", "--first", "3")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["first"] == 3
    assert payload["second"] == 9
    assert len(payload["proof"]) >= 1
    pair = json.loads(run(log.settings, "prove", "--first", "3", "--second", "6").output)
    assert pair["second"] == 6


def test_log__reading_is_audited_and_hostile_values_are_encoded(log: Log) -> None:
    log.fill(3)
    from openblotter.audit import record

    record(log.store, event(3, reason=HOSTILE, object="<script>x</script>"), clock=log.clock)
    result = run(log.settings, "log", "--limit", "10")
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output
    assert "\r" not in result.output
    assert "\u202e" not in result.output
    assert "line one\\r\\nline two\\x1b[31m" in result.output
    lines = result.output.splitlines()
    assert lines[-1] == "(5 rows)"
    assert "audit.read" in lines[2]  # newest first: the read itself
    read = entries(log.store, limit=1)[0]
    assert (read["action"], read["role"], read["actor"]) == ("audit.read", "operator", operator())


def test_log__json_is_exact_and_ascii(log: Log) -> None:
    from openblotter.audit import record

    record(log.store, event(0, reason=HOSTILE), clock=log.clock)
    result = run(log.settings, "log", "--format", "json", "--limit", "5")
    assert result.exit_code == 0, result.output
    assert result.output.isascii()
    rows = json.loads(result.output)
    assert [r["action"] for r in rows] == ["audit.read", "batch.ingest"]
    assert rows[1]["reason"] == HOSTILE
    assert rows[1]["logged_at"].endswith("+00:00")
    assert verify(log.store).ok
