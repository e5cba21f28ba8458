"""The catalogue of issue codes: stable kebab-case names, a severity and a plain explanation.

A code is never renamed or reused; a retired code is marked deprecated instead. Every code here
is documented in ``docs/reference/issue-codes.md`` (a meta test checks it).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["ISSUE_CODES", "IssueCode", "Severity"]


class Severity(StrEnum):
    """``error`` sends the source row to quarantine; ``warning`` stays with the record."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class IssueCode:
    """One kind of finding."""

    code: str
    severity: Severity
    explanation: str


_CODES = [
    IssueCode("missing-required-field", Severity.ERROR, "A required field has no value."),
    IssueCode("invalid-type", Severity.ERROR, "A value cannot be read as the field's type."),
    IssueCode("invalid-date", Severity.ERROR, "A date matches none of the mapping's formats."),
    IssueCode("invalid-time", Severity.ERROR, "A time matches none of the mapping's formats."),
    IssueCode(
        "value-not-in-codelist",
        Severity.ERROR,
        "A value is neither a code of the field's code list nor recoded to one by the mapping.",
    ),
    IssueCode("out-of-range", Severity.ERROR, "A number is outside the field's minimum/maximum."),
    IssueCode(
        "pattern-mismatch", Severity.ERROR, "A text value does not match the field's pattern."
    ),
    IssueCode(
        "predicate-violated",
        Severity.WARNING,
        "A field carries a value although its condition is false (for example a search basis "
        "on a stop without a search); the value is removed, as Open Policing does.",
    ),
    IssueCode(
        "duplicate-key",
        Severity.ERROR,
        "Two source rows give the same record key with different values; the first is kept.",
    ),
    IssueCode(
        "date-outside-period",
        Severity.WARNING,
        "A date falls outside the period the delivery says it covers (a likely mis-dated row).",
    ),
    IssueCode(
        "prohibited-value-removed",
        Severity.WARNING,
        "A value about sexual orientation, gender identity or immigration status was removed "
        "before anything was stored (ARCHITECTURE.md decision 6).",
    ),
    IssueCode(
        "unknown-reference",
        Severity.WARNING,
        "A record points to a record that is neither in the store nor in the batch (for example "
        "an officer key with no officers record); it is kept, and the link is reported.",
    ),
    IssueCode(
        "ragged-row",
        Severity.ERROR,
        "The row has a different number of cells than the header.",
    ),
]

ISSUE_CODES: dict[str, IssueCode] = {c.code: c for c in _CODES}
