"""The current request's id and verified caller, available anywhere during a request."""
from __future__ import annotations

from flask import g, has_request_context

from .principal import Principal


def current_principal() -> Principal | None:
    """The verified caller of this request, or None when no (valid) token was sent."""
    return g.get("principal") if has_request_context() else None


def current_request_id() -> str | None:
    return g.get("request_id") if has_request_context() else None
