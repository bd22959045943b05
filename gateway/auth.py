"""Access-token checks at the edge, with a short cache of tokens already verified.

The gateway verifies every token on a non-public route before forwarding it (services
verify again; the Authorization header is passed on unchanged). A browser sends the same
token for many requests, so a verified token is remembered until it expires or for
``ttl`` seconds, whichever comes first; a failed verification is never remembered.

The edge verifier accepts a token for any service the gateway routes to, then
:func:`check_audience` refuses a token whose ``aud`` does not name the route's service, so a
token narrowed to documents stops at the gateway on its way to approvals (and the service
would refuse it again).
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol

from services.kernel.audiences import audience_of, token_audiences
from services.kernel.errors import Unauthorized
from services.kernel.principal import Principal
from services.kernel.tokens import invalid_token


class Verifier(Protocol):
    def verify(self, token: str) -> Principal:
        """The principal the token stands for; raises Unauthorized when it is not valid."""


class CachedVerifier:
    """Wraps a kernel ``TokenVerifier``; bounded in size, safe across threads."""

    def __init__(
        self,
        verifier: Verifier,
        *,
        ttl: float = 60.0,
        max_entries: int = 50_000,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._verifier = verifier
        self._ttl = ttl
        self._max = max_entries
        self._time = wall_clock
        self._entries: dict[str, tuple[Principal, float]] = {}
        self._lock = threading.Lock()

    def verify(self, token: str) -> Principal:
        now = self._time()
        hit = self._entries.get(token)
        if hit is not None and now < hit[1]:
            return hit[0]
        principal = self._verifier.verify(token)
        exp = principal.claims.get("exp")
        until = now + self._ttl
        if isinstance(exp, (int, float)):
            until = min(until, float(exp))
        with self._lock:
            if len(self._entries) >= self._max:
                self._entries = {k: v for k, v in self._entries.items() if v[1] > now}
                if len(self._entries) >= self._max:
                    self._entries.clear()
            self._entries[token] = (principal, until)
        return principal


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer ...`` header, else None."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def check_audience(principal: Principal, service: str) -> None:
    """Refuse (401 ``invalid-token``) a verified token that is not for the route's ``service``."""
    if audience_of(service) not in token_audiences(principal.claims):
        raise invalid_token("Mã truy cập không dành cho dịch vụ này.")


def missing_token() -> Unauthorized:
    return Unauthorized("Yêu cầu này cần mã truy cập (Authorization: Bearer ...).", code="missing-token")
