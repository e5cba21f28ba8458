"""What staff pages need besides the portal: a writable store, a clock, the standard, folders.

The app gets a :class:`Staff` only when the store is writable (``blotter serve`` opens it so
unless ``--public-only``); without one the staff routes answer 404 and the public side is
unchanged. Every request's audit facts (client address) come from here too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from starlette.requests import Request

    from openblotter.clock import Clock
    from openblotter.schema import Standard
    from openblotter.storage import Store

__all__ = ["Staff", "client_of"]


@dataclass(frozen=True, slots=True)
class Staff:
    """The staff side's dependencies."""

    store: Store
    clock: Clock
    standard: Standard
    data_dir: Path
    agencies_dir: Path
    upload_max_bytes: int = 512 * 1024 * 1024
    #: ``Secure`` on cookies; off only for plain-HTTP development on another host than localhost
    secure_cookies: bool = True

    @property
    def uploads_dir(self) -> Path:
        """Where uploaded files are kept, under server-chosen names."""
        return self.data_dir / "uploads"


def client_of(request: Request) -> str:
    """The client's address as the audit log records it."""
    return request.client.host if request.client else ""
