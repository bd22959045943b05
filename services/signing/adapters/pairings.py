"""Pairing codes and the agent's job-scoped tokens, kept in MongoDB (digests only).

Every change that decides something (a wrong try, the one exchange of a code, spending the
token) is a single conditional update, so two agents racing with the same code cannot both win.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from services.signing.adapters.records import AgentPairingDoc
from services.signing.domain.pairing import MAX_ATTEMPTS, Pairing


def _aware(at: datetime | None) -> datetime | None:
    return at.replace(tzinfo=timezone.utc) if at is not None and at.tzinfo is None else at


def _pairing(doc: AgentPairingDoc) -> Pairing:
    return Pairing(id=doc.id, job_id=doc.job_id, owner=doc.owner, code_sha256=doc.code_sha256,
                   expires_at=_aware(doc.expires_at), attempts=doc.attempts, used_at=_aware(doc.used_at))


@dataclass(frozen=True)
class AgentGrant:
    """What an agent token may do: act on ``job_id`` for ``owner`` until ``expires_at``, once."""

    pairing_id: str
    job_id: str
    owner: str
    tenant_id: str | None
    district_id: str
    expires_at: datetime
    spent: bool


class MongoPairings:
    def add(self, pairing: Pairing, *, tenant_id: str | None, district_id: str, created_at: datetime) -> None:
        """Keep a new code for its job; earlier unused codes of that job stop working."""
        AgentPairingDoc.objects(job_id=pairing.job_id, used_at=None).update(set__attempts=MAX_ATTEMPTS)
        AgentPairingDoc(id=pairing.id, tenant_id=tenant_id, district_id=district_id, job_id=pairing.job_id,
                        owner=pairing.owner, code_sha256=pairing.code_sha256, created_at=created_at,
                        expires_at=pairing.expires_at).save()

    def current(self, job_id: str) -> Pairing | None:
        """The job's code not yet used or voided (there is at most one), else its latest, else None."""
        doc = (AgentPairingDoc.objects(job_id=job_id, used_at=None, attempts__lt=MAX_ATTEMPTS).first()
               or AgentPairingDoc.objects(job_id=job_id).order_by("-created_at").first())
        return _pairing(doc) if doc is not None else None

    def wrong_try(self, pairing_id: str) -> int:
        """Count one wrong try; returns the tries made so far."""
        doc = AgentPairingDoc.objects(id=pairing_id).modify(inc__attempts=1, new=True)
        return doc.attempts if doc is not None else MAX_ATTEMPTS

    def exchange(self, pairing_id: str, *, now: datetime, token_sha256: str, token_expires_at: datetime) -> bool:
        """Mark the code used and bind the token to it; False if it was used or voided meanwhile."""
        return bool(AgentPairingDoc.objects(id=pairing_id, used_at=None, attempts__lt=MAX_ATTEMPTS).update_one(
            set__used_at=now, set__token_sha256=token_sha256, set__token_expires_at=token_expires_at))

    def grant(self, token_sha256: str) -> AgentGrant | None:
        doc = AgentPairingDoc.objects(token_sha256=token_sha256).first()
        if doc is None:
            return None
        return AgentGrant(pairing_id=doc.id, job_id=doc.job_id, owner=doc.owner, tenant_id=doc.tenant_id,
                          district_id=doc.district_id, expires_at=_aware(doc.token_expires_at),
                          spent=doc.token_spent_at is not None)

    def spend(self, pairing_id: str, now: datetime) -> bool:
        """The token's one post of signatures; False if it was spent already."""
        return bool(AgentPairingDoc.objects(id=pairing_id, token_spent_at=None).update_one(set__token_spent_at=now))
