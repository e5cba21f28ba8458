"""Password hashing (argon2id, RFC 9106 low-memory profile) and the password policy.

Hashes are argon2id strings from argon2-cffi with a unique random salt each. Verifying costs
the same whether or not the user exists: for an unknown user, ``verify_dummy`` verifies the
typed password against ``DUMMY_HASH``, a hash made with the production parameters of a
random password nobody knows.

The policy (ASVS 5.0 6.2.1, 6.2.4): 8 to 128 characters, not the user name nor containing
it, and not among the 3,000 most common passwords (zxcvbn's frequency list, shipped with the
package, compared case-insensitively). Reasons never repeat the password.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.profiles import RFC_9106_LOW_MEMORY

from openblotter.errors import WeakPasswordError

if TYPE_CHECKING:
    from argon2 import Parameters

__all__ = [
    "COMMON_PASSWORD_COUNT",
    "DUMMY_HASH",
    "MAX_LENGTH",
    "MIN_LENGTH",
    "PROFILE",
    "check_password_policy",
    "hash_password",
    "is_common",
    "needs_rehash",
    "use_parameters",
    "verify_dummy",
    "verify_password",
]

#: argon2id, t=3, m=64 MiB, p=4, 16-byte salt, 32-byte hash (RFC 9106 §4, second choice)
PROFILE = RFC_9106_LOW_MEMORY
MIN_LENGTH = 8
MAX_LENGTH = 128
COMMON_PASSWORD_COUNT = 3_000

#: the hash of a random password nobody knows, made with ``PROFILE``
DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$nDjkNnAbqWGT94IkrZ1rUA$"
    "Bddo41IEMEB6Wy6i0c3l9sDYOReCa9H9T+cDDOuGdvA"
)


class _Hasher:
    """The hasher in use and the dummy hash that costs the same to verify."""

    def __init__(self) -> None:
        self.hasher = PasswordHasher.from_parameters(PROFILE)
        self.dummy = DUMMY_HASH


_STATE = _Hasher()


def use_parameters(parameters: Parameters | None) -> None:
    """Hash with other argon2 parameters (tests only: cheap ones); ``None`` restores ``PROFILE``.

    The dummy hash is remade with the same parameters, so unknown users still cost the same.
    """
    if parameters is None:
        _STATE.hasher = PasswordHasher.from_parameters(PROFILE)
        _STATE.dummy = DUMMY_HASH
        return
    _STATE.hasher = PasswordHasher.from_parameters(parameters)
    _STATE.dummy = _STATE.hasher.hash("not a password anyone uses: dummy")


def hash_password(password: str) -> str:
    """An argon2id hash of the password, with a fresh random salt."""
    return _STATE.hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether the password matches the hash (False for a malformed hash, never an error)."""
    try:
        return _STATE.hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def verify_dummy(password: str) -> None:
    """Spend the time a real verification costs (for a user name that does not exist)."""
    verify_password(_STATE.dummy, password)


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with other parameters than the ones in use now."""
    try:
        return _STATE.hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


@cache
def _common() -> frozenset[str]:
    # zxcvbn ships no type information: import the list as a plain module attribute
    lists = importlib.import_module("zxcvbn.frequency_lists").FREQUENCY_LISTS
    ranked: list[str] = list(lists["passwords"][:COMMON_PASSWORD_COUNT])
    return frozenset(p.lower() for p in ranked)


def is_common(password: str) -> bool:
    """Whether the password is one of the 3,000 most common (case-insensitive)."""
    return password.lower() in _common()


def check_password_policy(password: str, *, user_name: str) -> None:
    """Raise ``WeakPasswordError`` with the reason unless the password meets the policy."""
    if len(password) < MIN_LENGTH:
        raise WeakPasswordError(f"the password is shorter than {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise WeakPasswordError(f"the password is longer than {MAX_LENGTH} characters")
    if user_name and user_name.lower() in password.lower():
        raise WeakPasswordError("the password contains the user name")
    if is_common(password):
        raise WeakPasswordError(
            f"the password is among the {COMMON_PASSWORD_COUNT:,} most common passwords"
        )
