"""The bytes an audit entry hashes to, and the hash chain that links the entries.

An entry is the canonical JSON (keys sorted, no spaces, UTF-8, non-ASCII kept) of its index,
its UTC time with microseconds and the event's fields. Its leaf hash is the RFC 6962 leaf hash
of those bytes; its chain hash is ``SHA-256(previous chain ‖ leaf)``, the previous chain of
entry 0 being 32 zero bytes. The verifier rebuilds both from a row's columns, so these
functions are the single definition of what a row means.

Values are stored as given (CR/LF, terminal escapes and markup included: encoding them is the
job of whoever displays them), with three exceptions so that a hostile value can neither bloat
the log nor make the write fail: each field is cut at ``MAX_FIELD`` characters with a marker,
and NUL characters and unpaired surrogates (which PostgreSQL text and UTF-8 cannot hold) become
U+FFFD.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from typing import TYPE_CHECKING, Any

from openblotter.audit.events import OUTCOMES
from openblotter.audit.merkle import leaf_hash
from openblotter.errors import ConfigError

if TYPE_CHECKING:
    from openblotter.audit.events import AuditEvent

__all__ = [
    "FIELDS",
    "GENESIS_CHAIN",
    "MAX_FIELD",
    "canonical_time",
    "chain_hash",
    "clean_field",
    "entry_bytes",
    "event_fields",
    "row_leaf_hash",
]

#: the event's text fields, in the order of the table's columns
FIELDS = ("actor", "role", "action", "object", "outcome", "reason", "client")
MAX_FIELD = 2_000
#: what the chain hash of entry 0 follows
GENESIS_CHAIN = bytes(32)

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def clean_field(value: str) -> str:
    """A field value as it is stored: unstorable characters replaced, cut at ``MAX_FIELD``."""
    text = _UNSTORABLE.sub("\ufffd", value)
    if len(text) <= MAX_FIELD:
        return text
    marker = f"…[truncated: {len(text):,} characters]"
    return text[: MAX_FIELD - len(marker)] + marker


def event_fields(event: AuditEvent) -> dict[str, str]:
    """The stored text fields of an event; refuse an outcome that is not one of ``OUTCOMES``."""
    if event.outcome not in OUTCOMES:
        raise ConfigError(
            f"an audit outcome must be one of {', '.join(OUTCOMES)}, not {event.outcome!r}"
        )
    values = {name: getattr(event, name) for name in FIELDS}
    for name, value in values.items():
        if not isinstance(value, str):
            raise ConfigError(f"audit field {name} must be text, not {type(value).__name__}")
    return {name: clean_field(value) for name, value in values.items()}


def canonical_time(at: dt.datetime) -> str:
    """ISO-8601 UTC with microseconds, e.g. ``2026-11-28T12:00:00.000000Z``."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ConfigError("audit times must be timezone-aware (the clock gives UTC)")
    return at.astimezone(dt.UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def entry_bytes(idx: int, logged_at: dt.datetime, fields: dict[str, Any]) -> bytes:
    """The canonical JSON of one entry: what its leaf hash covers."""
    document = {"idx": idx, "logged_at": canonical_time(logged_at)}
    document.update({name: fields[name] for name in FIELDS})
    return _ENCODER.encode(document).encode("utf-8")


def row_leaf_hash(idx: int, logged_at: dt.datetime, fields: dict[str, Any]) -> bytes:
    """The leaf hash of an entry with these values."""
    return leaf_hash(entry_bytes(idx, logged_at, fields))


def chain_hash(previous: bytes, leaf: bytes) -> bytes:
    """The chain hash that follows ``previous`` with ``leaf``."""
    return hashlib.sha256(previous + leaf).digest()
