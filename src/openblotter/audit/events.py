"""What one audit entry says: who did what to which object, with what outcome, from where."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["OUTCOMES", "AuditEvent", "Outcome"]

Outcome = Literal["succeeded", "denied", "failed"]
OUTCOMES: tuple[Outcome, ...] = ("succeeded", "denied", "failed")


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """One staff action or read of restricted data, before it is given an index and a time.

    ``actor`` is a user name, ``cli:<os user>`` for the operator, or ``anonymous``; ``role`` the
    role the actor acted in; ``action`` a name from ``accounts.permissions.ACTIONS`` (for
    example ``release.approve``); ``object`` what it acted on (``release:1f2e…``,
    ``user:maria``, ``batch:12``); ``reason`` why it was denied or failed, or the actor's stated
    reason; ``client`` the client address (empty for the CLI).
    """

    actor: str
    role: str
    action: str
    object: str
    outcome: Outcome
    reason: str = ""
    client: str = ""
