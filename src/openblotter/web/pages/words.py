"""How the portal names things in each language: codes, dimensions, months, units and counts.

Code labels come from the standard's code lists (``Black``, ``15 to 17``) and pass through the
page's gettext, so the Spanish catalog can translate them; a label without a translation stays
in English. Months are the aggregates' ``YYYY-MM`` written the locale's way (``Jan 2016`` /
``ene 2016``). A withheld count never becomes a number: it reads "withheld".
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import TYPE_CHECKING

from babel.dates import format_date

from openblotter.schema import load_standard

if TYPE_CHECKING:
    from openblotter.web.i18n import Language

__all__ = [
    "code_label",
    "count_text",
    "dimension_label",
    "month_label",
    "quantity_label",
    "unit_label",
]

_DIMENSIONS = {
    "race": "Race",
    "sex": "Sex",
    "age_band": "Age band",
    "geography": "Place",
    "month": "Month",
}
_UNITS = {
    "people stopped": "people stopped",
    "people subjected to force": "people subjected to force",
    "people arrested": "people arrested",
    "incidents": "incidents",
    "complaints": "complaints",
    "incidents (by offender race)": "incidents (by offender race)",
    "calls": "calls",
}
_CODELISTS = {"race": "race", "sex": "sex", "age_band": "age_band"}


def _(message: str) -> str:
    """Mark ``message`` for the catalog; it is translated where it is shown."""
    return message


# The words above, and the standard's names the pages show most, marked for the catalog (the
# standard is in English; these are its words the Spanish catalog translates):
_MARKED = [
    _("Race"),
    _("Sex"),
    _("Age band"),
    _("Place"),
    _("Month"),
    _("people stopped"),
    _("people subjected to force"),
    _("people arrested"),
    _("incidents"),
    _("complaints"),
    _("incidents (by offender race)"),
    _("calls"),
    # code labels (race, sex, age_band)
    _("Asian or Pacific Islander"),
    _("Black"),
    _("Hispanic"),
    _("White"),
    _("Other"),
    _("Unknown"),
    _("Black or African American"),
    _("American Indian or Alaska Native"),
    _("Asian"),
    _("Native Hawaiian or Other Pacific Islander"),
    _("Multiple"),
    _("Male (man or boy)"),
    _("Female (woman or girl)"),
    _("Another sex"),
    _("Under 15"),
    _("15 to 17"),
    _("18 to 24"),
    _("25 to 34"),
    _("35 to 44"),
    _("45 to 54"),
    _("55 to 64"),
    _("65 and over"),
    _("All ages"),
    # dataset titles
    _("Complaints"),
    _("Officers"),
    _("Allegations"),
    _("Arrests"),
    _("Calls for service"),
    _("Critical incidents"),
    _("Use of force incidents"),
    _("People force was used on"),
    _("Officers who used force"),
    _("Hate crimes and hate incidents"),
    _("Officer identifiers"),
    _("Population benchmarks"),
    _("Stops"),
    _("Officers at stops"),
    _("People stopped"),
    # method titles
    _("Stop outcomes by group"),
    _("Stops per resident"),
    _("Search hit rates (outcome test)"),
    _("Stops in daylight and after dark (veil of darkness)"),
    _("Search thresholds (threshold test)"),
    _("Use of force during stops"),
    _("Severity of reported force"),
    _("Complaint outcomes"),
    _("Officers compared with peers"),
    # places (the aggregates' geography fields)
    _("District"),
    _("Precinct"),
    _("Division"),
    _("Sector"),
    _("Beat"),
    _("Zone"),
    _("Reporting area"),
    _("County name"),
    # quantities
    _("Search rate"),
    _("Frisk rate"),
    _("Arrest rate"),
    _("Hit rate"),
    _("Rate ratio"),
    _("Odds ratio"),
    _("Threshold"),
    _("Sustain rate"),
]


@cache
def _codes(codelist: str) -> dict[str, str]:
    standard = load_standard()
    if codelist not in standard.codelists:
        return {}
    return {c.code: c.label for c in standard.codelist(codelist).codes}


def code_label(lang: Language, dimension: str, code: str, codelist: str | None = None) -> str:
    """The label of ``code`` of a dimension (its code list's label, translated), else the code."""
    if dimension == "month":
        return month_label(lang, code)
    labels = _codes(codelist or _CODELISTS.get(dimension, ""))
    label = labels.get(code)
    return lang.gettext(label) if label else code


def dimension_label(lang: Language, dimension: str, geography: str | None = None) -> str:
    """``Race``, ``Month``; the place dimension by its field's title (``District``)."""
    if dimension == "geography" and geography:
        return lang.gettext(geography.replace("_", " ").capitalize())
    return lang.gettext(_DIMENSIONS.get(dimension, dimension.replace("_", " ").capitalize()))


def month_label(lang: Language, month: str) -> str:
    """``2016-01`` as ``Jan 2016`` (``ene 2016``); anything else unchanged."""
    try:
        first = dt.date.fromisoformat(f"{month}-01")
    except ValueError:
        return month
    return format_date(first, format="MMM y", locale=lang.code)


def unit_label(lang: Language, unit: str | None) -> str:
    """What an aggregate table counts (``people stopped``), translated."""
    if not unit:
        return lang.gettext("records")
    return lang.gettext(_UNITS.get(unit, unit))


def quantity_label(lang: Language, quantity: str) -> str:
    """A Result quantity (``search_rate``) in words (``Search rate``)."""
    return lang.gettext(quantity.replace("_", " ").capitalize())


def count_text(
    lang: Language, count: int | None, withheld: int, *, below: int | None = None
) -> str:
    """A count as the page states it: the number, "withheld", or a lower bound.

    ``below`` (k) marks a count known to be under the small-count threshold (from records):
    it reads "fewer than k". A withheld cell of the aggregates reads "withheld" only, since
    complementary suppression also withholds larger cells.
    """
    if below is not None and count is not None and 0 < count < below:
        return lang.gettext("fewer than %(k)s") % {"k": lang.number(below)}
    if count is None:
        return lang.gettext("withheld")
    if withheld:
        return lang.ngettext(
            "at least %(n)s (%(w)s cell withheld)",
            "at least %(n)s (%(w)s cells withheld)",
            withheld,
        ) % {"n": lang.number(count), "w": lang.number(withheld)}
    return lang.number(count)
