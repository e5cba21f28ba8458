"""The tamper-evident audit log (ADR 0007): every staff action, hash-chained and Merkle-hashed.

``append`` writes an entry in the caller's transaction (the action and its entry commit
together), ``record`` in a transaction of its own (denied attempts, failed logins). Tree heads
(size and RFC 6962 root) are published with each release and daily; ``verify`` recomputes every
hash and names the first bad entry; ``consistency`` proves that today's log extends an old head.
"""

from __future__ import annotations

from openblotter.audit.events import OUTCOMES, AuditEvent, Outcome
from openblotter.audit.grants import AUDIT_TABLES, grant_app_role
from openblotter.audit.heads import (
    ConsistencyCheck,
    TreeHead,
    consistency,
    current_head,
    has_audit_log,
    prove_consistency,
    prove_inclusion,
    publish_head,
    published_heads,
)
from openblotter.audit.log import MAX_PAGE, append, entries, record
from openblotter.audit.verification import AuditVerification, verify

__all__ = [
    "AUDIT_TABLES",
    "MAX_PAGE",
    "OUTCOMES",
    "AuditEvent",
    "AuditVerification",
    "ConsistencyCheck",
    "Outcome",
    "TreeHead",
    "append",
    "consistency",
    "current_head",
    "entries",
    "grant_app_role",
    "has_audit_log",
    "prove_consistency",
    "prove_inclusion",
    "publish_head",
    "published_heads",
    "record",
    "verify",
]
