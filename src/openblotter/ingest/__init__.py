"""Read agency files, map them to the standard, validate them and load them as batches."""

from openblotter.ingest.agencies import AgencyFolder, choose_mapping
from openblotter.ingest.mapping import AgencyConfig, Mapping, load_agency, load_mapping
from openblotter.ingest.pipeline import IngestResult, ingest_file

__all__ = [
    "AgencyConfig",
    "AgencyFolder",
    "IngestResult",
    "Mapping",
    "choose_mapping",
    "ingest_file",
    "load_agency",
    "load_mapping",
]
