"""Fixtures for the accounts tests: cheap argon2 (one test keeps the real cost), people, codes."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest

from openblotter.accounts import Principal, add_user, grant
from openblotter.accounts.totp import code_for_step, step_at
from openblotter.audit import entries

if TYPE_CHECKING:
    from openblotter.clock import FixedClock
    from openblotter.storage.base import Store

PASSWORD = "correct horse battery staple"  # noqa: S105 - a test account
AGENCY = "ca_alpha"
OTHER_AGENCY = "ca_beta"


@pytest.fixture(autouse=True)
def _cheap_hashing(cheap_argon2: None) -> None:
    """Cheap hashing for every test here (``production_argon2`` restores the real cost)."""


@pytest.fixture
def operator() -> Principal:
    return Principal.operator("tester")


def make_user(
    store: Store,
    clock: FixedClock,
    name: str,
    *grants: tuple[str, str | None],
    password: str = PASSWORD,
) -> str:
    """Create an account with grants (as the operator); return its TOTP secret."""
    actor = Principal.operator("tester")
    secret = add_user(store, name, password, display_name=name.title(), actor=actor, clock=clock)
    for role, agency in grants:
        grant(store, name, role, agency, actor=actor, clock=clock)
    return secret


def next_code(secret: str, clock: FixedClock) -> str:
    """Move the clock to the next 30-second step and return that step's code."""
    step = step_at(clock.at) + 1
    clock.at = dt.datetime.fromtimestamp(step * 30, tz=dt.UTC)
    return code_for_step(secret, step)


def audit_rows(store: Store, *, action: str | None = None) -> list[dict[str, object]]:
    """Audit entries, oldest first (optionally of one action)."""
    return list(reversed(entries(store, limit=1000, action=action)))
