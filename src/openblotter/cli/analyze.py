"""``blotter analyze``: run a disparity test on a counts file and print one row per estimate.

``blotter analyze threshold`` fits the threshold test (``docs/methods/threshold-test.md``) to a
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
    """Run a disparity test on aggregated counts."""


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
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="CSV of counts, one row per location x group.",
)
@click.option("--location", required=True, help="Column naming the location (e.g. county).")
@click.option("--group", required=True, help="Column naming the group (e.g. driver race).")
@click.option("--stops", required=True, help="Column with the number of stops.")
@click.option("--searches", required=True, help="Column with the number of searches.")
@click.option(
    "--hits", required=True, help="Column with the number of searches that found contraband."
)
@click.option("--by", default=None, help="Column to split on; one fit per value (e.g. state).")
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
    counts_path: Path,
    location: str,
    group: str,
    stops: str,
    searches: str,
    hits: str,
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
    import polars as pl

    from openblotter.analysis.threshold import fit_threshold

    try:
        counts = pl.read_csv(counts_path, infer_schema_length=None)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise SourceUnreadableError(f"cannot read counts file {counts_path.name}: {exc}") from exc
    fitted = fit_threshold(
        counts,
        location=location,
        group=group,
        stops=stops,
        searches=searches,
        hits=hits,
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
