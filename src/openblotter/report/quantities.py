"""What the numbers of a Result are, in words: each quantity's kind, title and null value.

Analyses name their estimates with a ``quantity`` (``"rate_ratio"``, ``"hit_rate"``…) and
``labels`` (``{"group": "black", "reference": "white", "outcome": "search_conducted"}``). The
report needs to know, for any quantity, how to show it — a *ratio* (log scale, no difference at
1), a *share* (a percentage), *points* (a difference of shares, no difference at 0) or a plain
*number* — and what to call it and its labels. Known names get their words here; an unknown
quantity or label still gets a readable title made from its name, so a new method shows up as
a table with a generic sentence rather than not at all.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Literal

from openblotter.report.i18n import gettext as _
from openblotter.schema import load_standard

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

_CODELISTS = ("race", "ethnicity", "sex", "age_band", "allegation_category", "finding")


@dataclass(frozen=True, slots=True)
class QuantityInfo:
    """How to show one quantity: its kind, a title, its null value and the unit of its ``n``."""

    kind: Kind
    title: str
    null: float | None
    unit: tuple[str, str] = ("record", "records")


def _humanise(name: str) -> str:
    text = re.sub(r"[_\-]+", " ", name).strip()
    return text[:1].upper() + text[1:] if text else name


_KNOWN: dict[str, QuantityInfo] = {
    "rate_ratio": QuantityInfo("ratio", _("Rate ratio"), 1.0, ("stop", "stops")),
    "odds_ratio": QuantityInfo("ratio", _("Odds ratio"), 1.0, ("stop", "stops")),
    "dark_odds_ratio": QuantityInfo(
        "ratio", _("Odds ratio, dark versus light"), 1.0, ("stop", "stops")
    ),
    "officer_ratio": QuantityInfo(
        "ratio", _("Officer's rate relative to peers"), 1.0, ("stop", "stops")
    ),
    "rate": QuantityInfo("share", _("Share with the outcome"), None),
    "weighted_hit_rate_difference": QuantityInfo(
        "points", _("Hit rate difference, weighted across places"), 0.0, ("search", "searches")
    ),
    "flagged_officers": QuantityInfo(
        "number", _("Officers flagged"), None, ("officer", "officers")
    ),
    "days_to_decision": QuantityInfo(
        "number", _("Days to a decision"), None, ("complaint", "complaints")
    ),
    "hit_rate": QuantityInfo(
        "share",
        _("Hit rate: share of searches that found contraband"),
        None,
        ("search", "searches"),
    ),
    "hit_rate_difference": QuantityInfo(
        "points", _("Hit rate difference"), 0.0, ("search", "searches")
    ),
    "sustain_rate": QuantityInfo(
        "share", _("Share of allegations sustained"), None, ("allegation", "allegations")
    ),
    "threshold": QuantityInfo("share", _("Search threshold"), None, ("stop", "stops")),
    "weighted_threshold": QuantityInfo(
        "share", _("Search threshold (stop-weighted)"), None, ("stop", "stops")
    ),
    "threshold_difference": QuantityInfo(
        "points", _("Search threshold difference"), 0.0, ("stop", "stops")
    ),
    "share_light": QuantityInfo(
        "share", _("The group's share of stops in daylight"), None, ("stop", "stops")
    ),
    "share_dark": QuantityInfo(
        "share", _("The group's share of stops after dark"), None, ("stop", "stops")
    ),
    "dark_coefficient": QuantityInfo(
        "coefficient", _("Darkness coefficient (log odds)"), 0.0, ("stop", "stops")
    ),
}

_OUTCOME_TITLES: dict[str, str] = {
    "stop": _("stops"),
    "search": _("searches"),
    "frisk": _("frisks"),
    "arrest": _("arrests"),
    "citation": _("citations"),
    "summons": _("summonses"),
    "warning": _("warnings"),
    "force": _("use of force"),
    "consent_search_requested": _("consent search requests"),
    "consent_search_given": _("consent searches"),
    "consent_refused": _("consent refusals"),
    "contraband": _("contraband found"),
    "property_seized": _("property seized"),
    "hit": _("contraband found"),
    "sustain": _("sustained allegations"),
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
    "group": _("Group"),
    "reference": _("Compared with"),
    "reference_group": _("Compared with"),
    "outcome": _("Outcome"),
    "place": _("Place"),
    "location": _("Place"),
    "geography": _("Kind of place"),
    "variant": _("Variant"),
    "light": _("Daylight or dark"),
    "measure": _("Measure"),
    "searches": _("Searches"),
    "category": _("Category"),
    "allegation_category": _("Category"),
    "finding": _("Finding"),
    "adjusted_for": _("Adjusted for"),
    "officer": _("Officer"),
    "quantile": _("Quantile"),
    "period": _("Period"),
    "year": _("Year"),
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
    return _OUTCOME_TITLES.get(key, _humanise(key).lower())


def quantity_info(quantity: str, values: Iterable[float | None] = ()) -> QuantityInfo:
    """How to show ``quantity``; an unknown name is classed by its suffix and its ``values``.

    ``*_ratio`` is a ratio; ``*_difference`` of shares is points; ``*_rate`` or ``*_share`` whose
    values all lie in [0, 1] is a share; anything else is a plain number.
    """
    if quantity in _KNOWN:
        return _KNOWN[quantity]
    finite = [float(v) for v in values if v is not None and math.isfinite(v)]
    in_unit = all(0.0 <= v <= 1.0 for v in finite)
    if quantity.endswith(("_rate", "_share")) or quantity.startswith("share_"):
        if in_unit:
            key = outcome_key(quantity)
            if quantity.endswith("_rate") and key in _OUTCOME_TITLES:
                title = _("Share of stops with {outcome}").format(outcome=outcome_title(key))
                return QuantityInfo("share", title, None, ("stop", "stops"))
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


@cache
def _code_labels() -> dict[str, str]:
    standard = load_standard()
    labels: dict[str, str] = {}
    for name in _CODELISTS:
        if name not in standard.codelists:
            continue
        for code in standard.codelist(name).codes:
            labels.setdefault(code.code, code.label)
    return labels


def code_label(value: str) -> str:
    """A code in words (``black`` → ``Black``); values that are not codes are kept as given.

    >>> code_label("black"), code_label("male"), code_label("Precinct 5")
    ('Black', 'Male', 'Precinct 5')
    """
    return _code_labels().get(value, value).split(" (")[0]


def group_phrase(value: str, noun: str) -> str:
    """A group with the subject noun, for sentences: ``Black people``, ``people aged 18 to 24``.

    >>> group_phrase("black", "drivers"), group_phrase("18-24", "people")
    ('Black drivers', 'people aged 18 to 24')
    """
    kind, label = _group_kind(value)
    if kind == "sex":
        return _("{sex} {noun}").format(sex=label.split(" (")[0].lower(), noun=noun)
    if kind == "age_band":
        return _("{noun} aged {band}").format(noun=noun, band=label.lower())
    if kind == "race" and value not in ("other", "unknown"):
        return _("{race} {noun}").format(race=label, noun=noun)
    return _("{noun} recorded as \u201c{label}\u201d").format(noun=noun, label=label)


@cache
def _group_kinds() -> dict[str, tuple[str, str]]:
    standard = load_standard()
    kinds: dict[str, tuple[str, str]] = {}
    for name in ("race", "ethnicity", "sex", "age_band"):
        if name in standard.codelists:
            for code in standard.codelist(name).codes:
                kinds.setdefault(code.code, ("race" if name == "ethnicity" else name, code.label))
    return kinds


def _group_kind(value: str) -> tuple[str, str]:
    return _group_kinds().get(value, ("", value))


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
    label = code_label(value)
    if label == value and name not in _VERBATIM_LABELS and _WORDS.match(value):
        return value[:1].upper() + value[1:]
    return label


def field_title(name: str) -> str:
    """A label's name as a column heading (``reference`` → ``Compared with``)."""
    return _FIELD_TITLES.get(name, _humanise(name))
