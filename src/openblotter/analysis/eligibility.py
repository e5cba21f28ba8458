"""Which records a rate or an outcome test counts: the eligibility rules, shared by both.

Two named rule sets (the ``eligibility`` option):

* ``"known"`` (the default) — every record whose group (race, sex, age band or ethnicity) and
  whose outcome were recorded. A group value of ``unknown`` says nothing about the group, so it
  counts as not recorded. Nothing else is removed.
* ``"opp"`` — the Stanford Open Policing Project's rules (``stanford-policylab/opp``,
  ``lib/eligibility.R``, ``lib/disparity.R``, ``lib/opp.R``), for results comparable with
  Pierson et al. (2020): vehicular stops only; stop dates in 2011-2018; drivers recorded as
  white, black or hispanic; an agency whose race is recorded on fewer than 65 % of its stops is
  left out; and, for the outcome test, search_conducted and (among searches) contraband_found
  recorded at least half the time, a search with no contraband_found recorded counted as finding
  nothing, and discretionary searches as OPP defines them (below).

Discretionary searches. A search some rule makes routine leaves the officer no judgement to
test: :data:`NON_DISCRETIONARY` lists the ``search_basis`` codes that mark one (incident to
arrest, search warrant, condition of supervision, vehicle inventory, and ``other``, into which
OPP folds those). A search is discretionary when none of its bases is one of them; a search with
no basis recorded counts as discretionary (OPP assumes probable cause). Under ``"opp"`` the
bases are first mapped to OPP's levels (the code list's ``opp`` column) and a search is
discretionary when none maps to ``other`` (so suspected weapons, officer safety and exigent
circumstances are excluded too), and if fewer than half the searches have a basis, all searches
are kept, as OPP does.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Literal

import ibis
import polars as pl

from openblotter.analysis.source import GEOGRAPHY_FIELDS
from openblotter.errors import ConfigError
from openblotter.schema import load_standard

if TYPE_CHECKING:
    from collections.abc import Mapping

    import ibis.expr.types as ir

__all__ = [
    "ELIGIBILITY",
    "GROUPS",
    "NON_DISCRETIONARY",
    "OPP_RACES",
    "OPP_YEARS",
    "PERIODS",
    "Eligibility",
    "any_basis",
    "check_options",
    "choose_reference",
    "describe_group",
    "group_known",
    "non_discretionary_codes",
    "opp_filters",
    "opp_stops",
    "place_labels",
]

Eligibility = Literal["known", "opp"]
ELIGIBILITY: tuple[str, ...] = ("known", "opp")
GROUPS = ("subject_race", "subject_sex", "age_band", "subject_ethnicity")
"""The person fields a rate can compare groups by."""
PERIODS = ("year", "month")
"""The period fields a result can be broken down by (besides the geography fields)."""
UNKNOWN = "unknown"
NON_DISCRETIONARY = (
    "incident to arrest",
    "search warrant",
    "supervision condition",
    "vehicle inventory",
    "other",
)
"""``search_basis`` codes that make a search routine rather than a judgement (default rule)."""
_FALSE = ibis.literal(value=False)
OPP_RACES = ("white", "black", "hispanic")
OPP_YEARS = (2011, 2018)
OPP_RACE_COVERAGE = 0.65
OPP_COLUMN_COVERAGE = 0.5
_DISCRETIONARY_OPP_LEVELS = ("plain view", "consent", "probable cause", "k9")


def check_options(
    *, group: str, by: str | None, eligibility: str, level: float, groups: tuple[str, ...] = GROUPS
) -> None:
    """Raise :class:`~openblotter.errors.ConfigError` for an option the methods do not take."""
    if group not in groups:
        raise ConfigError(f"group must be one of {', '.join(groups)} (got {group!r})")
    if by is not None and by not in (*GEOGRAPHY_FIELDS, *PERIODS):
        raise ConfigError(
            f"by must be a geography field ({', '.join(GEOGRAPHY_FIELDS)}) or a period "
            f"({', '.join(PERIODS)}); got {by!r}"
        )
    if eligibility not in ELIGIBILITY:
        raise ConfigError(f"eligibility must be one of {', '.join(ELIGIBILITY)}")
    if eligibility == "opp" and group != "subject_race":
        raise ConfigError("eligibility='opp' compares subject_race groups only")
    if not 0.5 <= level < 1.0:
        raise ConfigError("level must be in [0.5, 1)")


def opp_stops(view: ir.Table) -> ir.Table:
    """OPP's row filters that run in the store: vehicular stops dated 2011-2018."""
    first, last = OPP_YEARS
    return view.filter(view.type == "vehicular", view.year.between(first, last))


def opp_filters() -> tuple[str, ...]:
    """OPP's base rules in words, with where they come from."""
    first, last = OPP_YEARS
    return (
        "Open Policing eligibility (stanford-policylab/opp lib/eligibility.R): vehicular stops "
        "only (filter_to_vehicular_stops)",
        f"stop dates in {first}-{last} (filter_to_analysis_years)",
        "subject_race white, black or hispanic (filter_to_analysis_races); an agency whose race "
        f"is recorded on fewer than {OPP_RACE_COVERAGE:.0%} of stops is left out",
    )


@cache
def non_discretionary_codes(eligibility: str) -> tuple[str, ...]:
    """The ``search_basis`` codes that make a search non-discretionary under a rule set."""
    if eligibility == "opp":
        codes = load_standard().codelist("search_basis").codes
        return tuple(c.code for c in codes if c.opp not in _DISCRETIONARY_OPP_LEVELS)
    return NON_DISCRETIONARY


def any_basis(basis: ir.ArrayValue, codes: tuple[str, ...]) -> ir.BooleanValue:
    """True where the list of search bases holds any of ``codes`` (False where it is empty)."""
    hit: ir.BooleanValue = ibis.or_(*(basis.contains(code) for code in codes))
    return hit.fill_null(ibis.literal(value=False))


def group_known(frame: pl.DataFrame, group: str, eligibility: str) -> tuple[pl.DataFrame, int, int]:
    """Keep the rows of an aggregated frame whose group counts; return it and the dropped sizes.

    ``frame`` has the ``group`` column and ``n``. Returns (kept rows, records without a group,
    records of groups the rule set leaves out).
    """
    missing = pl.col(group).is_null() | (pl.col(group) == UNKNOWN)
    without = int(frame.filter(missing).get_column("n").sum())
    kept = frame.filter(~missing)
    other = 0
    if eligibility == "opp":
        outside = ~pl.col(group).is_in(OPP_RACES)
        other = int(kept.filter(outside).get_column("n").sum())
        kept = kept.filter(~outside)
    return kept, without, other


def choose_reference(sizes: Mapping[str, int], reference: str | None) -> str:
    """The reference group: the one asked for, else ``white`` if present, else the largest."""
    if not sizes:
        raise ConfigError("no records with a known group: nothing to compare")
    if reference is not None:
        if reference not in sizes:
            raise ConfigError(
                f"reference group {reference!r} has no records (groups: {', '.join(sorted(sizes))})"
            )
        return reference
    if "white" in sizes:
        return "white"
    return max(sorted(sizes), key=lambda g: sizes[g])


def place_labels(by: str | None, place: str | None) -> dict[str, str]:
    """The ``geography``/``place`` labels of an estimate (``agency``/``all`` for the whole)."""
    if by is None or place is None:
        return {"geography": "agency", "place": "all"}
    return {"geography": by, "place": place}


_SEX_WORDS = {"male": "male", "female": "female", "other": "other-sex"}
_ETHNICITY_WORDS = {"hispanic": "Hispanic", "not hispanic": "non-Hispanic"}


def describe_group(group: str, value: str) -> str:
    """A group value in words for a summary sentence (``"Black people"``).

    ``group`` is the field (a counts table's ``group`` column is read as race).
    """
    if group in ("subject_race", "group"):
        if value == "other":
            return "people of another race"
        code = load_standard().codelist("race").get(value)
        label = code.label if code is not None and value != "white" else value
        return f"{label} people"
    if group == "subject_sex":
        return f"{_SEX_WORDS.get(value, value)} people"
    if group == "subject_ethnicity":
        return f"{_ETHNICITY_WORDS.get(value, value)} people"
    if group == "age_band":
        return f"people aged {value}"
    return f"people in group {value}"
