"""Logging set-up for entry points. Library code only ever calls ``logging.getLogger(__name__)``.

Logs carry counts, batch ids, issue codes and durations, never record contents.
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

__all__ = ["configure_logging"]


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        return json.dumps(payload)


def configure_logging(level: str = "WARNING", *, json_lines: bool | None = None) -> None:
    """Send logs to stderr: human-readable on a terminal, JSON lines otherwise."""
    handler = logging.StreamHandler(sys.stderr)
    use_json = (not sys.stderr.isatty()) if json_lines is None else json_lines
    handler.setFormatter(
        _JsonFormatter() if use_json else logging.Formatter("%(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger("openblotter")
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False
