"""The runners of :data:`openblotter.analysis.suite.METHODS`: each method on one agency's store.

A runner turns the reader's :class:`~openblotter.analysis.suite.Options` into the method's own
arguments (the agency's geography, timezone and centroid where the method needs them), runs its
aggregation in the store and returns the method's :class:`~openblotter.analysis.Result`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from openblotter.analysis.source import counts, provenance, run, subject_stops
from openblotter.analysis.suite import default_geography
from openblotter.errors import ConfigError

if TYPE_CHECKING:
    from openblotter.analysis.result import Result
    from openblotter.analysis.suite import Options
    from openblotter.storage.base import Transaction

__all__ = [
    "complaints",
    "force",
    "force_severity",
    "officers",
    "outcome",
    "per_capita",
    "rates",
    "threshold",
    "veil",
]

_STOP_DATASETS = ("stops", "stop_subjects")
_NOT_GROUPS = ("unknown", "other")


def _geography(tx: Transaction, agency: str, options: Options, method: str) -> str:
    location = options.by or default_geography(tx, agency)
    if location is None:
        raise ConfigError(
            f"{method} compares places within the agency, and {agency}'s stops carry no "
            "district, precinct, beat or other geography filled on most records; give --by"
        )
    return location


def threshold(tx: Transaction, agency: str, options: Options) -> Result:
    """The threshold test with the agency's geography as locations (searches and hits by group)."""
    from openblotter.analysis.threshold import fit_threshold

    location = _geography(tx, agency, options, "The threshold test")
    view = subject_stops(agency)
    group = view[options.group]
    view = view.filter(
        group.notnull(),
        ~group.isin(_NOT_GROUPS),
        view[location].notnull(),
        view.search_conducted.notnull(),
    )
    found = view.search_conducted & view.contraband_found.fill_null(False)  # noqa: FBT003
    table = run(
        counts(view, [location, options.group], {"searches": view.search_conducted, "hits": found}),
        tx,
    )
    if table.is_empty() or int(table["searches"].sum()) == 0:
        raise ConfigError(f"the threshold test needs searches, and {agency}'s stops record none")
    return fit_threshold(
        table.with_columns(table[location].cast(str)),
        location=location,
        group=options.group,
        stops="n",
        searches="searches",
        hits="hits",
        seed=options.seed,
        draws=options.draws,
        reference_group=options.reference or _reference(table[options.group].to_list()),
        provenance=provenance(tx, agency, _STOP_DATASETS),
    )


def _reference(groups: list[str]) -> str | None:
    return "white" if "white" in groups else None


def veil(tx: Transaction, agency: str, options: Options) -> Result:
    """The veil of darkness counted in the store, by the agency's geography if it has one."""
    from openblotter.analysis.veil_store import veil_of_darkness_store

    return veil_of_darkness_store(
        tx,
        agency,
        location=options.by or default_geography(tx, agency),
        reference=options.reference or "white",
    )


def rates(tx: Transaction, agency: str, options: Options) -> Result:
    """Among-stop rates by group, broken down by the reader's ``by`` (none by default)."""
    from openblotter.analysis.rates import among_stop_rates

    return among_stop_rates(
        tx,
        agency,
        by=options.by,
        group=options.group,
        reference=options.reference,
        eligibility=_eligibility(options),
    )


def per_capita(tx: Transaction, agency: str, options: Options) -> Result:
    """Stops, arrests and uses of force per 1,000 residents by group."""
    from openblotter.analysis.per_capita import per_capita_rates

    return per_capita_rates(
        tx,
        agency,
        by=options.by,
        group=options.group,
        reference=options.reference,
        eligibility=_eligibility(options),
    )


def outcome(tx: Transaction, agency: str, options: Options) -> Result:
    """The outcome test within the agency's geography (overall when it has none)."""
    from openblotter.analysis.outcome import outcome_test

    return outcome_test(
        tx,
        agency,
        by=options.by or default_geography(tx, agency),
        group=options.group,
        reference=options.reference,
        eligibility=_eligibility(options),
    )


def _eligibility(options: Options) -> Literal["known", "opp"]:
    if options.eligibility not in ("known", "opp"):
        raise ConfigError(f"eligibility must be known or opp, not {options.eligibility!r}")
    return "opp" if options.eligibility == "opp" else "known"


def force(tx: Transaction, agency: str, options: Options) -> Result:
    """Odds of force during a stop by group, controlling for the agency's geography and year."""
    from openblotter.analysis.force import force_odds

    return force_odds(
        tx,
        agency,
        group=options.group,
        reference=options.reference,
        by=options.by or default_geography(tx, agency),
    )


def force_severity(tx: Transaction, agency: str, options: Options) -> Result:
    """Odds of more severe reported force (or injury) by subject group."""
    from openblotter.analysis.force import force_severity as severity

    return severity(
        tx,
        agency,
        group=options.group,
        reference=options.reference,
        by=options.by or default_geography(tx, agency, "use_of_force"),
    )


def complaints(tx: Transaction, agency: str, options: Options) -> Result:
    """Sustain rates, time to decision and discipline of the agency's complaints."""
    from openblotter.analysis.complaints import complaint_outcomes

    group = "complainant_race" if options.group == "subject_race" else options.group
    return complaint_outcomes(tx, agency, group=group, reference=options.reference, by=options.by)


def officers(tx: Transaction, agency: str, options: Options) -> Result:
    """Each officer's stops of Black people against peers in the same places and times."""
    from openblotter.analysis.officers import officer_benchmark

    return officer_benchmark(
        tx,
        agency,
        group=options.group,
        reference=options.reference,
        by=options.by or default_geography(tx, agency),
    )
