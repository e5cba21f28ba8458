"""The outcome (hit-rate) test on a counts table: hit rates, differences, weighted difference.

The model half of :mod:`openblotter.analysis.outcome`: it takes one row per [location x] group
[x kind of search] with ``searches`` and ``hits`` (searches that found contraband) and returns:

* ``hit_rate`` per place x group, with the Wilson interval, ``n`` = searches, ``extra`` hits and
  ``small_cell`` = 1 when the searches are fewer than ``min_searches`` (flagged, not hidden);
  cells with no searches have no hit rate and are left out;
* ``hit_rate_difference`` per place x group: its hit rate minus the reference group's, with
  Newcombe's hybrid score interval;
* ``weighted_hit_rate_difference`` per group (with a location): the mean of the per-location
  differences weighted by each location's searches of the two groups (the sizes of the points
  in Open Policing's disparity plots; Pierson et al. 2020). Its interval is normal; each
  location's variance is ``p(1 - p) / n`` per group with ``p`` shrunk to ``(x + 1) / (n + 2)``
  (so a 0 % or 100 % cell still has a variance), and the bounds are clipped to [-1, 1].

Researchers can call :func:`hit_rates_from_counts` on published counts.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from openblotter.analysis.eligibility import choose_reference, describe_group, place_labels
from openblotter.analysis.intervals import newcombe_difference, wilson, z_value
from openblotter.analysis.result import Estimate, Result
from openblotter.errors import ConfigError

__all__ = ["CAVEATS", "KINDS", "METHOD", "hit_rates_from_counts", "summary"]

METHOD = "outcome-test"
KINDS = ("all", "discretionary", "consent")
CAVEATS = (
    "Infra-marginality: a hit rate averages over everyone searched, not over the people officers "
    "were least sure about. Two groups searched on the same standard of evidence can still have "
    "different hit rates if the evidence is spread differently among them, and a real "
    "difference in standards can be hidden the same way. The threshold test "
    "(docs/methods/threshold-test.md) models this; read the two together.",
    "Contraband found is as the agency recorded it; what counts as contraband, and how "
    "thoroughly searches are recorded, can differ between places and over time.",
    "Hit rates compare searches only: they say nothing about who was stopped, nor about the "
    "searches of people whose group was not recorded.",
)


def _weighted(cells: pl.DataFrame, reference: str, level: float) -> pl.DataFrame:
    """Per group: the search-weighted mean over places of its difference to the reference."""
    ref = cells.filter(pl.col("group") == reference).select("place", rs="searches", rh="hits")
    pairs = (
        cells.filter(pl.col("group") != reference, pl.col("searches") > 0)
        .join(ref.filter(pl.col("rs") > 0), on="place", how="inner")
        .with_columns(
            w=pl.col("searches") + pl.col("rs"),
            d=pl.col("hits") / pl.col("searches") - pl.col("rh") / pl.col("rs"),
            pg=(pl.col("hits") + 1) / (pl.col("searches") + 2),
            pr=(pl.col("rh") + 1) / (pl.col("rs") + 2),
        )
        .with_columns(
            v=pl.col("pg") * (1 - pl.col("pg")) / pl.col("searches")
            + pl.col("pr") * (1 - pl.col("pr")) / pl.col("rs")
        )
    )
    z = z_value(level)
    weight = pl.col("w").sum()
    return (
        pairs.group_by("group", maintain_order=True)
        .agg(
            value=(pl.col("w") * pl.col("d")).sum() / weight,
            se=((pl.col("w") ** 2 * pl.col("v")).sum()).sqrt() / weight,
            n=weight,
            places=pl.len(),
        )
        .with_columns(
            low=pl.col("value") - z * pl.col("se"), high=pl.col("value") + z * pl.col("se")
        )
        .sort("group")
    )


def _kind_estimates(
    cells: pl.DataFrame, *, kind: str, by: str | None, reference: str, small: int, level: float
) -> list[Estimate]:
    """Hit rates and differences of one kind from ``place, group, searches, hits`` cells."""
    s, h = cells.get_column("searches").to_numpy(), cells.get_column("hits").to_numpy()
    low, high = wilson(h, s, level)
    out: dict[Any, list[Estimate]] = {}
    for i, row in enumerate(cells.iter_rows(named=True)):
        labels = {"group": row["group"], "searches": kind}
        out.setdefault(row["place"], []).append(
            Estimate(
                quantity="hit_rate",
                value=float(h[i] / s[i]) if s[i] else None,
                labels=labels | place_labels(by, row["place"]),
                interval=(float(low[i]), float(high[i])) if s[i] else None,
                level=level,
                n=int(s[i]),
                extra={"hits": float(h[i]), "small_cell": float(s[i] < small)},
            )
        )
    ref = cells.filter(pl.col("group") == reference).select("place", rs="searches", rh="hits")
    pairs = cells.filter(pl.col("group") != reference).join(
        ref, on="place", how="inner", nulls_equal=True, maintain_order="left"
    )
    a, na = pairs.get_column("hits").to_numpy(), pairs.get_column("searches").to_numpy()
    b, nb = pairs.get_column("rh").to_numpy(), pairs.get_column("rs").to_numpy()
    diff = newcombe_difference(a, na, b, nb, level)
    for i, row in enumerate(pairs.iter_rows(named=True)):
        ok = bool(np.isfinite(diff.estimate[i]))
        labels = {"group": row["group"], "reference": reference, "searches": kind}
        out[row["place"]].append(
            Estimate(
                quantity="hit_rate_difference",
                value=float(diff.estimate[i]) if ok else None,
                labels=labels | place_labels(by, row["place"]),
                interval=(float(diff.low[i]), float(diff.high[i])) if ok else None,
                level=level,
                n=int(na[i] + nb[i]),
                extra={"small_cell": float(min(na[i], nb[i]) < small)},
            )
        )
    estimates = [e for block in out.values() for e in block]
    if by is not None:
        for row in _weighted(cells.filter(pl.col("place").is_not_null()), reference, level).rows(
            named=True
        ):
            estimates.append(
                Estimate(
                    quantity="weighted_hit_rate_difference",
                    value=float(row["value"]),
                    labels={"group": row["group"], "reference": reference, "searches": kind}
                    | {"geography": by, "place": "weighted"},
                    interval=(float(row["low"]), float(row["high"])),
                    level=level,
                    n=int(row["n"]),
                    extra={"places": float(row["places"])},
                )
            )
    return estimates


def hit_rates_from_counts(
    counts: pl.DataFrame,
    *,
    group: str = "group",
    searches: str = "searches",
    hits: str = "hits",
    location: str | None = None,
    kind: str | None = None,
    reference: str | None = None,
    min_searches: int = 30,
    level: float = 0.95,
) -> Result:
    """The outcome test on a counts table: one row per [location x] group [x kind].

    ``searches`` and ``hits`` (contraband found) are counts; repeated rows are summed. With
    ``location`` the result has per-location hit rates, the agency-wide ones (sums over all
    rows, including those whose location is null) and the search-weighted difference.
    ``kind`` names a column of search kinds (``all``, ``discretionary``, ``consent``); without
    it every row is ``all``. ``reference`` defaults to ``white`` if present, else the group with
    the most searches.
    """
    wanted = [group, searches, hits, *(c for c in (location, kind) if c)]
    missing = [c for c in wanted if c not in counts.columns]
    if missing:
        raise ConfigError(f"counts table lacks column(s) {', '.join(missing)}")
    if min_searches < 0:
        raise ConfigError("min_searches must not be negative")
    frame = counts.select(
        (pl.col(kind).cast(pl.String) if kind else pl.lit("all")).alias("kind"),
        (pl.col(location).cast(pl.String) if location else pl.lit(None, pl.String)).alias("place"),
        pl.col(group).cast(pl.String).alias("group"),
        pl.col(searches).cast(pl.Int64).alias("searches"),
        pl.col(hits).cast(pl.Int64).alias("hits"),
    ).filter(pl.col("group").is_not_null())
    bad = (pl.col("hits") < 0) | (pl.col("hits") > pl.col("searches"))
    if frame.filter(bad | pl.col("hits").is_null() | pl.col("searches").is_null()).height:
        raise ConfigError("counts must be whole numbers with 0 <= hits <= searches")
    sizes = dict(frame.group_by("group").agg(pl.col("searches").sum()).iter_rows())
    ref = choose_reference({str(k): int(v) for k, v in sizes.items()}, reference)
    present = list(dict.fromkeys(frame.get_column("kind").to_list()))
    kinds = [k for k in KINDS if k in present] + [k for k in present if k not in KINDS]
    estimates: list[Estimate] = []
    caveats = list(CAVEATS)
    for name in kinds:
        part = frame.filter(pl.col("kind") == name)
        if int(part.get_column("searches").sum()) == 0:
            caveats.append(f"No {name} searches were recorded: no hit rates for them.")
            continue
        total = part.group_by("group").agg(pl.col("searches", "hits").sum())
        cells = [total.with_columns(place=pl.lit(None, pl.String)).sort("group")]
        if location is not None:
            places = part.filter(pl.col("place").is_not_null())
            cells.append(places.group_by("place", "group").agg(pl.col("searches", "hits").sum()))
            cells[1] = cells[1].sort("place", "group")
        both = pl.concat([c.select("place", "group", "searches", "hits") for c in cells])
        both = both.filter(pl.col("searches") > 0)
        estimates += _kind_estimates(
            both, kind=name, by=location, reference=ref, small=min_searches, level=level
        )
    flagged = sum(1 for e in estimates if e.quantity == "hit_rate" and e.extra["small_cell"])
    if flagged:
        caveats.append(
            f"{flagged} hit rate(s) rest on fewer than {min_searches} searches (small_cell = 1): "
            "their intervals are wide; read them with care."
        )
    return Result(
        method=METHOD,
        estimates=tuple(estimates),
        caveats=tuple(caveats),
        provenance={"counts": "table"},
        diagnostics={"reference": ref, "min_searches": float(min_searches)},
        summary=summary(estimates, ref, group),
    )


def summary(estimates: list[Estimate], reference: str, group: str = "subject_race") -> str:
    """One sentence on the agency-wide difference of the largest group (discretionary first)."""
    overall = [e for e in estimates if e.labels.get("place") == "all"]
    for kind in ("discretionary", "all", "consent"):
        diffs = [
            e
            for e in overall
            if e.quantity == "hit_rate_difference"
            and e.labels["searches"] == kind
            and e.interval is not None
        ]
        if not diffs:
            continue
        best = max(diffs, key=lambda e: e.n or 0)
        rates = {
            e.labels["group"]: e.value or 0.0
            for e in overall
            if e.quantity == "hit_rate" and e.labels["searches"] == kind
        }
        low, high = best.interval or (0.0, 0.0)
        what = "searches" if kind == "all" else f"{kind} searches"
        within = ""
        for e in estimates:
            if (
                e.quantity == "weighted_hit_rate_difference"
                and e.labels["searches"] == kind
                and e.labels["group"] == best.labels["group"]
                and e.interval is not None
            ):
                within = (
                    f"; within each {e.labels['geography']}, weighted by searches: "
                    f"{100 * (e.value or 0.0):+.1f} points, interval {100 * e.interval[0]:+.1f} "
                    f"to {100 * e.interval[1]:+.1f}"
                )
        return (
            f"In {what}, contraband was found on {rates[best.labels['group']]:.1%} of "
            f"{describe_group(group, best.labels['group'])} searched, against "
            f"{rates[reference]:.1%} of {describe_group(group, reference)} (difference "
            f"{100 * (best.value or 0.0):+.1f} points, interval {100 * low:+.1f} to "
            f"{100 * high:+.1f}{within}). A lower hit rate is consistent with, not proof of, a "
            "lower bar for searching the group."
        )
    return "No group's searches could be compared with the reference group's."
