"""One-time pairing codes that let the signing agent act for one external job, and nothing else.

The page shows a short code (8 characters of an alphabet without look-alike letters) bound to
the person and to one job; the agent sends it with the job's id and gets back a token that
reaches that job only. A code works once, for a few minutes, and a few wrong tries void it, so
guessing is hopeless even though the code is short enough to type. Codes and tokens are kept
as SHA-256 digests only, so a copy of the database cannot be used to sign.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

#: No 0/O, 1/I/L, so a code read off a screen is typed right the first time.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
CODE_TTL = timedelta(minutes=10)
MAX_ATTEMPTS = 5


def new_code() -> str:
    """A fresh pairing code, shown as typed (``ABCD-EFGH`` is accepted too)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalise(code: str) -> str:
    """What a person typed, without spaces or dashes, upper case."""
    return "".join(c for c in code.upper() if c not in " -\t")


def digest(secret: str) -> str:
    """The SHA-256 (hex) kept instead of a code or a token."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_agent_token() -> str:
    """The agent's job-scoped access token (256 random bits)."""
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class Pairing:
    """A code made for one job of one person, and what became of it."""

    id: str
    job_id: str
    owner: str  # typed owner key of the person, "person:<id>"
    code_sha256: str
    expires_at: datetime
    attempts: int = 0
    used_at: datetime | None = None

    def usable(self, now: datetime) -> bool:
        """Not used, not expired and not voided by wrong tries."""
        return self.used_at is None and now <= self.expires_at and self.attempts < MAX_ATTEMPTS

    def matches(self, code: str) -> bool:
        """Whether ``code`` is this pairing's (compared in constant time)."""
        return hmac.compare_digest(self.code_sha256, digest(normalise(code)))
