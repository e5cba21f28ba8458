"""Discipline after sustained complaints, and whether it follows the board's recommendation.

Oversight boards (New York's CCRB, Chicago's COPA) recommend discipline for sustained
allegations; the department decides what is imposed. The question is how often the department
imposes what was recommended — the CCRB's *concurrence rate* — and what it imposes instead.

Both code lists of the standard (``board_recommendation`` and ``discipline``) are placed on one
ordinal scale of severity (:data:`SCALE`), from no penalty to termination. For each allegation
with a recommendation and a final decision, the imposed level (the most severe of the
discipline kinds recorded) is compared with the recommended one: the *concurrence rate* is the
share where the department imposed the recommended level or a more severe one, with Wilson
intervals; ``extra`` holds the shares at the same level, below it and with no penalty at all.
Allegations whose discipline is pending, or whose officer retired or resigned first, have no
decision to compare and are counted apart.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from openblotter.analysis.intervals import wilson
from openblotter.analysis.result import Estimate

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["LEVEL_NAMES", "NO_DECISION", "RECOMMENDATION_LEVEL", "SCALE", "discipline_estimates"]

SCALE = {
    "no penalty": 0,
    "instructions": 1,
    "command level instructions": 1,
    "counseling": 1,
    "formalized training": 2,
    "warned and admonished": 3,
    "command discipline": 3,
    "command discipline a": 3,
    "command discipline b": 4,
    "forfeit vacation": 5,
    "suspension": 5,
    "dismissal probation": 5,
    "demotion": 5,
    "termination": 6,
}
"""Severity of each ``discipline`` code: the most severe of an allegation's kinds counts."""

RECOMMENDATION_LEVEL = {
    "instructions": 1,
    "command level instructions": 1,
    "formalized training": 2,
    "command discipline": 3,
    "command discipline a": 3,
    "command discipline b": 4,
    "charges": 5,
}
"""Severity of each ``board_recommendation`` code (charges lead to level-5 penalties or more)."""

LEVEL_NAMES = (
    "no penalty",
    "instructions",
    "formalized training",
    "command discipline A or warning",
    "command discipline B",
    "vacation, suspension or probation",
    "termination",
)
NO_DECISION = ("pending", "retired", "resigned", "closed administratively")
"""Discipline codes that mean no decision on the merits was made (yet)."""

_FIELDS = ("board_recommendation", "disposition_recommendation")


def _imposed(joined: str | None) -> int | None:
    """The scale level of a ``;``-joined discipline list (``None``: no decision or off-scale)."""
    if not joined:
        return None
    kinds = joined.split(";")
    if any(k in NO_DECISION for k in kinds):
        return None
    levels = [SCALE[k] for k in kinds if k in SCALE]
    return max(levels) if levels else None


def _status(joined: str | None) -> str:
    if not joined:
        return "not recorded"
    kinds = joined.split(";")
    for kind in NO_DECISION:
        if kind in kinds:
            return kind
    return "decided" if any(k in SCALE for k in kinds) else "other"


def discipline_estimates(
    table: pl.DataFrame, level: float = 0.95
) -> tuple[list[Estimate], list[str], list[str]]:
    """Estimates, filter sentences and caveats from the discipline count table.

    ``table`` has ``discipline`` (the codes ``;``-joined), ``board_recommendation``,
    ``disposition_recommendation`` and ``n``, for sustained allegations. Returns the share of
    each imposed level (``discipline_share``) and, per recommendation field and level (and
    ``"all"``), the ``concurrence_rate``.
    """
    if table.height == 0 or int(table.get_column("n").sum()) == 0:
        return [], [], ["No sustained allegations: nothing to say about discipline."]
    lists = table.get_column("discipline").fill_null("").to_list()
    table = table.with_columns(
        pl.Series("imposed", [_imposed(v) for v in lists], dtype=pl.Int64),
        pl.Series("status", [_status(v) for v in lists], dtype=pl.String),
    )
    total = int(table.get_column("n").sum())
    status = dict(table.group_by("status").agg(pl.col("n").sum()).iter_rows())
    decided = table.filter(pl.col("imposed").is_not_null())
    n_decided = int(decided.get_column("n").sum())
    filters = [
        f"sustained allegations: {total:,}; with a final discipline decision: {n_decided:,}",
        "no decision to compare: "
        + ", ".join(
            f"{k} {int(status.get(k, 0)):,}" for k in (*NO_DECISION, "not recorded", "other")
        ),
    ]
    estimates: list[Estimate] = []
    shares = decided.group_by("imposed").agg(pl.col("n").sum()).sort("imposed")
    if n_decided:
        low, high = wilson(shares.get_column("n").to_numpy(), n_decided, level)
        for i, (imposed, n) in enumerate(shares.iter_rows()):
            estimates.append(
                Estimate(
                    "discipline_share",
                    n / n_decided,
                    {"discipline": LEVEL_NAMES[imposed]},
                    (float(low[i]), float(high[i])),
                    level,
                    n_decided,
                    {"count": float(n)},
                )
            )
    caveats: list[str] = []
    for field in _FIELDS:
        estimates.extend(_concurrence(decided, field, level))
        recorded = int(table.filter(pl.col(field).is_not_null()).get_column("n").sum())
        if 0 < recorded < total:
            caveats.append(
                f"{field.replace('_', ' ').capitalize()} is recorded for {recorded:,} of "
                f"{total:,} sustained allegations only; its concurrence rate speaks for those."
            )
    return estimates, filters, caveats


def _concurrence(decided: pl.DataFrame, field: str, level: float) -> list[Estimate]:
    rows = decided.filter(pl.col(field).is_in(list(RECOMMENDATION_LEVEL))).with_columns(
        pl.col(field).replace_strict(RECOMMENDATION_LEVEL, return_dtype=pl.Int64).alias("asked")
    )
    if rows.height == 0:
        return []
    out: list[Estimate] = []
    groups: Sequence[tuple[str, pl.DataFrame]] = [("all", rows)]
    for value in sorted(rows.get_column(field).unique().to_list()):
        groups = [*groups, (value, rows.filter(pl.col(field) == value))]
    for value, part in groups:
        n = int(part.get_column("n").sum())
        met = int(part.filter(pl.col("imposed") >= pl.col("asked")).get_column("n").sum())
        same = int(part.filter(pl.col("imposed") == pl.col("asked")).get_column("n").sum())
        none = int(part.filter(pl.col("imposed") == 0).get_column("n").sum())
        low, high = wilson(met, n, level)
        out.append(
            Estimate(
                "concurrence_rate",
                met / n,
                {"recommendation": value, "recommended_by": field},
                (float(low), float(high)),
                level,
                n,
                {
                    "same_level_share": same / n,
                    "lower_level_share": (n - met) / n,
                    "no_penalty_share": none / n,
                },
            )
        )
    return out
