"""Headers the gateway owns: security headers, request ids, and what it strips on the way in.

The Content-Security-Policy suits a web app without a build step: scripts, styles and fonts
only from the platform's own origin (no inline code), images and PDF previews also from
``data:``/``blob:`` URLs, no plugins, no framing by other sites.
"""
from __future__ import annotations

import re
import uuid

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "media-src 'self' blob:",
        "frame-src 'self' blob:",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

BASE_SECURITY_HEADERS: tuple[tuple[str, str], ...] = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"),
)
HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")

STRIPPED_PREFIXES = (
    "x-tenant", "x-hoso-", "x-principal", "x-user", "x-auth", "x-remote-", "x-forwarded-",
    "x-real-ip", "x-client-ip", "x-original-", "forwarded",
)
"""Incoming headers that could pass for identity, tenant or origin: never forwarded."""

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def security_headers(*, https: bool) -> tuple[tuple[str, str], ...]:
    """Headers added to every answer (an upstream's own CSP, if any, is kept instead of ours)."""
    return BASE_SECURITY_HEADERS + ((HSTS,) if https else ())


def request_id(incoming: str | None) -> str:
    """The caller's ``X-Request-Id`` when it is a sane token, else a fresh one."""
    if incoming and _REQUEST_ID.match(incoming):
        return incoming
    return uuid.uuid4().hex


def is_stripped(name: str) -> bool:
    """Whether an incoming header (lower case) is dropped before forwarding."""
    return name.startswith(STRIPPED_PREFIXES)
