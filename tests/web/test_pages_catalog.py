"""Every message the portal's pages show has a Spanish translation in the catalog.

Messages are extracted the way Babel's ``pybabel extract`` would: ``_()``, ``gettext()`` and
``ngettext()`` in the templates (``jinja2.ext.babel_extract``) and ``gettext``/``ngettext``/``_``
calls in the page modules (Babel's Python extractor). Each must have a non-empty ``msgstr`` (and
both plural forms) in ``locale/es/LC_MESSAGES/messages.po``, which must parse cleanly.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_python
from babel.messages.pofile import read_po
from jinja2.ext import babel_extract

import openblotter.web

WEB = Path(openblotter.web.__file__).parent
TEMPLATES = sorted((WEB / "templates").glob("*.html"))
MODULES = sorted((WEB / "pages").glob("*.py"))
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2)}


def _messages() -> dict[str, tuple[str, ...]]:
    found: dict[str, tuple[str, ...]] = {}
    for path in TEMPLATES:
        with path.open("rb") as handle:
            options = {"extensions": "jinja2.ext.i18n", "trimmed": "false"}
            for line, _func, message, _comments in babel_extract(handle, KEYWORDS, [], options):
                texts = message if isinstance(message, tuple) else (message,)
                if texts and texts[0]:
                    found[texts[0]] = tuple(t for t in texts if t)
                    assert line
    for path in MODULES:
        with path.open("rb") as handle:
            for _line, _func, message, _comments in extract_python(handle, KEYWORDS, [], {}):
                texts = message if isinstance(message, tuple) else (message,)
                if texts and isinstance(texts[0], str) and texts[0]:
                    found[texts[0]] = tuple(t for t in texts if isinstance(t, str) and t)
    return found


def _catalog():  # type: ignore[no-untyped-def]
    with (WEB / "locale" / "es" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale="es")


def test_catalog__parses_and_has_no_empty_or_fuzzy_entries() -> None:
    catalog = _catalog()
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"empty translation of {message.id!r}"
        assert not message.fuzzy, f"fuzzy translation of {message.id!r}"


def test_catalog__extraction_finds_the_pages_messages() -> None:
    found = _messages()
    assert "Skip to main content" in found
    assert "How this was computed" in found
    assert "withheld" in found
    assert found["%(num)s month has suspiciously few records:"][1].startswith("%(num)s months")


@pytest.mark.parametrize("message", sorted(_messages()))
def test_catalog__every_message_has_a_spanish_translation(message: str) -> None:
    catalog = _catalog()
    entry = catalog.get(message)
    assert entry is not None, f"no Spanish for {message!r}"
    assert entry.string, f"no Spanish for {message!r}"
    if isinstance(entry.string, tuple):
        assert len(entry.string) == 2
        assert all(entry.string)
