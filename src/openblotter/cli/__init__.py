"""The ``blotter`` command: a thin shell over the Python API.

Every error is translated here, once: one line on stderr and the exit code of its class
(see ``openblotter.errors``); the traceback only with ``--debug``. Exit codes: 0 success,
1 a general OpenBlotter error, 2 usage or configuration, 3 unreadable source, 4 malformed
schema, 5 not found, 6 not allowed, 7 integrity, 8 storage, 9 store version, 10 missing extra,
70 an internal error (a bug: please report it with the --debug output).
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path

import click

from openblotter.cli.context import AppContext
from openblotter.errors import BlotterError
from openblotter.logs import configure_logging
from openblotter.settings import Settings

__all__ = ["INTERNAL_ERROR_EXIT", "cli", "main"]

INTERNAL_ERROR_EXIT = 70


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="BLOTTER_DATA_DIR",
    help="Folder of the embedded store and releases [default: ./blotter-data].",
)
@click.option("--debug", is_flag=True, help="Print the full traceback of an error.")
@click.option("--log-level", default=None, help="Logging level on stderr (DEBUG, INFO, WARNING).")
@click.version_option(package_name="openblotter", prog_name="blotter")
@click.pass_context
def cli(ctx: click.Context, data_dir: Path | None, debug: bool, log_level: str | None) -> None:
    """OpenBlotter: load, check, protect, analyse and publish police data.

    The store is a DuckDB file in the data directory unless BLOTTER_DATABASE_URL points at
    PostgreSQL.
    """
    overrides: dict[str, object] = {"debug": debug} if debug else {}
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    if log_level is not None:
        overrides["log_level"] = log_level
    settings = Settings(**overrides)  # type: ignore[arg-type]
    configure_logging(settings.log_level)
    ctx.obj = AppContext(settings=settings)
    ctx.call_on_close(ctx.obj.close)


def _register() -> None:
    from openblotter.cli import (
        analyze,
        audit,
        db,
        demo,
        generate,
        ingest,
        mapping,
        release,
        report,
        serve,
        sql,
        standard,
        user,
    )

    for command in (
        standard.standard,
        db.db,
        sql.sql,
        ingest.ingest,
        ingest.batches,
        ingest.quarantine,
        mapping.mapping,
        generate.generate,
        release.release,
        release.completeness,
        analyze.analyze,
        report.report,
        serve.serve,
        demo.demo,
        user.user,
        audit.audit,
    ):
        cli.add_command(command)


_register()


def main(argv: list[str] | None = None) -> None:
    """Run the CLI and translate errors into one line and an exit code."""
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
        cli.main(args=argv, prog_name="blotter", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except BlotterError as exc:
        if debug:
            traceback.print_exc()
        click.echo(f"error [{exc.code}]: {exc}", err=True)
        sys.exit(exc.exit_code)
    except Exception as exc:
        if debug:
            traceback.print_exc()
        click.echo(
            f"internal error: {type(exc).__name__} (run again with --debug and report it)",
            err=True,
        )
        sys.exit(INTERNAL_ERROR_EXIT)
    sys.exit(0)
