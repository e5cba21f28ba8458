"""The data dictionary ``/dictionary``: every dataset, field and code list of the standard.

Built from the same source as ``blotter standard export`` (:mod:`openblotter.schema.dictionary`):
the standard's table schemas and code lists, nothing restated. Headings, types, privacy classes
and constraints are translated; the standard's own titles and descriptions are in English and
the Spanish page marks them ``lang="en"``. The machine-readable standard is the JSON twin.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from openblotter.schema import load_standard
from openblotter.web.twins import add_page

if TYPE_CHECKING:
    from fastapi import FastAPI
    from starlette.requests import Request

    from openblotter.schema.model import Field
    from openblotter.web.i18n import Language
    from openblotter.web.portal import Portal

__all__ = ["dictionary_page", "register"]


def _(message: str) -> str:
    """Mark ``message`` for the catalog; it is translated where it is shown."""
    return message


_PRIVACY = {
    "public": _("published as is"),
    "generalize": _("published coarsened"),
    "restricted": _("never published"),
    "prohibited": _("never stored"),
}


def _constraints(lang: Language, fld: Field) -> list[str]:
    c = fld.constraints
    parts = []
    if c.required:
        parts.append(lang.gettext("required"))
    if c.minimum is not None:
        parts.append(f"\u2265 {c.minimum:g}")
    if c.maximum is not None:
        parts.append(f"\u2264 {c.maximum:g}")
    if c.pattern:
        parts.append(lang.gettext("pattern %(p)s") % {"p": c.pattern})
    if fld.only_when is not None:
        parts.append(
            lang.gettext("only when %(field)s = %(value)s")
            % {"field": fld.only_when.field, "value": json.dumps(fld.only_when.equals)}
        )
    return parts


def _field(lang: Language, fld: Field) -> dict[str, Any]:
    privacy = fld.privacy.value
    return {
        "name": fld.name,
        "type": fld.type,
        "title": fld.title,
        "description": fld.description,
        "constraints": _constraints(lang, fld),
        "codelist": fld.codelist,
        "privacy": privacy,
        "privacy_text": lang.gettext(_PRIVACY.get(privacy, privacy)),
        "generalization": fld.generalization.replace("_", " ") if fld.generalization else None,
    }


def dictionary_page(_request: Request, _portal: Portal, lang: Language) -> dict[str, Any]:
    """The standard's datasets with their fields, and its code lists."""
    standard = load_standard()
    datasets = []
    for name in standard.datasets:
        schema = standard.schema(name)
        datasets.append(
            {
                "name": name,
                "title": schema.title,
                "description": schema.description,
                "grain": schema.grain,
                "primary_key": list(schema.primary_key),
                "fields": [_field(lang, f) for f in schema.fields],
            }
        )
    codelists = [
        {
            "name": name,
            "codes": [
                {"code": c.code, "label": c.label, "description": c.description}
                for c in codes.codes
            ],
        }
        for name, codes in sorted(standard.codelists.items())
    ]
    return {
        "title": lang.gettext("Data dictionary"),
        "version": standard.version,
        "datasets": datasets,
        "codelists": codelists,
        "source_language": "en",
    }


def register(app: FastAPI) -> None:
    """Add the data dictionary."""
    add_page(app, "/dictionary", "dictionary.html", dictionary_page, name="dictionary")
