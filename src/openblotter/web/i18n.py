"""Languages: gettext catalogs for English and Spanish, locale-aware numbers and dates.

Catalogs live as ``locale/<lang>/LC_MESSAGES/messages.po`` beside this module and are compiled in
memory when first used (Babel reads the ``.po``; no build step, no ``.mo`` files in the
repository). English is the source language: its catalog is the identity. The language of a page
is part of its path (``/es/…``) — see ADR 0006.
"""

from __future__ import annotations

import gettext
import io
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from babel import Locale
from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent

if TYPE_CHECKING:
    import datetime as dt

__all__ = ["DEFAULT", "LANGUAGES", "Language", "language"]

LANGUAGES = {"en": "English", "es": "Español"}
"""The portal's languages, each named in itself (for the language switch)."""
DEFAULT = "en"
_NO_VALUE = "\u2013"  # an en dash stands for "no value"
_LOCALE_DIR = Path(__file__).parent / "locale"


@cache
def _translations(code: str) -> gettext.NullTranslations:
    path = _LOCALE_DIR / code / "LC_MESSAGES" / "messages.po"
    if code == DEFAULT or not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=code)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


@dataclass(frozen=True, slots=True)
class Language:
    """One language: its gettext functions and Babel formatters."""

    code: str

    @property
    def name(self) -> str:
        """The language named in itself."""
        return LANGUAGES[self.code]

    @property
    def prefix(self) -> str:
        """The path prefix of pages in this language (``""`` or ``"/es"``)."""
        return "" if self.code == DEFAULT else f"/{self.code}"

    def gettext(self, message: str) -> str:
        """``message`` in this language (the English text when no translation exists)."""
        return _translations(self.code).gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """The singular or plural form for ``n`` in this language."""
        return _translations(self.code).ngettext(singular, plural, n)

    def number(self, value: float | int | None, digits: int = 0) -> str:
        """``12,345`` / ``12.345``; ``1.6`` with ``digits=1``; an en dash for no value."""
        if value is None:
            return _NO_VALUE
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(value, format=pattern, locale=self.code)

    def percent(self, value: float | None, digits: int = 0) -> str:
        """``12 %`` in this language's style; an en dash for no value."""
        if value is None:
            return _NO_VALUE
        pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
        return format_percent(value, format=pattern, locale=self.code)

    def date(self, value: dt.date | dt.datetime | None) -> str:
        """A date in this language's medium style (``Mar 1, 2016`` / ``1 mar 2016``)."""
        if value is None:
            return _NO_VALUE
        return format_date(value, format="medium", locale=self.code)

    @property
    def locale(self) -> Locale:
        """The Babel locale."""
        return Locale.parse(self.code)


@cache
def language(code: str) -> Language:
    """The :class:`Language` for ``code`` (the default for an unknown code)."""
    return Language(code if code in LANGUAGES else DEFAULT)
