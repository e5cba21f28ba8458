"""The only source of "now" in OpenBlotter: domain code receives a Clock, never calls now()."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

__all__ = ["Clock", "FixedClock", "SystemClock"]


class Clock(Protocol):
    """Something that tells the current UTC time."""

    def now(self) -> datetime:
        """Return the current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The real clock of the machine."""

    def now(self) -> datetime:
        """Return the machine's current UTC time."""
        return datetime.now(tz=UTC)


@dataclass(slots=True)
class FixedClock:
    """A clock that says what it is told: for tests and reproducible runs."""

    at: datetime

    def now(self) -> datetime:
        """Return the fixed instant."""
        return self.at
