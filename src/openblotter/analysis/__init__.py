"""Disparity analysis: the field's tests, run as aggregations in the store and models on them."""

from openblotter.analysis.result import Estimate, Result

__all__ = ["Estimate", "Result"]
