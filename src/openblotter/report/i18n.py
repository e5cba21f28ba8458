"""Words and numbers for the reader: the gettext hook and locale-aware number formats.

Every sentence the report shows is a template with named placeholders passed through
:func:`gettext` (alias ``_``) or :func:`ngettext`, which translate it whole through the message
catalogue of the *current* language: ``locale/<lang>/LC_MESSAGES/messages.po`` beside this
module, compiled in memory when first used (Babel reads the ``.po``; no ``.mo`` files in the
repository). English is the source language and needs no catalogue. The current language is held
in a :class:`contextvars.ContextVar`, set for a block by :func:`use_locale` (``with
use_locale("es"): …``), so concurrent renders in threads or tasks do not see each other's
language; the report's entry points (:func:`~openblotter.report.render.render_report`,
:func:`~openblotter.report.findings.findings`, :func:`~openblotter.report.sections.
build_sections`, :func:`~openblotter.report.charts.figure`) take a ``locale`` and set it for their
duration. Words kept in tables at import time are marked with :func:`N_` (and unit pairs with
:func:`Nn_`) and translated where they are shown.

Numbers go through :class:`Numbers`, which formats for one locale with Babel (by default the
current one): counts with grouping (``12,345``; ``12.345`` in Spanish), ratios to two significant
digits of the smallest number shown with them (``1.6``; ``0.92``), shares as percentages
(``12%``; ``12 %`` in Spanish) and differences of shares in percentage points. A value that is
missing or not finite reads "not estimated".
"""

from __future__ import annotations

import gettext as _gettext
import io
import math
import re
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from babel import Locale, UnknownLocaleError
from babel.dates import format_datetime
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent, format_scientific

from openblotter.errors import ConfigError

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Iterator, Sequence

__all__ = [
    "DEFAULT_LOCALE",
    "LOCALE_DIR",
    "N_",
    "Nn_",
    "Numbers",
    "current_locale",
    "decimals_for",
    "gettext",
    "language_of",
    "languages",
    "ngettext",
    "translations",
    "use_locale",
]

DEFAULT_LOCALE = "en"
LOCALE_DIR = Path(__file__).parent / "locale"
"""Where the catalogues live: ``<lang>/LC_MESSAGES/messages.po``."""
_MAX_DECIMALS = 3
_HUGE = 1e15

_current: ContextVar[str] = ContextVar("openblotter_report_locale", default=DEFAULT_LOCALE)


@cache
def language_of(locale: str) -> str:
    """The language of a locale (``es_US`` → ``es``); a ConfigError for one Babel does not know."""
    try:
        return str(Locale.parse(locale.replace("-", "_")).language)
    except (UnknownLocaleError, ValueError, TypeError) as exc:
        raise ConfigError(f"unknown locale {locale!r} for the report") from exc


def languages() -> tuple[str, ...]:
    """The languages the report is written in: English and every language with a catalogue."""
    found = sorted(p.parent.parent.name for p in LOCALE_DIR.glob("*/LC_MESSAGES/messages.po"))
    return (DEFAULT_LOCALE, *(code for code in found if code != DEFAULT_LOCALE))


@cache
def translations(language: str) -> _gettext.NullTranslations:
    """The compiled catalogue of ``language`` (the identity for English or without a catalogue)."""
    path = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if language == DEFAULT_LOCALE or not path.exists():
        return _gettext.NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer)


def current_locale() -> str:
    """The locale the report's words and numbers are in now (``"en"`` unless set)."""
    return _current.get()


@contextmanager
def use_locale(locale: str | None) -> Iterator[str]:
    """Write the report's words (and default numbers) in ``locale`` inside the ``with`` block.

    ``None`` keeps the current locale. The previous one is restored on leaving, also on error.
    Raises :class:`~openblotter.errors.ConfigError` for a locale Babel does not know.
    """
    if locale is None:
        yield _current.get()
        return
    language_of(locale)
    token = _current.set(locale)
    try:
        yield locale
    finally:
        _current.reset(token)


def gettext(message: str) -> str:
    """``message`` (a template with ``{named}`` placeholders) in the current language."""
    return translations(language_of(_current.get())).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural template for ``n`` in the current language."""
    return translations(language_of(_current.get())).ngettext(singular, plural, n)


_ = gettext


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue without translating it (translate it where shown)."""
    return message


def Nn_(singular: str, plural: str) -> tuple[str, str]:
    """Mark a singular and plural pair for the catalogue; :func:`ngettext` it where shown."""
    return (singular, plural)


def _finite(values: Sequence[float | None]) -> list[float]:
    return [float(v) for v in values if v is not None and math.isfinite(v)]


def decimals_for(values: Sequence[float | None], *, most: int = _MAX_DECIMALS) -> int:
    """Decimals that give the smallest non-zero magnitude in ``values`` two significant digits.

    >>> decimals_for([1.6, 1.4, 1.8]), decimals_for([0.92, 0.85]), decimals_for([12.3])
    (1, 2, 0)
    """
    magnitudes = [abs(v) for v in _finite(values) if v != 0]
    if not magnitudes:
        return 0
    exponent = math.floor(math.log10(min(magnitudes)))
    return max(0, min(most, 1 - exponent))


@dataclass(frozen=True, slots=True)
class Numbers:
    """Number formats for one locale (``"en"``, ``"es"``, ``"es_US"`` …; by default the current).

    Raises :class:`~openblotter.errors.ConfigError` for a locale Babel does not know.
    """

    locale: str = field(default_factory=current_locale)

    def __post_init__(self) -> None:
        try:
            Locale.parse(self.locale)
        except (UnknownLocaleError, ValueError, TypeError) as exc:
            raise ConfigError(f"unknown locale {self.locale!r} for the report") from exc

    @property
    def missing(self) -> str:
        """What a missing or non-finite number reads as."""
        return _("not estimated")

    def count(self, n: int | None) -> str:
        """A whole number with grouping: ``12,345``."""
        if n is None:
            return self.missing
        if abs(n) >= _HUGE:
            return self.number(float(n), 0)
        return format_decimal(int(n), locale=self.locale)

    def number(self, x: float | None, decimals: int) -> str:
        """``x`` with exactly ``decimals`` decimals and grouping (huge or tiny: scientific)."""
        if x is None or not math.isfinite(x):
            return self.missing
        if abs(x) >= _HUGE or (x != 0 and abs(x) < 10.0**-_MAX_DECIMALS / 2 and decimals > 0):
            text = format_scientific(x, format="0.##E0", locale=self.locale)
            return text.replace("-", "\N{MINUS SIGN}")
        pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
        text = format_decimal(round(x, decimals), format=pattern, locale=self.locale)
        return text.replace("-", "\N{MINUS SIGN}") if text.startswith("-") else text

    def numbers(self, *values: float | None, decimals: int | None = None) -> tuple[str, ...]:
        """Numbers shown together (an estimate and its interval) with shared decimals.

        ``decimals`` defaults to :func:`decimals_for` of the values.
        """
        places = decimals_for(values) if decimals is None else decimals
        return tuple(self.number(v, places) for v in values)

    def percents(self, *shares: float | None, decimals: int | None = None) -> tuple[str, ...]:
        """Shares (0.12) as percentages (``12%``) with shared decimals (by default at most two)."""
        if decimals is None:
            decimals = decimals_for([None if s is None else 100 * s for s in shares], most=2)
        base = Locale.parse(self.locale).percent_formats[None].pattern.split(";")[0]
        fraction = "." + "0" * decimals if decimals > 0 else ""
        pattern = re.sub(r"0(?=[^0]*$)", "0" + fraction, base, count=1)
        out = []
        for share in shares:
            if share is None or not math.isfinite(share):
                out.append(self.missing)
                continue
            if abs(share) >= _HUGE:
                out.append(self.number(100 * share, 0) + "%")
                continue
            text = format_percent(round(share, decimals + 2), format=pattern, locale=self.locale)
            out.append(text.replace("-", "\N{MINUS SIGN}") if text.startswith("-") else text)
        return tuple(out)

    def percent(self, share: float | None) -> str:
        """One share as a percentage."""
        return self.percents(share)[0]

    def points(self, *differences: float | None, decimals: int | None = None) -> tuple[str, ...]:
        """Differences of shares (0.032) in percentage points (``3.2``), shared decimals."""
        scaled = [None if d is None else 100 * d for d in differences]
        return self.numbers(*scaled, decimals=decimals)

    def level(self, level: float) -> str:
        """An interval's level: ``95%``."""
        return self.percents(level)[0]

    def datetime(self, moment: dt.datetime) -> str:
        """A timezone-aware moment in the locale's long form."""
        return format_datetime(moment, "long", locale=self.locale)

    def join(self, items: Sequence[str]) -> str:
        """``a, b, and c`` in the locale's way."""
        return format_list(list(items), locale=self.locale) if items else ""
