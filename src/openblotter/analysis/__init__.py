"""Disparity analysis: the field's tests, run as aggregations in the store and models on them.

Each method (``docs/methods/<id>.md``) is registered in :data:`METHODS`; :func:`run_method` runs
one on an agency's records in a consistent snapshot of the store, :func:`run_suite` runs all the
agency's data allows. Methods can also be called directly on a transaction (``rates``,
``outcome``, ``veil``, ``threshold``, ``force``, ``complaints``, ``officers`` modules) or on
aggregated count tables (``rates_from_counts``, ``hit_rates_from_counts``, ``fit_threshold``).
Aggregations are Ibis expressions (:mod:`openblotter.analysis.source`), so they run inside
DuckDB, PostgreSQL or any engine Ibis speaks to.
"""

from openblotter.analysis.result import Estimate, Result
from openblotter.analysis.suite import METHODS, Failure, Method, Options, run_method, run_suite

__all__ = [
    "METHODS",
    "Estimate",
    "Failure",
    "Method",
    "Options",
    "Result",
    "run_method",
    "run_suite",
]
