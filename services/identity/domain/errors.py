"""Errors raised by identity's domain rules, each carrying a Vietnamese message for the user."""
from __future__ import annotations


class IdentityError(Exception):
    """A rule of the identity domain was broken; ``message`` is Vietnamese and shown as is."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidValue(IdentityError):
    """A value given by a user is not acceptable (wrong format, unknown role, ...)."""


class RuleViolation(IdentityError):
    """The request is well formed but a business rule forbids it."""
