"""Words and numbers for the reader: the gettext hook and locale-aware number formats.

Every sentence the report shows is a template with named placeholders passed through
:func:`gettext` (alias ``_``), so a message catalogue can translate it whole (issue 6 adds
English and Spanish catalogues); for now the function returns its argument. Numbers go through
:class:`Numbers`, which formats for one locale with Babel: counts with grouping (``12,345``;
``12.345`` in Spanish), ratios to two significant digits of the smallest number shown with them
(``1.6``; ``0.92``), shares as percentages (``12%``; ``12 %`` in Spanish) and differences of
shares in percentage points. A value that is missing or not finite reads "not estimated".
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from babel import Locale, UnknownLocaleError
from babel.dates import format_datetime
from babel.lists import format_list
from babel.numbers import format_decimal, format_percent, format_scientific

from openblotter.errors import ConfigError

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Sequence

__all__ = ["DEFAULT_LOCALE", "Numbers", "decimals_for", "gettext", "ngettext"]

DEFAULT_LOCALE = "en"
_MAX_DECIMALS = 3
_HUGE = 1e15


def gettext(message: str) -> str:
    """Translate ``message`` (a template with ``{named}`` placeholders); the identity for now."""
    return message


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural template for ``n``; English plural rules for now."""
    return singular if n == 1 else plural


_ = gettext


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
    """Number formats for one locale (``"en"``, ``"es"``, ``"es_US"`` …).

    Raises :class:`~openblotter.errors.ConfigError` for a locale Babel does not know.
    """

    locale: str = DEFAULT_LOCALE

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
