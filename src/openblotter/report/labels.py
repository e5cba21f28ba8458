"""How codes read in the report: the standard's code labels, and groups of people in sentences.

A label value such as ``black`` or ``18-24`` is a code of one of the standard's code lists; the
report shows it by its label (``Black``, ``18 to 24``) in the current language, so the catalogue
translates every label of the code lists named here (a test checks it). In a sentence a group is
a phrase with the subject noun — ``Black drivers``, ``male people``, ``people aged 18 to 24`` —
made from one template per code where the words have to agree in the reader's language
(``conductores de raza negra``). Words that analyses put in labels without a code list
(``consent``, the discipline levels of complaint outcomes) have their own entries.
"""

from __future__ import annotations

from functools import cache

from openblotter.report.i18n import N_
from openblotter.report.i18n import gettext as _
from openblotter.schema import load_standard

__all__ = ["CODELISTS", "code_label", "group_phrase", "label_word"]

CODELISTS = (
    "race",
    "ethnicity",
    "sex",
    "age_band",
    "allegation_category",
    "finding",
    "board_recommendation",
    "discipline",
)
"""The code lists whose labels the report shows (the first list with a code names it)."""
_GROUP_LISTS = ("race", "ethnicity", "sex", "age_band")

_RACE_PHRASES = {
    "black": N_("Black {noun}"),
    "white": N_("White {noun}"),
    "hispanic": N_("Hispanic {noun}"),
    "asian/pacific islander": N_("Asian or Pacific Islander {noun}"),
    "not hispanic": N_("Not Hispanic or Latino {noun}"),
}
"""A group of people of one race or ethnicity, with the subject noun (``Black drivers``)."""
_SEX_PHRASES = {"male": N_("male {noun}"), "female": N_("female {noun}")}

_WORDS = {
    "consent": N_("Consent"),
    "discretionary": N_("Discretionary"),
    "board_recommendation": N_("Board's recommendation"),
    "disposition_recommendation": N_("Recommendation at disposition"),
    "command discipline A or warning": N_("Command discipline A or warning"),
    "command discipline B": N_("Command discipline B"),
    "vacation, suspension or probation": N_("Vacation, suspension or probation"),
    "agency": N_("Agency"),
    "district": N_("District"),
    "county_name": N_("County"),
    "precinct": N_("Precinct"),
    "beat": N_("Beat"),
    "sector": N_("Sector"),
    "full-year": N_("Full year"),
}
"""Label values that are not codes of a list but words analyses use, in words."""


@cache
def _code_labels() -> dict[str, str]:
    standard = load_standard()
    labels: dict[str, str] = {}
    for name in CODELISTS:
        if name not in standard.codelists:
            continue
        for code in standard.codelist(name).codes:
            labels.setdefault(code.code, code.label.split(" (")[0])
    return labels


@cache
def _group_kinds() -> dict[str, str]:
    standard = load_standard()
    kinds: dict[str, str] = {}
    for name in _GROUP_LISTS:
        if name in standard.codelists:
            for code in standard.codelist(name).codes:
                kinds.setdefault(code.code, "race" if name == "ethnicity" else name)
    return kinds


def code_label(value: str) -> str:
    """A code in words (``black`` → ``Black``); values that are not codes are kept as given.

    >>> code_label("black"), code_label("male"), code_label("Precinct 5")
    ('Black', 'Male', 'Precinct 5')
    """
    label = _code_labels().get(value)
    return _(label) if label is not None else value


def label_word(value: str) -> str | None:
    """A label value that analyses use as a word (``consent`` → ``Consent``), or ``None``."""
    word = _WORDS.get(value)
    return _(word) if word is not None else None


def group_phrase(value: str, noun: str) -> str:
    """A group with the subject noun, for sentences: ``Black people``, ``people aged 18 to 24``.

    ``noun`` is the plural subject noun, already in the reader's language.

    >>> group_phrase("black", "drivers"), group_phrase("18-24", "people")
    ('Black drivers', 'people aged 18 to 24')
    """
    kind = _group_kinds().get(value, "")
    if kind == "sex":
        template = _SEX_PHRASES.get(value)
        if template is not None:
            return _(template).format(noun=noun)
        return _("{sex} {noun}").format(sex=code_label(value).lower(), noun=noun)
    if kind == "age_band":
        return _("{noun} aged {band}").format(noun=noun, band=code_label(value).lower())
    if kind == "race" and value not in ("other", "unknown"):
        template = _RACE_PHRASES.get(value)
        if template is not None:
            return _(template).format(noun=noun)
        return _("{race} {noun}").format(race=code_label(value), noun=noun)
    return _("{noun} recorded as \u201c{label}\u201d").format(noun=noun, label=code_label(value))
