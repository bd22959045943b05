"""Which services an access token is for and which API scopes it carries (docs/identity-audiences.md).

A person's token names every service the web app calls, with every API scope, unless the
request narrows it: by API scopes (``scope=openid documents:read``: only the services those
scopes belong to) or by RFC 8707 resource indicators (``resource=<public url>/api/documents``,
or the audience name ``hoso-documents``). A token with ``openid`` also names identity, whose
userinfo endpoint OpenID Connect clients call with it. A service's token carries its declared
calls (``services.kernel.audiences.SERVICE_CALLS``) and names their callees.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from services.kernel.audiences import (
    ALL_API_SCOPES,
    PLATFORM_SERVICES,
    audience_of,
    call_scopes,
    callee_audiences,
    service_of_scope,
)

OIDC_SCOPES = ("openid", "profile", "email", "offline_access")


class InvalidTarget(ValueError):
    """A resource indicator names no HoSo service, or one outside the grant (RFC 8707 ``invalid_target``)."""


@dataclass(frozen=True)
class AccessGrant:
    """What one access token says: its ``aud`` (list) and its ``scope`` (space-separated)."""

    audiences: tuple[str, ...]
    scope: str


def resource_service(resource: str, *, public_url: str) -> str | None:
    """The service a resource indicator names: ``<public url>/api/<service>`` or ``hoso-<service>``."""
    base = public_url.rstrip("/") + "/api/"
    for service in PLATFORM_SERVICES:
        if resource.rstrip("/") in (base + service, audience_of(service)):
            return service
    return None


def person_grant(granted_scope: str, resources: Sequence[str] = (), *, public_url: str) -> AccessGrant:
    """The audiences and scopes of a person's access token for ``granted_scope`` and ``resources``."""
    granted = granted_scope.split()
    api = [s for s in granted if s in ALL_API_SCOPES] or list(ALL_API_SCOPES)
    services = {service_of_scope(s) for s in api}
    if resources:
        wanted = {resource_service(r, public_url=public_url) for r in resources}
        if None in wanted or not wanted <= services:
            raise InvalidTarget(", ".join(resources))
        services = wanted
        api = [s for s in api if service_of_scope(s) in services]
    if "openid" in granted:
        services.add("identity")
    return AccessGrant(audiences=tuple(audience_of(s) for s in PLATFORM_SERVICES if s in services),
                       scope=" ".join([*(s for s in OIDC_SCOPES if s in granted), *api]))


def service_grant(client_id: str, granted_scope: str) -> AccessGrant:
    """A service client's token: the declared calls it asked for (all of them when it asked none)."""
    declared = call_scopes(client_id)
    calls = [s for s in granted_scope.split() if s in declared] or list(declared)
    return AccessGrant(audiences=callee_audiences(calls), scope=" ".join(calls))
