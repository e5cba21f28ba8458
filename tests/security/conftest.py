"""Fixtures for the security tests: cheap argon2 by default (D.45 asks for the real cost)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from openblotter.accounts import passwords as passwords_module
from tests.accounts.conftest import CHEAP
from tests.security.world import World, build_world
from tests.web.staff_support import StaffSite, build_staff_site

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from openblotter.clock import FixedClock
    from openblotter.schema import Standard
    from openblotter.storage import Store


@pytest.fixture(autouse=True)
def cheap_argon2() -> Iterator[None]:
    """Cheap hashing for every test here (the same code path, milliseconds a hash)."""
    passwords_module.use_parameters(CHEAP)
    yield
    passwords_module.use_parameters(None)


@pytest.fixture
def production_argon2(cheap_argon2: None) -> None:
    """The production parameters (RFC 9106 low-memory profile) for this test."""
    passwords_module.use_parameters(None)


@pytest.fixture
def world(store: Store, standard: Standard, clock: FixedClock, tmp_path: Path) -> Iterator[World]:
    """A staff site with a batch, two pending releases and accounts to act on (each store)."""
    built = build_world(build_staff_site(store, standard, clock, tmp_path))
    yield built
    built.close()


@pytest.fixture
def site(store: Store, standard: Standard, clock: FixedClock, tmp_path: Path) -> StaffSite:
    """The staff site of tests/web/staff_support.py over each store."""
    return build_staff_site(store, standard, clock, tmp_path)
