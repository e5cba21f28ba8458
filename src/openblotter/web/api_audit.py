"""``/api/v1/audit/…``: the audit log's public face — its tree heads and proofs, never entries.

Anyone may fetch the current head (size and RFC 6962 Merkle root), the heads recorded with each
release and daily, and a consistency proof between two sizes, so an auditor who kept yesterday's
head can check, with public data only, that today's log extends it (RELIABILITY B.23). Entry
contents are restricted: only auditors read them, on the staff pages.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query
from pydantic import BaseModel, ConfigDict
from starlette.requests import Request  # noqa: TC002 - FastAPI reads the annotation
from starlette.responses import Response  # noqa: TC002 - FastAPI reads the annotation

from openblotter.audit import current_head, prove_consistency, published_heads
from openblotter.errors import ConfigError
from openblotter.web.api_common import ERRORS, portal, router, send

__all__ = ["AuditHead", "AuditHeads", "ConsistencyProof"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AuditHead(_Model):
    """A tree head: how many entries the log held and the Merkle root over them (hex)."""

    size: int
    root: str
    recorded_at: str | None = None
    published_in: str | None = None


class AuditHeads(_Model):
    """The current head and every head recorded so far (newest first)."""

    current: AuditHead
    published: list[AuditHead]
    hashing: str


class ConsistencyProof(_Model):
    """RFC 9162 §2.1.4 consistency proof from the first ``first`` entries to ``second``."""

    first: int
    second: int
    second_root: str
    proof: list[str]


_HASHING = "RFC 6962 Merkle tree hash (SHA-256; leaf 0x00, node 0x01)"


@router.get("/audit/head", response_model=AuditHeads, summary="The audit log's tree heads")
def audit_head(request: Request) -> Response:
    """The log's current size and root, and the heads published with releases and daily."""
    store = portal(request).store
    now = current_head(store)
    heads = [
        AuditHead(
            size=h.size,
            root=h.root,
            recorded_at=h.recorded_at.isoformat() if h.recorded_at else None,
            published_in=h.published_in,
        )
        for h in reversed(published_heads(store))
    ]
    return send(
        request,
        AuditHeads(
            current=AuditHead(size=now.size, root=now.root), published=heads, hashing=_HASHING
        ),
        max_age=0,
    )


@router.get(
    "/audit/consistency",
    response_model=ConsistencyProof,
    responses=ERRORS(400),
    summary="Proof that the audit log extends an earlier head",
)
def audit_consistency(
    request: Request,
    first: Annotated[int, Query(ge=0, le=10**12, description="Size of the earlier head.")],
    second: Annotated[
        int | None, Query(ge=0, le=10**12, description="Size of the later head [current].")
    ] = None,
) -> Response:
    """The hashes an auditor needs to check that the head of size ``second`` extends ``first``."""
    store = portal(request).store
    size = current_head(store).size
    later = size if second is None else second
    if first > later or later > size:
        raise ConfigError(f"sizes must satisfy first ≤ second ≤ {size} (the log's size)")
    proof = prove_consistency(store, first, later)
    from openblotter.audit import merkle
    from openblotter.audit.heads import stored_leaf_hashes

    root = merkle.root_from_leaf_hashes(stored_leaf_hashes(store)[:later]).hex()
    return send(
        request,
        ConsistencyProof(first=first, second=later, second_root=root, proof=proof),
        max_age=0,
    )
