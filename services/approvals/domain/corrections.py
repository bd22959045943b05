"""Corrections (biên bản sửa dữ liệu, 001 Điều 11.3; 004 Điều 7.5).

Changing a record already approved or signed needs: a request with a reason (by the
submitter, the PHT or the principal) naming the new version → the principal's consent
(or refusal) → a correction record witnessed by the principal, the system admin
(quản trị) and the requester, each confirming in person → the new version supersedes
the old one, which stays readable. Every step is kept in ``trail``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from services.approvals.domain.errors import InvalidTransition, NotPermitted
from services.approvals.domain.submissions import Acting
from services.kernel.principal import Principal

REQUESTED, CONSENTED, REFUSED, APPLIED = "requested", "consented", "refused", "applied"
CORRECTABLE = frozenset({"approved", "signing", "signed", "issued"})
REQUESTER_ROLES = ("hieu_truong", "pho_hieu_truong")
WITNESS_ROLES = ("hieu_truong", "quan_tri", "requester")


@dataclass
class Correction:
    id: str
    tenant: str
    district: str
    submission_id: str
    requester: str
    reason: str
    new_version_id: str
    new_sha256: str
    created_at: datetime
    state: str = REQUESTED
    witnesses: list[dict] = field(default_factory=list)  # {role, person, confirmed_at}
    trail: list[dict] = field(default_factory=list)

    @classmethod
    def request(cls, *, id: str, actor: Principal, submission_state: str, submitter: str, submission_id: str,
                reason: str, version_id: str, sha256: str, now: datetime) -> "Correction":
        if submission_state not in CORRECTABLE:
            raise InvalidTransition("Chỉ lập biên bản sửa dữ liệu cho hồ sơ đã duyệt hoặc đã ký.", field="submission_id")
        if actor.sub != submitter and not any(actor.has_role(r) for r in REQUESTER_ROLES):
            raise NotPermitted("Chỉ người nộp hồ sơ hoặc lãnh đạo trường mới được đề nghị sửa dữ liệu.")
        if not reason.strip():
            raise InvalidTransition("Đề nghị sửa dữ liệu phải nêu lý do.", field="reason")
        c = cls(id, actor.tenant or "", actor.district or "", submission_id, actor.sub, reason.strip(), version_id,
                sha256, now)
        c.trail.append({"action": "requested", "by": actor.sub, "at": now, "reason": c.reason,
                        "version_id": version_id})
        return c

    def decide(self, actor: Principal, consent: bool, comment: str | None, now: datetime) -> Acting:
        if self.state != REQUESTED:
            raise InvalidTransition("Đề nghị này đã được hiệu trưởng xem xét.", field="state")
        allowed, for_whom = actor.may_act_as("hieu_truong", None, None, now=int(now.timestamp()))
        if not allowed:
            raise NotPermitted("Chỉ hiệu trưởng mới được đồng ý sửa dữ liệu.")
        acting = Acting(actor.sub, for_whom, "hieu_truong")
        self.state = CONSENTED if consent else REFUSED
        self.trail.append({"action": self.state, "by": actor.sub, "on_behalf_of": for_whom, "at": now,
                           "comment": comment})
        if consent:
            self.witnesses = [{"role": "hieu_truong", "person": for_whom or actor.sub, "confirmed_at": None},
                              {"role": "quan_tri", "person": None, "confirmed_at": None},
                              {"role": "requester", "person": self.requester, "confirmed_at": None}]
        return acting

    def confirm(self, actor: Principal, now: datetime) -> tuple[Acting, bool]:
        """A witness confirms the record; True when this was the last confirmation."""
        if self.state != CONSENTED:
            raise InvalidTransition("Biên bản chưa được hiệu trưởng đồng ý hoặc đã hoàn tất.", field="state")
        for w in self.witnesses:
            if w["confirmed_at"] is not None:
                continue
            mine = (w["person"] == actor.sub) if w["person"] else actor.has_role(w["role"])
            if mine and not (w["role"] == "quan_tri" and actor.sub in (self.requester,)):
                w["person"], w["confirmed_at"] = actor.sub, now
                self.trail.append({"action": "confirmed", "role": w["role"], "by": actor.sub, "at": now})
                done = all(x["confirmed_at"] is not None for x in self.witnesses)
                if done:
                    self.state = APPLIED
                    self.trail.append({"action": "applied", "at": now, "version_id": self.new_version_id})
                return Acting(actor.sub, None, w["role"]), done
        raise NotPermitted("Bạn không phải người chứng kiến còn phải xác nhận biên bản này.")
