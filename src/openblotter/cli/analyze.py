"""``blotter analyze``: run a disparity test on an agency's records or on a counts file.

``blotter analyze METHOD --agency SLUG`` runs one method of the analysis suite on the store
(``cli/analyze_agency.py``). ``blotter analyze threshold --counts FILE`` fits the threshold
test (``docs/methods/threshold-test.md``) to a
CSV of aggregated counts — one row per location x group, with stop, search and hit counts — and
prints one row per location x group (threshold = posterior mean, with its 95 % credible
interval), then the stop-weighted threshold of each group and its difference from the reference
group, as a table, CSV or JSON.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import click

from openblotter.analysis.suite import METHODS
from openblotter.cli.analyze_agency import (
    COMMAND_NAMES,
    agency_options,
    print_result,
    run_for_agency,
)
from openblotter.cli.context import AppContext, pass_app
from openblotter.cli.output import format_option, render
from openblotter.errors import SourceUnreadableError
from openblotter.storage.base import QueryResult

if TYPE_CHECKING:
    from openblotter.analysis.threshold_models import ModelName

__all__ = ["analyze", "threshold"]

_ROUNDED = {
    "estimate",
    "low",
    "high",
    "rhat",
    "ess",
    "search_rate",
    "search_rate_predicted",
    "hit_rate",
    "hit_rate_predicted",
    "prob_below_reference",
}


@click.group()
def analyze() -> None:
    """Run a disparity test on an agency's records (--agency) or on a counts file."""


def _table(rows: list[dict[str, Any]], by: str | None) -> QueryResult:
    lead = ([by] if by else []) + [
        "quantity",
        "location",
        "group",
        "reference",
        "estimate",
        "low",
        "high",
        "n",
    ]
    rest = [k for row in rows for k in row if k not in lead and k not in {"method", "level"}]
    columns = tuple(lead + list(dict.fromkeys(rest)))
    values = [
        tuple(
            round(row[c], 4) if c in _ROUNDED and isinstance(row.get(c), float) else row.get(c)
            for c in columns
        )
        for row in rows
    ]
    return QueryResult(columns=columns, rows=values)


@analyze.command()
@click.option(
    "--counts",
    "counts_path",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help="CSV of counts, one row per location x group.",
)
@click.option("--agency", default=None, help="Fit an agency's stops in the store instead.")
@click.option("--location", default=None, help="Column naming the location (e.g. county).")
@click.option("--group", default=None, help="Column naming the group (e.g. driver race).")
@click.option("--stops", default=None, help="Column with the number of stops.")
@click.option("--searches", default=None, help="Column with the number of searches.")
@click.option(
    "--hits", default=None, help="Column with the number of searches that found contraband."
)
@click.option(
    "--by",
    default=None,
    help="Counts: column to split on, one fit per value (e.g. state). Agency: the geography "
    "used as locations [default: the agency's own].",
)
@click.option(
    "--model",
    type=click.Choice(["beta", "discriminant"]),
    default="beta",
    show_default=True,
    help="beta: the reference model (Simoiu et al. 2017); discriminant: the fast test "
    "(Pierson et al. 2018).",
)
@click.option(
    "--reference-group",
    default=None,
    help="Group the differences are taken against [default: the group with most stops].",
)
@click.option(
    "--seed", type=int, default=0, show_default=True, help="Random seed (same seed, same numbers)."
)
@click.option("--draws", type=int, default=500, show_default=True, help="Kept draws per chain.")
@click.option(
    "--warmup", type=int, default=None, help="Warm-up iterations per chain [default: --draws]."
)
@click.option("--chains", type=int, default=2, show_default=True, help="Number of NUTS chains.")
@format_option
def threshold(
    counts_path: Path | None,
    agency: str | None,
    location: str | None,
    group: str | None,
    stops: str | None,
    searches: str | None,
    hits: str | None,
    by: str | None,
    model: str,
    reference_group: str | None,
    seed: int,
    draws: int,
    warmup: int | None,
    chains: int,
    fmt: str,
) -> None:
    """Fit the threshold test and print one row per location x group, then per group.

    Rows of quantity ``threshold`` are the cells; ``weighted_threshold`` the stop-weighted
    average per group; ``threshold_difference`` a group minus the reference group. JSON output
    also carries the convergence and posterior-predictive diagnostics of each fit.
    """
    import numpyro  # type: ignore[import-untyped]  # the host device count must be set before JAX starts

    numpyro.set_host_device_count(max(1, min(chains, os.cpu_count() or 1)))
    if (counts_path is None) == (agency is None):
        raise click.UsageError("give exactly one of --counts FILE and --agency SLUG")
    if agency is not None:
        app = click.get_current_context().find_object(AppContext)
        if app is None:  # pragma: no cover - only when the command is used outside `blotter`
            raise click.UsageError("--agency needs the blotter command's settings")
        result = run_for_agency(
            app,
            "threshold-test",
            agency,
            by=by,
            group_field="subject_race",
            reference=reference_group,
            eligibility="known",
            seed=seed,
            draws=draws,
        )
        print_result(result, fmt)
        return
    named = {"location": location, "group": group, "stops": stops}
    named |= {"searches": searches, "hits": hits}
    columns = {name: value for name, value in named.items() if value is not None}
    if len(columns) < len(named) or counts_path is None:
        absent = ", ".join(f"--{name}" for name in named if name not in columns)
        raise click.UsageError(f"--counts needs {absent}")
    import polars as pl

    from openblotter.analysis.threshold import fit_threshold

    try:
        counts = pl.read_csv(counts_path, infer_schema_length=None)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise SourceUnreadableError(f"cannot read counts file {counts_path.name}: {exc}") from exc
    fitted = fit_threshold(
        counts,
        location=columns["location"],
        group=columns["group"],
        stops=columns["stops"],
        searches=columns["searches"],
        hits=columns["hits"],
        by=by,
        model=cast("ModelName", model),
        chains=chains,
        draws=draws,
        warmup=warmup,
        seed=seed,
        reference_group=reference_group,
        provenance={"counts_file": counts_path.name},
    )
    results = fitted if isinstance(fitted, list) else [fitted]
    if fmt == "json":
        payload = [
            {
                "rows": r.rows(),
                "diagnostics": r.diagnostics,
                "caveats": list(r.caveats),
                "summary": r.summary,
            }
            for r in results
        ]
        click.echo(json.dumps(payload if by else payload[0], indent=2, ensure_ascii=False))
        return
    rows = [row for r in results for row in r.rows()]
    click.echo(render(_table(rows, by), fmt))
    if fmt == "table":
        for r in results:
            d = r.diagnostics
            click.echo(
                f"{r.summary}. R-hat max {float(d['rhat_max']):.3f}, ESS min "
                f"{float(d['ess_min']):.0f}, divergences {int(float(d['divergences']))}, "
                f"RMS error search rate {float(d['ppc_search_rate_rms']):.4f}, "
                f"hit rate {float(d['ppc_hit_rate_rms']):.4f}.",
                err=True,
            )
            for caveat in r.caveats:
                click.echo(f"caveat: {caveat}", err=True)


def _method_command(method: str) -> click.Command:
    spec = METHODS[method]

    @click.command(
        name=COMMAND_NAMES[method],
        help=f"{spec.title}: run the {method} method on an agency's records "
        f"(docs/methods/{method}.md).",
    )
    @click.option("--agency", required=True, help="Agency slug (see `blotter batches`).")
    @agency_options
    @format_option
    @pass_app
    def command(app: AppContext, /, agency: str, fmt: str, **options: Any) -> None:
        print_result(run_for_agency(app, method, agency, **options), fmt)

    return command


@analyze.command()
@click.option("--agency", required=True, help="Agency slug (see `blotter batches`).")
@click.option(
    "--method",
    "methods",
    multiple=True,
    type=click.Choice(sorted(METHODS)),
    help="Run only these methods (repeat) [default: every method the agency's data allows].",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of sampled models.")
@click.option("--draws", type=int, default=500, show_default=True, help="Draws of sampled models.")
@click.option(
    "--save/--no-save",
    default=False,
    help="Write the publishable results (small counts suppressed) to "
    "<data-dir>/analyses/<agency>.json for the portal.",
)
@format_option
@pass_app
def suite(
    app: AppContext,
    agency: str,
    methods: tuple[str, ...],
    seed: int,
    draws: int,
    save: bool,
    fmt: str,
) -> None:
    """Run every analysis method on an agency's records; one line per method."""
    from openblotter.cli.analyze_agency import run_suite_for_agency

    run_suite_for_agency(
        app, agency, methods=methods or None, seed=seed, draws=draws, save=save, fmt=fmt
    )


for _method in METHODS:
    if COMMAND_NAMES[_method] != "threshold":
        analyze.add_command(_method_command(_method))
