"""The analysis report: plain-language findings and accessible charts from analysis Results.

A layer above :mod:`openblotter.analysis` (which never imports it): :mod:`~.charts` draws SVG
charts with their summary and data table, :mod:`~.findings` writes the sentences,
:mod:`~.render` lays out the HTML page. The portal (issue 6) reuses the charts and findings.
"""

from openblotter.report.charts import ChartRow, ChartSpec, figure
from openblotter.report.findings import findings, headline
from openblotter.report.i18n import Numbers
from openblotter.report.render import render_report

__all__ = ["ChartRow", "ChartSpec", "Numbers", "figure", "findings", "headline", "render_report"]
