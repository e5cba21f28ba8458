"""Complaint outcomes: sustain rates, time to decision and discipline.

Questions. How often are allegations of misconduct sustained — by kind of allegation, and by who
complained (race, sex, age band)? How long do complaints take to decide? When an allegation is
sustained, what discipline follows, and does it follow the oversight board's recommendation?

* **Sustain rates** (``sustain_rate``): sustained allegations over allegations *decided on the
  merits* (``denominator="investigated"``: sustained, not sustained / unsubstantiated,
  exonerated / within guidelines, unfounded) or over every allegation with a final finding
  (``"closed"``: also administrative closures, withdrawals, mediations, officer unidentified).
  Wilson intervals; ``sustain_rate_ratio`` of each complainant group against the reference,
  with Katz log intervals.
* **Time to decision** (``days_to_decision``): from ``received_date`` to the allegation's
  ``finding_date`` (by category) or the complaint's ``closed_date`` (all complaints). Open cases
  are right-censored at ``as_of`` and the quartiles come from the Kaplan-Meier curve
  (:mod:`openblotter.analysis.survival`), not from the closed cases alone, which understates
  how long cases take.
* **Discipline** (``discipline_share``, ``concurrence_rate``): see
  :mod:`openblotter.analysis.discipline`.

Each part is one ``GROUP BY`` in the store (allegations joined to their complaints); what the
agency's records cannot support (a source of sustained allegations only; no dates) is said in
the caveats instead of being reported as a number. Method page:
``docs/methods/complaint-outcomes.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import ibis
import polars as pl

from openblotter.analysis.complaint_times import time_to_decision
from openblotter.analysis.discipline import discipline_estimates
from openblotter.analysis.intervals import rate_ratio, wilson
from openblotter.analysis.result import Estimate, Result
from openblotter.analysis.source import GEOGRAPHY_FIELDS, age_band, counts, provenance, run, table
from openblotter.errors import ConfigError

if TYPE_CHECKING:
    import datetime as dt

    import ibis.expr.types as ir

    from openblotter.storage.base import Transaction

__all__ = ["CLOSED", "INVESTIGATED", "METHOD", "complaint_outcomes"]

METHOD = "complaint-outcomes"
INVESTIGATED = (
    "sustained",
    "not sustained",
    "unsubstantiated",
    "exonerated",
    "within guidelines",
    "unfounded",
)
"""Findings on the merits: the default denominator of sustain rates."""
CLOSED = (
    *INVESTIGATED,
    "officer unidentified",
    "administratively closed",
    "complainant uncooperative",
    "complainant unavailable",
    "no affidavit",
    "withdrawn",
    "mediated",
    "mediation attempted",
    "other",
)
"""Every final finding (not ``pending`` or ``unknown``)."""
_GROUPS = ("complainant_race", "complainant_sex", "complainant_ethnicity", "age_band")
_CAVEATS = (
    "A sustain rate measures what investigators could prove, not how often misconduct "
    "happened: it depends on evidence (cameras, witnesses), on who investigates and on the "
    "standard of proof.",
    "Complainant groups differ in the kinds of encounters and allegations they complain about; "
    "a difference in sustain rates between groups is not by itself evidence of bias in the "
    "investigations.",
    "Complaints are filed by those who know how and choose to: they are a fraction of the "
    "incidents people would object to, and that fraction differs between communities.",
)


def _people(agency: str) -> ir.Table:
    """Allegations joined to their complaints (dates, complainant, place)."""
    allegations, complaints = table("allegations"), table("complaints")
    allegations = allegations.filter(allegations.agency_slug == agency)
    complaints = complaints.filter(complaints.agency_slug == agency)
    places = [f for f in GEOGRAPHY_FIELDS if f != "location"]
    joined = allegations.select(
        "agency_slug",
        "complaint_id",
        "category",
        "finding",
        "finding_date",
        "board_recommendation",
        "disposition_recommendation",
        discipline=allegations.discipline.join(";"),
    ).join(
        complaints.select(
            "agency_slug",
            "complaint_id",
            "received_date",
            "closed_date",
            "status",
            "complainant_race",
            "complainant_sex",
            "complainant_ethnicity",
            "complainant_age",
            *places,
        ),
        ["agency_slug", "complaint_id"],
    )
    age = joined.complainant_age
    return joined.mutate(age_band=ibis.ifelse(age.isnull(), ibis.null("string"), age_band(age)))


def _rates(
    frame: pl.DataFrame, column: str, key: str, denominator: tuple[str, ...], level: float
) -> pl.DataFrame:
    out = (
        frame.filter(pl.col("finding").is_in(list(denominator)))
        .group_by(column)
        .agg(
            pl.col("n").filter(pl.col("finding") == "sustained").sum().alias("sustained"),
            pl.col("n").sum().alias("decided"),
        )
        .filter(pl.col(column).is_not_null())
        .sort(column)
        .rename({column: key})
    )
    low, high = wilson(
        out.get_column("sustained").to_numpy(), out.get_column("decided").to_numpy(), level
    )
    return out.with_columns(low=pl.Series(low), high=pl.Series(high))


def _sustain_estimates(
    frame: pl.DataFrame,
    group: str,
    reference: str | None,
    by: str | None,
    denominator: tuple[str, ...],
    level: float,
) -> tuple[list[Estimate], str | None]:
    estimates: list[Estimate] = []
    frame = frame.with_columns(pl.lit("all").alias("_all"))
    parts = [("_all", "category"), ("category", "category"), (group, "group")]
    if by is not None:
        parts.append((by, "place"))
    chosen: str | None = None
    for column, key in parts:
        rates = _rates(frame, column, key, denominator, level)
        for value, k, n, low, high in rates.iter_rows():
            labels = {key: value, "finding": "sustained"} | (
                {"field": group} if key == "group" else {}
            )
            estimates.append(Estimate("sustain_rate", k / n, labels, (low, high), level, int(n)))
        if key != "group" or rates.height < 2:
            continue
        values = rates.get_column("group").to_list()
        chosen = reference or (
            "white"
            if "white" in values
            else rates.sort("decided", descending=True).item(0, "group")
        )
        if chosen not in values:
            raise ConfigError(
                f"reference {chosen!r} has no decided allegations; "
                f"{group} values: {', '.join(values)}"
            )
        ref = rates.filter(pl.col("group") == chosen).row(0)
        for value, k, n, _, _ in rates.filter(pl.col("group") != chosen).iter_rows():
            ratio = rate_ratio(k, n, ref[1], ref[2], level)
            estimates.append(
                Estimate(
                    "sustain_rate_ratio",
                    float(ratio.estimate) if ratio.estimate == ratio.estimate else None,
                    {"group": value, "reference": chosen, "field": group},
                    (float(ratio.low), float(ratio.high)) if ratio.low == ratio.low else None,
                    level,
                    int(n),
                    {"zero_corrected": float(ratio.corrected)},
                )
            )
    return estimates, chosen


def complaint_outcomes(
    tx: Transaction,
    agency: str,
    *,
    group: str = "complainant_race",
    reference: str | None = None,
    by: str | None = None,
    denominator: Literal["investigated", "closed"] = "investigated",
    as_of: dt.date | None = None,
    level: float = 0.95,
) -> Result:
    """Sustain rates, time to decision and discipline of ``agency``'s complaints.

    ``group``: the complainant field compared (``complainant_race`` and so on; ``subject_race``
    is read as ``complainant_race``); ``reference``: the group others are compared with (white
    when present, else the largest); ``by``: a geography field of ``complaints`` to break sustain
    rates down by; ``denominator``: see the module docstring; ``as_of``: the date open cases are
    censored at (default: the latest date in the agency's complaint records). Raises
    :class:`~openblotter.errors.ConfigError` for bad options or when the agency has no
    allegations.
    """
    group = group.replace("subject_", "complainant_") if group.startswith("subject_") else group
    if group not in _GROUPS:
        raise ConfigError(f"group must be one of {', '.join(_GROUPS)}, not {group!r}")
    if by is not None and (by not in GEOGRAPHY_FIELDS or by == "location"):
        raise ConfigError(f"by must be a geography field of complaints, not {by!r}")
    if denominator not in ("investigated", "closed"):
        raise ConfigError("denominator must be 'investigated' or 'closed'")
    if not 0.5 <= level < 1.0:
        raise ConfigError("level must be in [0.5, 1)")
    view = _people(agency)
    keys = ["category", group, "finding", *([by] if by else [])]
    findings = run(counts(view, keys), tx)
    if findings.height == 0:
        raise ConfigError(f"{agency} has no allegations (joined to complaints) in the store")
    total = int(findings.get_column("n").sum())
    denominators = INVESTIGATED if denominator == "investigated" else CLOSED
    in_denominator = findings.filter(pl.col("finding").is_in(list(denominators)))
    sustained = int(in_denominator.filter(pl.col("finding") == "sustained").get_column("n").sum())
    n_decided = int(in_denominator.get_column("n").sum())
    filters = [
        f"allegations of {agency} joined to their complaints: {total:,}",
        f"sustain rates over allegations with a finding "
        f"{'on the merits' if denominator == 'investigated' else 'that closed them'} "
        f"({n_decided:,}; {total - n_decided:,} others left out)",
    ]
    caveats = list(_CAVEATS)
    estimates: list[Estimate] = []
    chosen = None
    if n_decided and sustained == n_decided:
        caveats.append(
            "Every decided allegation in these records is sustained: the source publishes "
            "sustained allegations only, so sustain rates cannot be computed from it."
        )
    elif n_decided:
        estimates, chosen = _sustain_estimates(findings, group, reference, by, denominators, level)
        if not findings.get_column(group).is_not_null().any():
            caveats.append(
                f"No complainant {group.removeprefix('complainant_')} is recorded: "
                "no comparison by group."
            )
    more, more_filters, more_caveats = time_to_decision(tx, agency, view, as_of, level)
    estimates.extend(more)
    filters.extend(more_filters)
    caveats.extend(more_caveats)
    sustained_view = view.filter(view.finding == "sustained")
    discipline = run(
        counts(
            sustained_view, ["discipline", "board_recommendation", "disposition_recommendation"]
        ),
        tx,
    )
    more, more_filters, more_caveats = discipline_estimates(discipline, level)
    estimates.extend(more)
    filters.extend(more_filters)
    caveats.extend(more_caveats)
    return Result(
        method=METHOD,
        estimates=tuple(estimates),
        filters=tuple(filters),
        caveats=tuple(caveats),
        provenance=provenance(tx, agency, ("complaints", "allegations")),
        diagnostics={"allegations": float(total), "reference": chosen or ""},
        summary=_summary(estimates),
    )


def _summary(estimates: list[Estimate]) -> str:
    def first(quantity: str, **labels: str) -> Estimate | None:
        for e in estimates:
            if (
                e.quantity == quantity
                and e.value is not None
                and all(e.labels.get(k) == v for k, v in labels.items())
            ):
                return e
        return None

    parts = []
    rate = first("sustain_rate", category="all")
    if rate is not None and rate.value is not None:
        parts.append(f"{rate.value:.0%} of {rate.n:,} decided allegations were sustained")
    median = first("days_to_decision", category="all complaints", quantile="median")
    if median is not None:
        parts.append(
            f"half of the complaints were decided within {median.value:.0f} days "
            "(counting open cases)"
        )
    concur = first("concurrence_rate", recommendation="all", recommended_by="board_recommendation")
    if concur is not None and concur.value is not None:
        parts.append(
            "the department imposed the board's recommended discipline or more in "
            f"{concur.value:.0%} of {concur.n:,} decided allegations"
        )
    if not parts:
        return "No complaint outcome could be computed."
    text = "; ".join(parts) + "."
    return text[0].upper() + text[1:]
