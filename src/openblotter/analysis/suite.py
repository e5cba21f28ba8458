"""The methods an agency's data can be analysed with, and running them on the store.

Each :class:`Method` names its docs page (its id), the datasets it needs and a runner
``(tx, agency, options) -> Result``. :func:`run_method` runs one in a consistent snapshot of the
store; :func:`run_suite` runs every method the agency's data allows and turns an expected
refusal (no such records, too few, a field the agency never recorded) into a :class:`Failure`
that says why, so a report shows the gap instead of dropping it.
"""

from __future__ import annotations

import dataclasses
import importlib
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from openblotter.errors import BlotterError, ConfigError

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from openblotter.analysis.result import Result
    from openblotter.storage import Store
    from openblotter.storage.base import Transaction

__all__ = [
    "METHODS",
    "Failure",
    "Method",
    "Options",
    "agency_context",
    "default_geography",
    "publishable",
    "run_method",
    "run_suite",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Options:
    """What a reader may choose for any method; each method uses the ones that apply.

    ``by``: the geography (or period) to break results down by — ``None`` lets the method pick
    the agency's own (:func:`default_geography`); ``group``: the subject field compared
    (``subject_race``); ``reference``: the group others are compared with (``None``: white
    when present, else the largest); ``eligibility``: ``"known"`` (records whose outcome and
    group are known) or ``"opp"`` (Stanford Open Policing's rules); ``seed`` and ``draws`` for
    sampled models; ``extra`` for method-specific settings.
    """

    by: str | None = None
    group: str = "subject_race"
    reference: str | None = None
    eligibility: str = "known"
    seed: int = 0
    draws: int = 500
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Method:
    """One analysis method: its page id, title, the datasets it needs, and its runner.

    ``runner`` is ``"module:function"`` inside :mod:`openblotter.analysis`, imported when the
    method runs (so listing methods does not load JAX).
    """

    id: str
    title: str
    datasets: tuple[str, ...]
    runner: str
    sampled: bool = False

    def run(self, tx: Transaction, agency: str, options: Options) -> Result:
        """Run the method on ``agency``'s records as ``tx`` sees them."""
        module_name, function_name = self.runner.split(":")
        module = importlib.import_module(f"openblotter.analysis.{module_name}")
        function: Callable[[Transaction, str, Options], Result] = getattr(module, function_name)
        return function(tx, agency, options)


@dataclass(frozen=True, slots=True)
class Failure:
    """A method that could not run on an agency's data, and why, in words."""

    method: str
    title: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        """A JSON-able dict."""
        return {"method": self.method, "title": self.title, "failure": self.reason}


METHODS: dict[str, Method] = {
    m.id: m
    for m in (
        Method(
            "rates-and-benchmarks",
            "Stop outcomes by group",
            ("stops", "stop_subjects"),
            "runners:rates",
        ),
        Method(
            "per-capita-rates",
            "Stops per resident",
            ("stops", "stop_subjects", "population"),
            "runners:per_capita",
        ),
        Method(
            "outcome-test",
            "Search hit rates (outcome test)",
            ("stops", "stop_subjects"),
            "runners:outcome",
        ),
        Method(
            "veil-of-darkness",
            "Stops in daylight and after dark (veil of darkness)",
            ("stops", "stop_subjects"),
            "runners:veil",
        ),
        Method(
            "threshold-test",
            "Search thresholds (threshold test)",
            ("stops", "stop_subjects"),
            "runners:threshold",
            sampled=True,
        ),
        Method(
            "use-of-force-regression",
            "Use of force during stops",
            ("stops", "stop_subjects"),
            "runners:force",
        ),
        Method(
            "force-severity",
            "Severity of reported force",
            ("use_of_force", "force_subjects"),
            "runners:force_severity",
        ),
        Method(
            "complaint-outcomes",
            "Complaint outcomes",
            ("complaints", "allegations"),
            "runners:complaints",
        ),
        Method(
            "officer-benchmarking",
            "Officers compared with peers",
            ("stops", "stop_subjects", "stop_officers"),
            "runners:officers",
        ),
    )
}
"""Every method, by id (= its page in ``docs/methods/``), in report order."""


def _has_records(tx: Transaction, dataset: str, agency: str) -> bool:
    rows = tx.query(f'SELECT 1 FROM "{dataset}" WHERE agency_slug = ? LIMIT 1', [agency]).rows  # noqa: S608 - dataset is a registry constant
    return bool(rows)


def default_geography(tx: Transaction, agency: str, dataset: str = "stops") -> str | None:
    """The agency's own geography to break results down by, or ``None`` when it has none.

    Of the geography fields at least 80 % of the agency's records carry, the one with the most
    distinct values up to 100 (districts, precincts, sectors; a field with one value or with
    thousands — free-text locations — is no breakdown).
    """
    from openblotter.analysis.source import GEOGRAPHY_FIELDS

    fields = [f for f in GEOGRAPHY_FIELDS if f != "location"]
    parts = ", ".join(f'count("{f}"), count(DISTINCT "{f}")' for f in fields)
    row = tx.query(
        f'SELECT count(*), {parts} FROM "{dataset}" WHERE agency_slug = ?',  # noqa: S608 - constants
        [agency],
    ).rows[0]
    total = int(row[0])
    best: tuple[int, str] | None = None
    for i, name in enumerate(fields):
        filled, distinct = int(row[1 + 2 * i]), int(row[2 + 2 * i])
        usable = total and filled >= 0.8 * total and 2 <= distinct <= 100
        if usable and (best is None or distinct > best[0]):
            best = (distinct, name)
    return best[1] if best else None


def agency_context(tx: Transaction, agency: str) -> dict[str, Any]:
    """The agency's name, timezone and centroid from the store's ``agencies`` table."""
    rows = tx.query(
        "SELECT name, timezone, centroid_lat, centroid_lng FROM agencies WHERE agency_slug = ?",
        [agency],
    ).rows
    if not rows:
        raise ConfigError(f"no agency {agency!r} in the store; `blotter batches` lists what is")
    name, timezone, lat, lng = rows[0]
    centroid = (float(lat), float(lng)) if lat is not None and lng is not None else None
    return {"name": name, "timezone": timezone, "centroid": centroid}


def run_method(store: Store, agency: str, method: str, options: Options | None = None) -> Result:
    """Run one method on ``agency``'s records in one consistent snapshot of the store."""
    if method not in METHODS:
        raise ConfigError(f"unknown method {method!r}; known: {', '.join(METHODS)}")
    spec = METHODS[method]
    with store.snapshot() as tx:
        agency_context(tx, agency)
        missing = [d for d in spec.datasets if not _has_records(tx, d, agency)]
        if missing:
            raise ConfigError(
                f"{spec.title}: {agency} has no {' or '.join(missing)} records in the store"
            )
        return spec.run(tx, agency, options or Options())


def run_suite(
    store: Store,
    agency: str,
    *,
    methods: Sequence[str] | None = None,
    options: Options | None = None,
) -> list[Result | Failure]:
    """Run ``methods`` (default: every method) and return a result or a failure for each.

    Methods whose datasets the agency has no records of are left out unless named; a method
    that refuses the data (a ``ConfigError`` or any other OpenBlotter error) becomes a
    :class:`Failure` with its message.
    """
    chosen = list(methods) if methods is not None else list(METHODS)
    unknown = [m for m in chosen if m not in METHODS]
    if unknown:
        raise ConfigError(f"unknown method(s) {', '.join(unknown)}; known: {', '.join(METHODS)}")
    if methods is None:
        with store.snapshot() as tx:
            agency_context(tx, agency)
            chosen = [
                m for m in chosen if all(_has_records(tx, d, agency) for d in METHODS[m].datasets)
            ]
    out: list[Result | Failure] = []
    for method in chosen:
        spec = METHODS[method]
        try:
            out.append(run_method(store, agency, method, options))
        except BlotterError as exc:
            logger.info("%s on %s: %s", method, agency, exc)
            out.append(Failure(method, spec.title, str(exc)))
    return out


def publishable(
    outcomes: Sequence[Result | Failure], *, agency: str, min_cell: int, generated_at: str
) -> dict[str, Any]:
    """The suite's outcomes as a JSON-able document safe to publish.

    An estimate resting on fewer than ``min_cell`` records (the agency's small-count rule) keeps
    its labels and ``n`` = ``None`` but loses its value and interval, with
    ``extra["suppressed"] = 1``; so does nothing else. Officers are identifiable by design;
    the rule protects the civilians behind a small count.
    """
    results: list[dict[str, Any]] = []
    failures: list[dict[str, str]] = []
    for outcome in outcomes:
        if isinstance(outcome, Failure):
            failures.append(outcome.to_dict())
            continue
        estimates = []
        for estimate in outcome.estimates:
            if estimate.n is not None and estimate.n < min_cell:
                estimate = dataclasses.replace(
                    estimate,
                    value=None,
                    interval=None,
                    n=None,
                    extra={"suppressed": 1.0},
                )
            estimates.append(estimate)
        results.append(dataclasses.replace(outcome, estimates=tuple(estimates)).to_dict())
    return {
        "agency": agency,
        "generated_at": generated_at,
        "min_cell": min_cell,
        "results": results,
        "failures": failures,
    }
