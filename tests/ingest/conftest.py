"""Fixtures for ingest tests (the builders live in builders.py)."""

from tests.ingest.builders import stops_mapping

__all__ = ["stops_mapping"]
