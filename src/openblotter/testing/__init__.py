"""Public helpers for tests, benchmarks and plugin authors: synthetic data with known truth."""

from openblotter.testing.synthetic import (
    StopScenario,
    identity_mapping_yaml,
    records,
    stops_frame,
    stops_mapping_yaml,
    write_records_csv,
    write_stops_csv,
)

__all__ = [
    "StopScenario",
    "identity_mapping_yaml",
    "records",
    "stops_frame",
    "stops_mapping_yaml",
    "write_records_csv",
    "write_stops_csv",
]
