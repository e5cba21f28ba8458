"""The data dictionary: the standard rendered for people (Markdown, accessible HTML) and machines.

Everything comes from the table schemas and code lists; nothing here restates a field.
"""

from __future__ import annotations

import json
from html import escape
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openblotter.schema.model import Field, TableSchema
    from openblotter.schema.registry import Standard

__all__ = ["PAGE_STYLE", "to_html", "to_json", "to_markdown"]

_PRIVACY_TEXT = {
    "public": "published as is",
    "generalize": "published coarsened",
    "restricted": "never published",
    "prohibited": "never stored",
}


#: the stylesheet of OpenBlotter's standalone HTML pages (readable, high-contrast, visible focus)
PAGE_STYLE = (
    "body{font-family:system-ui,sans-serif;line-height:1.5;margin:0 auto;max-width:72rem;"
    "padding:1rem;color:#1a1a1a;background:#fff}table{border-collapse:collapse;width:100%;"
    "margin:1rem 0}th,td{border:1px solid #767676;padding:.4rem;text-align:left;"
    "vertical-align:top}caption{font-weight:bold;text-align:left;padding:.4rem 0}"
    "a{color:#0645ad}a:focus,a:hover{outline:3px solid #1a1a1a}"
    ".skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff}"
)


def to_json(standard: Standard) -> str:
    """The whole standard as one JSON document (descriptors and code lists)."""
    document: dict[str, Any] = {
        "name": "openblotter-standard",
        "version": standard.version,
        "resources": [standard.schema(name).descriptor for name in standard.datasets],
        "codelists": {
            name: [
                {k: v for k, v in _fields_of(code).items() if v not in (None, "")}
                for code in codes.codes
            ]
            for name, codes in sorted(standard.codelists.items())
        },
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _fields_of(obj: object) -> dict[str, Any]:
    """Field values of a slotted dataclass, in declaration order."""
    return {name: getattr(obj, name) for name in getattr(obj, "__slots__", ())}


def _constraint_text(fld: Field) -> str:
    c = fld.constraints
    parts = []
    if c.required:
        parts.append("required")
    if c.minimum is not None:
        parts.append(f"≥ {c.minimum:g}")
    if c.maximum is not None:
        parts.append(f"≤ {c.maximum:g}")
    if c.pattern:
        parts.append(f"pattern `{c.pattern}`")
    if fld.codelist:
        parts.append(f"codes: {fld.codelist}")
    if fld.only_when is not None:
        parts.append(f"only when {fld.only_when.field} = {json.dumps(fld.only_when.equals)}")
    return "; ".join(parts)


def _privacy_text(fld: Field) -> str:
    text = f"{fld.privacy.value} ({_PRIVACY_TEXT[fld.privacy.value]}"
    if fld.generalization:
        text += f": {fld.generalization.replace('_', ' ')}"
    return text + ")"


def _crosswalk_text(fld: Field) -> str:
    return ", ".join(f"{k.upper()}: {v}" for k, v in fld.crosswalk.items() if v)


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(standard: Standard, datasets: list[str] | None = None) -> str:
    """The data dictionary as Markdown, one section per dataset."""
    lines = [f"# OpenBlotter data standard {standard.version}", ""]
    for name in datasets or list(standard.datasets):
        schema = standard.schema(name)
        lines += [f"## {schema.title} (`{schema.name}`)", "", schema.description, ""]
        lines += [f"One record per {schema.grain}. Key: {', '.join(schema.primary_key)}.", ""]
        lines += ["| field | type | description | constraints | privacy | crosswalk |"]
        lines += ["|---|---|---|---|---|---|"]
        lines += [
            f"| `{f.name}` | {f.type} | **{_md(f.title)}.** {_md(f.description)} | "
            f"{_md(_constraint_text(f))} | {_privacy_text(f)} | {_md(_crosswalk_text(f))} |"
            for f in schema.fields
        ]
        lines.append("")
    return "\n".join(lines)


def _html_table(schema: TableSchema) -> list[str]:
    out = [
        f'<section aria-labelledby="ds-{schema.name}">',
        f'<h2 id="ds-{schema.name}">{escape(schema.title)} (<code>{schema.name}</code>)</h2>',
        f"<p>{escape(schema.description)}</p>",
        f"<p>One record per {escape(schema.grain)}. Key: "
        f"{escape(', '.join(schema.primary_key))}.</p>",
        "<table>",
        f"<caption>Fields of the {escape(schema.title)} dataset "
        f"({len(schema.fields)} fields)</caption>",
        "<thead><tr>"
        + "".join(
            f'<th scope="col">{h}</th>'
            for h in ("Field", "Type", "Description", "Constraints", "Privacy", "Crosswalk")
        )
        + "</tr></thead>",
        "<tbody>",
    ]
    for f in schema.fields:
        out.append(
            f'<tr><th scope="row"><code>{f.name}</code></th><td>{f.type}</td>'
            f"<td><strong>{escape(f.title)}.</strong> {escape(f.description)}</td>"
            f"<td>{escape(_constraint_text(f))}</td><td>{escape(_privacy_text(f))}</td>"
            f"<td>{escape(_crosswalk_text(f))}</td></tr>"
        )
    out += ["</tbody>", "</table>", "</section>"]
    return out


def to_html(standard: Standard, datasets: list[str] | None = None) -> str:
    """The data dictionary as a standalone, accessible HTML page."""
    names = datasets or list(standard.datasets)
    title = f"OpenBlotter data standard {standard.version}"
    toc = "".join(
        f'<li><a href="#ds-{n}">{escape(standard.schema(n).title)}</a></li>' for n in names
    )
    body = [line for n in names for line in _html_table(standard.schema(n))]
    codelists = []
    for name, codes in sorted(standard.codelists.items()):
        rows = "".join(
            f'<tr><th scope="row"><code>{escape(c.code)}</code></th><td>{escape(c.label)}</td>'
            f"<td>{escape(c.description)}</td></tr>"
            for c in codes.codes
        )
        codelists.append(
            f'<table id="codes-{name}"><caption>Code list <code>{name}</code></caption>'
            '<thead><tr><th scope="col">Code</th><th scope="col">Label</th>'
            f'<th scope="col">Description</th></tr></thead><tbody>{rows}</tbody></table>'
        )
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{escape(title)}</title>",
            f"<style>{PAGE_STYLE}</style>",
            "</head>",
            "<body>",
            '<a class="skip" href="#main">Skip to the data dictionary</a>',
            f"<header><h1>{escape(title)}</h1></header>",
            f'<nav aria-label="Datasets"><ul>{toc}<li><a href="#codelists">Code lists</a></li>'
            "</ul></nav>",
            '<main id="main">',
            *body,
            '<section aria-labelledby="codelists"><h2 id="codelists">Code lists</h2>',
            *codelists,
            "</section>",
            "</main>",
            "</body>",
            "</html>",
            "",
        ]
    )
