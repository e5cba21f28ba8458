"""Two people publish: a release built by one staff member waits for another's approval.

A release built from the staff pages is registered with status ``pending`` (the portal shows
only ``published`` ones) and a row in ``release_approvals`` naming who asked. Approving makes it
``published``; rejecting makes it ``rejected`` with the reason. Who may decide is the permission
matrix's business (``release.approve``: a supervisor or data officer of the agency who is not the
requester); this module keeps the state machine honest: only a pending release can be settled,
once, and the decision and the status change commit together with the caller's audit entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from openblotter.errors import IntegrityError, NotFoundError

if TYPE_CHECKING:
    from datetime import datetime

    from openblotter.clock import Clock
    from openblotter.storage import Store, Transaction

__all__ = ["Approval", "approval_of", "pending_approvals", "request_approval", "settle"]

Decision = Literal["approved", "rejected"]


@dataclass(frozen=True, slots=True)
class Approval:
    """A release's publication request and, once made, its decision."""

    release_id: str
    agency_slug: str
    version: int
    status: str
    requested_by: str
    requested_at: datetime
    decided_by: str | None
    decision: str | None
    reason: str

    @property
    def state(self) -> dict[str, object]:
        """What the permission matrix needs to decide on it."""
        return {"status": self.status, "requested_by": self.requested_by}


_SELECT = (
    "SELECT r.release_id, r.agency_slug, r.version, r.status, a.requested_by, a.requested_at,"
    " a.decided_by, a.decision, a.reason FROM releases AS r"
    " JOIN release_approvals AS a ON a.release_id = r.release_id"
)


def request_approval(
    tx: Transaction, release_id: str, *, requested_by: str, clock: Clock, reason: str = ""
) -> None:
    """Record that ``requested_by`` asks for the (pending) release to be published."""
    tx.execute(
        "INSERT INTO release_approvals (release_id, requested_by, requested_at, reason)"
        " VALUES (?, ?, ?, ?)",
        [release_id, requested_by, clock.now(), reason],
    )


def approval_of(store: Store | Transaction, release_id: str) -> Approval:
    """The approval record of a release (by full id or 16-digit short id)."""
    rows = store.query(
        f"{_SELECT} WHERE r.release_id = ? OR substr(r.release_id, 1, 16) = ?",
        [release_id, release_id],
    ).rows
    if len(rows) != 1:
        raise NotFoundError(f"no release awaiting approval with id {release_id[:80]!r}")
    return Approval(*rows[0])


def pending_approvals(store: Store, agencies: list[str] | None = None) -> list[Approval]:
    """Releases waiting for a decision, oldest first (of ``agencies`` when given)."""
    rows = store.query(
        f"{_SELECT} WHERE r.status = 'pending' ORDER BY a.requested_at, r.release_id"
    ).rows
    found = [Approval(*row) for row in rows]
    return [a for a in found if agencies is None or a.agency_slug in agencies]


def settle(
    tx: Transaction, release_id: str, *, decision: Decision, by: str, clock: Clock, reason: str
) -> Approval:
    """Approve (publish) or reject a pending release; refuse anything else."""
    approval = approval_of(tx, release_id)
    if approval.status != "pending":
        raise IntegrityError(
            f"release {approval.release_id[:16]} is {approval.status}, not pending: "
            "it was decided already"
        )
    if decision == "rejected" and not reason.strip():
        raise IntegrityError("a rejection needs a reason, so the requester can fix the release")
    status = "published" if decision == "approved" else "rejected"
    tx.execute(
        "UPDATE releases SET status = ? WHERE release_id = ? AND status = 'pending'",
        [status, approval.release_id],
    )
    tx.execute(
        "UPDATE release_approvals SET decided_by = ?, decided_at = ?, decision = ?,"
        " reason = CASE WHEN ? = '' THEN reason ELSE ? END WHERE release_id = ?",
        [by, clock.now(), decision, reason, reason, approval.release_id],
    )
    return approval_of(tx, approval.release_id)
