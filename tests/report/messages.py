"""The report's messages, found by reading its source: what the Spanish catalogue must translate.

:func:`python_messages` parses each module of ``src/openblotter/report`` with :mod:`ast` and
collects the literal arguments of calls to ``_``, ``gettext`` and ``N_`` (one message) and
``ngettext`` and ``Nn_`` (singular and plural), wherever they are called — sentence builders,
tables of titles, dataclass defaults. Calls with a computed argument (``_(title)``) translate a
message marked elsewhere and are skipped. :func:`template_messages` does the same for the Jinja2
templates with Jinja2's own extractor. A message is a ``str`` or a ``(singular, plural)`` pair.
"""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import openblotter.report
from openblotter.report.render import environment

REPORT = Path(openblotter.report.__file__).parent
CATALOG = REPORT / "locale" / "es" / "LC_MESSAGES" / "messages.po"
SINGLE = frozenset({"_", "gettext", "N_"})
PLURAL = frozenset({"ngettext", "Nn_"})

Message = str | tuple[str, str]


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _literal(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def python_messages(root: Path = REPORT) -> dict[Message, list[str]]:
    """Every literal message in the modules under ``root``, with where it is (``file:line``)."""
    found: dict[Message, list[str]] = {}
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _name(node.func)
            texts = [_literal(a) for a in node.args]
            where = f"{path.relative_to(root)}:{node.lineno}"
            message: Message | None = None
            if name in SINGLE and len(texts) == 1 and texts[0] is not None:
                message = texts[0]
            elif name in PLURAL and len(texts) >= 2 and texts[0] is not None:
                plural = texts[1]
                if plural is not None:
                    message = (texts[0], plural)
            if message is not None:
                found.setdefault(message, []).append(where)
    return found


def template_messages(root: Path = REPORT / "templates") -> dict[Message, list[str]]:
    """Every message of the report's Jinja2 templates (``_()``, ``gettext()``, ``ngettext()``)."""
    env = environment()
    found: dict[Message, list[str]] = {}
    for path in sorted(root.glob("*.j2")):
        source = path.read_text(encoding="utf-8")
        for line, _func, message in env.extract_translations(source):  # type: ignore[attr-defined]
            texts = message if isinstance(message, tuple) else (message,)
            if not texts or not isinstance(texts[0], str):
                continue
            key: Message = (texts[0], texts[1]) if len(texts) > 1 and texts[1] else texts[0]
            found.setdefault(key, []).append(f"{path.name}:{line}")
    return found


def all_messages() -> dict[Message, list[str]]:
    """The messages of the report's modules and templates together."""
    found = python_messages()
    for message, places in template_messages().items():
        found.setdefault(message, []).extend(places)
    return found


_PERCENT = re.compile(r"%\((\w+)\)[sd]")


def placeholders(text: str) -> frozenset[str]:
    """The named placeholders of a message: ``{name}`` fields and ``%(name)s`` conversions."""
    names = {field for _lit, field, _spec, _conv in string.Formatter().parse(text) if field}
    return frozenset(names | set(_PERCENT.findall(text)))
