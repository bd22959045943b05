"""Domain errors of the approvals service.

Plain exceptions carrying a Vietnamese message, the field at fault and, where another
service must tell the case apart, a stable machine ``code``; the service layer turns them
into problem+json responses (422, 403, 409) without the domain knowing about HTTP.
"""
from __future__ import annotations


class ApprovalsError(Exception):
    """Base of every approvals domain error; ``code`` None means the problem class's default."""

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


class InvalidRule(ApprovalsError):
    """A deadline rule, a chain or a calendar is malformed or looser than the district's."""


class NotPermitted(ApprovalsError):
    """The actor may not take this step on this submission."""


class InvalidTransition(ApprovalsError):
    """The submission is not in a state that allows this action."""
