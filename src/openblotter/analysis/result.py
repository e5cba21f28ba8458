"""Results that carry their evidence (issue 5, item 6).

Every analysis returns a :class:`Result`: the method that produced it, the filters applied, where
its inputs came from, its caveats, and one :class:`Estimate` per group (or location and group) with
its interval and the number of records behind it. Results serialise to plain JSON-able dicts and
to flat rows for CSV and tables, so the CLI, the report and the portal share one representation.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["Estimate", "Result"]


@dataclass(frozen=True, slots=True)
class Estimate:
    """One number with its uncertainty.

    ``labels`` say what it is about (``{"group": "black", "location": "Kent County"}``);
    ``quantity`` what it measures (``"search_rate"``, ``"threshold"``, ``"rate_ratio"``);
    ``interval`` is (low, high) at ``level`` (0.95 by default), ``None`` when it has none;
    ``n`` the records (or stops) it rests on; ``extra`` any further named numbers
    (diagnostics such as ``rhat`` or ``ess``).
    """

    quantity: str
    value: float | None
    labels: dict[str, str] = field(default_factory=dict)
    interval: tuple[float, float] | None = None
    level: float = 0.95
    n: int | None = None
    extra: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Result:
    """The outcome of one method on one input, with its evidence.

    ``method`` is the id of the method page in ``docs/methods/`` (``"threshold-test"``);
    ``filters`` the eligibility rules applied, in words a reader can check
    (``"stops with a known subject race"``); ``provenance`` names the inputs
    (``{"batches": "…"}``, ``{"release": "<manifest hash>"}`` or ``{"counts_file": "…"}``);
    ``caveats`` what the reader must keep in mind; ``diagnostics`` method-level checks
    (convergence, posterior predictive p-values).
    """

    method: str
    estimates: tuple[Estimate, ...]
    filters: tuple[str, ...] = ()
    caveats: tuple[str, ...] = ()
    provenance: dict[str, str] = field(default_factory=dict)
    diagnostics: dict[str, float | str] = field(default_factory=dict)
    summary: str = ""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict of the whole result."""
        data = asdict(self)
        data["estimates"] = [asdict(e) for e in self.estimates]
        return data

    def rows(self) -> list[dict[str, Any]]:
        """One flat row per estimate (labels as columns), for CSV and tables."""
        rows = []
        for estimate in self.estimates:
            row: dict[str, Any] = {"method": self.method, **estimate.labels}
            row["quantity"] = estimate.quantity
            row["estimate"] = estimate.value
            low, high = estimate.interval if estimate.interval else (None, None)
            row["low"], row["high"], row["level"], row["n"] = low, high, estimate.level, estimate.n
            row.update(estimate.extra)
            rows.append(row)
        return rows
