"""What every command gets: the settings, and the store opened on first use."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import click

from openblotter.accounts import Principal
from openblotter.audit import AuditEvent, record
from openblotter.clock import SystemClock
from openblotter.schema import Standard, load_standard
from openblotter.storage import Store, ensure_current, open_store

if TYPE_CHECKING:
    from openblotter.settings import Settings

__all__ = ["AppContext", "pass_app"]


@dataclass
class AppContext:
    """Settings plus lazily opened resources, closed when the command ends."""

    settings: Settings
    _stores: list[Store] = field(default_factory=list)

    @property
    def standard(self) -> Standard:
        """The standard shipped with this OpenBlotter."""
        return load_standard()

    def store(self, *, read_only: bool = False, check_version: bool = True) -> Store:
        """Open the configured store; by default refuse one made by another standard."""
        store = open_store(self.settings, read_only=read_only)
        self._stores.append(store)
        if check_version:
            ensure_current(store, self.standard)
        return store

    def audit_event(self, action: str, target: str, *, reason: str = "") -> AuditEvent:
        """An audit entry of the operator (``cli:<os user>``) running this command."""
        actor = Principal.operator()
        return AuditEvent(
            actor=actor.actor,
            role=actor.role,
            action=action,
            object=target,
            outcome="succeeded",
            reason=reason,
        )

    def audited(self, store: Store, action: str, target: str, *, reason: str = "") -> None:
        """Record a read of restricted data (or a step with no transaction of its own)."""
        record(store, self.audit_event(action, target, reason=reason), clock=SystemClock())

    def close(self) -> None:
        """Close every store this command opened."""
        for store in self._stores:
            store.close()
        self._stores.clear()


pass_app = click.make_pass_decorator(AppContext)
