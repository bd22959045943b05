"""Who an access token is for and what it may do: one audience per service, the API scopes, and
the declared service-to-service calls (docs/identity-audiences.md).

* Each service accepts only tokens whose ``aud`` names it (``hoso-<service>``).
* A person's token carries API scopes; a service route asks ``<service>:read`` for a safe method,
  ``<service>:write`` otherwise, or the narrower scope named in :data:`SPECIAL_SCOPES`.
* A service token (client credentials) is limited to the calls declared in :data:`SERVICE_CALLS`:
  its ``aud`` names the callees, its ``scope`` the calls, and a callee refuses any other route.

This is the one declaration of which service calls which other service's routes; a test holds it
against the service clients' code so it cannot drift.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

PLATFORM_SERVICES = ("identity", "documents", "approvals", "signing", "notifications")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def audience_of(service: str) -> str:
    """The ``aud`` value that names ``service``."""
    return f"hoso-{service}"


ALL_AUDIENCES: tuple[str, ...] = tuple(audience_of(s) for s in PLATFORM_SERVICES)

#: Routes that need a narrower scope than read/write: (service, method, Flask rule) → scope.
SPECIAL_SCOPES: Mapping[tuple[str, str, str], str] = {
    ("approvals", "POST", "/api/v1/submissions/<submission_id>/decision"): "approvals:decide",
    ("signing", "POST", "/api/v1/batches"): "signing:sign",
    ("signing", "POST", "/api/v1/external-jobs/<job_id>/signatures"): "signing:sign",
    ("signing", "POST", "/api/v1/inspection-records/<record_id>/sign"): "signing:sign",
}


def api_scopes_of(service: str) -> tuple[str, ...]:
    """Every API scope a person's token may hold for ``service``."""
    special = sorted({s for (svc, _, _), s in SPECIAL_SCOPES.items() if svc == service})
    return (f"{service}:read", f"{service}:write", *special)


ALL_API_SCOPES: tuple[str, ...] = tuple(s for svc in PLATFORM_SERVICES for s in api_scopes_of(svc))


def service_of_scope(scope: str) -> str | None:
    """The service an API or declared-call scope belongs to (``documents:read`` → documents)."""
    head, sep, _ = scope.partition(":")
    return head if sep and head in PLATFORM_SERVICES else None


def required_scope(service: str, method: str, rule: str) -> str:
    """The API scope a person's token needs for ``method rule`` on ``service``."""
    special = SPECIAL_SCOPES.get((service, method.upper(), rule))
    if special:
        return special
    return f"{service}:read" if method.upper() in SAFE_METHODS else f"{service}:write"


def token_audiences(claims: Mapping[str, Any]) -> frozenset[str]:
    """The audiences a token's ``aud`` claim names (a string or a list, RFC 7519 §4.1.3)."""
    aud = claims.get("aud")
    if isinstance(aud, str):
        return frozenset({aud})
    if isinstance(aud, list):
        return frozenset(a for a in aud if isinstance(a, str))
    return frozenset()


def token_scopes(claims: Mapping[str, Any]) -> frozenset[str]:
    """The scopes of a token's space-separated ``scope`` claim (RFC 9068 §2.2.3)."""
    scope = claims.get("scope")
    return frozenset(scope.split()) if isinstance(scope, str) else frozenset()


@dataclass(frozen=True)
class ServiceCall:
    """One route of ``callee`` that the service client ``caller`` may call, under ``scope``."""

    caller: str
    callee: str
    method: str
    rule: str
    scope: str


def _calls(caller: str, callee: str, *routes: tuple[str, str, str]) -> tuple[ServiceCall, ...]:
    return tuple(ServiceCall(caller, callee, method, rule, f"{callee}:{name}") for method, rule, name in routes)


SERVICE_CALLS: tuple[ServiceCall, ...] = (
    *_calls("approvals", "documents",
            ("GET", "/api/v1/internal/schools/<school_id>/catalog", "catalog"),
            ("POST", "/api/v1/internal/documents/<document_id>/references", "references"),
            ("POST", "/api/v1/internal/versions/<version_id>/approved", "freeze"),
            # the correction procedure's superseding upload (documents README); no client makes it yet
            ("POST", "/api/v1/internal/documents/<document_id>/corrections", "correction")),
    *_calls("signing", "documents",
            ("GET", "/api/v1/internal/versions/<version_id>/pdf", "version-pdf"),
            ("POST", "/api/v1/internal/versions/<version_id>/signed", "store-signed"),
            ("GET", "/api/v1/internal/schools/<school_id>/inspection-records/<record_id>", "inspection-record"),
            ("POST", "/api/v1/internal/schools/<school_id>/inspection-records/<record_id>/signed", "record-signed")),
    *_calls("signing", "approvals",
            ("GET", "/api/v1/submissions/<submission_id>", "submission"),
            ("GET", "/api/v1/submissions/<submission_id>/signing-turn", "signing-turn"),
            ("POST", "/api/v1/submissions/<submission_id>/signatures", "record-signature")),
    *_calls("notifications", "approvals",
            ("GET", "/api/v1/internal/obligations/due", "obligations-due"),
            ("GET", "/api/v1/dashboards/<any(province, unit, school):level>/<scope_id>", "dashboard")),
)


def declared_calls(caller: str) -> tuple[ServiceCall, ...]:
    """The calls the service client ``caller`` is declared to make."""
    return tuple(c for c in SERVICE_CALLS if c.caller == caller)


def call_scopes(caller: str) -> tuple[str, ...]:
    """The scopes of ``caller``'s declared calls (what its client-credentials token may carry)."""
    return tuple(dict.fromkeys(c.scope for c in declared_calls(caller)))


def callee_audiences(scopes: Iterable[str]) -> tuple[str, ...]:
    """The audiences of the services the ``scopes`` are calls to, in platform order."""
    services = {service_of_scope(s) for s in scopes}
    return tuple(audience_of(s) for s in PLATFORM_SERVICES if s in services)


def declared_call(caller: str, callee: str, method: str, rule: str) -> ServiceCall | None:
    """The declaration allowing ``caller`` to call ``method rule`` on ``callee``, if there is one."""
    return next((c for c in SERVICE_CALLS if c.caller == caller and c.callee == callee
                 and c.method == method.upper() and c.rule == rule), None)


def route_refusal(service: str, *, is_service: bool, client_id: str | None, claims: Mapping[str, Any],
                  method: str, rule: str) -> tuple[str, str] | None:
    """Why a verified token may not call ``method rule`` on ``service``: (code, Vietnamese detail), or None.

    A service token needs the call declared for its client *and* the call's scope in its token; a
    person's token needs the route's API scope (:func:`required_scope`).
    """
    if service not in PLATFORM_SERVICES:  # a stand-in app (benchmarks) declares no routes or scopes
        return None
    scopes = token_scopes(claims)
    if is_service:
        call = declared_call(client_id or "", service, method, rule)
        if call is None or call.scope not in scopes:
            return ("undeclared-service-call",
                    f"Dịch vụ {client_id or '?'} không được khai báo quyền gọi {method.upper()} {rule} của dịch vụ {service}.")
        return None
    needed = required_scope(service, method, rule)
    if needed not in scopes:
        return "insufficient-scope", f"Mã truy cập thiếu phạm vi «{needed}» cho thao tác này."
    return None
