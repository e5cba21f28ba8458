"""The outcome (hit-rate) test: were searches of one group less often successful?

Question. If officers search people of one group on less evidence than others, those searches
should find contraband less often: a lower *hit rate* (contraband found / searches) for a group
is the signature of a lower bar for searching it (Becker 1957; Knowles, Persico & Todd 2001;
Ayres 2002). Hit rates are computed by group within each sub-geography (``by``, for example
district; the agency as a whole when not given) and overall, for three sets of searches
(``searches`` label): ``all`` searches, ``discretionary`` searches (those no rule made routine;
see :mod:`openblotter.analysis.eligibility`) and ``consent`` searches (a basis of consent).

Output (:class:`~openblotter.analysis.Result`, method ``"outcome-test"``):

* ``hit_rate`` per place x group, with the Wilson interval, ``n`` = searches, ``extra`` hits and
  ``small_cell`` = 1 when the searches are fewer than ``min_searches`` (flagged, not hidden);
* ``hit_rate_difference`` per place x group: its hit rate minus the reference group's, with
  Newcombe's interval;
* ``weighted_hit_rate_difference`` per group (with ``by``): the average of the per-place
  differences weighted by each place's searches of the two groups, as Open Policing's plots
  size each place (Pierson et al. 2020), with a normal interval.

Aggregation: one ``GROUP BY [by,] group`` over all of the agency's stopped people counting
searches, hits and the recorded values for every kind (:func:`aggregate`), run in the store;
the rates are computed on that table by :func:`hit_rates_from_counts`, which also takes
published counts. Method page: ``docs/methods/outcome-test.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import ibis
import polars as pl

from openblotter.analysis import source
from openblotter.analysis.eligibility import (
    OPP_COLUMN_COVERAGE,
    OPP_RACE_COVERAGE,
    Eligibility,
    any_basis,
    check_options,
    group_known,
    non_discretionary_codes,
    opp_filters,
    opp_stops,
)
from openblotter.analysis.hit_rates import CAVEATS, KINDS, METHOD, hit_rates_from_counts, summary
from openblotter.analysis.result import Result
from openblotter.errors import NotFoundError

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from openblotter.storage.base import Transaction

__all__ = ["KINDS", "METHOD", "aggregate", "hit_rates_from_counts", "outcome_test"]


def aggregate(
    agency: str,
    *,
    group: str = "subject_race",
    by: str | None = None,
    eligibility: Eligibility = "known",
) -> ir.Table:
    """The one ``GROUP BY`` behind :func:`outcome_test`, as an Ibis expression.

    Per (``by``, ``group``): ``n`` stopped people; ``search_known`` (search_conducted
    recorded); ``basis_known`` (searches with a basis); and for each kind ``all``, ``disc`` and
    ``consent``: ``<kind>_searches``, ``<kind>_known`` (searches with contraband_found
    recorded) and ``<kind>_hits``.
    """
    view = source.subject_stops(agency)
    if eligibility == "opp":
        view = opp_stops(view)
    searched = view.search_conducted.fill_null(ibis.literal(value=False))
    found, basis = view.contraband_found, view.search_basis
    kinds = {
        "all": searched,
        "disc": searched & ~any_basis(basis, non_discretionary_codes(eligibility)),
        "consent": searched & any_basis(basis, ("consent",)),
    }
    measures: dict[str, ir.BooleanValue] = {
        "search_known": view.search_conducted.notnull(),
        "basis_known": searched & (basis.length() > 0).fill_null(ibis.literal(value=False)),
    }
    for kind, which in kinds.items():
        measures[f"{kind}_searches"] = which
        measures[f"{kind}_known"] = which & found.notnull()
        measures[f"{kind}_hits"] = which & found
    keys = [by, group] if by is not None else [group]
    return source.counts(view, keys, measures)


def _opp_exclusion(raw: pl.DataFrame, group: str) -> str | None:
    """Why Open Policing's rules leave the agency out of the outcome test, if they do."""
    n = int(raw.get_column("n").sum())
    race = n - int(raw.filter(pl.col(group).is_null()).get_column("n").sum())
    searches = int(raw.get_column("all_searches").sum())
    if race < OPP_RACE_COVERAGE * n:
        return f"subject_race is recorded on only {race / n:.0%} of the stops"
    if int(raw.get_column("search_known").sum()) < OPP_COLUMN_COVERAGE * n:
        return "search_conducted is recorded on fewer than half of the stops"
    if int(raw.get_column("all_known").sum()) < OPP_COLUMN_COVERAGE * searches:
        return "contraband_found is recorded on fewer than half of the searches"
    return None


def outcome_test(
    tx: Transaction,
    agency: str,
    *,
    by: str | None = None,
    group: str = "subject_race",
    reference: str | None = None,
    eligibility: Eligibility = "known",
    min_searches: int = 30,
    level: float = 0.95,
) -> Result:
    """The outcome test for one agency, read from the store in ``tx``'s snapshot.

    ``by`` is the sub-geography (a geography field; a period is allowed too). Searches count
    when the group is known and, under the default ``eligibility="known"``, when
    contraband_found was recorded; under ``"opp"``, Open Policing's rules apply (a search with
    no contraband_found recorded counts as finding nothing). Raises
    :class:`~openblotter.errors.NotFoundError` when the agency has no eligible stops.
    """
    check_options(group=group, by=by, eligibility=eligibility, level=level)
    raw = source.run(aggregate(agency, group=group, by=by, eligibility=eligibility), tx)
    if by is not None:
        raw = raw.with_columns(pl.col(by).cast(pl.String))
    total = int(raw.get_column("n").sum())
    if total == 0:
        rules = " that meet Open Policing's eligibility rules" if eligibility == "opp" else ""
        raise NotFoundError(f"no stops{rules} for agency {agency!r}")
    provenance = source.provenance(tx, agency, ["stops", "stop_subjects"])
    filters = list(opp_filters()) if eligibility == "opp" else []
    caveats = list(CAVEATS)

    def empty(reason: str) -> Result:
        caveats.append(f"{reason}: no outcome test is possible.")
        return Result(METHOD, (), tuple(filters), tuple(caveats), provenance, summary=reason + ".")

    if int(raw.get_column("search_known").sum()) == 0:
        return empty("The agency never recorded whether a search was conducted")
    if int(raw.get_column("all_known").sum()) == 0:
        return empty("The agency never recorded whether a search found contraband")
    if eligibility == "opp" and (reason := _opp_exclusion(raw, group)) is not None:
        return empty(f"Open Policing's rules leave this agency out ({reason})")
    kept, without, outside = group_known(raw, group, eligibility)
    searches = int(kept.get_column("all_searches").sum())
    filters.append(f"searched people ({searches:,} of {int(kept['n'].sum()):,} eligible stopped)")
    filters.append(f"{group} recorded ({without:,} of {total:,} stopped people without)")
    if outside:
        filters.append(f"{outside:,} stopped people of other groups left out")
    unrecorded = int(kept.get_column("n").sum()) - int(kept.get_column("search_known").sum())
    if unrecorded:
        filters.append(f"search_conducted recorded ({unrecorded:,} stopped people without)")
    basis = int(kept.get_column("basis_known").sum())
    disc = "disc"
    if eligibility == "opp":
        filters.append("a search with no contraband_found recorded counts as none found")
        filters.append("discretionary: no basis outside plain view, consent, probable cause, k9")
        if basis < OPP_COLUMN_COVERAGE * searches:
            disc = "all"
            caveats.append(
                "Fewer than half the searches have a basis: as Open Policing does, "
                "every search counts as discretionary."
            )
    else:
        known = int(kept.get_column("all_known").sum())
        filters.append(f"searches with contraband_found recorded ({searches - known:,} without)")
        filters.append(
            "discretionary: no basis of incident to arrest, search warrant, "
            "supervision condition, vehicle inventory or other"
        )
    if basis == 0:
        caveats.append(
            "No search has a recorded basis: every search counts as discretionary "
            "and there are no consent searches to test."
        )
    if by is not None:
        no_place = int(kept.filter(pl.col(by).is_null()).get_column("all_searches").sum())
        filters.append(f"{by} recorded for the per-{by} rates ({no_place:,} searches without)")
    column = "searches" if eligibility == "opp" else "known"
    long = pl.concat(
        kept.select(
            pl.col(by) if by else pl.lit(None, pl.String).alias("place"),
            pl.col(group),
            kind=pl.lit(name),
            searches=pl.col(f"{prefix}_{column}"),
            hits=pl.col(f"{prefix}_hits"),
        )
        for name, prefix in (("all", "all"), ("discretionary", disc), ("consent", "consent"))
    )
    result = hit_rates_from_counts(
        long,
        group=group,
        location=by,
        kind="kind",
        reference=reference,
        min_searches=min_searches,
        level=level,
    )
    return Result(
        method=METHOD,
        estimates=result.estimates,
        filters=tuple(filters),
        caveats=tuple(caveats) + result.caveats[len(CAVEATS) :],
        provenance=provenance,
        diagnostics={**result.diagnostics, "records": total, "searches": searches},
        summary=summary(list(result.estimates), str(result.diagnostics["reference"]), group),
    )
