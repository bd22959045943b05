"""Pairing the signing agent with one USB-token job, without a hand-pasted access token.

The signer, signed in on the page, asks for a code for their waiting job
(:meth:`AgentPairing.create`); the agent sends the job id and the code to the public
``POST /agent/pair`` (:meth:`exchange`) and receives a token that reaches that job only: it
reads the job (:meth:`job`) and posts its signatures once (:meth:`post`), which completes the
batch as its signer. Wrong codes are counted per job's code and void it at the limit. Every
step is audited in the job's school.
"""
from __future__ import annotations

from typing import Any

from services.kernel.audit import AuditLog
from services.kernel.clock import Clock
from services.kernel.errors import Conflict, NotFound
from services.kernel.ids import new_id
from services.kernel.owners import OwnerKey
from services.kernel.principal import Principal
from services.signing.adapters.key_paths.external import ExternalJob, ExternalJobStore
from services.signing.adapters.pairings import AgentGrant, MongoPairings
from services.signing.adapters.records import ExternalJobDoc
from services.signing.domain.errors import AgentTokenInvalid, PairingCodeUnusable, PairingCodeWrong
from services.signing.domain.pairing import (
    CODE_TTL, MAX_ATTEMPTS, Pairing, digest, new_agent_token, new_code, normalise,
)
from services.signing.service_layer.signing import SigningService


class AgentPairing:
    def __init__(self, *, jobs: ExternalJobStore, pairings: MongoPairings, signing: SigningService, clock: Clock,
                 audit: AuditLog) -> None:
        self._jobs = jobs
        self._pairings = pairings
        self._signing = signing
        self._clock = clock
        self._audit = audit

    def _unit_of(self, job_id: str) -> tuple[str | None, str]:
        doc = ExternalJobDoc.objects(id=job_id).only("tenant_id", "district_id").first()
        if doc is None:
            raise NotFound()
        return doc.tenant_id, doc.district_id

    def _audit_job(self, action: str, actor: str, job_id: str, data: dict[str, Any]) -> None:
        tenant, district = self._unit_of(job_id)
        self._audit.append(action=action, actor=actor, tenant=tenant, district=district, target=job_id, data=data)

    def create(self, principal: Principal, job: ExternalJob) -> dict[str, Any]:
        """A new one-time code for ``job`` (already checked to be the caller's); earlier codes stop working."""
        now = self._clock.now()
        if job.signatures is not None:
            raise Conflict("Yêu cầu ký này đã nhận đủ chữ ký; không cần ghép nối nữa.")
        if now > job.expires_at:
            raise PairingCodeUnusable("Yêu cầu ký này đã hết hạn; hãy ký lại từ đầu.")
        code = new_code()
        expires = min(now + CODE_TTL, job.expires_at)
        pairing = Pairing(id=new_id(), job_id=job.id, owner=str(OwnerKey.of(principal)), code_sha256=digest(code),
                          expires_at=expires)
        tenant, district = self._unit_of(job.id)
        self._pairings.add(pairing, tenant_id=tenant, district_id=district, created_at=now)
        self._audit_job("signing.agent.pairing_created", principal.sub, job.id, {"expires_at": expires.isoformat()})
        return {"job_id": job.id, "code": code, "expires_at": expires.isoformat(), "tries": MAX_ATTEMPTS}

    def exchange(self, job_id: str, code: str) -> dict[str, Any]:
        """The agent's code for a token scoped to ``job_id``; wrong tries counted, the last one voids the code."""
        now = self._clock.now()
        pairing = self._pairings.current(job_id)
        if pairing is None or not pairing.usable(now):
            if pairing is not None:
                self._audit_job("signing.agent.pair_refused", "agent", job_id, {"reason": "unusable"})
            raise PairingCodeUnusable()
        if not pairing.matches(code):
            tries = self._pairings.wrong_try(pairing.id)
            self._audit_job("signing.agent.pair_refused", "agent", job_id, {"reason": "wrong-code", "tries": tries})
            raise PairingCodeWrong(max(0, MAX_ATTEMPTS - tries))
        token = new_agent_token()
        job = self._jobs.get(job_id)
        if not self._pairings.exchange(pairing.id, now=now, token_sha256=digest(token),
                                       token_expires_at=job.expires_at):
            raise PairingCodeUnusable()
        self._audit_job("signing.agent.paired", OwnerKey.parse(pairing.owner).id, job_id,
                        {"pairing": pairing.id, "code_length": len(normalise(code))})
        return {"access_token": token, "token_type": "HoSo-Agent", "job_id": job_id,
                "expires_at": job.expires_at.isoformat()}

    def _grant(self, token: str, job_id: str) -> AgentGrant:
        """The token's grant, if it is for ``job_id`` and still valid; 401 otherwise."""
        grant = self._pairings.grant(digest(token)) if token else None
        if grant is None or grant.job_id != job_id or grant.spent or self._clock.now() > grant.expires_at:
            raise AgentTokenInvalid()
        return grant

    def job(self, token: str, job_id: str) -> ExternalJob:
        """What the agent signs, for a token of this job."""
        self._grant(token, job_id)
        return self._jobs.get(job_id)

    def post(self, token: str, job_id: str, signatures: dict[str, bytes]) -> dict[str, Any]:
        """The agent's one post of the job's signatures, checked now and completed as the job's signer."""
        grant = self._grant(token, job_id)
        if not self._pairings.spend(grant.pairing_id, self._clock.now()):
            raise AgentTokenInvalid()
        person = OwnerKey.parse(grant.owner).id
        self._audit_job("signing.agent.signatures_posted", person, job_id, {"count": len(signatures)})
        return self._signing.agent_signatures(person, job_id, signatures)
