"""Benchmark denominators: the agency's ``population`` rows, matched to the records' codes.

The ``population`` dataset holds census or ACS counts per agency: one row per geography
(``geography_type``/``geography_id``) x race x sex x age band, with ``all`` for a total, and
the ``source`` table and ``vintage`` year they come from. :func:`population_cells` picks the
counts a per-capita rate needs (by race, or by sex, or by age band; at the agency level or per
police geography) from one source and vintage.

Codes. Stop, arrest and force records use the ``race`` code list; population rows the
``population_race`` list: the same Open Policing levels, without ``unknown`` and with ``all``.
:data:`POPULATION_CODES` maps each record code to its population code explicitly; a record
code absent there (``unknown``, a missing value; for sex ``other`` and ``unknown``) has no
population and its records are left out of per-capita rates.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from openblotter.analysis import source
from openblotter.analysis.eligibility import PERIODS
from openblotter.errors import ConfigError
from openblotter.privacy.generalize import AGE_BANDS

if TYPE_CHECKING:
    from openblotter.storage.base import Transaction

__all__ = ["GEOGRAPHY_TYPES", "POPULATION_CODES", "population_cells"]

POPULATION_CODES: dict[str, tuple[str, dict[str, str]]] = {
    "subject_race": (
        "race",
        {c: c for c in ("asian/pacific islander", "black", "hispanic", "white", "other")},
    ),
    "subject_sex": ("sex", {"male": "male", "female": "female"}),
    "age_band": ("age_band", {band: band for band in AGE_BANDS}),
}
"""For each group field: the ``population`` column it matches and record code → population
code (codes absent here, such as ``unknown``, have no population)."""
GEOGRAPHY_TYPES = {  # geography field of the records -> population geography_type
    "county_name": "county",
    "precinct": "precinct",
    "district": "district",
    "division": "division",
    "sector": "sector",
    "beat": "beat",
    "zone": "zone",
    "reporting_area": "reporting area",
}


def population_cells(
    tx: Transaction,
    agency: str,
    *,
    group: str,
    by: str | None,
    source_name: str | None = None,
    vintage: int | None = None,
) -> tuple[pl.DataFrame, str, int]:
    """The population counts by ``group`` (``place``, ``group``, ``population``); source; vintage.

    ``place`` is the ``geography_id`` for a geography ``by`` (district, beat...) and null for
    the agency-wide counts (``by`` None or a period). Uses ``source_name`` and ``vintage`` when
    given, else the latest vintage, which must then have a single source. Raises
    :class:`~openblotter.errors.ConfigError` saying how to load the rows when there are none.
    """
    population = source.table("population")
    needed = ("geography_type", "geography_id", "race", "sex", "age_band", "population")
    # named columns: a bare table compiles to SELECT *, which returns the store's own columns too
    mine = population.filter(population.agency_slug == agency)
    rows = source.run(mine.select(*needed, "source", "vintage"), tx)
    how = (
        f"load census counts with `blotter ingest --agency {agency} --dataset population "
        "--mapping MAPPING.yaml FILE.csv` (columns geography_type, geography_id, race, sex, "
        "age_band, population, source, vintage; see docs/methods/per-capita-rates.md)"
    )
    if rows.is_empty():
        raise ConfigError(f"no population rows for agency {agency!r}: {how}")
    if source_name is not None:
        rows = rows.filter(pl.col("source") == source_name)
    if vintage is not None:
        rows = rows.filter(pl.col("vintage") == vintage)
    if rows.is_empty():
        raise ConfigError(f"no population rows for {agency!r} with that source and vintage")
    latest = int(rows.get_column("vintage").max())  # type: ignore[arg-type]
    rows = rows.filter(pl.col("vintage") == latest)
    sources = sorted(set(rows.get_column("source")))
    if len(sources) > 1:
        raise ConfigError(f"several population sources for {latest}: choose one of {sources}")
    column, _ = POPULATION_CODES[group]
    geo_type = "agency" if by is None or by in PERIODS else GEOGRAPHY_TYPES[by]
    others = [pl.col(c) == "all" for c in ("race", "sex", "age_band") if c != column]
    cells = rows.filter(
        pl.col("geography_type") == geo_type, pl.col(column) != "all", *others
    ).select(place=pl.col("geography_id"), group=pl.col(column), population=pl.col("population"))
    if cells.is_empty():
        raise ConfigError(
            f"the population rows of {agency!r} ({sources[0]}, {latest}) have no counts by "
            f"{column} for geography_type {geo_type!r}: {how}"
        )
    if geo_type == "agency":
        if cells.get_column("place").n_unique() > 1:
            raise ConfigError(f"several agency-wide areas in the population rows of {agency!r}")
        cells = cells.with_columns(place=pl.lit(None, pl.String))
    return cells, sources[0], latest
