"""What the numbers of a Result are, in words: each quantity's kind, title and null value.

Analyses name their estimates with a ``quantity`` (``"rate_ratio"``, ``"hit_rate"``…) and
``labels`` (``{"group": "black", "reference": "white", "outcome": "search_conducted"}``). The
report needs to know, for any quantity, how to show it — a *ratio* (log scale, no difference at
1), a *share* (a percentage), *points* (a difference of shares, no difference at 0) or a plain
*number* — and what to call it and its labels. Known names get their words here; an unknown
quantity or label still gets a readable title made from its name, so a new method shows up as
a table with a generic sentence rather than not at all. Titles are kept in English, marked for the
catalogue, and translated into the current language where they are looked up; the units of an
estimate's ``n`` are singular and plural pairs for :func:`~openblotter.report.i18n.ngettext`.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from openblotter.report.i18n import N_, Nn_, ngettext
from openblotter.report.i18n import gettext as _
from openblotter.report.labels import code_label, group_phrase, label_word

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = [
    "FACET_LABELS",
    "GROUP_LABELS",
    "HIDDEN_LABELS",
    "OVERALL_PLACES",
    "REFERENCE_LABELS",
    "Kind",
    "QuantityInfo",
    "code_label",
    "field_title",
    "group_phrase",
    "is_overall",
    "label_value",
    "outcome_key",
    "outcome_title",
    "quantity_info",
    "unit_words",
]

Kind = Literal["ratio", "share", "points", "number", "coefficient"]

HIDDEN_LABELS = ("field", "comparison", "alternative")
"""Labels for programs (which field a group came from), not shown to readers."""
OVERALL_PLACES = ("all", "weighted")
"""``place`` values that stand for the whole agency (``weighted``: a summary over places)."""
GROUP_LABELS = ("group",)
"""Labels that name the group an estimate is about (one row of a chart)."""
REFERENCE_LABELS = ("reference", "reference_group")
"""Labels that name the group it is compared with."""
FACET_LABELS = ("place", "location", "geography_value")
"""Labels that name where (a chart facet); ``geography`` names the kind of place."""


@dataclass(frozen=True, slots=True)
class QuantityInfo:
    """How to show one quantity: its kind, a title, its null value and the unit of its ``n``.

    ``unit`` is the English singular and plural; :func:`unit_words` says it in the current
    language.
    """

    kind: Kind
    title: str
    null: float | None
    unit: tuple[str, str] = Nn_("record", "records")


def unit_words(info: QuantityInfo, n: int) -> str:
    """The unit of ``n`` records in the current language: ``stop`` / ``stops``."""
    return ngettext(info.unit[0], info.unit[1], n)


def _humanise(name: str) -> str:
    text = re.sub(r"[_\-]+", " ", name).strip()
    return text[:1].upper() + text[1:] if text else name


_KNOWN: dict[str, QuantityInfo] = {
    "rate_ratio": QuantityInfo("ratio", N_("Rate ratio"), 1.0, Nn_("stop", "stops")),
    "odds_ratio": QuantityInfo("ratio", N_("Odds ratio"), 1.0, Nn_("stop", "stops")),
    "dark_odds_ratio": QuantityInfo(
        "ratio", N_("Odds ratio, dark versus light"), 1.0, Nn_("stop", "stops")
    ),
    "officer_ratio": QuantityInfo(
        "ratio", N_("Officer's rate relative to peers"), 1.0, Nn_("stop", "stops")
    ),
    "rate": QuantityInfo("share", N_("Share with the outcome"), None),
    "weighted_hit_rate_difference": QuantityInfo(
        "points", N_("Hit rate difference, weighted across places"), 0.0, Nn_("search", "searches")
    ),
    "flagged_officers": QuantityInfo(
        "number", N_("Officers flagged"), None, Nn_("officer", "officers")
    ),
    "days_to_decision": QuantityInfo(
        "number", N_("Days to a decision"), None, Nn_("complaint", "complaints")
    ),
    "hit_rate": QuantityInfo(
        "share",
        N_("Hit rate: share of searches that found contraband"),
        None,
        Nn_("search", "searches"),
    ),
    "hit_rate_difference": QuantityInfo(
        "points", N_("Hit rate difference"), 0.0, Nn_("search", "searches")
    ),
    "sustain_rate": QuantityInfo(
        "share", N_("Share of allegations sustained"), None, Nn_("allegation", "allegations")
    ),
    "threshold": QuantityInfo("share", N_("Search threshold"), None, Nn_("stop", "stops")),
    "weighted_threshold": QuantityInfo(
        "share", N_("Search threshold (stop-weighted)"), None, Nn_("stop", "stops")
    ),
    "threshold_difference": QuantityInfo(
        "points", N_("Search threshold difference"), 0.0, Nn_("stop", "stops")
    ),
    "share_light": QuantityInfo(
        "share", N_("The group's share of stops in daylight"), None, Nn_("stop", "stops")
    ),
    "share_dark": QuantityInfo(
        "share", N_("The group's share of stops after dark"), None, Nn_("stop", "stops")
    ),
    "dark_coefficient": QuantityInfo(
        "coefficient", N_("Darkness coefficient (log odds)"), 0.0, Nn_("stop", "stops")
    ),
    "unadjusted_odds_ratio": QuantityInfo("ratio", N_("Unadjusted odds ratio"), 1.0),
    "concurrence_rate": QuantityInfo(
        "share", N_("Concurrence rate"), None, Nn_("allegation", "allegations")
    ),
    "discipline_share": QuantityInfo(
        "share", N_("Discipline share"), None, Nn_("allegation", "allegations")
    ),
}

_OUTCOME_TITLES: dict[str, str] = {
    "stop": N_("stops"),
    "search": N_("searches"),
    "frisk": N_("frisks"),
    "arrest": N_("arrests"),
    "citation": N_("citations"),
    "summons": N_("summonses"),
    "warning": N_("warnings"),
    "force": N_("use of force"),
    "consent_search_requested": N_("consent search requests"),
    "consent_search_given": N_("consent searches"),
    "consent_refused": N_("consent refusals"),
    "contraband": N_("contraband found"),
    "property_seized": N_("property seized"),
    "hit": N_("contraband found"),
    "sustain": N_("sustained allegations"),
    "subject_injured": N_("injury to the person"),
    "force_level>=2": N_("force of level 2 or higher"),
}
_OUTCOME_ALIASES = {
    "search_conducted": "search",
    "frisk_performed": "frisk",
    "arrest_made": "arrest",
    "citation_issued": "citation",
    "summons_issued": "summons",
    "warning_issued": "warning",
    "force_used": "force",
    "contraband_found": "contraband",
    "consent_search_refused": "consent_refused",
    "consent_requested": "consent_search_requested",
    "consent": "consent_search_requested",
    "consent_request": "consent_search_requested",
    "consent_refusal": "consent_refused",
    "sustained": "sustain",
    "stops": "stop",
    "arrests": "arrest",
    "stop_arrests": "arrest",
    "searches": "search",
    "frisks": "frisk",
    "citations": "citation",
}
_FIELD_TITLES = {
    "group": N_("Group"),
    "reference": N_("Compared with"),
    "reference_group": N_("Compared with"),
    "outcome": N_("Outcome"),
    "place": N_("Place"),
    "location": N_("Place"),
    "geography": N_("Kind of place"),
    "variant": N_("Variant"),
    "light": N_("Daylight or dark"),
    "measure": N_("Measure"),
    "searches": N_("Searches"),
    "category": N_("Category"),
    "allegation_category": N_("Category"),
    "finding": N_("Finding"),
    "adjusted_for": N_("Adjusted for"),
    "officer": N_("Officer"),
    "quantile": N_("Quantile"),
    "period": N_("Period"),
    "year": N_("Year"),
    "subject_sex": N_("Sex"),
    "subject_race": N_("Race"),
    "age_band": N_("Age band"),
    "stop_reason": N_("Reason for the stop"),
    "reason_for_contact": N_("Reason for contact"),
    "county_name": N_("County"),
    "district": N_("District"),
    "precinct": N_("Precinct"),
    "beat": N_("Beat"),
    "sector": N_("Sector"),
    "discipline": N_("Discipline"),
    "recommendation": N_("Recommendation"),
    "recommended_by": N_("Recommended by"),
    # diagnostics of the methods (under "Model checks")
    "records": N_("Records"),
    "eligible_records": N_("Eligible records"),
    "allegations": N_("Allegations"),
    "officers": N_("Officers"),
    "officers_tested": N_("Officers tested"),
    "officers_flagged": N_("Officers flagged"),
    "strata_cells": N_("Strata cells"),
    "cells": N_("Cells"),
    "locations": N_("Locations"),
    "locations_dropped_one_group": N_("Locations dropped one group"),
    "stops_dropped_one_group": N_("Stops dropped one group"),
    "min_searches": N_("Min searches"),
    "sun_table_rows": N_("Sun table rows"),
    "spline_df": N_("Spline df"),
    "knots": N_("Knots"),
    "aliased_columns": N_("Aliased columns"),
    "iterations": N_("Iterations"),
    "converged": N_("Converged"),
    "deviance": N_("Deviance"),
    "null_deviance": N_("Null deviance"),
    "df_residual": N_("Df residual"),
    "pearson_dispersion": N_("Pearson dispersion"),
    "covariate_patterns": N_("Covariate patterns"),
    "trials_set_aside": N_("Trials set aside"),
    "null": N_("Null"),
    "null_mean": N_("Null mean"),
    "null_sd": N_("Null sd"),
    "pi0": N_("Pi0"),
    "model": N_("Model"),
    "chains": N_("Chains"),
    "warmup": N_("Warmup"),
    "draws": N_("Draws"),
    "seed": N_("Seed"),
    "divergences": N_("Divergences"),
    "rhat_max": N_("Rhat max"),
    "ess_min": N_("Ess min"),
    "mean_leapfrog_steps": N_("Mean leapfrog steps"),
    "ppc_search_rate_rms": N_("Ppc search rate rms"),
    "ppc_hit_rate_rms": N_("Ppc hit rate rms"),
    "ppc_search_coverage": N_("Ppc search coverage"),
    "ppc_hit_coverage": N_("Ppc hit coverage"),
}


def is_overall(labels: dict[str, str]) -> bool:
    """Whether an estimate is about the whole agency rather than one place."""
    place = next((labels[k] for k in FACET_LABELS if labels.get(k)), None)
    return place is None or place in OVERALL_PLACES or labels.get("geography") == "agency"


def outcome_key(name: str) -> str:
    """The canonical outcome of a label or quantity name: ``search_conducted`` → ``search``.

    >>> outcome_key("search_conducted"), outcome_key("search_rate"), outcome_key("frisk")
    ('search', 'search', 'frisk')
    """
    key = name.strip().lower()
    key = re.sub(r"_(rate|share|count)$", "", key)
    return _OUTCOME_ALIASES.get(key, key)


def outcome_title(name: str) -> str:
    """An outcome in words, plural: ``searches``, ``use of force``; unknown ones humanised."""
    key = outcome_key(name)
    title = _OUTCOME_TITLES.get(key)
    return _(title) if title is not None else _humanise(key).lower()


def quantity_info(quantity: str, values: Iterable[float | None] = ()) -> QuantityInfo:
    """How to show ``quantity``; an unknown name is classed by its suffix and its ``values``.

    ``*_ratio`` is a ratio; ``*_difference`` of shares is points; ``*_rate`` or ``*_share`` whose
    values all lie in [0, 1] is a share; anything else is a plain number.
    """
    if quantity in _KNOWN:
        known = _KNOWN[quantity]
        return dataclasses.replace(known, title=_(known.title))
    finite = [float(v) for v in values if v is not None and math.isfinite(v)]
    in_unit = all(0.0 <= v <= 1.0 for v in finite)
    if quantity.endswith(("_rate", "_share")) or quantity.startswith("share_"):
        if in_unit:
            key = outcome_key(quantity)
            if quantity.endswith("_rate") and key in _OUTCOME_TITLES:
                title = _("Share of stops with {outcome}").format(outcome=outcome_title(key))
                return QuantityInfo("share", title, None, Nn_("stop", "stops"))
            return QuantityInfo("share", _humanise(quantity), None)
        return QuantityInfo("number", _humanise(quantity), None)
    if "_per_" in quantity:
        head, _sep, per = quantity.partition("_per_")
        title = _("{what} per {per} residents").format(what=outcome_title(head), per=per)
        return QuantityInfo("number", title[:1].upper() + title[1:], None)
    if quantity.endswith("_ratio"):
        return QuantityInfo("ratio", _humanise(quantity), 1.0)
    if quantity.endswith("_difference"):
        if all(-1.0 <= v <= 1.0 for v in finite):
            return QuantityInfo("points", _humanise(quantity), 0.0)
        return QuantityInfo("number", _humanise(quantity), 0.0)
    return QuantityInfo("number", _humanise(quantity), None)


_VERBATIM_LABELS = ("officer", "place", "location", "geography_value")
_WORDS = re.compile(r"^[a-z][a-z ]*$")


def label_value(name: str, value: str) -> str:
    """A label's value in words: outcomes by :func:`outcome_title`, codes by :func:`code_label`.

    >>> label_value("outcome", "search_conducted"), label_value("group", "white")
    ('Searches', 'White')
    """
    if name in ("outcome", "measure") and value:
        title = outcome_title(value)
        return title[:1].upper() + title[1:]
    if name in FACET_LABELS and value in OVERALL_PLACES:
        return _("All places") if value == "all" else _("Weighted across places")
    if value == "all":
        return _("All")
    if name == "adjusted_for":
        return ", ".join(field_title(part.strip()).lower() for part in value.split(","))
    word = label_word(value) if name not in _VERBATIM_LABELS else None
    if word is not None:
        return word
    label = code_label(value)
    if label == value and name not in _VERBATIM_LABELS and _WORDS.match(value):
        return value[:1].upper() + value[1:]
    return label


def field_title(name: str) -> str:
    """A label's name as a column heading (``reference`` → ``Compared with``)."""
    title = _FIELD_TITLES.get(name)
    return _(title) if title is not None else _humanise(name)
