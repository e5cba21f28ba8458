"""The dataset explorer's filters: a plain GET form, every value checked before anything runs.

The form has a period (``from`` and ``to``, each a month ``YYYY-MM``), a place (``geography``,
one of the places the release counts), a group (``group``, a code of the dataset's race code
list), what to count by (``by``, a dimension the release's aggregate table has) and the page of
records (``page``, ``size``). Anything else, a repeated parameter, a value outside those lists or
a period that ends before it starts is refused with a :class:`FilterError` (HTTP 400) that says
what was wrong; nothing the reader typed reaches a query except as a checked, bound value.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from openblotter.errors import ConfigError
from openblotter.web.pages.tally import Selection

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

__all__ = ["PAGE_SIZES", "FilterError", "Filters", "Options", "parse_filters"]

PAGE_SIZES = (25, 50, 100)
"""Record page sizes the form offers (the first is the default)."""
MAX_PAGE = 10_000
_MONTH = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")
_DIGITS = re.compile(r"[0-9]{1,6}")
_PARAMETERS = ("from", "to", "geography", "group", "by", "page", "size")
_SHOWN = 40


class FilterError(ConfigError):
    """A filter of the explorer form that the release does not allow (HTTP 400)."""

    code = "invalid-filter"


@dataclass(frozen=True, slots=True)
class Options:
    """What the form may choose from, taken from the release and the standard."""

    months: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    dimensions: tuple[str, ...] = ()
    race_codelist: str | None = None


@dataclass(frozen=True, slots=True)
class Filters:
    """The checked filters of one request."""

    month_from: str | None = None
    month_to: str | None = None
    geography: str | None = None
    group: str | None = None
    by: str | None = None
    page: int = 1
    size: int = PAGE_SIZES[0]

    @property
    def selection(self) -> Selection:
        """What the counts select (by race when the release has no other choice)."""
        return Selection(
            by=self.by or "race",
            month_from=self.month_from,
            month_to=self.month_to,
            geography=self.geography,
            group=self.group,
        )

    @property
    def date_from(self) -> str | None:
        """The first day of the period."""
        return f"{self.month_from}-01" if self.month_from else None

    @property
    def date_to(self) -> str | None:
        """The last day of the period."""
        if not self.month_to:
            return None
        year, month = (int(p) for p in self.month_to.split("-"))
        return f"{self.month_to}-{calendar.monthrange(year, month)[1]:02d}"

    def query(self, **changes: Any) -> dict[str, str]:
        """The filters as query parameters (empty ones left out), with ``changes`` applied."""
        values: dict[str, Any] = {
            "from": self.month_from,
            "to": self.month_to,
            "geography": self.geography,
            "group": self.group,
            "by": self.by,
            "page": self.page if self.page != 1 else None,
            "size": self.size if self.size != PAGE_SIZES[0] else None,
        }
        values.update(changes)
        return {k: str(v) for k, v in values.items() if v not in (None, "")}

    def to_dict(self) -> dict[str, Any]:
        """The filters as JSON."""
        return {
            "from": self.month_from,
            "to": self.month_to,
            "geography": self.geography,
            "group": self.group,
            "by": self.by,
            "page": self.page,
            "size": self.size,
        }


def _shown(value: str) -> str:
    """``value`` quoted for a message, at most about :data:`_SHOWN` characters of it."""
    text = repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "\N{HORIZONTAL ELLIPSIS}"


def _one(params: Mapping[str, Sequence[str]], name: str) -> str | None:
    values = [v.strip() for v in params.get(name, [])]
    if len(values) > 1:
        raise FilterError(f"give {name!r} at most once")
    return values[0] if values and values[0] else None


def _month(value: str | None, name: str) -> str | None:
    if value is None:
        return None
    if not _MONTH.fullmatch(value):
        raise FilterError(f"{name!r} must be a month written YYYY-MM, not {_shown(value)}")
    return value


def _choice(value: str | None, name: str, allowed: Sequence[str]) -> str | None:
    if value is None:
        return None
    if value not in allowed:
        raise FilterError(f"{_shown(value)} is not a value of {name!r} in this release")
    return value


def _number(value: str | None, name: str, default: int, allowed: range | Sequence[int]) -> int:
    if value is None:
        return default
    if not _DIGITS.fullmatch(value) or int(value) not in allowed:
        raise FilterError(f"{name!r} must be one of the numbers offered, not {_shown(value)}")
    return int(value)


def parse_filters(params: Mapping[str, Sequence[str]], options: Options) -> Filters:
    """The checked filters of a request's query parameters (a FilterError if any is wrong)."""
    unknown = sorted(set(params) - set(_PARAMETERS))
    if unknown:
        raise FilterError(
            f"unknown filter {_shown(unknown[0])}; the form has {', '.join(_PARAMETERS)}"
        )
    month_from = _month(_one(params, "from"), "from")
    month_to = _month(_one(params, "to"), "to")
    if (month_from or month_to) and not options.months:
        raise FilterError("this dataset has no dates to filter by; leave 'from' and 'to' empty")
    if month_from and month_to and month_from > month_to:
        raise FilterError("the period ends before it starts: 'to' is earlier than 'from'")
    return Filters(
        month_from=month_from,
        month_to=month_to,
        geography=_choice(_one(params, "geography"), "geography", options.places),
        group=_choice(_one(params, "group"), "group", options.groups),
        by=_choice(_one(params, "by"), "by", options.dimensions),
        page=_number(_one(params, "page"), "page", 1, range(1, MAX_PAGE + 1)),
        size=_number(_one(params, "size"), "size", PAGE_SIZES[0], PAGE_SIZES),
    )
