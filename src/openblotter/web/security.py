"""Public-side safety: strict headers on every response and a per-client rate limit.

Pure ASGI middleware (no per-request allocation beyond the header list), so the cost on a cached
page is a few microseconds. The rate limiter is a token bucket per client address: ``rate``
requests per second sustained, ``burst`` at once; an empty bucket answers 429 with
``Retry-After`` in the shared JSON error envelope. Buckets live in the process: with several
workers the limit applies per worker (ADR 0006).
"""

from __future__ import annotations

import json
import math
import time
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CSP", "RateLimitMiddleware", "RateLimiter", "SecurityHeadersMiddleware"]

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "base-uri 'none'; object-src 'none'; frame-ancestors 'none'"
)
"""Content security policy: no script at all, styles and images only from this site."""

_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"strict-transport-security", b"max-age=31536000; includeSubDomains"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]

SECURITY_HEADERS = {name.decode(): value.decode() for name, value in _HEADERS}
"""The same headers as a dict, for responses sent outside the middleware (500 answers)."""


class SecurityHeadersMiddleware:
    """Add the strict security headers to every HTTP response (pages, API, errors, files)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add the headers to the response start."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in _HEADERS if n not in names]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class RateLimiter:
    """Token buckets per key: ``rate`` tokens a second up to ``burst``; oldest keys evicted."""

    def __init__(
        self,
        rate: float,
        burst: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.rate, self.burst, self._clock, self._max_keys = rate, burst, clock, max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, key: str) -> float:
        """Spend one token for ``key``: 0.0 if allowed, else seconds until the next token."""
        now = self._clock()
        tokens, last = self._buckets.pop(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.rate)
        if tokens >= 1.0:
            self._buckets[key] = (tokens - 1.0, now)
            wait = 0.0
        else:
            self._buckets[key] = (tokens, now)
            wait = (1.0 - tokens) / self.rate
        while len(self._buckets) > self._max_keys:
            self._buckets.popitem(last=False)
        return wait


class RateLimitMiddleware:
    """Answer 429 with ``Retry-After`` once a client has spent its bucket."""

    def __init__(self, app: ASGIApp, limiter: RateLimiter, *, exempt: tuple[str, ...] = ()) -> None:
        self.app, self.limiter, self.exempt = app, limiter, exempt

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, or answer 429 when the client's bucket is empty."""
        if scope["type"] != "http" or scope["path"].startswith(self.exempt):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        wait = self.limiter.take(client[0] if client else "unknown")
        if wait <= 0.0:
            await self.app(scope, receive, send)
            return
        retry = max(1, math.ceil(wait))
        body = json.dumps(_envelope(429, "rate-limited", f"Too many requests; retry in {retry} s."))
        await send(
            {
                "type": "http.response.start",
                "status": 429,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"retry-after", str(retry).encode()),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body.encode()})


def _envelope(status: int, code: str, message: str) -> dict[str, Any]:
    return {"error": {"status": status, "code": code, "message": message}}
