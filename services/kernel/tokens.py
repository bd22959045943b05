"""Access-token verification: every service verifies every token itself (never a header it did not check).

Keys come from the identity service's JWKS, cached; an unknown ``kid`` triggers one refresh
(bounded in rate), which is how key rotation reaches services without a restart.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

import requests
from joserfc import jwt
from joserfc.errors import BadSignatureError, JoseError
from joserfc.jwk import KeySet

from .audiences import token_audiences
from .clock import Clock, SystemClock
from .errors import Unauthorized
from .principal import Principal

ALGORITHMS = ["ES256", "RS256", "EdDSA"]
#: RFC 9068 §4: a resource server accepts only JWTs typed as access tokens (an ID token is ``JWT``)
ACCESS_TOKEN_TYPES = ("at+jwt", "application/at+jwt")

class KeySource(Protocol):
    def key_for(self, kid: str) -> Any:
        """The public key with id ``kid``, or None when it is unknown even after a refresh."""

class StaticKeySource:
    """Keys given once (tests, or a pinned JWKS)."""

    def __init__(self, *, jwks: Mapping[str, Any]) -> None:
        self._keys = {k.kid: k for k in KeySet.import_key_set(dict(jwks)).keys}

    def key_for(self, kid: str) -> Any:
        return self._keys.get(kid)

class JwksKeySource:
    """Keys fetched from a JWKS URL, cached for ``ttl`` seconds, refreshed on an unknown kid."""

    def __init__(
        self,
        *,
        url: str,
        session: requests.Session | None = None,
        ttl: float = 300.0,
        min_refresh_interval: float = 5.0,
        timeout: float = 5.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._url = url
        self._session = session
        self._ttl = ttl
        self._min_interval = min_refresh_interval
        self._timeout = timeout
        self._monotonic = monotonic
        self._keys: dict[str, Any] = {}
        self._fetched_at = float("-inf")
        self._lock = threading.Lock()

    def _refresh(self) -> None:
        session = self._session or requests.Session()
        self._session = session
        resp = session.get(self._url, timeout=self._timeout)
        resp.raise_for_status()
        self._keys = {k.kid: k for k in KeySet.import_key_set(resp.json()).keys}
        self._fetched_at = self._monotonic()

    def key_for(self, kid: str) -> Any:
        now = self._monotonic()
        key = self._keys.get(kid)
        stale = now - self._fetched_at > self._ttl
        if key is not None and not stale:
            return key
        with self._lock:
            key = self._keys.get(kid)
            if key is not None and not (self._monotonic() - self._fetched_at > self._ttl):
                return key
            if self._monotonic() - self._fetched_at >= self._min_interval:
                try:
                    self._refresh()
                except (requests.RequestException, ValueError, JoseError):
                    return self._keys.get(kid)
            return self._keys.get(kid)

class _UnknownKey(Exception):
    """Raised inside key lookup when a token names a key nobody published."""

class _NotAnAccessToken(Exception):
    """Raised inside key lookup when the header's ``typ`` is not an access token's (e.g. an ID token)."""


def invalid_token(detail: str, *, code: str = "invalid-token") -> Unauthorized:
    """A 401 for a refused bearer token; ``Unauthorized`` adds ``error="invalid_token"`` (RFC 6750 §3.1)."""
    return Unauthorized(detail, code=code)


class TokenVerifier:
    """Checks signature, issuer, audience and expiry; returns the caller as a Principal.

    ``audience`` is the one audience a service accepts (``hoso-<service>``), or several for a
    verifier that serves more than one (the gateway checks the route's service itself).
    """

    def __init__(self, *, keys: KeySource, issuer: str, audience: str | Iterable[str], clock: Clock | None = None,
                 leeway: int = 30) -> None:
        self._keys = keys
        self._issuer = issuer
        self.audiences = frozenset({audience} if isinstance(audience, str) else audience)
        self._clock = clock or SystemClock()
        self._leeway = leeway

    def for_audience(self, audience: str | Iterable[str]) -> "TokenVerifier":
        """The same keys, issuer and clock, accepting only ``audience`` (a service's own)."""
        return TokenVerifier(keys=self._keys, issuer=self._issuer, audience=audience, clock=self._clock, leeway=self._leeway)

    def verify(self, token: str) -> Principal:

        def key_for(guest: Any) -> Any:
            header = guest.headers()
            if str(header.get("typ") or "").lower() not in ACCESS_TOKEN_TYPES:
                raise _NotAnAccessToken()
            key = self._keys.key_for(str(header.get("kid") or ""))
            if key is None:
                raise _UnknownKey()
            return key

        try:
            decoded = jwt.decode(token, key_for, algorithms=ALGORITHMS)
        except _UnknownKey:
            raise invalid_token("Mã truy cập được ký bằng khóa không xác định.") from None
        except _NotAnAccessToken:
            raise invalid_token("Mã này không phải mã truy cập (typ phải là at+jwt).") from None
        except BadSignatureError:
            raise invalid_token("Chữ ký của mã truy cập không hợp lệ.") from None
        except (JoseError, ValueError, UnicodeError, TypeError):
            raise invalid_token("Mã truy cập không đúng định dạng hoặc dùng thuật toán không được chấp nhận.") from None
        claims = decoded.claims
        now = int(self._clock.now().timestamp())
        if claims.get("iss") != self._issuer:
            raise invalid_token("Mã truy cập không do hệ thống này cấp.")
        if not token_audiences(claims) & self.audiences:
            raise invalid_token("Mã truy cập không dành cho dịch vụ này.")
        exp = claims.get("exp")
        if not isinstance(exp, (int, float)) or now > exp + self._leeway:
            raise invalid_token("Phiên đăng nhập đã hết hạn, vui lòng đăng nhập lại.", code="token-expired")
        nbf = claims.get("nbf")
        if isinstance(nbf, (int, float)) and now + self._leeway < nbf:
            raise invalid_token("Mã truy cập chưa có hiệu lực.")
        if "sub" not in claims:
            raise invalid_token("Mã truy cập thiếu thông tin người dùng.")
        return Principal.from_claims(claims)
