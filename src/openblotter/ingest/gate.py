"""The prohibited-attribute gate.

ARCHITECTURE.md decision 6 and the toolkit's "Exclude discriminatory information".

Sexual orientation, gender identity and immigration status are never stored. The gate works at
three depths, before anything is stored, logged or quarantined:

1. **Source columns** whose name is about a prohibited attribute (a RIPA export's "perceived
   LGBT", a "contacted Homeland Security" flag) are refused: dropped as soon as the file is read.
   Their values never reach a record, the quarantine, a log or a message; the batch report names
   the column and the rule, never a value.
2. **Mappings** that send such a column, or anything, to a prohibited attribute are refused with
   ``ProhibitedAttributeError`` naming the column and the rule, except for ``hate_incidents``, whose
   restricted victim fields keep information a person volunteered and that bears on the incident
   (and only on records marked ``reported_voluntarily``).
3. **Values** in the columns a mapping reads that state a prohibited attribute (a result of stop
   "Contacted U.S. Department of Homeland Security", a perceived gender "Transgender woman") are
   removed, with a ``prohibited-value-removed`` warning that carries no value. The hate-crime bias
   motivation (the *offender's* bias, e.g. "Anti-Transgender") is exempt: it is not a statement
   about the person.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from openblotter.errors import ProhibitedAttributeError

if TYPE_CHECKING:
    from openblotter.ingest.mapping import Mapping

__all__ = [
    "EXEMPT_FIELDS",
    "VOLUNTEERED_FIELDS",
    "Concept",
    "concept_of_name",
    "concept_of_value",
    "refuse_prohibited_mapping",
    "refuse_prohibited_targets",
]


@dataclass(frozen=True, slots=True)
class Concept:
    """One prohibited attribute and how to recognise it."""

    name: str
    names: re.Pattern[str]
    values: re.Pattern[str]


_I = re.IGNORECASE
CONCEPTS = (
    Concept(
        "sexual orientation",
        re.compile(
            r"sexual[\s_.-]*orient|\blgb|(^|[\s_])lgbt|\bgay\b|lesbian|bisexual|"
            r"heterosexual|\bqueer\b",
            _I,
        ),
        re.compile(
            r"sexual\s*orient|\blgb|\bgay\b|lesbian|bisexual|heterosexual|straight/|"
            r"\bqueer\b",
            _I,
        ),
    ),
    Concept(
        "gender identity",
        re.compile(
            r"gender[\s_.-]*identi|transgender|non[\s_-]*binary|gender[\s_.-]*non[\s_-]*"
            r"conform|cisgender",
            _I,
        ),
        re.compile(
            r"gender\s*identi|transgender|\btrans\s+(man|woman|male|female)|"
            r"non[\s_-]*binary|gender\s*non[\s_-]*conform|cisgender",
            _I,
        ),
    ),
    Concept(
        "immigration status",
        re.compile(
            r"immigra|citizenship|homeland|\bdhs\b|(^|[\s_])ice([\s_]|$)|undocumented|"
            r"\balien\b|deport|visa[\s_]*status",
            _I,
        ),
        re.compile(
            r"immigra|citizenship|homeland\s*security|\bdhs\b|\bi\.?c\.?e\.?\s+"
            r"(detainer|hold|notif)|undocumented|illegal\s*alien|deport|visa\s*status",
            _I,
        ),
    ),
)

# Fields whose values are the offender's bias, not a statement about a person: the value gate
# leaves them alone.
EXEMPT_FIELDS = frozenset({("hate_incidents", "bias_motivations")})
# Restricted fields that may keep a volunteered prohibited attribute (hate incidents only).
VOLUNTEERED_FIELDS = frozenset(
    {
        ("hate_incidents", "victim_sexual_orientation"),
        ("hate_incidents", "victim_gender_identity"),
        ("hate_incidents", "victim_immigration_status"),
    }
)


def _normal(name: str) -> str:
    return re.sub(r"[^0-9a-zA-Z]+", " ", name).strip()


def concept_of_name(name: str) -> Concept | None:
    """The prohibited attribute a column or field name is about, if any."""
    text = _normal(name)
    for concept in CONCEPTS:
        if concept.names.search(text) or concept.names.search(name):
            return concept
    return None


def concept_of_value(value: str) -> Concept | None:
    """The prohibited attribute a cell value states, if any."""
    for concept in CONCEPTS:
        if concept.values.search(value):
            return concept
    return None


def refuse_prohibited_targets(mapping_name: str, targets: list[tuple[str, str, list[str]]]) -> None:
    """Refuse a mapping that sends a column to a prohibited attribute.

    ``targets`` lists (dataset, field, source columns) for every mapped field.
    """
    for dataset, field, columns in targets:
        if (dataset, field) in VOLUNTEERED_FIELDS:
            continue
        concept = concept_of_name(field)
        if concept is not None:
            raise ProhibitedAttributeError(
                f"mapping {mapping_name}: {dataset}.{field} (from column(s) "
                f"{', '.join(columns) or 'a constant'}) would store {concept.name}, which "
                "OpenBlotter never stores (ARCHITECTURE.md decision 6); remove it from the mapping"
            )
        if (dataset, field) in EXEMPT_FIELDS:
            continue
        for column in columns:
            concept = concept_of_name(column)
            if concept is not None:
                raise ProhibitedAttributeError(
                    f"mapping {mapping_name}: column {column!r} is about {concept.name}, which "
                    f"OpenBlotter never stores (ARCHITECTURE.md decision 6); it cannot feed "
                    f"{dataset}.{field}. Remove it from the mapping: the column is then refused "
                    "and everything else in the file is kept"
                )


def refuse_prohibited_mapping(mapping: Mapping) -> None:
    """Refuse a mapping that would store a prohibited attribute, before any file is read."""
    refuse_prohibited_targets(
        mapping.name,
        [
            (dataset, name, spec.source_columns())
            for dataset, out in mapping.records.items()
            for name, spec in out.fields.items()
        ],
    )
