"""The analysis report: plain-language findings and accessible charts from analysis Results.

A layer above :mod:`openblotter.analysis` (which never imports it): :mod:`~.charts` draws SVG
charts with their summary and data table, :mod:`~.findings` writes the sentences,
:mod:`~.render` lays out the HTML page. The portal (issue 6) reuses the charts and findings.
Words are in the current language (:func:`~.i18n.use_locale`; English and Spanish), or in the
``locale`` an entry point is given.
"""

from openblotter.report.charts import ChartRow, ChartSpec, figure
from openblotter.report.findings import findings, headline
from openblotter.report.i18n import Numbers, use_locale
from openblotter.report.render import render_report

__all__ = [
    "ChartRow",
    "ChartSpec",
    "Numbers",
    "figure",
    "findings",
    "headline",
    "render_report",
    "use_locale",
]
