"""Fixtures for the security tests: cheap argon2 by default (D.45 asks for the real cost)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.security.world import World, build_world
from tests.web.staff_support import build_staff_site

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from openblotter.clock import FixedClock
    from openblotter.schema import Standard
    from openblotter.storage import Store


@pytest.fixture(autouse=True)
def _cheap_hashing(cheap_argon2: None) -> None:
    """Cheap hashing for every test here (``production_argon2`` restores the real cost)."""


@pytest.fixture
def world(store: Store, standard: Standard, clock: FixedClock, tmp_path: Path) -> Iterator[World]:
    """A staff site with a batch, two pending releases and accounts to act on (each store)."""
    built = build_world(build_staff_site(store, standard, clock, tmp_path))
    yield built
    built.close()
