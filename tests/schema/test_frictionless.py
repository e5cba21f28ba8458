"""The published table schemas are valid Frictionless Table Schemas, and a sample conforms."""

from __future__ import annotations

import warnings

import pytest

from openblotter.schema import Standard

frictionless = pytest.importorskip("frictionless")


def test_every_table_schema__is_valid_frictionless(standard: Standard) -> None:
    for name in standard.datasets:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            schema = frictionless.Schema.from_descriptor(standard.schema(name).descriptor)
        assert [f.name for f in schema.fields] == list(standard.schema(name).field_names)
        report = frictionless.Schema.validate_descriptor(standard.schema(name).descriptor)
        assert report.valid, (name, [e.message for e in report.errors][:3])
