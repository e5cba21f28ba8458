"""Use of force by group, with controls: logistic regression on counts aggregated in the store.

Question (as California's RIPA Board reports ask it): among the people officers stopped, were
those of one group more likely to have force used on them than those of a reference group
(white by default) *stopped in comparable circumstances* — same sex, age band, stop reason and
type, place and period? :func:`force_odds` fits::

    logit P(force | stop) = a + b_group + c_sex + d_age_band + e_reason + e_type
                            [+ f_geography] [+ g_period]

and reports ``exp(b_group)`` — the adjusted odds ratio of each group against the reference —
with its Wald interval, next to the unadjusted odds ratio and the raw rate of each group. The
aggregation is one ``GROUP BY`` over the covariates in the store (:func:`source.counts`); the
model is fitted on the counts (:mod:`openblotter.analysis.glm`), which gives exactly the
estimates and standard errors of the logistic regression on one row per person.

:func:`force_severity` asks the companion question of the use-of-force reports
(``use_of_force`` with ``force_subjects``): among the people force was used on, were those of
one group more likely to be subject to a higher level of force (the agency's ``force_level`` at
or above ``min_level``) or to be injured, with the controls the reports record. The models and
their result objects are in :mod:`openblotter.analysis.force_model`. Method pages:
``docs/methods/use-of-force-regression.md`` and ``docs/methods/force-severity.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import ibis

from openblotter.analysis.force_model import (
    METHOD,
    SEVERITY_METHOD,
    GroupModel,
    check_options,
    fit_groups,
)
from openblotter.analysis.source import (
    GEOGRAPHY_FIELDS,
    STOP_FLAGS,
    age_band,
    counts,
    provenance,
    run,
    subject_stops,
    table,
)
from openblotter.errors import ConfigError

if TYPE_CHECKING:
    from collections.abc import Sequence

    import ibis.expr.types as ir

    from openblotter.analysis.result import Result
    from openblotter.storage.base import Transaction

__all__ = [
    "METHOD",
    "SEVERITY_CONTROLS",
    "SEVERITY_METHOD",
    "SEVERITY_OUTCOMES",
    "STOP_CONTROLS",
    "force_odds",
    "force_severity",
]

STOP_CONTROLS = ("subject_sex", "age_band", "stop_reason", "type")
"""Controls of :func:`force_odds` by default (``stop_reason``: the main reason for the stop)."""

SEVERITY_CONTROLS = ("subject_sex", "age_band", "reason_for_contact")
"""Controls of :func:`force_severity` by default; ``subject_impaired`` may be added."""

SEVERITY_OUTCOMES = ("force_level", "subject_injured")
_GROUPS = ("subject_race", "subject_sex", "subject_ethnicity", "age_band")
_STOP_ALLOWED = (*STOP_CONTROLS, "subject_ethnicity", "subject_role")
_SEVERITY_ALLOWED = (*SEVERITY_CONTROLS, "subject_impaired", "subject_ethnicity")
_PERIODS = ("year", "month")

_OUTCOME_WORDS = {
    "force_used": "force was used on {who}",
    "search_conducted": "{who} were searched",
    "frisk_performed": "{who} were frisked",
    "arrest_made": "{who} were arrested",
    "citation_issued": "{who} were cited",
    "summons_issued": "{who} were summonsed",
    "warning_issued": "{who} were warned",
    "property_seized": "{who} had property seized",
}
_STOP_CAVEATS = (
    "Odds ratios are not risk ratios: when force is common (above about 10 % of stops) the "
    "odds ratio is further from 1 than the ratio of the rates. The rates are reported as well.",
    "The model controls only for what the records hold. Anything else that differs between "
    "groups and affects force — the behaviour officers report, the offence suspected, the "
    "officer, the hour — is not accounted for (omitted-variable bias), in either direction.",
    "The comparison is among people who were stopped. If officers stop people of one group on "
    "weaker grounds, those stops are less likely to involve force, which hides part of any "
    "disparity in the use of force (Knox, Lowe & Mummolo 2020).",
    "The outcome is as the agency records it; what counts as force (or a frisk, a search), and "
    "how completely officers record it, differ between agencies and can change over time.",
    "People stopped together are counted as independent records; the interval may be a little "
    "too narrow where several people share a stop.",
)
_SEVERITY_CAVEATS = (
    "Only incidents the agency reported as uses of force are included: the comparison is among "
    "people force was used on, not among everyone officers met.",
    "Force levels are the agency's own grading, and injuries as the agency recorded them; "
    "neither compares across agencies, and reporting rules change over time (the period "
    "effects absorb level shifts, not changes in who is reported).",
    "The model controls only for what the reports hold; the subject's behaviour, as officers "
    "describe it, is not controlled for because it is the officers' account of the incident.",
    "People in the same incident share its force level and are counted as independent "
    "records; the interval may be too narrow for incidents with several people.",
    "Odds ratios are not risk ratios when the outcome is common; the rates are reported too.",
)


def _check_common(
    group: str, by: str | None, period: str | None, controls: Sequence[str], allowed: Sequence[str]
) -> None:
    if group not in _GROUPS:
        raise ConfigError(f"group must be one of {', '.join(_GROUPS)}, not {group!r}")
    if by is not None and (by not in GEOGRAPHY_FIELDS or by == "location"):
        fields = ", ".join(f for f in GEOGRAPHY_FIELDS if f != "location")
        raise ConfigError(f"by must be a geography field ({fields}), not {by!r}")
    if period is not None and period not in _PERIODS:
        raise ConfigError(f"period must be 'year', 'month' or None, not {period!r}")
    unknown = [c for c in controls if c not in allowed]
    if unknown:
        raise ConfigError(f"unknown control(s) {', '.join(unknown)}; known: {', '.join(allowed)}")


def _keys(group: str, controls: Sequence[str], by: str | None, period: str | None) -> list[str]:
    keys = [group, *(c for c in controls if c != group)]
    return keys + [k for k in (by, period) if k is not None]


def force_odds(
    tx: Transaction,
    agency: str,
    *,
    group: str = "subject_race",
    reference: str | None = None,
    by: str | None = None,
    controls: Sequence[str] | None = None,
    period: Literal["year", "month"] | None = "year",
    outcome: str = "force_used",
    level: float = 0.95,
) -> Result:
    """Adjusted odds of ``outcome`` (force used) by ``group`` among ``agency``'s stops.

    ``reference``: the group compared against (``white`` when present, else the largest);
    ``by``: a geography field of ``stops`` whose fixed effects are included (``None``: none);
    ``controls``: categorical controls (default :data:`STOP_CONTROLS`; a control the agency
    never recorded, or recorded with one value, is left out and named in the filters; a
    missing value is its own level); ``period``: year or month fixed effects (``None``: none);
    ``outcome``: any true/false outcome of the stop (default ``force_used``). People whose
    outcome or group is not recorded are left out and counted. Raises
    :class:`~openblotter.errors.ConfigError` for bad options or when the outcome is never
    recorded or never varies.
    """
    controls = STOP_CONTROLS if controls is None else tuple(controls)
    _check_common(group, by, period, controls, _STOP_ALLOWED)
    if outcome not in STOP_FLAGS:
        raise ConfigError(f"outcome must be one of {', '.join(STOP_FLAGS)}, not {outcome!r}")
    check_options(level)
    view = subject_stops(agency)
    view = view.mutate(stop_reason=view.reason_for_stop[0])
    flag = view[outcome]
    keys = _keys(group, controls, by, period)
    expr = counts(view, keys, {"k": flag, "unrecorded": flag.isnull()})
    table_ = run(expr, tx)
    if table_.height == 0:
        raise ConfigError(f"{agency} has no stops in the store")
    model = GroupModel(
        method=METHOD,
        outcome_words=_OUTCOME_WORDS.get(outcome, f"{{who}} had {outcome} true"),
        outcome=outcome,
        group=group,
        reference=reference,
        controls=[c for c in controls if c != group],
        by=by,
        period=period,
        level=level,
        population="people stopped",
        record="stops",
        caveats=_STOP_CAVEATS,
    )
    return fit_groups(table_, model, provenance=provenance(tx, agency, ("stops", "stop_subjects")))


def _force_people(agency: str, min_level: int) -> ir.Table:
    """One row per person force was used on, with the incident's date, place and level."""
    subjects, incidents = table("force_subjects"), table("use_of_force")
    subjects = subjects.filter(subjects.agency_slug == agency)
    incidents = incidents.filter(incidents.agency_slug == agency)
    joined = subjects.select(
        "agency_slug",
        "incident_id",
        "subject_race",
        "subject_ethnicity",
        "subject_sex",
        "subject_age",
        "subject_injured",
        "subject_impaired",
    ).join(
        incidents.select(
            "agency_slug",
            "incident_id",
            "date",
            "reason_for_contact",
            "force_level",
            *(f for f in GEOGRAPHY_FIELDS if f != "location"),
        ),
        ["agency_slug", "incident_id"],
    )
    age = joined.subject_age
    impaired = joined.subject_impaired
    return joined.mutate(
        age_band=ibis.ifelse(age.isnull(), ibis.null("string"), age_band(age)),
        year=joined.date.year(),
        month=joined.date.strftime("%Y-%m"),
        subject_impaired=ibis.ifelse(impaired, "yes", "no"),
        high_level=joined.force_level >= min_level,
    )


def force_severity(
    tx: Transaction,
    agency: str,
    *,
    group: str = "subject_race",
    reference: str | None = None,
    by: str | None = None,
    controls: Sequence[str] | None = None,
    period: Literal["year", "month"] | None = "year",
    outcome: Literal["auto", "force_level", "subject_injured"] = "auto",
    min_level: int = 2,
    level: float = 0.95,
) -> Result:
    """Adjusted odds of more severe force, by ``group``, among the people force was used on.

    ``outcome``: ``"force_level"`` — the incident's ``force_level`` is ``min_level`` or more
    (Seattle: level 2 or 3, force that causes or is expected to cause injury); ``"subject_injured"``
    — the person was injured; ``"auto"`` (default) takes the force level where the agency
    grades most incidents, else injuries. The other options are those of :func:`force_odds`
    (controls default to :data:`SEVERITY_CONTROLS`; ``by`` is a geography field of
    ``use_of_force``). Raises :class:`~openblotter.errors.ConfigError` when the agency records
    neither outcome.
    """
    controls = SEVERITY_CONTROLS if controls is None else tuple(controls)
    _check_common(group, by, period, controls, _SEVERITY_ALLOWED)
    if outcome not in ("auto", *SEVERITY_OUTCOMES):
        raise ConfigError(f"outcome must be auto, force_level or subject_injured, not {outcome!r}")
    if not 1 <= min_level <= 10:
        raise ConfigError("min_level must be between 1 and 10")
    check_options(level)
    view = _force_people(agency, min_level)
    keys = _keys(group, controls, by, period)
    expr = counts(
        view,
        keys,
        {
            "k_force_level": view.high_level,
            "unrecorded_force_level": view.force_level.isnull(),
            "k_subject_injured": view.subject_injured,
            "unrecorded_subject_injured": view.subject_injured.isnull(),
        },
    )
    table_ = run(expr, tx)
    total = int(table_.get_column("n").sum()) if table_.height else 0
    if total == 0:
        raise ConfigError(f"{agency} has no people in its use-of-force records")
    recorded = {
        o: total - int(table_.get_column(f"unrecorded_{o}").sum()) for o in SEVERITY_OUTCOMES
    }
    if outcome == "auto":
        outcome = "force_level" if recorded["force_level"] >= total / 2 else "subject_injured"
    if recorded[outcome] == 0:
        raise ConfigError(f"{agency}'s use-of-force records never record {outcome}")
    table_ = table_.rename({f"k_{outcome}": "k", f"unrecorded_{outcome}": "unrecorded"})
    label = (
        f"{{who}} were subjected to force of level {min_level} or higher"
        if outcome == "force_level"
        else "{who} were injured"
    )
    model = GroupModel(
        method=SEVERITY_METHOD,
        outcome=outcome if outcome == "subject_injured" else f"force_level>={min_level}",
        group=group,
        reference=reference,
        controls=[c for c in controls if c != group],
        by=by,
        period=period,
        level=level,
        population="people force was used on",
        record="people",
        caveats=_SEVERITY_CAVEATS,
        outcome_words=label,
    )
    return fit_groups(
        table_, model, provenance=provenance(tx, agency, ("use_of_force", "force_subjects"))
    )
