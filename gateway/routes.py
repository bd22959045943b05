"""Which public path goes where: a service (and which of its paths), the web app, or nowhere.

``/api/<service>/v1/...`` → ``<service base>/api/v1/...``; ``/api/<service>/<other>`` →
``<service base>/<other>``; a service's ``/metrics`` is never published; any other path is
the web app. Public routes (no token needed) are listed here and nowhere else.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

PUBLIC_FOR_EVERY_SERVICE = ("healthz", "openapi.json", "api/v1/public")
"""Paths (upstream, prefix match on whole segments) anyone may call on any service."""

PUBLIC_BY_SERVICE: dict[str, tuple[str, ...]] = {
    # OIDC endpoints (authorize, token, JWKS, userinfo checks its own token), sign-in pages, discovery
    "identity": ("oauth", "auth", ".well-known"),
    # public verification of a signed document (page and API, by upload or printed code, the QR
    # link), the certificate revocation lists relying parties fetch, and the signing agent's
    # routes (it pairs with a one-time code and then carries a job-scoped token of its own)
    "signing": ("verify", "api/v1/verify", "api/v1/crl", "api/v1/agent"),
}

NOT_THE_WEB_APP = ("/.well-known/",)
"""Public path prefixes outside ``/api/`` that are never the web app: an unknown one is a 404
problem, not the app's page (relying parties probe ``/.well-known/...``; issue 16)."""

HIDDEN = ("metrics",)
"""Upstream paths never published through the gateway."""

_SAFE_PATH_CHARS = "/:@!$&'()*+,;=-._~"


@dataclass(frozen=True)
class ApiRoute:
    """A request for a service: which one, the upstream path (quoted) and whether it is public."""

    service: str
    upstream_path: str
    public: bool


def resolve_api(path: str, services: frozenset[str] | set[str]) -> ApiRoute | None:
    """The route for a WSGI ``PATH_INFO`` (bytes decoded as latin-1), or None when none answers it."""
    parts = path.split("/")
    # "", "api", service, rest...
    if len(parts) < 4 or parts[1] != "api" or parts[2] not in services:
        return None
    rest = parts[3:]
    if not rest[0] or any(segment in (".", "..") for segment in rest):
        return None
    if rest[0] == "v1":
        rest = ["api", *rest]
    upstream = "/".join(rest)
    if _under(upstream, HIDDEN):
        return None
    service = parts[2]
    public = _under(upstream, PUBLIC_FOR_EVERY_SERVICE) or _under(upstream, PUBLIC_BY_SERVICE.get(service, ()))
    return ApiRoute(service=service, upstream_path="/" + quote(upstream.encode("latin-1"), safe=_SAFE_PATH_CHARS), public=public)


def _under(path: str, prefixes: tuple[str, ...]) -> bool:
    return any(path == p or path.startswith(p + "/") for p in prefixes)
