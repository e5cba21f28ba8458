"""Redact identifiers of people from free text (narratives, reasons, location descriptions).

Two kinds of evidence find an identifier:

- **the record itself**: names, dates of birth, licence plates, driver's licences and other
  restricted values stored with the same record (or with the other records of its family: a stop
  and its subjects) are removed wherever they appear in its text, whole words, in any case;
- **patterns**: Social Security numbers, phone numbers, e-mail addresses, a date introduced as a
  date of birth ("DOB 4/5/1987", "born March 3, 1990"), a plate introduced as one ("plate ABC1234",
  "tag # 7XYZ123"), and a house-numbered street address ("1234 N Main St"; a "1200 block of …"
  stays, it is already coarse).

Each is replaced by a visible marker, ``[REDACTED: kind]``, so a reader knows text was removed and
why. The scanner errs towards removing too much: a subject called "White" loses the word "white"
from his own record's narrative. Text is never published unscanned: ``narratives: drop`` in the
publication policy removes it instead.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Iterable

__all__ = ["MARKER", "date_variants", "redact_column", "redact_text"]

MARKER = "[REDACTED: {}]"

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DATE = (
    rf"(?:\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{2,4}}|\d{{4}}-\d{{2}}-\d{{2}}"
    rf"|{_MONTH}\.? \d{{1,2}},? \d{{4}})"
)
_STREET = (
    r"(?:st|street|ave|avenue|av|rd|road|blvd|boulevard|dr|drive|ln|lane|ct|court|way|pl|place|"
    r"pkwy|parkway|hwy|highway|cir|circle|ter|terrace|trl|trail|sq|square|loop|row)"
)

# Each pattern: its kind, the regular expression and the replacement, applied in order.
_PATTERNS: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("email", re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"), MARKER.format("e-mail")),
    ("ssn", re.compile(r"\b\d{3}-\d{2}-\d{4}\b"), MARKER.format("SSN")),
    (
        "phone",
        re.compile(r"(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\b\d{3}[\s.-])\d{3}[\s.-]\d{4}\b"),
        MARKER.format("phone"),
    ),
    (
        "date of birth",
        re.compile(
            rf"\b(DOB|D\.O\.B\.?|date of birth|birth ?date|born(?: on)?)\s*[:#-]?\s*{_DATE}",
            re.IGNORECASE,
        ),
        r"\1 " + MARKER.format("date of birth"),
    ),
    (
        "licence plate",
        re.compile(
            r"\b((?:licen[cs]e )?plate|tag|LP)(?:\s*(?:#|no\.?|number|:))?\s*"
            r"(?=[A-Z0-9-]*\d)[A-Z0-9]{1,4}[ -]?[A-Z0-9]{1,5}\b",
            re.IGNORECASE,
        ),
        r"\1 " + MARKER.format("licence plate"),
    ),
    (
        "address",
        re.compile(
            rf"\b\d{{1,6}}[A-Z]?(?!\s+block\b)\s+(?:[NSEW]\.?\s+)?(?:[A-Za-z0-9'.]+\s+){{0,3}}?"
            rf"{_STREET}\b\.?",
            re.IGNORECASE,
        ),
        MARKER.format("address"),
    ),
)


def date_variants(value: dt.date) -> list[str]:
    """The ways a date is commonly written: ISO, US with or without zeros, two-digit year."""
    return [
        value.isoformat(),
        f"{value.month:02d}/{value.day:02d}/{value.year}",
        f"{value.month}/{value.day}/{value.year}",
        f"{value.month:02d}/{value.day:02d}/{value.year % 100:02d}",
        f"{value.month}/{value.day}/{value.year % 100:02d}",
        f"{value.month:02d}-{value.day:02d}-{value.year}",
    ]


def _literal_pattern(values: Iterable[str], *, words: bool) -> re.Pattern[str] | None:
    cleaned = sorted(
        {v.strip() for v in values if v and len(v.strip()) >= 2}, key=len, reverse=True
    )
    if not cleaned:
        return None
    body = "|".join(re.escape(v) for v in cleaned)
    # \b only where the value starts/ends with a word character; (?<!\w) works for both
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)" if words else body, re.IGNORECASE)


def redact_text(text: str, *, names: Iterable[str] = (), known: Iterable[str] = ()) -> str:
    """``text`` without the record's ``names`` (word by word), ``known`` values and patterns."""
    if not text:
        return text
    tokens = [t for n in names if n for t in re.split(r"[\s,]+", n) if len(t) >= 2]
    name_pattern = _literal_pattern(tokens, words=True)
    known_pattern = _literal_pattern(known, words=True)
    if known_pattern is not None:
        text = known_pattern.sub(MARKER.format("identifier"), text)
    if name_pattern is not None:
        text = name_pattern.sub(MARKER.format("name"), text)
    for _kind, pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def redact_column(
    frame: pl.DataFrame, column: str, *, names: str | None = None, known: str | None = None
) -> pl.Series:
    """The redacted values of ``column``.

    ``names`` and ``known`` name list columns holding each record's own identifiers.
    """
    texts = frame.get_column(column)
    if texts.null_count() == frame.height:
        return texts
    name_lists = frame.get_column(names).to_list() if names else [None] * frame.height
    known_lists = frame.get_column(known).to_list() if known else [None] * frame.height
    out = [
        None if text is None else redact_text(text, names=n or (), known=k or ())
        for text, n, k in zip(texts.to_list(), name_lists, known_lists, strict=True)
    ]
    return pl.Series(column, out, dtype=pl.String)
