"""Time-based one-time passwords (RFC 6238): HMAC-SHA1, 30-second steps, 6 digits.

A secret is 160 random bits written in base32 (what authenticator apps read from the
``otpauth://`` URI). ``check`` accepts the code of the current step or one step either side
(clock drift) and returns the step it matched, so the caller can store it and refuse any code
of that step or an earlier one again: a code is never accepted twice.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import struct
from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode

from openblotter.errors import ConfigError

if TYPE_CHECKING:
    from datetime import datetime

__all__ = [
    "DIGITS",
    "DRIFT_STEPS",
    "STEP_SECONDS",
    "check",
    "code_at",
    "code_for_step",
    "new_secret",
    "provisioning_uri",
    "step_at",
]

STEP_SECONDS = 30
DIGITS = 6
DRIFT_STEPS = 1
_SECRET_BYTES = 20  # 160 bits, RFC 4226 §4 recommends at least this


def new_secret() -> str:
    """A fresh random secret of 160 bits, base32 without padding (32 characters)."""
    return base64.b32encode(secrets.token_bytes(_SECRET_BYTES)).decode("ascii").rstrip("=")


def _key(secret: str) -> bytes:
    text = secret.strip().replace(" ", "").upper()
    text += "=" * (-len(text) % 8)
    try:
        return base64.b32decode(text)
    except (binascii.Error, ValueError) as exc:
        raise ConfigError("the TOTP secret is not valid base32") from exc


def step_at(when: datetime) -> int:
    """The number of the 30-second step that contains an instant (Unix time // 30)."""
    return int(when.timestamp()) // STEP_SECONDS


def code_for_step(secret: str, step: int, *, digits: int = DIGITS) -> str:
    """The code of one step (RFC 4226 HOTP with the step as the counter)."""
    digest = hmac.new(_key(secret), struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def code_at(secret: str, when: datetime, *, digits: int = DIGITS) -> str:
    """The code an authenticator shows at an instant."""
    return code_for_step(secret, step_at(when), digits=digits)


def check(
    secret: str, code: str, when: datetime, last_step: int | None, *, digits: int = DIGITS
) -> int | None:
    """The step a code matches (current step ± 1), or None if wrong or already used.

    A code whose step is at or before ``last_step`` (the last step accepted for this user) is
    refused, so a code cannot be replayed within its window.
    """
    typed = code.strip().replace(" ", "")
    if len(typed) != digits or not typed.isascii() or not typed.isdigit():
        return None
    now = step_at(when)
    matched: int | None = None
    for step in range(max(0, now - DRIFT_STEPS), now + DRIFT_STEPS + 1):
        expected = code_for_step(secret, step, digits=digits)
        # compare every candidate (no early exit), so timing does not say which step matched
        if hmac.compare_digest(expected, typed) and (last_step is None or step > last_step):
            matched = step if matched is None else matched
    return matched


def provisioning_uri(secret: str, user_name: str, issuer: str = "OpenBlotter") -> str:
    """The ``otpauth://totp/…`` URI an authenticator app enrols from (usually as a QR code)."""
    label = quote(f"{issuer}:{user_name}", safe="")
    query = urlencode(
        {
            "secret": secret,
            "issuer": issuer,
            "algorithm": "SHA1",
            "digits": DIGITS,
            "period": STEP_SECONDS,
        }
    )
    return f"otpauth://totp/{label}?{query}"
