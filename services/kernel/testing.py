"""Test helpers shared by every service's tests: a real key pair and a real token issuer.

Tokens made here are genuine ES256 JWTs verified by the production TokenVerifier; only
the issuer differs from the identity service, so tests exercise real verification.
"""
from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Mapping
from types import UnionType
from typing import Any, Literal, Union, get_args, get_origin

from joserfc import jwt
from joserfc.jwk import ECKey

from .audiences import ALL_API_SCOPES, ALL_AUDIENCES, call_scopes, callee_audiences
from .clock import Clock, SystemClock
from .events import Event, EventData, EventSpec
from .principal import SERVICE_ROLE
from .tokens import StaticKeySource, TokenVerifier


#: What the web app's normal token says: every service, every API scope (docs/identity-audiences.md).
WEB_AUDIENCES: list[str] = list(ALL_AUDIENCES)
WEB_SCOPE = " ".join(("openid", "profile", "email", *ALL_API_SCOPES))


class TokenFactory:
    """Issues tokens for tests, and builds a verifier that trusts them.

    A person's token is what the web app gets (every service's audience, every API scope) unless
    ``audience``/``scope`` narrow it; a service token is what identity gives that service client:
    its declared calls as scope, their callees as audience. ``verifier()`` accepts any platform
    audience; a service's bootstrap narrows it to its own.
    """

    def __init__(self, *, issuer: str = "http://hoso.test/api/identity", audience: str | list[str] | None = None,
                 clock: Clock | None = None, kid: str | None = None) -> None:
        self.issuer = issuer
        self.audience = audience or WEB_AUDIENCES
        self.clock = clock or SystemClock()
        self.key = ECKey.generate_key("P-256", parameters={"kid": kid or uuid.uuid4().hex[:12], "use": "sig", "alg": "ES256"}, private=True)

    @property
    def kid(self) -> str:
        return self.key.kid

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.key.as_dict(private=False)]}

    def verifier(self) -> TokenVerifier:
        return TokenVerifier(keys=StaticKeySource(jwks=self.jwks()), issuer=self.issuer, audience=ALL_AUDIENCES, clock=self.clock)

    def issue(
        self,
        sub: str,
        *,
        tenant: str | None = None,
        district: str | None = None,
        province: str | None = None,
        roles: Iterable[str] = (),
        unit_roles: Iterable[tuple[str, str]] = (),
        act: Iterable[Mapping[str, Any]] = (),
        name: str = "",
        ttl: int = 600,
        audience: str | list[str] | None = None,
        scope: str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> str:
        now = int(self.clock.now().timestamp()) if self.clock else int(time.time())
        unit_roles = [list(ur) for ur in unit_roles]
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": audience or self.audience,
            "sub": sub,
            "iat": now,
            "exp": now + ttl,
            "jti": uuid.uuid4().hex,
            "name": name or sub,
            "tenant": tenant,
            "district": district,
            "province": province,
            "roles": sorted(set(roles) | {r for r, _ in unit_roles}),
            "unit_roles": unit_roles,
            "act": [dict(a) for a in act],
            "scope": WEB_SCOPE if scope is None else scope,
        }
        claims.update(extra or {})
        return jwt.encode({"alg": "ES256", "kid": self.kid, "typ": "at+jwt"}, claims, self.key)

    def service_token(self, client_id: str, **kw: Any) -> str:
        """The client-credentials token identity gives ``client_id``: its declared calls, their callees."""
        scopes = call_scopes(client_id)
        kw.setdefault("audience", list(callee_audiences(scopes)))
        kw.setdefault("scope", " ".join(scopes))
        return self.issue(client_id, roles=[SERVICE_ROLE], extra={"client_id": client_id}, **kw)


# ----- declared events -------------------------------------------------------------------------------
EXAMPLE_INSTANT = "2025-09-08T07:00:00+07:00"


def _example(name: str, annotation: Any) -> Any:
    """The smallest value of a declared field's type: None when allowed, empty containers, first literal."""
    origin, args = get_origin(annotation), get_args(annotation)
    if origin in (Union, UnionType):
        return None if type(None) in args else _example(name, args[0])
    if origin is Literal:
        return args[0]
    if origin in (list, tuple, set, frozenset) or annotation in (list, tuple):
        return []
    if origin is dict or annotation is dict:
        return {}
    if isinstance(annotation, type) and issubclass(annotation, EventData):
        return example_data(annotation)
    if annotation is bool:
        return False
    if annotation is int:
        return 1
    if annotation is float:
        return 1.0
    if annotation is str:
        return EXAMPLE_INSTANT if name.endswith("_at") else f"{name}-1"
    return None


def example_data(model: type[EventData], **overrides: Any) -> dict[str, Any]:
    """A declared-minimal payload of ``model``: every required field at its smallest value, ``overrides`` on top."""
    data = {name: _example(name, f.annotation) for name, f in model.model_fields.items() if f.is_required()}
    data.update(overrides)
    return data


def example_event(spec: EventSpec[Any], *, tenant: str | None = "th-hoa-phong", district: str | None = "pgd-hoa-vang",
                  actor: str | None = None, **overrides: Any) -> Event:
    """A validated event of ``spec`` built from its declaration (tests of consumers feed these)."""
    return spec.event(example_data(spec.model, **overrides), tenant=tenant, district=district, actor=actor)
