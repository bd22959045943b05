"""Key path (d): a USB token on the user's machine; the key never reaches the server.

``begin`` records an external job holding the items to sign; the signing agent
(``services/signing/agent``) fetches it, signs each item on the token through PKCS#11 after
one PIN entry, and posts the raw signatures back; ``collect`` returns them once they have
arrived and verified against the certificate registered for the token.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, Sequence

from services.kernel.clock import Clock
from services.kernel.ids import new_id
from services.kernel.owners import OwnerKey
from services.signing.adapters.key_paths.base import KeyPath, Ticket, ToBeSigned, checked
from services.signing.domain.credentials import Credential, KeyPathKind
from services.signing.domain.errors import SignatureExpired


@dataclass
class ExternalJob:
    """Items waiting for the agent, and the signatures it posted."""

    id: str
    credential_id: str
    owner: OwnerKey
    tenant_id: str | None
    items: tuple[ToBeSigned, ...]
    certificate_der: bytes
    created_at: datetime
    expires_at: datetime
    signatures: dict[str, bytes] | None = None


class ExternalJobStore(Protocol):
    def add(self, job: ExternalJob) -> None: ...

    def get(self, job_id: str) -> ExternalJob:
        """The job, or ``KeyError``."""

    def attach_signatures(self, job_id: str, signatures: dict[str, bytes]) -> None: ...


class ExternalKeyPath(KeyPath):
    kind = KeyPathKind.EXTERNAL

    def __init__(self, *, jobs: ExternalJobStore, clock: Clock, ttl_seconds: int = 900) -> None:
        self._jobs = jobs
        self._clock = clock
        self._ttl = ttl_seconds

    def begin(self, credential: Credential, items: Sequence[ToBeSigned], *, pin: str | None = None) -> Ticket:
        now = self._clock.now()
        job = ExternalJob(
            id=new_id(), credential_id=credential.id, owner=credential.owner_key, tenant_id=credential.tenant_id,
            items=tuple(items), certificate_der=credential.certificate_der, created_at=now,
            expires_at=now + timedelta(seconds=self._ttl),
        )
        self._jobs.add(job)
        return Ticket(id=job.id, signatures=None)

    def collect(
        self, credential: Credential, ticket_id: str, items: Sequence[ToBeSigned]
    ) -> dict[str, bytes] | None:
        job = self._jobs.get(ticket_id)
        if job.signatures is None:
            if self._clock.now() > job.expires_at:
                raise SignatureExpired()
            return None
        return checked(credential, items, job.signatures)


class InMemoryExternalJobs:
    """Job store for tests and the all-in-one mode's unit wiring."""

    def __init__(self) -> None:
        self._jobs: dict[str, ExternalJob] = {}

    def add(self, job: ExternalJob) -> None:
        self._jobs[job.id] = job

    def get(self, job_id: str) -> ExternalJob:
        return self._jobs[job_id]

    def attach_signatures(self, job_id: str, signatures: dict[str, bytes]) -> None:
        self._jobs[job_id].signatures = dict(signatures)
