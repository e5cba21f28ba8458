"""``blotter report``: run the analyses on one agency's records and write the HTML report.

``blotter report --agency SLUG [--out FILE] [--methods ID,ID…] [--methods-url URL] [--locale es]``
runs every method the agency's records allow (or the ones named) through
:func:`openblotter.analysis.suite.run_suite`, and writes one self-contained, accessible HTML page
(:func:`openblotter.report.render.render_report`): key findings in plain language, a chart with a
one-sentence summary and a data table per quantity, caveats, the records used and where they
came from, and the methods that could not run with the reason. The page goes to
``<data dir>/reports/<slug>.html`` unless ``--out`` says otherwise (``-`` for standard output).
``--locale`` writes it in another language (``es``: Spanish words, Spanish numbers and
``lang="es"``); what the analyses wrote themselves (filters, caveats) stays in English.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from openblotter.analysis.suite import Failure, agency_context, run_suite
from openblotter.cli.context import AppContext, pass_app
from openblotter.clock import SystemClock
from openblotter.errors import ConfigError
from openblotter.report.i18n import language_of, languages
from openblotter.report.render import render_report
from openblotter.schema import STANDARD_VERSION

if TYPE_CHECKING:
    from openblotter.report.findings import Subject
    from openblotter.storage import Store

__all__ = ["report", "subject_of"]

_DEFAULT_METHODS_URL = "docs/methods/"


def subject_of(store: Store, agency: str) -> Subject:
    """Who the stops are about, for sentences: drivers when nine in ten stops are of vehicles."""
    with store.snapshot() as tx:
        rows = tx.query(
            'SELECT "type", count(*) FROM stops WHERE agency_slug = ? GROUP BY "type"',
            [agency],
        ).rows
    counts = {str(kind): int(n) for kind, n in rows}
    total = sum(counts.values())
    if total and counts.get("vehicular", 0) >= 0.9 * total:
        return ("drivers", "driver")
    if total and counts.get("pedestrian", 0) >= 0.9 * total:
        return ("pedestrians", "pedestrian")
    return ("people", "person")


@click.command("report")
@click.option("--agency", "agency_slug", required=True, help="Agency slug.")
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    default=None,
    help="Where to write the HTML ('-' for standard output) [default: DATA_DIR/reports/SLUG.html].",
)
@click.option(
    "--methods",
    default=None,
    help="Comma-separated method ids (as in docs/methods/) [default: every method the data allow].",
)
@click.option(
    "--methods-url",
    default=_DEFAULT_METHODS_URL,
    show_default=True,
    help="Where the method pages live: a base for ID.md, or a pattern with {method}.",
)
@click.option(
    "--locale",
    default="en",
    show_default=True,
    help="Language and number format of the report: en, es (Spanish) or a locale such as es_US.",
)
@pass_app
def report(
    app: AppContext,
    agency_slug: str,
    out: Path | None,
    methods: str | None,
    methods_url: str,
    locale: str,
) -> None:
    """Write an HTML report of plain-language findings, with accessible charts, for an agency."""
    if language_of(locale) not in languages():
        raise ConfigError(f"the report is written in {', '.join(languages())}, not in {locale!r}")
    store = app.store(read_only=True)
    chosen = [m.strip() for m in methods.split(",") if m.strip()] if methods else None
    with store.snapshot() as tx:
        name = str(agency_context(tx, agency_slug)["name"] or agency_slug)
    results = run_suite(store, agency_slug, methods=chosen)
    html = render_report(
        name,
        results,
        generated_at=SystemClock().now(),
        provenance={
            "store": store.dialect,
            "standard": STANDARD_VERSION,
        },
        methods_url=methods_url,
        subject=subject_of(store, agency_slug),
        locale=locale,
    )
    if out is not None and str(out) == "-":
        click.echo(html, nl=False)
        return
    target = out or app.settings.data_dir / "reports" / f"{agency_slug}.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(html, encoding="utf-8")
    ran = sum(1 for r in results if not isinstance(r, Failure))
    click.echo(
        f"report for {agency_slug} written to {target} "
        f"({ran} analyses, {len(results) - ran} not run)"
    )
