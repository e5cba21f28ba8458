"""The HTML analysis report: one self-contained, accessible page of findings, charts and tables.

:func:`render_report` lays out the results of an analysis run (and the methods that could not
run, with their reasons) as one HTML page: a summary of key findings at the top, then per method
its findings, a chart with a one-sentence summary and a data table per quantity, its caveats, the
records it used, where they came from and a link to the method's page. The page has inline CSS
and no JavaScript and makes no request of its own, so it can be mailed, archived and printed;
it has ``lang``, a skip link, one ``h1`` with an ``h2`` per method and ``h3`` within, visible focus
styles, AA contrast and a print stylesheet (checked with axe-core in ``tests/browser``).

Templates live in ``report/templates`` and are rendered by Jinja2 with autoescaping on and the
i18n extension, whose ``_()`` is :func:`~openblotter.report.i18n.gettext`: the page is written in
its ``locale`` (``blotter report --locale es``), with ``lang`` set to match. What the analyses
wrote themselves — filters, caveats, the reason a method did not run — is in English and marked
``lang="en"`` on a page in another language.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

import jinja2

from openblotter import __version__
from openblotter.errors import ConfigError
from openblotter.report.i18n import (
    DEFAULT_LOCALE,
    N_,
    Numbers,
    gettext,
    language_of,
    ngettext,
    use_locale,
)
from openblotter.report.i18n import gettext as _
from openblotter.report.quantities import field_title
from openblotter.report.sections import build_sections

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Mapping, Sequence

    from openblotter.analysis.result import Result
    from openblotter.analysis.suite import Failure
    from openblotter.report.findings import Subject

__all__ = ["environment", "render_report"]

_PROVENANCE_TITLES = {
    "store": N_("Store"),
    "standard": N_("Standard version"),
    "release": N_("Release"),
    "batches": N_("Ingest batches"),
}


@cache
def environment() -> jinja2.Environment:
    """The Jinja2 environment of the report's templates (autoescaped, i18n-ready)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("openblotter.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext, ngettext, newstyle=True
    )
    return env


def render_report(
    agency_name: str,
    results: Sequence[Result | Failure],
    *,
    generated_at: dt.datetime,
    provenance: Mapping[str, str],
    locale: str = "en",
    methods_url: str = "docs/methods/",
    subject: Subject = ("people", "person"),
    title: str | None = None,
) -> str:
    """One self-contained HTML page reporting ``results`` for ``agency_name``.

    ``results`` are :class:`~openblotter.analysis.result.Result` objects and
    :class:`~openblotter.analysis.suite.Failure` objects (a method that could not run, shown
    with its reason), in the order to show them. ``generated_at`` must be timezone-aware;
    ``provenance`` describes the run as a whole (store, standard version, release). Numbers are
    formatted for ``locale``, and the words are in its language (English where the catalogue has
    no translation). ``methods_url`` is where the method pages live: a base to which
    ``<id>.md`` is appended, or a pattern with ``{method}``. ``subject`` names the people the
    records are about (``("drivers", "driver")`` for traffic stops).
    """
    if generated_at.tzinfo is None or generated_at.utcoffset() is None:
        raise ConfigError("generated_at must be timezone-aware")
    numbers = Numbers(locale)
    with use_locale(locale):
        sections = build_sections(
            results, numbers=numbers, subject=subject, methods_url=methods_url
        )
        page_title = title or _(
            "Stops, searches and force: what the records of {agency} show"
        ).format(agency=agency_name)
        template = environment().get_template("report.html.j2")
        return template.render(
            lang=locale.replace("_", "-"),
            english=language_of(locale) == DEFAULT_LOCALE,
            title=page_title,
            agency=agency_name,
            generated=numbers.datetime(generated_at),
            level=numbers.level(0.95),
            sections=sections,
            provenance=[
                (_(_PROVENANCE_TITLES[k]) if k in _PROVENANCE_TITLES else field_title(k), v)
                for k, v in provenance.items()
            ],
            version=__version__,
        )
