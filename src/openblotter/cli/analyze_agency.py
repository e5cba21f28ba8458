"""``blotter analyze METHOD --agency SLUG``: run one analysis method on an agency's records.

One subcommand per method of :data:`openblotter.analysis.suite.METHODS` (``rates``,
``outcome``, ``veil``, ``threshold``, ``force``, …), all with the same options. The output is
one row per estimate (table or CSV) or the whole result as JSON — estimates, intervals, n,
filters, caveats, diagnostics and provenance.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

from openblotter.cli.output import render
from openblotter.storage.base import QueryResult

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from openblotter.analysis.result import Result
    from openblotter.cli.context import AppContext
    from openblotter.storage import Store

__all__ = [
    "COMMAND_NAMES",
    "agency_options",
    "print_result",
    "run_for_agency",
    "run_suite_for_agency",
]

COMMAND_NAMES = {
    "rates-and-benchmarks": "rates",
    "per-capita-rates": "per-capita",
    "outcome-test": "outcome",
    "veil-of-darkness": "veil",
    "threshold-test": "threshold",
    "use-of-force-regression": "force",
    "force-severity": "force-severity",
    "complaint-outcomes": "complaints",
    "officer-benchmarking": "officers",
}
"""Subcommand name of each method id (every id of ``METHODS`` has one; a test checks)."""

_ROUND = 4


def agency_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """The options every ``analyze`` subcommand takes in agency mode."""
    options = [
        click.option(
            "--by",
            default=None,
            help="Field to break results down by (district, precinct, beat, year, month …) "
            "[default: the agency's own geography where the method needs one].",
        ),
        click.option(
            "--group",
            "group_field",
            default="subject_race",
            show_default=True,
            help="Subject field to compare groups of (subject_race, subject_sex, age_band …).",
        ),
        click.option(
            "--reference",
            default=None,
            help="Group the others are compared with [default: white when present].",
        ),
        click.option(
            "--eligibility",
            type=click.Choice(["known", "opp"]),
            default="known",
            show_default=True,
            help="known: records whose outcome and group are known; opp: Stanford Open "
            "Policing's rules.",
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _cell(value: Any) -> Any:
    return round(value, _ROUND) if isinstance(value, float) else value


def print_result(result: Result, fmt: str) -> None:
    """Print a result: rows as a table or CSV (summary and caveats to stderr), or JSON."""
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False, default=str))
        return
    rows = result.rows()
    columns = list(dict.fromkeys(k for row in rows for k in row if k not in {"method", "level"}))
    table = QueryResult(
        columns=tuple(columns),
        rows=[tuple(_cell(row.get(c)) for c in columns) for row in rows],
    )
    click.echo(render(table, fmt))
    if fmt == "table":
        if result.summary:
            click.echo(result.summary, err=True)
        for rule in result.filters:
            click.echo(f"filter: {rule}", err=True)
        for caveat in result.caveats:
            click.echo(f"caveat: {caveat}", err=True)
        if result.provenance:
            where = ", ".join(f"{k} {v}" for k, v in result.provenance.items())
            click.echo(f"from: {where}", err=True)


def run_for_agency(
    app: AppContext,
    method: str,
    agency: str,
    *,
    by: str | None,
    group_field: str,
    reference: str | None,
    eligibility: str,
    seed: int = 0,
    draws: int = 500,
) -> Result:
    """Run ``method`` on the agency's records in the configured store."""
    from openblotter.analysis.suite import Options, run_method

    options = Options(
        by=by,
        group=group_field,
        reference=reference,
        eligibility=eligibility,
        seed=seed,
        draws=draws,
    )
    return run_method(app.store(read_only=True), agency, method, options)


def run_suite_for_agency(
    app: AppContext,
    agency: str,
    *,
    methods: Sequence[str] | None,
    seed: int,
    draws: int,
    save: bool,
    fmt: str,
    store: Store | None = None,
) -> None:
    """Run the suite, print one line per method (or JSON), and save the publishable results."""
    from openblotter.analysis.suite import Failure, Options, publishable, run_suite
    from openblotter.cli.release import agency_publication
    from openblotter.clock import SystemClock

    store = store or app.store(read_only=not save)
    outcomes = run_suite(store, agency, methods=methods, options=Options(seed=seed, draws=draws))
    _, policy, _ = agency_publication(app, agency)
    document = publishable(
        outcomes,
        agency=agency,
        min_cell=policy.min_cell,
        generated_at=SystemClock().now().isoformat(timespec="seconds"),
    )
    if save:
        folder = app.settings.data_dir / "analyses"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{agency}.json"
        staging = target.with_suffix(".json.tmp")
        staging.write_text(json.dumps(document, indent=1, ensure_ascii=False, default=str))
        staging.replace(target)
    if fmt == "json":
        click.echo(json.dumps(document, indent=2, ensure_ascii=False, default=str))
        return
    rows = [
        (o.method, "failed", o.reason) if isinstance(o, Failure) else (o.method, "ok", o.summary)
        for o in outcomes
    ]
    click.echo(render(QueryResult(columns=("method", "status", "finding"), rows=rows), fmt))
